"""Load test, room scenario: a room of thirty training with its board open, while thirty other
clients classify; classify's p50 beside a bare Gradio app's (benchmarks/echo_app.py) in one run.

    python -m benchmarks.load_room --quick     # small trainings, one classify round (a few minutes on 2 cores)
    python -m benchmarks.load_room             # three rounds, trainings of the load test's full size

What runs against our app while the room classifies (as benchmarks/load_test.py's classify load:
30 clients, 10 names each in a row, over REST, p50/p95 per call):
- 30 members, each its own session, joined through /room_join, press Train (/train, each its own small
  table) within a few seconds: they queue, two at a time, and each training reports to the room;
- each member's page looking for news every 3 s (the member timer's event, through the page's queue);
- the instructor's board: /room_board every 2 s (the page redraws only on a change; the JSON is the heavier read).
Goal (issue 37): classify's p50 within 1.5x the echo app's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

from .common import ROOT, machine, percentile
from .gradio_http import Tab, call, fn_index, new_session
from .load_scenarios import TIMEOUT, classify_load, small_table, together
from .servers import AppProcess

ECHO_APP = Path(__file__).resolve().parent / "echo_app.py"
MEMBER_POLL_S, BOARD_POLL_S = 3.0, 2.0


def member_timer(config: dict) -> int:
    """The fn index of the member page's timer event (ui/room_panel.py: the 3-second timer's tick)."""
    timers = {c["id"] for c in config["components"] if c["type"] == "timer"
              and c.get("props", {}).get("value") == MEMBER_POLL_S}
    return next(d["id"] for d in config["dependencies"] if any(t[0] in timers for t in d["targets"]))


class Room:
    """An open room: its members train and poll, its board is read, all in background threads."""

    def __init__(self, url: str, config: dict, members: int, settings: dict, within_s: float):
        self.url, self.stopping, self.threads = url, threading.Event(), []
        self.board_ms, self.poll_ms, self.trained, self.problems = [], [], [], []
        with httpx.Client(timeout=TIMEOUT) as http:
            room = call(http, url, "room_open", [])[0]
            self.code, self.key = room["code"], room["key"]
            self.sessions = [new_session() for _ in range(members)]
            together(members, lambda i: call(http, url, "room_join", [self.code, f"member {i}"], self.sessions[i]))
        poll = member_timer(config)
        for i, session in enumerate(self.sessions):
            self._start(self._member, i, session, settings, within_s * i / members, config, poll)
        self._start(self._board)

    def _start(self, fn, *args) -> None:
        thread = threading.Thread(target=fn, args=args, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _member(self, i: int, session: str, settings: dict, delay: float, config: dict, poll: int) -> None:
        """Train through the page's queue, as the Train button does, while the page polls for news: one
        tab, one stream (a REST call beside a page stream on one session had its queued training dropped
        when the poll's stream ended: 404)."""
        time.sleep(delay)
        with httpx.Client(timeout=TIMEOUT) as http:
            tab = Tab(http, self.url, config, session)
            try:
                training = tab.submit(fn_index(config, "train"), [None, small_table(i), settings])
            except httpx.HTTPError as err:
                self.problems.append(f"member {i}: {err}")
                return
            while not training.done and not self.stopping.wait(MEMBER_POLL_S):
                start = time.perf_counter()
                try:
                    news = tab.wait(tab.submit(poll, tab.inputs(poll)), TIMEOUT.read)
                except httpx.HTTPError:
                    continue  # the app stopped
                if news.done and not news.error:
                    self.poll_ms.append(1e3 * (time.perf_counter() - start))
            tab.wait(training, 0 if self.stopping.is_set() else TIMEOUT.read)
            if training.error is None and training.outputs is not None:
                self.trained.append(i)
            elif not self.stopping.is_set():  # after the figures, the app stops under the queued trainings
                self.problems.append(f"member {i}: {training.error}")

    def _board(self) -> None:
        with httpx.Client(timeout=TIMEOUT) as http:
            while not self.stopping.wait(BOARD_POLL_S):
                start = time.perf_counter()
                try:
                    call(http, self.url, "room_board", [self.key])
                    self.board_ms.append(1e3 * (time.perf_counter() - start))
                except (httpx.HTTPError, RuntimeError) as err:
                    self.problems.append(f"board: {err}")

    def finished_runs(self) -> int:
        with httpx.Client(timeout=TIMEOUT) as http:
            board = call(http, self.url, "room_board", [self.key])[0]
        return sum(run["status"] == "finished" for member in board["members"] for run in member["runs"])

    def stop(self) -> None:
        self.stopping.set()


def run(quick: bool, members: int, clients: int, names_each: int, log) -> dict:
    rounds = 1 if quick else 3
    settings = {"epochs": 30, "hidden": 32} if quick else {"epochs": 10, "hidden": 128}
    echo = AppProcess(ECHO_APP, ROOT, timeout_s=400)
    try:
        classify_load(echo.url, 3, 3)
        log("echo app: the clients classify")
        echo_latency = classify_load(echo.url, clients, names_each, rounds)
    finally:
        echo.stop()
    app = AppProcess(ROOT / "app.py", ROOT, timeout_s=400)  # a loaded 2-core machine starts it slowly
    try:
        config = httpx.get(app.url + "config", timeout=60).json()
        classify_load(app.url, 3, 3)
        log(f"our app: a room of {members} joins and trains, its board open")
        room = Room(app.url, config, members, settings, within_s=3.0)
        time.sleep(5)  # the first trainings under way, the pages polling
        log("our app: the clients classify beside the room")
        latency = classify_load(app.url, clients, names_each, rounds)
        finished_while = room.finished_runs()
        room.stop()
    finally:
        app.stop()
    return {"machine": machine(), "members": members, "settings": settings, "echo": echo_latency, "room": latency,
            "ratio_p50": latency.p50_ms / echo_latency.p50_ms, "ratio_p95": latency.p95_ms / echo_latency.p95_ms,
            "finished_while": finished_while, "board_ms": room.board_ms, "poll_ms": room.poll_ms,
            "problems": room.problems}


def print_report(f: dict, clients: int, names_each: int) -> None:
    m = f["machine"]
    print(f"Machine: {m['cpu']}, {m['cores']} cores; load average {m['load_average'][0]} at start")
    print(f"Room scenario: {f['members']} members joined, trainings queued ({f['settings']}, 50 names each), "
          f"their pages polling every {MEMBER_POLL_S:g} s, the board read every {BOARD_POLL_S:g} s; "
          f"{clients} other clients classify {names_each} names each in a row over REST")
    print(f"  {'':<28} {'p50 ms':>8} {'p95 ms':>8} {'failed':>8}")
    for what, lat in (("echo-only Gradio app", f["echo"]), ("our app with the room", f["room"])):
        print(f"  {what:<28} {lat.p50_ms:>8,.0f} {lat.p95_ms:>8,.0f} {lat.failed:>5}/{lat.calls}")
    print(f"  classify p50 = {f['ratio_p50']:.2f}x the echo app's (goal <= 1.5x), p95 = {f['ratio_p95']:.2f}x")
    for what, ms in (("board (/room_board)", f["board_ms"]), ("member news (timer)", f["poll_ms"])):
        if ms:
            print(f"  {what}: {len(ms)} reads, p50 {statistics.median(ms):,.0f} ms, p95 {percentile(ms, 0.95):,.0f} ms")
    print(f"  runs finished on the board while classify was measured: {f['finished_while']}")
    for problem in f["problems"][:10]:
        print(f"  problem: {problem}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load_room", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small trainings, one classify round")
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--names-each", type=int, default=10)
    args = parser.parse_args(argv)
    begin = time.perf_counter()
    figures = run(args.quick, args.members, args.clients, args.names_each,
                  lambda what: print(f"[{time.perf_counter() - begin:5.1f} s] {what}", file=sys.stderr))
    print_report(figures, args.clients, args.names_each)
    return 1 if figures["problems"] or figures["room"].failed else 0


if __name__ == "__main__":
    sys.exit(main())
