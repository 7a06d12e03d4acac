"""A thread that shows a process is alive while it works: it calls `beat` (a database
update such as renewing a claim) every `interval` seconds, in an app context of its own.

Claims age in real time; a process that stops (crash, SIGKILL) stops beating with it, so
its claims age and another process takes the work up. One that is merely slow (a long
PDF, a slow SMTP server) keeps its claims."""

import logging
import threading

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from consult.extensions import db

log = logging.getLogger("consult.heartbeat")


class Heartbeat:
    def __init__(self, app: Flask, beat, interval: float, name: str = "heartbeat"):
        self.app, self.beat, self.interval, self.name = app, beat, max(interval, 0.05), name
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> "Heartbeat":
        self.thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join()

    def run(self) -> None:
        with self.app.app_context():
            while not self.stopped.wait(self.interval):
                try:
                    self.beat()
                    db.session.commit()
                except SQLAlchemyError:  # the next beat tries again
                    db.session.rollback()
                    log.exception("%s: beat failed", self.name)
            db.session.remove()
