"""`python -m rnn_demo remember-first`: the remember-the-first-letter experiment from the command line.

    python -m rnn_demo remember-first --ks 10,100 --json

Progress goes to stderr; stdout gets the accuracy table, or with --json one JSON object as its
last line: {"ks": [...], "accuracy": {"rnn": [...], ...}, "gate_bias": true, "seconds": S}.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import torch

from rnn_demo.inside.remember_first import (
    MAX_K,
    MAX_KS,
    MAX_SECONDS,
    MIN_K,
    RememberConfig,
    RememberResult,
    RunDone,
    remember_first,
)
from rnn_demo.models import CELLS


def _whole_numbers(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be whole numbers separated by commas, not {text!r}") from None


def _cells(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(","))


def add_parser(commands) -> None:
    """Register the remember-first subcommand on the CLI's subparsers."""
    defaults = RememberConfig()
    r = commands.add_parser("remember-first", help="can rnn, gru, lstm remember the first letter after k random ones?")
    r.add_argument("--ks", type=_whole_numbers, default=defaults.ks,
                   help=f"random letters after the first one, comma-separated, at most {MAX_KS} values, each "
                        f"{MIN_K} to {MAX_K} (default {','.join(map(str, defaults.ks))})")
    r.add_argument("--cells", type=_cells, default=defaults.cells, help=f"some of {','.join(CELLS)}")
    r.add_argument("--gate-bias", action=argparse.BooleanOptionalAction, default=defaults.gate_bias,
                   help=f"start the lstm forget gate and the gru update gate with bias +{defaults.gate_bias_value:g} "
                        "in both bias vectors (default on)")
    r.add_argument("--seeds", type=int, default=defaults.seeds,
                   help=f"trainings per cell and k, averaged (default {defaults.seeds})")
    r.add_argument("--time-limit", type=float, default=defaults.time_limit,
                   help=f"seconds; stop after this, keeping what finished (default {defaults.time_limit:g}, "
                        f"at most {MAX_SECONDS})")
    r.add_argument("--json", action="store_true", help="last stdout line: one JSON object of results")


def run(args) -> None:
    """Run the experiment, progress on stderr, the table (or JSON) on stdout."""
    config = RememberConfig(ks=args.ks, cells=args.cells, gate_bias=args.gate_bias, seeds=args.seeds,
                            time_limit=args.time_limit)
    # Many small matrix products, one step after another: a second thread mostly waits for the first.
    # On a busy 2-core machine, --ks 1,2 --cells rnn,gru took 6 s on one thread and 49 s on two.
    torch.set_num_threads(1)
    for event in remember_first(config):
        if isinstance(event, RunDone):
            print(f"{event.cell:<4} k={event.k:<3} seed {event.seed}  val accuracy {event.val_accuracy:.3f}  "
                  f"{event.seconds:.1f} s", file=sys.stderr)
        elif isinstance(event, RememberResult):
            result = event
    accuracy = {cell: [None if math.isnan(a) else round(a, 4) for a in result.accuracy[cell]] for cell in config.cells}
    if args.json:
        spread = {cell: [[round(r.low, 4), round(r.high, 4)] for r in result.spread().itertuples() if r.cell == cell]
                  for cell in config.cells}
        print(json.dumps({"ks": list(config.ks), "accuracy": accuracy, "spread": spread, "seeds": config.seeds,
                          "gate_bias": config.gate_bias, "stopped": result.stopped, "seconds": round(result.seconds, 1)}))
        return
    print(f"validation accuracy, mean of {config.seeds} seed(s), gate bias {'on' if config.gate_bias else 'off'} "
          f"(chance {1 / 4:.2f}):")
    print(result.accuracy.to_string(float_format=lambda a: f"{a:.3f}"))
    print("spread over seeds (lowest-highest):")
    for row in result.spread().itertuples():
        print(f"  {row.cell:<4} k={row.k:<3} {row.mean:.3f} ({row.low:.3f}-{row.high:.3f}, {row.seeds} seeds)")
    if result.stopped:
        why = f"time limit {config.time_limit:g} s" if result.timed_out else "stopped"
        print(f"{why}: finished {result.finished() or 'nothing'}")
    for cell in config.cells:
        k = result.first_k_below(cell)
        print(f"{cell}: " + (f"below 0.9 from k = {k}" if k is not None else "at least 0.9 at every k measured"))
    print(f"{result.seconds:.1f} s")
