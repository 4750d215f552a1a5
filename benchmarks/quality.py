"""The quality table: each named configuration trained over several seeds, beside the baselines.

    python -m benchmarks.quality --seeds 5 --jobs 2          # README's table; minutes on 2 cores
    python -m benchmarks.quality --quick                    # seconds: every config, 1 epoch, small table
    python -m benchmarks.quality ... --json                 # last stdout line: one JSON object

Why seeds: one split of 2,696 validation names moves macro accuracy by a few points from seed to
seed (a small language has 10-16 validation names), more than the margins a single run seems to
show. The seed picks both the split and the initial weights, so each seed is a fresh experiment;
the baselines are trained and scored on that seed's split too.

Each run is the CLI itself, `python -m rnn_demo train <README's arguments> --seed S --threads T
--json`, in its own process: the figures are exactly what README's commands give. Torch sums in
another order with another thread count, so the count is fixed (--threads, default 1) and printed;
--jobs runs that many trainings at once (one process each), which changes no figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .common import ROOT, machine

CLASSIC = ROOT.parent / "shared" / "data" / "names"
DEFAULT_TABLE = ROOT / "data" / "names.csv"
STRONG = ("--arch bidirectional --cell gru --layers 1 --hidden 256 --embedding 64 --pooling last+max "
          "--input-dropout 0.1 --feature-dropout 0.3 --weight-decay 0.05 --schedule onecycle --lr 0.006 "
          "--average 0.998")
# name -> (table, train arguments). best and balanced are README's commands, word for word
# (tests/test_quality.py checks); default_table is the app's default settings on the app's table.
CONFIGS = {
    "best": (CLASSIC, f"{STRONG} --epochs 12 --balance --balance-method logit-adjust --label-smoothing 0.1 "
                      "--balance-strength 0.15 --keep-best accuracy"),
    "balanced": (CLASSIC, f"{STRONG} --epochs 16 --balance --balance-method logit-adjust --label-smoothing 0.05 "
                          "--balance-strength 0.9"),
    "default_table": (DEFAULT_TABLE, ""),
}
# README's per-architecture table, one row a config (not run unless named in --configs).
ARCHITECTURES = {
    f"{arch}-{cell}": (CLASSIC, f"--arch {arch} --cell {cell} " + ("--layers 2 " if arch == "stacked" else "")
                       + ("--lr 1e-3 --epochs 25" if cell == "rnn" else "--epochs 12"))
    for cell in ("rnn", "gru") for arch in ("manual", "stacked", "bidirectional")
}
ARCHITECTURES["stacked-gru-balanced"] = (CLASSIC, "--arch stacked --layers 2 --cell gru --balance --dropout 0.2 --lr 1e-3 --epochs 20")
DEFAULT_CONFIGS = tuple(CONFIGS)
CONFIGS.update(ARCHITECTURES)
# The printed table's columns (the JSON keeps the four figures): every figure of rnn_demo.evaluate.Scores.
FIGURES = {"accuracy": "accuracy", "macro_accuracy": "macro accuracy", "macro_f1": "macro F1",
           "top3_accuracy": "top-3", "ambiguity_aware_accuracy": "ambiguity-aware"}
ROWS = (("RNN", None), ("n-gram", "ngram"), ("majority", "majority"))  # (row, key under "baselines")


def train_once(name: str, seed: int, args, folder: Path) -> dict:
    """One `train --json` run of a config at a seed; its JSON object."""
    table, arguments = CONFIGS[name]
    table = args.data or table
    command = [sys.executable, "-m", "rnn_demo", "train", "--data", str(table), *shlex.split(arguments),
               "--seed", str(seed), "--threads", str(args.threads), "--out", str(folder / f"{name}-{seed}.safetensors"),
               "--json"]
    if args.epochs:
        command += ["--epochs", str(args.epochs)]  # the last --epochs wins
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}  # the CPU, as on the machines README's figures come from
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"{name} seed {seed} failed: {run.stderr.strip().splitlines()[-1:]}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    ngram = result["baselines"]["ngram"]
    print(f"  {name:<14} seed {seed}: accuracy {result['accuracy']:.4f}  macro {result['macro_accuracy']:.4f}  "
          f"macro F1 {result['macro_f1']:.4f}  n-gram {ngram['accuracy']:.4f} / {ngram['macro_accuracy']:.4f}  "
          f"best epoch {result['best_epoch']}  {result['seconds']:.0f} s", file=sys.stderr, flush=True)
    return result


def figure(results: list[dict], key: str, baseline: str | None = None) -> dict:
    """Mean and sample sd over seeds of one figure of the model (or of a baseline)."""
    values = [(r if baseline is None else r["baselines"][baseline])[key] for r in results]
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": round(statistics.fmean(values), 4), "sd": round(sd, 4)}


def summary(results: list[dict]) -> dict:
    """One config's entry of the JSON: the model's and the n-gram's figures, mean seconds per run."""
    return {"accuracy": figure(results, "accuracy"), "macro_accuracy": figure(results, "macro_accuracy"),
            "ngram_accuracy": figure(results, "accuracy", "ngram"),
            "ngram_macro_accuracy": figure(results, "macro_accuracy", "ngram"),
            "seconds": round(statistics.fmean(r["seconds"] for r in results), 3)}  # 3 places: a tiny run is ~0.05 s


def print_table(runs: dict[str, list[dict]]) -> None:
    def cell(results, key, baseline):
        f = figure(results, key, baseline)
        return f"{f['mean']:.4f} ± {f['sd']:.4f}"

    print(f"| config | classifier | {' | '.join(FIGURES.values())} | seconds per run |")
    print("|---|---|" + "---|" * (len(FIGURES) + 1))
    for name, results in runs.items():
        for row, baseline in ROWS:
            seconds = f"{statistics.fmean(r['seconds'] for r in results):.0f}" if baseline is None else ""
            cells = " | ".join(cell(results, key, baseline) for key in FIGURES)
            print(f"| {name if baseline is None else ''} | {row} | {cells} | {seconds} |")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1 (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of each training (default 1)")
    parser.add_argument("--jobs", type=int, default=1, help="trainings at once, one process each (default 1)")
    parser.add_argument("--configs", default=",".join(DEFAULT_CONFIGS),
                        help=f"comma-separated, of {', '.join(CONFIGS)} (default {','.join(DEFAULT_CONFIGS)})")
    parser.add_argument("--epochs", type=int, default=None, help="override every config's epochs")
    parser.add_argument("--data", default=None, help="one table for every config (default: each config's own)")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 1 epoch, every config on data/names.csv")
    parser.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.seeds, args.epochs, args.data = min(args.seeds, 2), 1, args.data or DEFAULT_TABLE
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown or args.seeds < 1 or args.threads < 1 or args.jobs < 1:
        print(f"error: unknown config {', '.join(unknown)}" if unknown else "error: seeds, threads and jobs must be "
              ">= 1", file=sys.stderr)
        return 2
    if not args.data and not CLASSIC.is_dir() and any(CONFIGS[n][0] == CLASSIC for n in names):
        print(f"error: {', '.join(n for n in names if CONFIGS[n][0] == CLASSIC)} train on the classic set at "
              f"{CLASSIC}; it is absent", file=sys.stderr)
        return 2
    seeds = list(range(args.seeds))
    about = machine()
    print(f"quality over seeds {seeds}, {args.threads} thread(s) per training, {args.jobs} at once; "
          f"{about['cpu']}, {about['cores']} cores, load average {about['load_average']}"
          + (f"; every config {args.epochs} epoch(s)" if args.epochs else "")
          + (f"; every config on {args.data}" if args.data else ""), flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(args.jobs) as pool:
        # Each thread only waits for its training process; the configs go in CONFIGS' order, slowest first.
        futures = {(n, s): pool.submit(train_once, n, s, args, Path(folder)) for n in names for s in seeds}
        try:
            runs = {n: [futures[n, s].result() for s in seeds] for n in names}
        except RuntimeError as err:  # a training refused its settings or its table: one line, no traceback
            print(f"error: {err}", file=sys.stderr)
            return 2
    print_table(runs)
    print(f"{len(futures)} trainings in {time.perf_counter() - started:.0f} s wall clock")
    if args.json:
        print(json.dumps({"seeds": seeds, "threads": args.threads,
                          "configs": {n: summary(results) for n, results in runs.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
