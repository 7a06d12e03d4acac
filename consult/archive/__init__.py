"""The archive: past meetings, and a search across meetings, input, statements and
outcomes. It reads the tables of those domains, so it sits above them; the page itself
is a route of the meetings blueprint (meetings.archive)."""
