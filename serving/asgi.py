"""Serving a public Space for weeks: every session ends, a request's body is bounded before it is
read, and nothing of a visitor's stays on disk when the server stops.

Why the sweep: Gradio arms a gr.State's time_to_live only when a handler *returns* the state
(gradio/state_holder.py, SessionState.__setitem__), and this app changes its Session in place, so
no session, from a page or from gradio_client or MCP, ever expired, and each kept its model.
Gradio does note every session's last request (StateHolder.time_last_used): a session idle for
SESSION_TTL seconds is ended here, its gr.State delete_callbacks run, its entry dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import datetime
import gc
import os
import shutil
import signal
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from rnn_demo import limits

# How long a session may sit idle before it ends (a page's tab, an API client: the same).
SESSION_TTL = float(os.environ.get("RNN_NAMES_SESSION_TTL", "3600"))
SWEEP_SECONDS = max(1.0, min(60.0, SESSION_TTL / 4))  # how often idle sessions are looked for

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


def end_idle_sessions(holder, ttl: float = SESSION_TTL, busy: set = frozenset(),
                      now: datetime.datetime | None = None) -> int:
    """End each session of Gradio's StateHolder whose last request is over `ttl` seconds old and that
    has no event queued or running (`busy`: a training's worker may take seconds before its first
    event): every gr.State's delete_callback gets its value, and the session is forgotten (a later
    request from it starts afresh). Returns how many ended."""
    now = now or datetime.datetime.now()
    ended = 0
    for session_hash, last_used in list(holder.time_last_used.items()):
        if (now - last_used).total_seconds() <= ttl or session_hash in busy:
            continue
        with holder.lock:
            holder.time_last_used.pop(session_hash, None)
            session = holder.session_data.pop(session_hash, None)
        if session is None:
            continue
        for key, value in list(session.state_data.items()):
            block = session.blocks_config.blocks.get(key)
            if isinstance(block, gr.State):
                try:
                    block.delete_callback(value)
                except Exception as err:  # noqa: BLE001 - the others are still freed, the sweep goes on
                    print(f"a session's delete_callback failed: {err!r}", flush=True)
        ended += 1
    return ended


def give_memory_back() -> None:
    """The freed models' memory back to the system, not only to Python's and the C library's free lists."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # glibc only (Linux, as on a Space)


async def sweep_sessions(app) -> None:
    """Every SWEEP_SECONDS, in the server's event loop (where requests use the sessions too)."""
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        events = list(app.get_blocks()._queue.event_ids_to_events.values())  # queued or running
        ended = end_idle_sessions(app.state_holder, busy={event.session_hash for event in events})
        if ended:
            give_memory_back()
            print(f"{ended} idle session(s) ended", flush=True)


SERVING: list = []  # the Blocks being served, for the signal handler to close


@contextlib.asynccontextmanager
async def lifespan(app):
    """While the server runs, idle sessions are swept (Gradio passes its App, which holds the sessions)."""
    task = asyncio.create_task(sweep_sessions(app))
    SERVING.append(app.get_blocks())
    try:
        yield
    finally:
        task.cancel()
        SERVING.remove(app.get_blocks())


def app_kwargs() -> dict:
    """For demo.launch(app_kwargs=...): the FastAPI app starts with the body limit and the sweep."""
    return {"middleware": [Middleware(BodyLimit)], "lifespan": lifespan}


def remove_on_exit(folder: Path) -> None:
    """SIGTERM (a Space stopping) and SIGINT remove `folder` (the visitors' files) at once, then close
    the server as demo.close() does: open pages' heartbeats end first, so the server stops at once and
    Gradio empties its cache of uploads and downloads (delete_cache); demo.launch() returns and atexit
    runs. Python's default SIGTERM ends the process with none of that, and Ctrl-C's way (Gradio closes
    only the server) waits 5 s for open pages, then exits before the cache is emptied."""
    def handler(signum, frame):
        shutil.rmtree(folder, ignore_errors=True)
        running = [blocks for blocks in SERVING if blocks.is_running]
        if not running:
            raise KeyboardInterrupt  # not serving yet, or a second signal while closing: stop now
        for blocks in running:
            blocks.close()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
