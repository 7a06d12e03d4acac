"""A real aiosmtpd server that answers slowly (issue 15, finding 4), shared by the test
(tests/test_mail_slow_fanout.py) and the benchmark B3s (tests/bench/bench_slow_smtp.py).

Every message is recorded when its DATA arrives (the server has it, whatever the client
does next); the answer to its final "." comes after `delay` seconds, and for every
`late_every`-th message after `late` seconds, longer than the client's MAIL_DATA_TIMEOUT."""

import asyncio
import socket
import threading
from collections import Counter
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller


class SlowHandler:
    def __init__(self, delay: float, late_every: int, late: float):
        self.delay, self.late_every, self.late = delay, late_every, late
        self.received: list[tuple[str, str]] = []  # (Message-ID, recipient), in arrival order
        self.late_ids: set[str] = set()  # Message-IDs answered after the client's timeout
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        headers = BytesParser(policy=policy.compat32).parsebytes(envelope.content, headersonly=True)
        message_id = str(headers["Message-ID"])
        with self.lock:
            self.received += [(message_id, recipient) for recipient in envelope.rcpt_tos]
            late = self.late_every > 0 and len(self.received) % self.late_every == 0
            if late:
                self.late_ids.add(message_id)
        await asyncio.sleep(self.late if late else self.delay)
        return "250 OK"

    def duplicates(self) -> tuple[int, int]:
        """(Message-IDs received more than once, recipients received more than once)."""
        with self.lock:
            ids = Counter(message_id for message_id, _ in self.received)
            recipients = Counter(recipient for _, recipient in self.received)
        return (sum(n - 1 for n in ids.values() if n > 1),
                sum(n - 1 for n in recipients.values() if n > 1))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(handler: SlowHandler) -> Controller:
    """On 127.0.0.1 at a free port; stop it with controller.stop()."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def outbox_id(message_id: str) -> int:
    """The outbox row of a Message-ID <consult.{id}.{hash}@domain>."""
    return int(message_id.strip("<>").split(".")[1])
