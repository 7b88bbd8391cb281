"""Request-level guards of the rater app: a body-size limit enforced before parsing, the client address.

:class:`BodyLimit` is plain ASGI middleware: a request whose ``Content-Length`` exceeds the limit is
answered 413 without reading its body; a chunked (or lying) body is counted while it streams and cut
off at the limit.  Bodies within the limit are buffered (at most ``max_bytes``) and replayed to the app,
so nothing downstream ever sees more than ``max_bytes``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MAX_BODY = 64 * 1024  # bytes; a vote is about 250 bytes


async def _reply(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413 before the app reads or parses them."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY):
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be >= 1, got {max_bytes}")
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_large = f"request body too large (limit {self.max_bytes} bytes)"
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _reply(send, 400, "malformed Content-Length")
                return
            if int(declared) > self.max_bytes:
                await _reply(send, 413, too_large)
                return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_bytes:
                await _reply(send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the disconnect as usual
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def client_address(request: Request, header: str = "") -> str:
    """The client's address: the last entry of ``header`` (set by your own reverse proxy, e.g.
    ``X-Forwarded-For``) when configured and present, else the TCP peer."""
    if header:
        value = request.headers.get(header, "")
        if value.strip():
            return value.split(",")[-1].strip()[:64]
    return request.client.host if request.client else ""
