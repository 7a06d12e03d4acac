"""The overview of many inputs in the delegate's item workspace, and "Gebruik in
standpunt": a group's sentence (taken verbatim from one of its inputs) goes into the
delegate's draft through the autosave, and the group's inputs are marked verwerkt.

The overview is computed from the item's live inputs (overview_cluster.py) and kept per
item, keyed by those inputs' ids and update times: a reload, or marking an input, does
not compute it again; new, edited or withdrawn input does."""

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select

from consult.accounts.models import User
from consult.comments.models import Comment, Mark
from consult.extensions import db
from consult.meetings.models import AgendaItem
from consult.statements import services
from consult.statements.overview_cluster import Entry, Group, Overview, build_overview

CACHE_SIZE = 64  # items per worker process; one overview is a few kilobytes
_cache: OrderedDict[tuple, Overview] = OrderedDict()
_lock = threading.Lock()

GONE = ("Deze groep bestaat niet meer: er is intussen inbreng bijgekomen, gewijzigd of "
        "ingetrokken. Bekijk het overzicht opnieuw.")


def entry(comment: Comment) -> Entry:
    author = comment.author
    return Entry(id=comment.id, text=comment.text, kind=comment.kind.value,
                 region=author.region.name if author.region else "",
                 place=author.municipality or author.name)


def cache_key(item: AgendaItem, comments: list[Comment]) -> tuple:
    return (item.id, tuple((c.id, c.updated_at.isoformat()) for c in comments))


def item_overview(item: AgendaItem, comments: list[Comment] | None = None) -> Overview:
    """The overview of all live input on the item (`comments`: that input, if loaded)."""
    if comments is None:
        comments = services.filtered_comments(item)
    key = cache_key(item, comments)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    overview = build_overview([entry(c) for c in comments])
    with _lock:
        _cache[key] = overview
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return overview


def clear_cache() -> None:
    with _lock:
        _cache.clear()


@dataclass
class Used:
    """What "Gebruik in standpunt" did."""

    group: Group
    added: bool  # False: the sentence was already in the draft
    marked: list[Comment]


def use_group(item: AgendaItem, delegate: User, key: str, text: str | None = None,
              base_revision_id: int | None = None) -> Used:
    """Add the group's sentence to the delegate's draft and mark its inputs verwerkt.
    `text` and `base_revision_id` are what the editor shows now (with htmx: typed but
    perhaps not yet autosaved); without them the draft, or else the statement. The text
    keeps its base revision, so saving it later still meets a conflict if someone else
    saved in between: nothing is overwritten and no revision is made here."""
    services.require(services.statements_editable(item.meeting), services.READ_ONLY)
    group = next((g for g in item_overview(item).groups if g.key == key), None)
    services.require(group is not None, GONE)
    statement = services.statement_for(item)
    services.require_draft_status(statement)
    if text is None:
        draft = services.draft_of(statement, delegate)
        text = draft.text if draft else statement.text
        base_revision_id = draft.base_revision_id if draft else statement.current_revision_id
    text = (text or "").rstrip()
    added = group.sentence not in text
    if added:
        text = f"{text}\n\n{group.sentence}" if text else group.sentence
    services.autosave(statement, delegate, text, base_revision_id)
    marked = list(db.session.scalars(select(Comment).where(
        Comment.id.in_(group.ids), Comment.item_id == item.id, Comment.withdrawn_at.is_(None))))
    for comment in marked:
        services.mark_comment(delegate, comment, Mark.USED)
    return Used(group, added, marked)


@dataclass
class GroupView:
    """A group with its inputs, for the page."""

    group: Group
    comments: list[Comment]

    @property
    def source(self) -> Comment | None:
        """The input the representative sentence was taken from."""
        return next((c for c in self.comments if c.id == self.group.source_id), None)

    @property
    def used(self) -> bool:
        return all(c.mark == Mark.USED for c in self.comments)

    def duplicates(self) -> list[list[Comment]]:
        by_id = {c.id: c for c in self.comments}
        return [[by_id[i] for i in ids if i in by_id] for ids in self.group.duplicates]


def overview_context(item: AgendaItem, comments: list[Comment]) -> dict:
    """The overview part of the workspace: groups with their inputs, and "overig"."""
    overview = item_overview(item, comments)
    by_id = {c.id: c for c in comments}
    groups = [GroupView(g, [by_id[i] for i in g.ids if i in by_id]) for g in overview.groups]
    return {"overview": overview, "overview_groups": groups,
            "overview_other": [by_id[i] for i in overview.other if i in by_id]}
