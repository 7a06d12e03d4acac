"""Receiving replies: an LMTP (or plain SMTP) listener for the organisation's mail server,
and an IMAP poller for a mailbox. Both store the raw message first (consult.mail.inbound)
and only then acknowledge it: 250 after the commit, \\Seen after the commit."""

import contextlib
import imaplib
import logging
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from flask import Flask, current_app

from consult.mail.inbound import store_raw

log = logging.getLogger("consult.mail.receiver")


class StoringHandler:
    """aiosmtpd handler: every message is stored (and committed) before the answer."""

    def __init__(self, app: Flask, source: str):
        self.app = app
        self.source = source

    async def handle_DATA(self, server, session, envelope):
        count = len(envelope.rcpt_tos) if self.source == "lmtp" else 1
        with self.app.app_context():
            try:
                created = store_raw(bytes(envelope.original_content or b""),
                                    source=self.source, envelope_from=envelope.mail_from,
                                    envelope_to=list(envelope.rcpt_tos))
            except Exception:  # noqa: BLE001 - any failure: the sender must try again
                log.exception("storing a received message failed")
                return answer("451 4.3.0 Tijdelijk niet opgeslagen, probeer later", count)
        text = "250 2.0.0 Opgeslagen" if created else "250 2.0.0 Al ontvangen"
        return answer(text, count)


def answer(line: str, count: int) -> str:
    """LMTP answers DATA once per recipient (RFC 2033); the message is stored once."""
    return "\r\n".join([line] * max(count, 1))


class ReceiverController(Controller):
    def __init__(self, app: Flask, *, lmtp: bool = True, **kwargs):
        self.lmtp = lmtp
        super().__init__(StoringHandler(app, "lmtp" if lmtp else "smtp"),
                         data_size_limit=app.config["MAIL_RECEIVE_MAX_BYTES"], **kwargs)

    def factory(self):
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)


def receiver(app: Flask, host: str | None = None, port: int | None = None,
             lmtp: bool = True) -> ReceiverController:
    """A listener (not yet started) on the configured address."""
    return ReceiverController(app, lmtp=lmtp,
                              hostname=host or app.config["MAIL_RECEIVE_HOST"],
                              port=port or app.config["MAIL_RECEIVE_PORT"])


# --- IMAP -------------------------------------------------------------------------------

def imap_connection() -> imaplib.IMAP4:
    config = current_app.config
    if config["IMAP_SSL"]:
        connection = imaplib.IMAP4_SSL(config["IMAP_HOST"], config["IMAP_PORT"],
                                       ssl_context=ssl.create_default_context(), timeout=30)
    else:
        connection = imaplib.IMAP4(config["IMAP_HOST"], config["IMAP_PORT"], timeout=30)
    connection.login(config["IMAP_USER"], config["IMAP_PASSWORD"])
    return connection


def poll_imap(limit: int = 100) -> int:
    """Store the mailbox's unseen messages; each is marked \\Seen only after its row is
    committed (a crash in between: fetched again next tick, and the dedup stores it
    once). Returns how many were new. Without IMAP_HOST: nothing (0)."""
    if not current_app.config["IMAP_HOST"]:
        return 0
    stored = 0
    connection = imap_connection()
    try:
        status, _ = connection.select(current_app.config["IMAP_FOLDER"])
        if status != "OK":
            raise imaplib.IMAP4.error(f"folder {current_app.config['IMAP_FOLDER']} not found")
        _, data = connection.uid("SEARCH", None, "UNSEEN")
        for uid in (data[0] or b"").split()[:limit]:
            stored += fetch_one(connection, uid)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            connection.logout()
    return stored


def fetch_one(connection: imaplib.IMAP4, uid: bytes) -> int:
    # BODY.PEEK: fetching does not set \Seen; that waits for the commit.
    status, data = connection.uid("FETCH", uid, "(BODY.PEEK[])")
    raw = next((part[1] for part in data or () if isinstance(part, tuple)), None)
    if status != "OK" or raw is None:
        return 0
    created = store_raw(raw, source="imap")
    connection.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    return int(created)
