"""On SQLite, one process delivers mail at a time.

SQLite has one write lock, and delivery commits every message's outcome on its own (so
that a crash resends at most the message in flight). Six processes delivering at once
(two schedulers, four ticks) queued for that lock at every message, and SQLite's busy
handler sleeps while it waits: together slower than one process alone. So a process
takes its turn with an exclusive flock on a file beside the database, which the
operating system releases when the process dies; whoever holds it delivers everything
that is due. PostgreSQL delivers in parallel (claims with SKIP LOCKED)."""

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine


@contextmanager
def delivery_turn(engine: Engine, wait_seconds: float, commit) -> Iterator[bool]:
    """True once it is this process's turn; False when another process kept delivering
    for `wait_seconds` (it delivers what is due, this one need not). Before it waits it
    calls `commit`: a process must not hold SQLite's write lock while it waits for the
    process that needs it."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        yield True
        return
    with open(f"{url.database}.delivery-turn", "a") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                commit()
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.05)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
