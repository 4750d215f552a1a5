"""How fast the demo trains and predicts, all measured in one run on this machine.

    python -m benchmarks.bench              # every architecture x cell; a few minutes on 2 cores
    python -m benchmarks.bench --quick      # about a minute: fewer configurations, shorter timings
    python -m benchmarks.bench --json       # ... and one JSON object with every figure as the last line

What is measured (torch runs 1 thread, as in the app, unless a row says otherwise):
- training throughput (names/s) of each architecture x cell at the default settings, against the
  original tutorial's way to train: one name at a time, no batching, same model size
  (--quick: each architecture with the default cell, and each cell of the default architecture);
- the roofline of the default model: the FLOP/s its batched training reaches against the same
  matrix products timed alone on this core (benchmarks/roofline.py), and a prototype of the model
  written out with the first layer's input projection as a row lookup (benchmarks/lookup.py),
  and the most any step-by-step GRU could reach: its forward and backward by hand, no autograd
  (benchmarks/eager_floor.py);
- seconds until validation accuracy first reaches 0.75 (stratified 85/15 split, seed 0), for each
  architecture and the stacked rnn (--quick: the default model and the stacked rnn);
- the overhead of the train() generator (events, stop checks, validation) over a bare loop;
- inference: one name in-process, 10,000 names in batches; peak memory of a training process.
The app over HTTP (ready time, classify under load, memory of the server) is the load test's:
python -m benchmarks.load_test.

In-process timings count the CPU seconds of this process: with torch on 1 thread that is the
wall-clock time of an idle machine, and programs running alongside hardly move it. The 2-thread
row is timed by the wall clock. Each figure is a median of repeats (the overhead: the fastest run
of each kind), and the loops of a ratio take turns. The targets printed beside the figures are
goals, not tests.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch

from rnn_demo.data import NamesDataset, split_table
from rnn_demo.files import load_table

from .eager_floor import EagerFloor, measure_eager_floor
from .lookup import LookupPrototype, measure_prototype
from .plan import CLASSIC_NAMES, DEFAULT, PLAIN_RNN, Plan, bench_machine, cpu_clock, key, make_plan
from .report import print_report
from .roofline import Roofline, measure_roofline
from .training import (
    Inference,
    Overhead,
    Throughput,
    TimeToAccuracy,
    generator_overhead,
    inference,
    throughput,
    time_to_accuracy,
    training_peak_rss_mb,
)


@dataclass
class Target:
    what: str
    goal: str
    value: float | None
    met: bool | None  # None: not measured


@dataclass
class Figures:
    """Every figure of one run; --json prints it as one object. Per-configuration figures are keyed
    by key(arch, cell[, lr]), e.g. "stacked/gru"."""

    quick: bool
    data: str
    machine: dict  # cpu, cores, torch threads, load average, this run's share of a core
    names: int = 0  # in the table, after cleaning
    throughput: dict[str, Throughput] = field(default_factory=dict)  # 1 thread
    two_threads: Throughput | None = None  # the default model, 2 threads, wall clock
    speedup_vs_one_at_a_time: float = 0.0  # the default model's: information, not a target
    roofline: Roofline | None = None  # the default model
    roofline_fraction: float = 0.0  # achieved / the same products alone: how near the limit training runs
    prototype: LookupPrototype | None = None  # None unless the default model is the stacked GRU
    eager_floor: EagerFloor | None = None  # likewise
    time_to_accuracy: dict[str, TimeToAccuracy] = field(default_factory=dict)
    overhead: Overhead | None = None
    generator_overhead_pct: float = 0.0
    inference: Inference | None = None
    train_peak_rss_mb: float = 0.0
    targets: list[Target] = field(default_factory=list)
    seconds: float = 0.0


def targets(result: Figures) -> list[Target]:
    """Every target the issues set; a figure not measured is marked so."""
    default = key(DEFAULT.arch, DEFAULT.cell)

    def seconds(k: str) -> float | None:
        return result.time_to_accuracy[k].seconds if k in result.time_to_accuracy else None

    rows = [
        ("stacked reaches 0.75 val accuracy", "<= 10 s", seconds(default), lambda v: v <= 10),
        ("stacked, plain rnn cell, lr 1e-3, to 0.75", "<= 10 s", seconds(key(*PLAIN_RNN)), lambda v: v <= 10),
        ("generator overhead", "<= 5 %", result.generator_overhead_pct, lambda v: v <= 5),
        ("predict one name in-process", "<= 2 ms", result.inference.latency_ms, lambda v: v <= 2),
        ("peak memory of a training process", "<= 700 MB", result.train_peak_rss_mb, lambda v: v <= 700),
    ]
    return [Target(what, goal, value, None if value is None else ok(value)) for what, goal, value, ok in rows]


# ---------------------------------------------------------------------------------------------
# Run


def measure_throughput(result: Figures, train_set: NamesDataset, labels: list[str], plan: Plan, log) -> None:
    """Every configuration of the plan on 1 thread, then the default model's roofline and on 2 threads."""
    cpu, wall = cpu_clock(), time.perf_counter()
    for arch, cell in plan.configs:
        log(f"throughput {arch}/{cell}")
        result.throughput[key(arch, cell)] = throughput(replace(DEFAULT, arch=arch, cell=cell), train_set, labels, plan)
    result.machine["cpu_share"] = (cpu_clock() - cpu) / (time.perf_counter() - wall)  # < 1: others ran too
    default = result.throughput[key(DEFAULT.arch, DEFAULT.cell)]
    result.speedup_vs_one_at_a_time = default.speedup

    log("roofline")
    result.roofline = measure_roofline(DEFAULT, train_set, labels, plan)
    result.roofline_fraction = result.roofline.fraction
    if (DEFAULT.arch, DEFAULT.cell, DEFAULT.dropout) == ("stacked", "gru", 0.0):
        log("prototype: the stacked GRU written out, with a row lookup")
        result.prototype = measure_prototype(DEFAULT, train_set, labels, plan)
        log("eager floor: the stacked GRU's step by hand, no autograd")
        result.eager_floor = measure_eager_floor(DEFAULT, train_set, labels, plan)

    log("throughput with 2 threads")
    torch.set_num_threads(2)
    result.two_threads = throughput(DEFAULT, train_set, labels, plan, clock=time.perf_counter)
    torch.set_num_threads(1)


def measure_training(result: Figures, table, labels: list[str], data: str, plan: Plan, log) -> None:
    """Time to accuracy, the generator's overhead, inference and a training process's memory."""
    for arch, cell, lr in plan.accuracy_configs:
        log(f"time to accuracy {key(arch, cell, lr)}")
        result.time_to_accuracy[key(arch, cell, lr)] = time_to_accuracy(
            table, replace(DEFAULT, arch=arch, cell=cell, learning_rate=lr), plan.accuracy_budget_s)
    log("generator overhead")
    result.overhead = generator_overhead(table, plan)
    result.generator_overhead_pct = result.overhead.overhead_pct
    log("inference")
    result.inference = inference(table, labels, plan)
    log("memory of a training run")
    result.train_peak_rss_mb = training_peak_rss_mb(data, plan.rss_train_seconds)


def run(data: str, quick: bool, log: Callable[[str], None]) -> Figures:
    plan = make_plan(quick)
    default_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the app trains each session with one thread
    result = Figures(quick, str(data), bench_machine() | {"torch_default_threads": default_threads})
    begin = time.perf_counter()
    table, report = load_table(data)
    train_rows, _ = split_table(table, DEFAULT.val_fraction, DEFAULT.seed)
    result.names = report.rows
    measure_throughput(result, NamesDataset(train_rows, report.labels), report.labels, plan, log)
    measure_training(result, table, report.labels, data, plan, log)
    result.targets = targets(result)
    result.seconds = time.perf_counter() - begin
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(CLASSIC_NAMES),
                        help="names table: a folder of <Label>.txt files, a .csv or a .zip (default: the classic set)")
    parser.add_argument("--quick", action="store_true", help="fewer configurations and shorter timings (about 1 min)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with every figure last")
    args = parser.parse_args(argv)
    if not Path(args.data).exists():
        parser.error(f"no names table at {args.data}; pass --data PATH (a folder of <Label>.txt files or a .csv)")
    begin = time.perf_counter()
    result = run(args.data, args.quick, lambda what: print(f"[{time.perf_counter() - begin:5.1f} s] {what}",
                                                          file=sys.stderr))
    print_report(result, make_plan(args.quick))
    if args.json:
        print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
