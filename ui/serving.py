"""Serving a public Space for weeks: a request's body is bounded before it is read, and nothing of a
visitor's stays on disk when the server stops."""

from __future__ import annotations

import shutil
import signal
import sys
from pathlib import Path

from starlette.middleware import Middleware

from rnn_demo import limits

MAX_BODY_BYTES = 4 * 1024 * 1024  # an API call or a page event (the largest: a 50,000-row table, ~1.5 MB)
UPLOAD_PATH = "/gradio_api/upload"
MAX_UPLOAD_BODY = limits.MAX_UPLOAD_BYTES * 4 + 1024 * 1024  # Gradio's own upload limit, and the form's overhead


class BodyLimit:
    """ASGI middleware: a body over its path's limit gets 413, from its declared length or, for a body
    sent in chunks, as soon as the bytes read pass the limit (nothing more is read)."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES, upload_limit: int = MAX_UPLOAD_BODY):
        self.app, self.limit, self.upload_limit = app, limit, upload_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.upload_limit if scope["path"].endswith(UPLOAD_PATH) else self.limit
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await refuse(send, limit)
        if declared is not None or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)  # the server reads no more than it declared
        # Sent in chunks, with no length: read up to the limit here, then hand the app what was read.
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            size, more = size + len(chunks[-1]), message.get("more_body", False)
            if size > limit:
                return await refuse(send, limit)
        body = b"".join(chunks)

        async def replay():
            nonlocal body
            if body is None:
                return await receive()  # after the body: the client's disconnect, when it comes
            message, body = {"type": "http.request", "body": body, "more_body": False}, None
            return message

        await self.app(scope, replay, send)


async def refuse(send, limit: int) -> None:
    body = f"request body over {limit // (1024 * 1024)} MB".encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def app_kwargs() -> dict:
    """For demo.launch(app_kwargs=...): the FastAPI app starts with the body limit in place."""
    return {"middleware": [Middleware(BodyLimit)]}


def remove_on_exit(folder: Path) -> None:
    """SIGTERM (a Space stopping) and SIGINT remove `folder` (the visitors' files) before the process
    ends; atexit alone does not run on SIGTERM."""
    def handler(signum, frame):
        shutil.rmtree(folder, ignore_errors=True)
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
