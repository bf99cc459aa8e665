"""`Guard`: the ASGI middleware every request passes: bearer token, body size limit, and request metrics."""

from __future__ import annotations

import asyncio
import hmac
import re
import time
from collections.abc import Callable

from .metrics import Metrics

__all__ = ["Guard", "OPEN_PATHS"]

OPEN_PATHS = frozenset({"/", "/healthz", "/readyz"})  # the page holds no data; probes come without credentials
Refuse = Callable[[int, str, str, dict[str, str] | None], object]  # (status, code, message, headers) -> response


class Guard:
    """Refuses a request without `Authorization: Bearer TOKEN` (when a token is set) with 401 and a body over
    `max_body_bytes` with 413, before the app reads it; counts and times every request by route."""

    def __init__(self, app, token: str | None, max_body_bytes: int, metrics: Metrics, routes: set[str],
                 refuse: Refuse, timeout_s: float) -> None:
        self.app, self.max_body_bytes, self.metrics, self.timeout_s = app, max_body_bytes, metrics, timeout_s
        # the label of a path in metrics: its route ("/v1/scenes/{scene_id}"), or "other" for unknown paths
        self.routes = [(re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(r)) + "$"), r)
                       for r in sorted(routes)]
        self.expected = f"Bearer {token}".encode() if token else None
        self.refuse = refuse

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), [500]

        async def counted(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self._serve(scope, receive, counted)
        finally:
            path = next((route for pattern, route in self.routes if pattern.match(scope["path"])), "other")
            self.metrics.request(scope["method"], path, status[0], time.perf_counter() - start)

    async def _serve(self, scope, receive, send) -> None:
        if self.expected is not None and scope["path"] not in OPEN_PATHS and not self._authorised(scope):
            response = self.refuse(401, "unauthorized", "this server needs the header `Authorization: Bearer "
                                                        "TOKEN`", {"WWW-Authenticate": "Bearer"})
            await response(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:   # refused before a byte of it is read
            body = None
        else:
            try:
                async with asyncio.timeout(self.timeout_s):
                    body = await _read_body(receive, self.max_body_bytes)
            except TimeoutError:   # a body that stops coming (a half-sent request) does not hold its connection
                response = self.refuse(408, "body_timeout", f"the request body did not arrive within "
                                                            f"{self.timeout_s} s", {"Connection": "close"})
                await response(scope, receive, send)
                return
        if body is None:
            response = self.refuse(413, "body_too_large", f"the request body is over the limit of "
                                                          f"{self.max_body_bytes} bytes", None)
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _authorised(self, scope) -> bool:
        given = dict(scope["headers"]).get(b"authorization", b"")
        return hmac.compare_digest(given, self.expected)


async def _read_body(receive, limit: int) -> bytes | None:
    """The whole request body, or None as soon as it is longer than `limit`."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)  # the client went away: the app will see an empty or partial body
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            return None
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive):
    sent = False

    async def replayed() -> dict:
        nonlocal sent
        if sent:
            return await receive()  # after the body: wait for the disconnect, as the server would
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
