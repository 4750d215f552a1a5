"""Load test: a room of thirty against the app, beside a Gradio app that only echoes, in one run.

    python -m benchmarks.load_test --quick          # under a minute on 2 cores (without --quick: about one)
    python -m benchmarks.load_test --json           # ... and one JSON object with every figure last
    python -m benchmarks.load_test --app-dir DIR    # the app.py of another checkout

It starts benchmarks/echo_app.py (a bare Gradio 6 app whose /classify returns its input: the floor
Gradio itself sets) and then the project's app.py, each on a free port, and measures:
- classify under load: 30 clients, each its own session, classify 10 names in a row over the REST
  API (POST /gradio_api/call/classify, then GET its event stream), 3 rounds; p50 and p95 per call
  over all rounds, on the echo app, on our app idle and on our app while 2 trainings of the default
  table run, with the ratios to the echo app;
- page loads: 30 sessions open the page at once (the HTML and its assets, the page's load events
  and what they chain, through the page's own queue protocol) and classify a first name;
- queued trainings: 30 clients press Train within a few seconds, each with its own small table;
  whether each waiting one was told its place in the queue (and an estimate of its wait), whether
  each got its own labels back, and the time until the last one finished;
- the app: seconds from start to its first answer, memory (the server and its training workers)
  idle and at most while trainings run.
Every figure is wall-clock time and the clients share the machine's cores with the servers, so
the load average is printed beside each phase. Exits 1 if any call failed or a client got
another's labels. Thresholds are goals printed beside the figures, not tests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from .common import ROOT, machine
from .load_scenarios import Latency, PageLoads, QueuedTrainings, Trainings, classify_load, page_loads, queued_trainings
from .servers import AppProcess

ECHO_APP = Path(__file__).resolve().parent / "echo_app.py"
RUNNING_TRAININGS = 2  # trainings running while the room classifies (the app's limit at once)


@dataclass
class LoadPlan:
    """How big each scenario is; --quick makes the queued trainings small (30 epochs, hidden 32; full:
    the default model size)."""

    clients: int = 30
    names_each: int = 10
    rounds: int = 3  # the room classifies this many times in a row; every call counts
    sessions: int = 30
    trainings: int = 30
    press_within_s: float = 3.0
    train_settings: dict = field(default_factory=lambda: {"epochs": 10, "hidden": 128})  # /train's settings


def make_load_plan(quick: bool, **sizes) -> LoadPlan:
    plan = LoadPlan(train_settings={"epochs": 30, "hidden": 32}) if quick else LoadPlan()
    for name, value in sizes.items():
        if value is not None:
            setattr(plan, name, value)
    return plan


@dataclass
class LoadFigures:
    """Every figure of one load-test run; --json prints it as one object."""

    quick: bool
    app_dir: str
    machine: dict
    plan: LoadPlan
    echo_ready_s: float = 0.0
    app_ready_s: float = 0.0  # from starting app.py to its first /classify answer
    app_ready_cpu_s: float = 0.0  # CPU seconds the app used by then
    echo: Latency | None = None  # classify under load on the echo app
    idle: Latency | None = None  # ... on our app, nothing else running
    training: Latency | None = None  # ... on our app, 2 trainings running
    p50_ratio_idle: float = 0.0  # our p50 / the echo app's p50
    p95_ratio_idle: float = 0.0
    p50_ratio_training: float = 0.0
    p95_ratio_training: float = 0.0
    page_loads: PageLoads | None = None
    queued: QueuedTrainings | None = None
    memory_idle_mb: float = 0.0  # the server and its workers, before any training
    memory_training_peak_mb: float = 0.0  # ... at most while 2 trainings of the default table ran
    memory_queue_peak_mb: float = 0.0  # ... at most while the queued trainings ran
    load_average: dict[str, float] = field(default_factory=dict)  # 1-minute load average after each phase
    seconds: float = 0.0


def phase(figures: LoadFigures, name: str, log) -> None:
    figures.load_average[name] = round(os.getloadavg()[0], 2)
    log(f"{name} done (load average {figures.load_average[name]})")


def measure_echo(figures: LoadFigures, plan: LoadPlan, log) -> None:
    log("echo app: start, then the room classifies")
    echo = AppProcess(ECHO_APP, ROOT)
    try:
        figures.echo_ready_s = echo.ready_s
        classify_load(echo.url, 3, 3)  # warm up
        figures.echo = classify_load(echo.url, plan.clients, plan.names_each, plan.rounds)
    finally:
        echo.stop()
    phase(figures, "echo", log)


def measure_app(figures: LoadFigures, plan: LoadPlan, app_dir: Path, log) -> None:
    log(f"our app ({app_dir / 'app.py'}): start")
    app = AppProcess(app_dir / "app.py", app_dir)
    try:
        figures.app_ready_s, figures.app_ready_cpu_s = app.ready_s, app.ready_cpu_s
        config = httpx.get(app.url + "config", timeout=60).json()
        classify_load(app.url, 3, 3)  # warm up
        figures.memory_idle_mb = app.memory_mb()
        log("our app idle: the room classifies")
        figures.idle = classify_load(app.url, plan.clients, plan.names_each, plan.rounds)
        phase(figures, "idle", log)

        log(f"our app with {RUNNING_TRAININGS} trainings of the default table: the room classifies")
        began = time.perf_counter()
        trainings = Trainings(app.url, config, [{"settings": {"epochs": 100}}] * RUNNING_TRAININGS)
        try:
            trainings.wait_until_training()
            figures.training = classify_load(app.url, plan.clients, plan.names_each, plan.rounds)
        finally:
            trainings.stop()
        figures.memory_training_peak_mb = app.peak_mb(began)
        phase(figures, "training", log)

        log(f"{plan.sessions} sessions open the page at once")
        figures.page_loads = page_loads(app.url, config, plan.sessions)
        phase(figures, "page loads", log)

        log(f"{plan.trainings} clients press Train within {plan.press_within_s:g} s")
        began = time.perf_counter()
        figures.queued = queued_trainings(app.url, config, plan.trainings, plan.press_within_s, plan.train_settings)
        figures.memory_queue_peak_mb = app.peak_mb(began)
        phase(figures, "queued trainings", log)
    finally:
        app.stop()


def run(plan: LoadPlan, quick: bool, app_dir: Path, log) -> LoadFigures:
    begin = time.perf_counter()
    figures = LoadFigures(quick, str(app_dir), machine(), plan)
    measure_echo(figures, plan, log)
    measure_app(figures, plan, app_dir, log)
    echo = figures.echo
    figures.p50_ratio_idle = figures.idle.p50_ms / echo.p50_ms
    figures.p95_ratio_idle = figures.idle.p95_ms / echo.p95_ms
    figures.p50_ratio_training = figures.training.p50_ms / echo.p50_ms
    figures.p95_ratio_training = figures.training.p95_ms / echo.p95_ms
    figures.seconds = time.perf_counter() - begin
    return figures


def print_report(f: LoadFigures) -> None:
    m, p = f.machine, f.plan
    print(f"Machine: {m['cpu']}, {m['cores']} cores; python {m['python']}; load average {m['load_average'][0]} "
          f"at start, after each phase: {', '.join(f'{k} {v}' for k, v in f.load_average.items())}")
    print(f"App: {f.app_dir}/app.py, ready {f.app_ready_s:.1f} s after start ({f.app_ready_cpu_s:.1f} CPU s); "
          f"the echo app {f.echo_ready_s:.1f} s")
    print(f"\nClassify under load: {p.clients} clients at once, {p.names_each} names each in a row, over REST, "
          f"{p.rounds} rounds (wall clock per call, the clients share the cores)")
    print(f"  {'':<34} {'p50 ms':>8} {'p95 ms':>8} {'x echo p50':>11} {'x echo p95':>11} {'failed':>7}")
    rows = [("echo-only Gradio app", f.echo, 1.0, 1.0), ("our app, idle", f.idle, f.p50_ratio_idle, f.p95_ratio_idle),
            (f"our app, {RUNNING_TRAININGS} trainings running", f.training, f.p50_ratio_training,
             f.p95_ratio_training)]
    for what, lat, r50, r95 in rows:
        print(f"  {what:<34} {lat.p50_ms:>8,.0f} {lat.p95_ms:>8,.0f} {r50:>10.2f}x {r95:>10.2f}x "
              f"{lat.failed:>4}/{lat.calls}")
    pl = f.page_loads
    print(f"\nPage loads: {pl.sessions} sessions open the page at once; {pl.working} got a working classify, "
          f"the slowest after {pl.max_s:.1f} s (median {pl.p50_s:.1f} s; the HTML and its assets took "
          f"{pl.html_max_s:.1f} s at most, the rest is the page's load events and the classify)")
    q = f.queued
    print(f"\nQueued trainings: {q.trainings} clients pressed Train within {p.press_within_s:g} s "
          f"({', '.join(f'{k} {v}' for k, v in p.train_settings.items())}, 50 names each)")
    print(f"  the last finished {q.last_finished_s:.1f} s after the first press; {q.finished} finished, "
          f"{q.own_labels} got their own labels back")
    print(f"  {q.had_to_wait} waited in the queue (at most {q.longest_wait_s:.1f} s, up to place {q.max_place}): "
          f"{q.told_place} were told their place, {q.told_estimate} an estimate of the wait")
    for problem in q.problems[:10]:
        print(f"  problem: {problem}")
    print(f"\nMemory (the server and its training workers): {f.memory_idle_mb:.0f} MB idle, "
          f"{f.memory_training_peak_mb:.0f} MB at most with {RUNNING_TRAININGS} trainings of the default table, "
          f"{f.memory_queue_peak_mb:.0f} MB at most while the queue ran")
    print("\nGoals (issue 15): with 2 trainings, p50 <= 1.5x and p95 <= 2x the echo app's; every page working "
          "within 5 s; every queued training finished with its own labels")
    print(f"\n({f.seconds:.0f} s in all)")


def failed(f: LoadFigures) -> bool:
    lat = [f.echo, f.idle, f.training]
    return (any(x.failed for x in lat) or f.page_loads.working < f.page_loads.sessions
            or f.queued.own_labels < f.queued.trainings or bool(f.queued.problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load_test", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny queued trainings (under a minute in all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with every figure last")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="folder of the app.py to test (default: this one)")
    parser.add_argument("--clients", type=int, help="clients classifying at once (default 30)")
    parser.add_argument("--names-each", type=int, help="names each client classifies in a row (default 10)")
    parser.add_argument("--rounds", type=int, help="times the room classifies, every call counted (default 3)")
    parser.add_argument("--sessions", type=int, help="sessions opening the page at once (default 30)")
    parser.add_argument("--trainings", type=int, help="clients pressing Train (default 30)")
    args = parser.parse_args(argv)
    if not (args.app_dir / "app.py").is_file():
        parser.error(f"no app.py in {args.app_dir}")
    plan = make_load_plan(args.quick, clients=args.clients, names_each=args.names_each, rounds=args.rounds,
                          sessions=args.sessions, trainings=args.trainings)
    begin = time.perf_counter()
    figures = run(plan, args.quick, args.app_dir.resolve(),
                  lambda what: print(f"[{time.perf_counter() - begin:5.1f} s] {what}", file=sys.stderr))
    print_report(figures)
    if args.json:
        print(json.dumps(asdict(figures)))
    return 1 if failed(figures) else 0


if __name__ == "__main__":
    sys.exit(main())
