"""A local SMTP server for tests that deliver email over the wire (aiosmtpd, 127.0.0.1)."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller


class Inbox:
    """What the server received, each message as sent."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []

    async def handle_DATA(self, _server, _session, envelope) -> str:
        self.raw.append(envelope.content)
        return "250 OK"

    def parsed(self) -> list[Message]:
        return [message_from_bytes(raw) for raw in self.raw]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(port: int | None = None, inbox: Inbox | None = None
                ) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on `port` (a free one by default) for the block; its inbox and port."""
    inbox = inbox or Inbox()
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
