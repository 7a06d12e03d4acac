"""Delivery over SMTP, with the timeouts RFC 5321 §4.5.3.2 advises: a command timeout
(MAIL_TIMEOUT) for connecting and every command, and a longer one (MAIL_DATA_TIMEOUT,
10 minutes) for the answer to the final "." of a message. A timeout or a dropped
connection after that "." leaves the outcome unknown: the server may have taken the
message, so it is never retried blindly (DeliveryError.unknown)."""

import logging
import re
import smtplib
import ssl
from email.utils import parseaddr

from consult.mail.models import OutboxMessage

log = logging.getLogger("consult.mail")


class DeliveryError(Exception):
    """A failed delivery; `permanent` ones (SMTP 5xx) are not retried. `unavailable`
    ones (no connection, a failed login) would fail the same way for every message.
    `unknown`: the message was handed over but no answer came; it may have arrived."""

    def __init__(self, text: str, permanent: bool = False, unavailable: bool = False,
                 unknown: bool = False):
        super().__init__(text)
        self.permanent = permanent
        self.unavailable = unavailable
        self.unknown = unknown


class DataTimeout:
    """smtplib's DATA step with its own timeout for the final answer, and a flag saying
    whether the whole message was handed over (`content_sent`)."""

    data_timeout: float = 600.0
    content_sent: bool = False

    def data(self, msg: bytes):
        self.content_sent = False
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        content = re.sub(rb"(?m)^\.", b"..", msg)  # dot-stuffing, as smtplib does
        if not content.endswith(b"\r\n"):
            content += b"\r\n"
        self.send(content + b".\r\n")
        self.content_sent = True
        self.sock.settimeout(self.data_timeout)
        try:
            return self.getreply()
        finally:
            if self.sock is not None:
                self.sock.settimeout(self.timeout)


class SMTP(DataTimeout, smtplib.SMTP):
    pass


class SMTP_SSL(DataTimeout, smtplib.SMTP_SSL):  # noqa: N801 (as smtplib names it)
    pass


def response_text(error: smtplib.SMTPResponseException) -> str:
    reply = error.smtp_error
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


class SmtpBackend:
    """Delivery over SMTP (MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS for STARTTLS, MAIL_USE_SSL,
    MAIL_USERNAME, MAIL_PASSWORD, MAIL_TIMEOUT, MAIL_DATA_TIMEOUT). One connection per
    delivery run, opened on the first message and dropped after any error.

    Temporary (retried): 4xx answers, refused or dropped connections, timeouts before the
    message was handed over, and a failed login or STARTTLS (a configuration to fix, not
    a bad message). Permanent: any other 5xx answer. Unknown: no answer to the final ".".
    """

    def __init__(self, config):
        self.config = config
        self.connection: SMTP | None = None

    def connect(self) -> SMTP:
        config = self.config
        host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
        timeout = float(config["MAIL_TIMEOUT"])
        if config["MAIL_USE_SSL"]:
            connection = SMTP_SSL(host, port, timeout=timeout,
                                  context=ssl.create_default_context())
        else:
            connection = SMTP(host, port, timeout=timeout)
            if config["MAIL_USE_TLS"]:
                connection.starttls(context=ssl.create_default_context())
        connection.data_timeout = float(config.get("MAIL_DATA_TIMEOUT") or 600)
        if config["MAIL_USERNAME"]:
            connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        return connection

    def send(self, message: OutboxMessage, data: bytes) -> None:
        sender = parseaddr(self.config["MAIL_FROM"])[1]
        try:
            if self.connection is None:
                self.connection = self.connect()
            self.connection.content_sent = False  # not this message's yet
            self.connection.sendmail(sender, [message.recipient], data)
        except Exception as error:
            handed_over = self.connection is not None and self.connection.content_sent
            self.close()
            raise self.delivery_error(error, handed_over) from error
        log.info("mail %s to %s sent over SMTP", message.kind, message.recipient)

    @staticmethod
    def delivery_error(error: Exception, handed_over: bool) -> Exception:
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _text in error.recipients.values()]
            return DeliveryError(f"ontvanger geweigerd: {error.recipients}",
                                 permanent=all(code >= 500 for code in codes))
        if isinstance(error, smtplib.SMTPAuthenticationError):
            return DeliveryError(f"inloggen bij de mailserver mislukt: {error}",
                                 unavailable=True)
        if isinstance(error, smtplib.SMTPResponseException):
            return DeliveryError(f"{error.smtp_code} {response_text(error)}",
                                 permanent=500 <= error.smtp_code < 600)
        if not isinstance(error, smtplib.SMTPException | OSError):
            return error
        if handed_over:  # a timeout or a drop while waiting for the answer to "."
            return DeliveryError(
                f"geen antwoord van de mailserver na het versturen ({error}); het bericht "
                "is mogelijk toch aangekomen", unknown=True, unavailable=True)
        return DeliveryError(f"{type(error).__name__}: {error}", unavailable=True)

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
