"""Talking to a Gradio 6 app over plain HTTP, the way its REST API and its own page do.

Two protocols, both a POST that queues an event and a GET that streams its messages (SSE):
- REST (`/gradio_api/call/NAME`, then `/gradio_api/call/NAME/EVENT_ID`): what a script uses;
  the stream carries `event: generating|complete|error` and the outputs.
- The page's queue (`/gradio_api/queue/join`, then `/gradio_api/queue/data?session_hash=...`):
  what the browser uses. Every event of one session streams through one connection, and while
  an event waits the server sends `estimation` messages with its place in the queue and an ETA.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from gradio_client.utils import apply_diff

API = "gradio_api/"


def new_session() -> str:
    """A fresh session hash: a new browser tab (its own gr.State values)."""
    return secrets.token_hex(6)


def _sse(response: httpx.Response) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of a server-sent-events stream; event is "" when the server names none."""
    event, data = "", []
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            yield event, "\n".join(data)
            event, data = "", []


def call(http: httpx.Client, url: str, api_name: str, data: list, session: str | None = None) -> list:
    """Call an endpoint over REST and return its last outputs; a failure raises RuntimeError."""
    body = {"data": data} | ({"session_hash": session} if session else {})
    posted = http.post(f"{url}{API}call/{api_name}", json=body)
    posted.raise_for_status()
    event_id = posted.json()["event_id"]
    outputs = None
    with http.stream("GET", f"{url}{API}call/{api_name}/{event_id}") as stream:
        for event, payload in _sse(stream):
            if event == "error":
                raise RuntimeError(f"/{api_name} answered an error: {payload[:200]}")
            if event in ("generating", "complete"):
                outputs = json.loads(payload)
            if event == "complete":
                return outputs
    raise RuntimeError(f"/{api_name}: the stream ended without an answer")


@dataclass
class QueuedEvent:
    """What one event saw through the page's queue protocol."""

    fn_index: int
    event_id: str = ""
    ranks: list[int] = field(default_factory=list)  # its place in the queue, from each estimation (0 = next)
    etas: list[float] = field(default_factory=list)  # the server's estimates of the wait, seconds
    joined_at: float = 0.0  # perf_counter when it was queued
    started_at: float | None = None  # ... and when it started running
    outputs: list | None = None  # the last outputs streamed (the final ones once done)
    error: str | None = None
    done: bool = False

    @property
    def waited_s(self) -> float:
        """Seconds from joining the queue to starting (0 if it never started)."""
        return 0.0 if self.started_at is None else self.started_at - self.joined_at


class Page:
    """One browser tab: a session hash, the app's config, and the page's queue protocol."""

    def __init__(self, http: httpx.Client, url: str, config: dict, session: str | None = None):
        self.http, self.url, self.config = http, url, config
        self.session = session or new_session()
        self.components = {c["id"]: c for c in config["components"]}
        self.dependencies = {d["id"]: d for d in config["dependencies"]}

    def inputs(self, fn_index: int, overrides: dict[str, Any] | None = None) -> list:
        """The values the page sends for an event: each input's shown value (a State sends None,
        the server holds it); `overrides` maps an input's label (or type) to another value."""
        overrides = overrides or {}
        values = []
        for cid in self.dependencies[fn_index]["inputs"]:
            component = self.components[cid]
            props = component.get("props", {})
            name = props.get("label") or component["type"]
            value = None if component["type"] == "state" else props.get("value")
            values.append(overrides.get(name, overrides.get(component["type"], value)))
        return values

    def join(self, fn_index: int, data: list) -> QueuedEvent:
        joined_at = time.perf_counter()
        posted = self.http.post(f"{self.url}{API}queue/join", json={
            "data": data, "fn_index": fn_index, "session_hash": self.session, "event_data": None,
            "trigger_id": None})
        posted.raise_for_status()
        return QueuedEvent(fn_index, posted.json()["event_id"], joined_at=joined_at)

    def follow(self, events: list[QueuedEvent]) -> list[QueuedEvent]:
        """Read this session's stream until every event joined so far has completed."""
        by_id = {e.event_id: e for e in events}
        with self.http.stream("GET", f"{self.url}{API}queue/data", params={"session_hash": self.session}) as stream:
            for _, payload in _sse(stream):
                message = json.loads(payload)
                event = by_id.get(message.get("event_id"))
                if message.get("msg") == "close_stream" or (event is None and message.get("msg") == "unexpected_error"):
                    break
                if event is not None:
                    _take(event, message)
                if all(e.done for e in events):
                    break
        return events

    def run(self, fn_index: int, data: list) -> QueuedEvent:
        """Join one event and follow it to its end."""
        return self.follow([self.join(fn_index, data)])[0]


class Tab(Page):
    """A page that reads its session's stream as the browser does: one connection while any of its
    events is pending, left only when the server closes it (close_stream), each message given to its
    event by id. Page.follow leaves as soon as its own events are done, and the server takes a session
    stream's disconnect as the tab's close: it drops every queued event of the session (Queue.clean_events),
    so a member's queued /train answered 404 when its page's poll ended first."""

    def __init__(self, http: httpx.Client, url: str, config: dict, session: str | None = None):
        super().__init__(http, url, config, session)
        self._events: dict[str, QueuedEvent] = {}
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None

    def submit(self, fn_index: int, data: list) -> QueuedEvent:
        """Join an event; its messages arrive through the tab's one stream (wait() for its end)."""
        event = self.join(fn_index, data)
        with self._lock:
            self._events[event.event_id] = event
            if self._reader is None:
                self._reader = threading.Thread(target=self._read, daemon=True)
                self._reader.start()
        return event

    def wait(self, event: QueuedEvent, timeout: float) -> QueuedEvent:
        deadline = time.monotonic() + timeout
        while not event.done and time.monotonic() < deadline:
            time.sleep(0.05)
        if not event.done:
            event.error = event.error or f"no answer in {timeout:g} s"
        return event

    def _read(self) -> None:
        with httpx.Client(timeout=self.http.timeout) as http:
            while True:
                try:
                    self._stream(http)
                except httpx.HTTPError as err:
                    self._fail(f"the stream broke: {err}")
                    return
                with self._lock:
                    if all(e.done for e in self._events.values()):
                        self._reader = None  # a later submit opens the stream again
                        return

    def _stream(self, http: httpx.Client) -> None:
        with http.stream("GET", f"{self.url}{API}queue/data", params={"session_hash": self.session}) as stream:
            for _, payload in _sse(stream):
                message = json.loads(payload)
                if message.get("msg") == "close_stream":
                    return
                event = self._events.get(message.get("event_id"))
                if event is not None:
                    _take(event, message)

    def _fail(self, why: str) -> None:
        with self._lock:
            for event in self._events.values():
                if not event.done:
                    event.error, event.done = why, True
            self._reader = None


def _take(event: QueuedEvent, message: dict) -> None:
    kind = message.get("msg")
    if kind == "estimation":
        if message.get("rank") is not None:
            event.ranks.append(message["rank"])
        if message.get("rank_eta") is not None:
            event.etas.append(message["rank_eta"])
    elif kind == "process_starts":
        event.started_at = time.perf_counter()
    elif kind in ("process_generating", "process_completed"):
        output = message.get("output") or {}
        if message.get("success") is False:
            event.error = str(output.get("error") or output)[:200]
        elif kind == "process_generating" and event.outputs is not None:
            # After its first message a generator streams each output as a diff against the last.
            event.outputs = [apply_diff(old, diff) for old, diff in zip(event.outputs, output["data"])]
        elif "data" in output:
            event.outputs = output["data"]
        event.done = kind == "process_completed"


def page_assets(html: str) -> list[str]:
    """The scripts and stylesheets a page's HTML names (relative to the app's root)."""
    return [path.lstrip("./") for path in re.findall(r'(?:src|href)="(\./assets/[^"]+)"', html)]


# An event is named by its dependency's id in the config (the queue's fn_index).


def fn_index(config: dict, api_name: str) -> int:
    for dependency in config["dependencies"]:
        if dependency.get("api_name") == api_name:
            return dependency["id"]
    raise RuntimeError(f"the app has no /{api_name} endpoint")


def load_events(config: dict) -> list[int]:
    """The events a page fires when it opens (demo.load) that run on the server."""
    return [d["id"] for d in config["dependencies"]
            if any(t[1] == "load" for t in d["targets"]) and d.get("backend_fn")]


def then_events(config: dict, after: int) -> list[int]:
    """The server events chained with .then() after one event."""
    return [d["id"] for d in config["dependencies"]
            if d.get("trigger_after") == after and d.get("backend_fn") and not d.get("trigger_only_on_failure")]
