"""The load test's scenarios, each against an app already running at `url`: a room of clients
classifying, sessions opening the page at once, and trainings queued at once."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from .common import percentile
from .gradio_http import Page, QueuedEvent, call, fn_index, load_events, new_session, page_assets, then_events

NAMES = ["Nakamura", "Kowalski", "Dvořák", "O'Neill", "Papadopoulos", "Nguyen", "Schmidt", "Rossi", "Ivanov", "Kim"]
WAITED_S = 1.0  # a training that started later than this after its press was held in the queue
TIMEOUT = httpx.Timeout(300, connect=30)  # a queued training may wait minutes for its answer


@dataclass
class Latency:
    """Classify calls timed one by one (POST the name, read the answer's stream)."""

    calls: int
    failed: int
    p50_ms: float
    p95_ms: float


@dataclass
class PageLoads:
    """Sessions opening the page at once, each until its first classify answers."""

    sessions: int
    working: int  # sessions whose classify answered with a label
    p50_s: float
    max_s: float  # the slowest session's time from opening the page to its first answer
    html_max_s: float  # ... of which the slowest HTML and assets (the rest: load events, classify)


@dataclass
class QueuedTrainings:
    """Clients pressing Train within a few seconds, each with its own small table."""

    trainings: int
    finished: int  # ended with a "Finished" status
    own_labels: int  # afterwards, classify answered with exactly that client's labels
    told_place: int  # of those that had to wait, how many were told their place in the queue
    had_to_wait: int
    told_estimate: int  # ... and an estimate of the wait
    max_place: int  # the furthest back anyone was told it stood (1 = next)
    last_finished_s: float  # from the first press to the last training's end
    longest_wait_s: float  # the longest time from pressing Train to its training starting
    problems: list[str]


def together(n: int, work: Callable[[int], None]) -> None:
    """Run work(0..n-1) in n threads that start at the same moment."""
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        barrier.wait()
        work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    [t.start() for t in threads]
    [t.join() for t in threads]


# ---------------------------------------------------------------------------------------------
# A room classifying


def classify_load(url: str, clients: int, names_each: int, rounds: int = 1) -> Latency:
    """`clients` sessions at once, each classifying `names_each` names in a row over REST; the room
    comes `rounds` times (new sessions each time), every call pooled: one round's p95 rests on a
    handful of calls and moves a lot between runs."""
    times, failed = [], []

    def client(i: int) -> None:
        session = new_session()
        with httpx.Client(timeout=TIMEOUT) as http:
            for k in range(names_each):
                start = time.perf_counter()
                try:
                    call(http, url, "classify", [NAMES[(i + k) % len(NAMES)]], session)
                    times.append(time.perf_counter() - start)
                except (httpx.HTTPError, RuntimeError) as err:
                    failed.append(str(err))

    for _ in range(rounds):
        together(clients, client)
    if not times:
        raise RuntimeError(f"every classify call failed: {failed[0]}")
    return Latency(len(times) + len(failed), len(failed), 1e3 * statistics.median(times), 1e3 * percentile(times, 0.95))


class Trainings:
    """Trainings running in the background, each in its own session, through the page's queue."""

    def __init__(self, url: str, config: dict, overrides: list[dict]):
        self.url, self.events, self.threads = url, [], []
        self.http = httpx.Client(timeout=TIMEOUT)
        self.pages = [Page(self.http, url, config) for _ in overrides]
        train = fn_index(config, "train")
        for page, override in zip(self.pages, overrides):
            event = page.join(train, page.inputs(train, override))
            self.events.append(event)
            thread = threading.Thread(target=page.follow, args=([event],), daemon=True)
            thread.start()
            self.threads.append(thread)

    def wait_until_training(self, timeout_s: float = 120) -> None:
        """Until every one streams epochs (its worker is up and batches run)."""
        deadline = time.perf_counter() + timeout_s
        while not all(e.outputs and str(e.outputs[1]).startswith("Epoch") for e in self.events):
            if any(e.error or e.done for e in self.events) or time.perf_counter() > deadline:
                raise RuntimeError(f"the trainings did not start: {[e.error or e.outputs for e in self.events]}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Press Stop in each session and wait for the trainings to report their end. Through the
        page's queue: the session's one stream, already being read, carries the answer."""
        for page in self.pages:
            stop = fn_index(page.config, "stop")
            page.join(stop, page.inputs(stop))
        [t.join(timeout=60) for t in self.threads]
        self.http.close()


# ---------------------------------------------------------------------------------------------
# Sessions opening the page at once


def open_page(http: httpx.Client, url: str, config: dict, html_seconds: list[float]) -> bool:
    """What a browser tab does: the HTML (which carries the config) and its assets, the page's load
    events and what they chain, then a first classify; True if that answered with a label."""
    start = time.perf_counter()
    html = http.get(url)
    html.raise_for_status()
    for asset in page_assets(html.text):
        http.get(url + asset).raise_for_status()
    html_seconds.append(time.perf_counter() - start)
    page = Page(http, url, config)
    pending = load_events(config)
    while pending:  # the load events at once, then whatever each chains with .then()
        done = page.follow([page.join(fn, page.inputs(fn)) for fn in pending])
        pending = [nxt for event in done if not event.error for nxt in then_events(config, event.fn_index)]
    classify = fn_index(config, "classify")
    answer = page.run(classify, page.inputs(classify, {"textbox": "Nakamura"}))
    return answer.error is None and isinstance((answer.outputs or [None])[0], dict) and "label" in answer.outputs[0]


def page_loads(url: str, config: dict, sessions: int) -> PageLoads:
    seconds, html_seconds, working = [], [], []

    def session(_: int) -> None:
        start = time.perf_counter()
        with httpx.Client(timeout=TIMEOUT) as http:
            try:
                working.append(open_page(http, url, config, html_seconds))
            except (httpx.HTTPError, RuntimeError):
                working.append(False)
        seconds.append(time.perf_counter() - start)

    together(sessions, session)
    return PageLoads(sessions, sum(working), statistics.median(seconds), max(seconds), max(html_seconds, default=0.0))


# ---------------------------------------------------------------------------------------------
# Trainings queued at once


def small_table(i: int) -> dict:
    """Client i's own table: two labels no other client has, easy to tell apart (50 names)."""
    rows = [[f"{x}{y}ski", f"Left{i}"] for x in "kmnpr" for y in "aeiou"]
    rows += [[f"{x}{y}moto", f"Right{i}"] for x in "kstnh" for y in "aeiou"]
    return {"headers": ["name", "label"], "data": rows, "metadata": None}


def queued_trainings(url: str, config: dict, n: int, within_s: float, settings: dict) -> QueuedTrainings:
    """n clients press Train, spread over within_s seconds; each then classifies with its model."""
    train = fn_index(config, "train")
    results: dict[int, tuple[QueuedEvent, float, float, set[str]]] = {}
    problems: list[str] = []
    begin = time.perf_counter()

    def client(i: int) -> None:
        time.sleep(within_s * i / n)
        with httpx.Client(timeout=TIMEOUT) as http:
            page = Page(http, url, config)
            pressed = time.perf_counter()
            try:
                event = page.run(train, page.inputs(train, {"table": small_table(i), "settings": settings}))
                finished = time.perf_counter() - begin
                answer = call(http, url, "classify", ["Kimoto"], page.session)[0]
                labels = {c["label"] for c in answer["confidences"]}
            except (httpx.HTTPError, RuntimeError, KeyError, TypeError) as err:
                problems.append(f"client {i}: {err}")
                return
            results[i] = (event, pressed - begin, finished, labels)

    together(n, client)
    return summarise_queue(n, results, problems)


def summarise_queue(n: int, results: dict, problems: list[str]) -> QueuedTrainings:
    """Count who finished, who got its own labels, who waited and what the queue told them."""
    figures = QueuedTrainings(n, 0, 0, 0, 0, 0, 0, 0.0, 0.0, problems)
    for i, (event, _, done_at, labels) in sorted(results.items()):
        mine = {f"Left{i}", f"Right{i}"}
        figures.finished += str((event.outputs or ["", ""])[1]).startswith("Finished")
        figures.own_labels += labels == mine
        if labels != mine:
            problems.append(f"client {i} was answered with labels {sorted(labels)}, not {sorted(mine)}")
        if event.error:
            problems.append(f"client {i}: {event.error}")
        if event.waited_s > WAITED_S or any(rank > 0 for rank in event.ranks):  # held behind other trainings
            figures.had_to_wait += 1
            figures.told_place += bool(event.ranks)
            figures.told_estimate += bool(event.etas)
        figures.max_place = max([figures.max_place] + [rank + 1 for rank in event.ranks])  # Gradio's rank 0 = next
        figures.last_finished_s = max(figures.last_finished_s, done_at)
        figures.longest_wait_s = max(figures.longest_wait_s, event.waited_s)
    return figures
