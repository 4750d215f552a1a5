"""Soak: does the server give back what sessions took? `python -m benchmarks.soak`

Starts the app with a short session expiry (RNN_NAMES_SESSION_TTL), then, for each round, runs
gradio_client sessions that classify, train a tiny model, classify with it and leave; it waits
until the server has ended them all (its "N idle session(s) ended" lines) and prints the resident
memory of the server and of its training workers at the start, at each round's end and after
expiry. A server that keeps what its sessions took grows round after round.
"""

from __future__ import annotations

import argparse
import os
import re
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import psutil
from gradio_client import Client

from .common import ROOT, machine
from .servers import AppProcess

warnings.filterwarnings("ignore")


def memory(app: AppProcess) -> tuple[float, float, int]:
    """(server MB, workers MB, workers): resident memory of the app and of its child processes."""
    server = psutil.Process(app.process.pid)
    workers = 0.0
    children = server.children(recursive=True)
    for child in children:
        try:
            workers += child.memory_info().rss
        except psutil.NoSuchProcess:  # a worker came or went while we counted
            pass
    return server.memory_info().rss / 2**20, workers / 2**20, len(children)


def one_session(url: str, hidden: int) -> None:
    """A visitor through the API: classify, train, classify with the new model, leave."""
    client = Client(url, verbose=False)
    try:
        client.predict("Nakamura", api_name="/classify")
        client.predict(None, {"epochs": 2, "hidden": hidden}, api_name="/train")
        client.predict("Nakamura", api_name="/classify")
    finally:
        client.close()


def ended_so_far(app: AppProcess) -> int:
    app.log.seek(0)
    return sum(int(n) for n in re.findall(r"^(\d+) idle session\(s\) ended", app.log.read(), re.MULTILINE))


def wait_for_expiry(app: AppProcess, expected: int, timeout_s: float) -> int:
    """Wait until the server has ended `expected` sessions in all; how many it ended."""
    deadline = time.monotonic() + timeout_s
    while ended_so_far(app) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(1)  # the sweep collects and trims right before it logs; let the figures settle
    return ended_so_far(app)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10, help="API sessions per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--at-once", type=int, default=2, help="sessions running at the same time")
    parser.add_argument("--hidden", type=int, default=16, help="hidden size of each session's model")
    parser.add_argument("--ttl", type=float, default=20, help="session expiry, seconds (RNN_NAMES_SESSION_TTL)")
    args = parser.parse_args(argv)

    os.environ["RNN_NAMES_SESSION_TTL"] = str(args.ttl)
    info = machine()
    print(f"Machine: {info['cpu']}, {info['cores']} cores, load average {info['load_average'][0]} at start")
    print(f"{args.rounds} round(s) of {args.sessions} gradio_client sessions ({args.at_once} at once), each "
          f"classifies, trains (2 epochs, hidden {args.hidden}) and leaves; sessions expire after {args.ttl:g} s idle")
    app = AppProcess(ROOT / "app.py", ROOT)
    started = time.perf_counter()
    try:
        time.sleep(1.5 * args.ttl + 2)  # the readiness check's own session ends first: not one of ours
        rows = [("start", *memory(app))]
        for round_ in range(1, args.rounds + 1):
            before = ended_so_far(app)
            with ThreadPoolExecutor(args.at_once) as pool:
                list(pool.map(lambda _: one_session(app.url, args.hidden), range(args.sessions)))
            rows.append((f"round {round_}: all left", *memory(app)))
            ended = wait_for_expiry(app, before + args.sessions, timeout_s=3 * args.ttl + 120) - before
            rows.append((f"round {round_}: expired ({ended} ended)", *memory(app)))
    finally:
        app.stop()
    print(f"\n{'':36} {'server MB':>10} {'workers MB':>11}")
    for label, server, workers, count in rows:
        print(f"{label:36} {server:10.1f} {workers:11.1f}  ({count} worker process(es))")
    start, last = rows[0][1], rows[-1][1]
    print(f"\nServer after the last expiry: {last - start:+.1f} MB from the start "
          f"(peak at a round's end {max(r[1] for r in rows) - start:+.1f} MB); ({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
