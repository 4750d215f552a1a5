"""How fast the demo trains and answers, all measured in one run on this machine.

    python -m benchmarks.bench              # every architecture x cell; a few minutes on 2 cores
    python -m benchmarks.bench --quick      # under a minute: fewer configurations, shorter timings
    python -m benchmarks.bench --json       # ... and one JSON object with every figure as the last line
    python -m benchmarks.bench --no-app     # skip starting app.py

What is measured (torch runs 1 thread, as in the app, unless a row says otherwise):
- training throughput (names/s) of each architecture x cell at the default settings, against the
  original tutorial's way to train: one name at a time, no batching, same model size
  (--quick: each architecture with the default cell, and each cell of the default architecture);
- seconds until validation accuracy first reaches 0.75 (stratified 85/15 split, seed 0), for each
  architecture and the stacked rnn (--quick: the default model only);
- the overhead of the train() generator (events, stop checks, validation) over a bare loop;
- inference: one name in-process, 10,000 names in batches, and /classify through the running app;
- the app: seconds from process start to the first answer, peak memory while it trains.

In-process timings count the CPU seconds of this process: with torch on 1 thread that is the
wall-clock time of an idle machine, and programs running alongside hardly move it. The app and
the 2-thread row are timed by the wall clock. Each figure is a median of repeats (the overhead:
the fastest run of each kind), and the two loops of a ratio take turns. The targets printed
beside the figures are goals, not tests.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import torch

from rnn_demo.data import NamesDataset, split_table
from rnn_demo.files import load_table

from .load_test import app_figures
from .plan import CLASSIC_NAMES, DEFAULT, PLAIN_RNN, TARGET_ACCURACY, Plan, cpu_clock, key, machine, make_plan
from .training import generator_overhead, inference, roofline, throughput, time_to_accuracy, training_peak_rss_mb


# ---------------------------------------------------------------------------------------------
# Report


@dataclass
class Figures:
    """Every figure of one run; --json prints it as one object. Per-configuration figures are keyed
    by key(arch, cell[, lr]), e.g. "stacked/gru"."""

    quick: bool
    data: str
    machine: dict  # cpu, cores, torch threads, load average, this run's share of a core
    names: int = 0  # in the table, after cleaning
    train_names_per_s: dict[str, float] = field(default_factory=dict)  # batched, 1 thread
    one_at_a_time_names_per_s: dict[str, float] = field(default_factory=dict)  # the tutorial's loop
    speedup_vs_one_at_a_time: dict[str, float] = field(default_factory=dict)  # information, not a target
    threads: dict[str, dict] = field(default_factory=dict)  # "1" and "2": the default model's throughput
    roofline: dict = field(default_factory=dict)  # achieved and matmul GFLOP/s of the default model
    roofline_fraction: float = 0.0  # achieved / matmul: how near the arithmetic limit training runs
    time_to_accuracy: dict[str, dict] = field(default_factory=dict)
    time_to_accuracy_s: dict[str, float | None] = field(default_factory=dict)
    overhead: dict = field(default_factory=dict)
    generator_overhead_pct: float = 0.0
    predict_latency_ms: float = 0.0
    predict_latency_p95_ms: float = 0.0
    predict_names_per_s: float = 0.0
    train_peak_rss_mb: float = 0.0
    app: dict | None = None  # ready time, classify latency, memory (benchmarks/load_test.py)
    app_skipped: str | None = "--no-app"
    targets: list[dict] = field(default_factory=list)
    seconds: float = 0.0


def targets(result: Figures) -> list[dict]:
    """(what, goal, figure, met) for every target the issue sets; missing figures are skipped."""
    default = key(DEFAULT.arch, DEFAULT.cell)
    rows = [
        ("training FLOP/s vs a matmul of its shapes", ">= 0.6", result.roofline_fraction, 0.6, ">="),
        ("stacked reaches 0.75 val accuracy", "<= 10 s", result.time_to_accuracy_s.get(default), 10, "<="),
        ("stacked, plain rnn cell, lr 1e-3, to 0.75", "<= 10 s", result.time_to_accuracy_s.get(key(*PLAIN_RNN)),
         10, "<="),
        ("generator overhead", "<= 5 %", result.generator_overhead_pct, 5, "<="),
        ("predict one name in-process", "<= 2 ms", result.predict_latency_ms, 2, "<="),
    ]
    app = result.app or {}
    rows += [
        ("classify over HTTP (gradio_client)", "<= 20 ms", app.get("classify_client_ms"), 20, "<="),
        ("classify over HTTP (REST)", "<= 20 ms", app.get("classify_http_ms"), 20, "<="),
        ("app ready", "<= 6 s", app.get("ready_s"), 6, "<="),
    ]
    memory = app.get("training_peak_rss_mb", result.train_peak_rss_mb)
    rows.append(("peak memory while training" + (" (app)" if app else ""), "<= 700 MB", memory, 700, "<="))
    return [
        {"what": what, "goal": goal, "value": value,
         "met": None if value is None else (value >= limit if op == ">=" else value <= limit)}
        for what, goal, value, limit, op in rows
    ]


def _fmt(value, unit: str = "", digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def print_report(r: Figures, plan: Plan) -> None:
    m = r.machine
    print(f"Machine: {m['cpu']}, {m['cores']} cores; torch {m['torch']} on {m['torch_threads']} thread(s) "
          f"(its default here: {m['torch_default_threads']}); python {m['python']}")
    print(f"  load average {m['load_average'][0]} at start; this run got {m['cpu_share']:.0%} of a core while "
          f"training on 1 thread (100% = nothing else running)")
    if m["cpu_share"] < 0.9:
        print("  The machine is busy: CPU-second figures hold, wall-clock figures (marked 'wall') are slowed.")
    print(f"Data: {r.data}, {r.names:,} names after cleaning; {'quick' if r.quick else 'full'} run, "
          f"medians of {plan.repeats}; timed in CPU seconds of this process unless marked 'wall'")
    print()
    print(f"Training throughput at the default settings (hidden {DEFAULT.hidden_size}, {DEFAULT.num_layers} layers, "
          f"batch {DEFAULT.batch_size}, Adam, clip {DEFAULT.clip:g})")
    print("  vs the tutorial's loop: same model size, one name at a time, backward and SGD step every name")
    print(f"  {'arch/cell':<20} {'threads':>7} {'batched names/s':>16} {'one at a time':>14} {'speedup':>8}")
    rows = [(k, "1", r.train_names_per_s[k], r.one_at_a_time_names_per_s[k], r.speedup_vs_one_at_a_time[k])
            for k in r.train_names_per_s]
    two = r.threads.get("2")
    if two:  # right below the 1-thread row of the default model
        at = 1 + [row[0] for row in rows].index(key(DEFAULT.arch, DEFAULT.cell))
        rows.insert(at, (key(DEFAULT.arch, DEFAULT.cell), "2 wall", two["train_names_per_s"],
                         two["one_at_a_time_names_per_s"], two["speedup"]))
    for k, threads, fast, slow, speedup in rows:
        print(f"  {k:<20} {threads:>7} {fast:>16,.0f} {slow:>14,.0f} {speedup:>7.1f}x")
    roof = r.roofline
    print(f"Roofline, {key(DEFAULT.arch, DEFAULT.cell)}: {roof['achieved_gflops']:.1f} GFLOP/s achieved, a matmul of the "
          f"step's shapes does {roof['matmul_gflops']:.1f} on this core: {r.roofline_fraction:.0%} of the limit")
    print()
    print(f"Time to {TARGET_ACCURACY} validation accuracy, default settings, 85/15 split seed 0 "
          f"(from calling train(); validation runs at epoch ends, so at most one epoch late)")
    for k, t in r.time_to_accuracy.items():
        if t["seconds"] is None:
            print(f"  {k:<20} not reached in {plan.accuracy_budget_s:.0f} s wall (best {t['accuracy']:.3f})")
        else:
            print(f"  {k:<20} {t['seconds']:6.1f} s  ({t['wall_s']:.1f} s wall), at the end of epoch {t['epoch']}")
    o = r.overhead
    print()
    print(f"Generator overhead: {o['overhead_pct']:+.1f} %  (train() {o['generator_s']:.2f} s vs a bare loop on the "
          f"same batches {o['bare_s']:.2f} s; {o['names']:,} names, {o['epochs']} epoch(s), fastest of "
          f"{plan.overhead_repeats}); validating took {o['validation_pct']:.1f} % on top of training")
    print(f"Inference (predict): one name {r.predict_latency_ms:.2f} ms median "
          f"({r.predict_latency_p95_ms:.2f} ms p95); 10,000 names in batches at {r.predict_names_per_s:,.0f} names/s")
    print(f"Training in a fresh process: peak memory {_fmt(r.train_peak_rss_mb, ' MB', 0)}")
    app = r.app
    if app:
        print(f"App (wall): ready {app['ready_s']:.1f} s after start (the app process used {app['ready_cpu_s']:.1f} "
              f"CPU s by then); /classify over HTTP, {plan.http_calls} calls each: "
              f"gradio_client {app['classify_client_ms']:.1f} ms median ({app['classify_client_p95_ms']:.1f} p95), "
              f"REST {app['classify_http_ms']:.1f} ms ({app['classify_http_p95_ms']:.1f} p95)")
        print(f"  memory {app['idle_rss_mb']:.0f} MB idle, {app['training_peak_rss_mb']:.0f} MB at most while "
              f"training the default table")
    else:
        print(f"app: skipped ({r.app_skipped})")
    print()
    print("Targets")
    for t in r.targets:
        met = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        print(f"  {t['what']:<42} {t['goal']:>10}  {_fmt(t['value']):>8}  {met}")
    print(f"\n({r.seconds:.0f} s in all)")


# ---------------------------------------------------------------------------------------------
# Main


def run(data: str, quick: bool, with_app: bool, log: Callable[[str], None]) -> Figures:
    plan = make_plan(quick)
    default_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the app trains each session with one thread
    result = Figures(quick, str(data), machine())
    result.machine["torch_default_threads"] = default_threads
    begin = time.perf_counter()
    table, report = load_table(data)
    train_rows, _ = split_table(table, DEFAULT.val_fraction, DEFAULT.seed)
    train_set = NamesDataset(train_rows, report.labels)
    result.names = report.rows

    cpu, wall = cpu_clock(), time.perf_counter()
    for arch, cell in plan.configs:
        log(f"throughput {arch}/{cell}")
        figures = throughput(replace(DEFAULT, arch=arch, cell=cell), train_set, report.labels, plan)
        result.train_names_per_s[key(arch, cell)] = figures["train_names_per_s"]
        result.one_at_a_time_names_per_s[key(arch, cell)] = figures["one_at_a_time_names_per_s"]
        result.speedup_vs_one_at_a_time[key(arch, cell)] = figures["speedup"]
        if (arch, cell) == (DEFAULT.arch, DEFAULT.cell):
            result.threads["1"] = figures
    result.machine["cpu_share"] = (cpu_clock() - cpu) / (time.perf_counter() - wall)  # < 1: others ran too
    log("roofline")
    default_rate = result.train_names_per_s[key(DEFAULT.arch, DEFAULT.cell)]
    result.roofline = roofline(DEFAULT, train_set, len(report.labels), default_rate, plan)
    result.roofline_fraction = result.roofline["fraction"]
    log("throughput with 2 threads")
    torch.set_num_threads(2)
    result.threads["2"] = throughput(DEFAULT, train_set, report.labels, plan, clock=time.perf_counter)
    torch.set_num_threads(1)

    result.time_to_accuracy = {}
    for arch, cell, lr in plan.accuracy_configs:
        log(f"time to accuracy {key(arch, cell, lr)}")
        result.time_to_accuracy[key(arch, cell, lr)] = time_to_accuracy(
            table, replace(DEFAULT, arch=arch, cell=cell, learning_rate=lr), plan.accuracy_budget_s)
    result.time_to_accuracy_s = {k: t["seconds"] for k, t in result.time_to_accuracy.items()}

    log("generator overhead")
    result.overhead = generator_overhead(table, plan)
    result.generator_overhead_pct = result.overhead["overhead_pct"]

    log("inference")
    figures = inference(table, report.labels, plan)
    result.predict_latency_ms, result.predict_latency_p95_ms, result.predict_names_per_s = (
        figures["latency_ms"], figures["latency_p95_ms"], figures["names_per_s"])

    log("memory of a training run")
    result.train_peak_rss_mb = training_peak_rss_mb(str(data), plan.rss_train_seconds)

    if with_app:
        log("app")
        try:
            result.app, result.app_skipped = app_figures(plan), None
        except Exception as err:  # the app is optional here: say why and carry on
            result.app_skipped = " ".join(str(err).split())[:200] or type(err).__name__
    result.targets = targets(result)
    result.seconds = time.perf_counter() - begin
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(CLASSIC_NAMES),
                        help="names table: a folder of <Label>.txt files, a .csv or a .zip (default: the classic set)")
    parser.add_argument("--quick", action="store_true", help="fewer configurations and shorter timings (< 1 min)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with every figure last")
    parser.add_argument("--no-app", action="store_true", help="do not start app.py")
    args = parser.parse_args(argv)
    if not Path(args.data).exists():
        parser.error(f"no names table at {args.data}; pass --data PATH (a folder of <Label>.txt files or a .csv)")
    plan = make_plan(args.quick)
    begin = time.perf_counter()
    result = run(args.data, args.quick, not args.no_app,
                 lambda what: print(f"[{time.perf_counter() - begin:5.1f} s] {what}", file=sys.stderr))
    print_report(result, plan)
    if args.json:
        print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
