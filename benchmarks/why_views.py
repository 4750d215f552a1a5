"""How long each "Watch it think" view takes to answer one typed name, at the default model size.

    python -m benchmarks.why_views            # the default arch and cell (stacked gru, hidden 128, 2 layers)
    python -m benchmarks.why_views --all      # every architecture x cell

Each view is timed on fresh weights of the app's default size over the default table, torch on one
thread, median of a few calls: CPU seconds of this process (steady on a busy machine) and wall
seconds. What a view computes once per model (the map of the validation names, the index of the
training names, the scan of the table's units) is timed apart from what one typed name costs.
Target: under 1 s per typed name on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from rnn_demo.inside.gradients import gradient_decay, saliency
from rnn_demo.inside.hidden_map import hidden_map, index_names, place_name, training_split
from rnn_demo.inside.stepper import step_through
from rnn_demo.inside.units import scan_units, selective_units, unit_examples, unit_on_name
from rnn_demo.models import ARCHITECTURES, CELLS, build_model
from rnn_demo.report import read_default_table
from rnn_demo.train import TrainConfig

NAME = "Wolfeschlegelsteinhausen"  # a long typed name: the slowest case short of the 40-letter limit
TARGET_SECONDS = 1.0
REPEATS = 3


@dataclass
class Timing:
    """One view's cost: CPU and wall seconds, the median of REPEATS calls."""

    arch: str
    cell: str
    view: str
    cpu_s: float
    wall_s: float
    per_name: bool  # True: what one typed name costs; False: once per model


def median_time(call: Callable[[], object]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call, the median of REPEATS (after one warm-up call)."""
    call()
    cpu, wall = [], []
    for _ in range(REPEATS):
        c, w = time.process_time(), time.perf_counter()
        call()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall)


def time_views(arch: str, cell: str) -> list[Timing]:
    """Every view on a fresh model of the default size, for one typed name."""
    table = read_default_table()
    config = TrainConfig(arch=arch, cell=cell)
    train_rows, val_rows = training_split(table, config)
    torch.manual_seed(0)
    model = build_model(config.model_config(sorted(set(table["label"])))).eval()
    view, index, scan = hidden_map(model, val_rows), index_names(model, train_rows), scan_units(model, train_rows)
    best_unit = int(selective_units(scan, n=1)["unit"].iloc[0])
    calls = {
        ("step through", True): lambda: step_through(model, NAME),
        ("saliency", True): lambda: saliency(model, NAME),
        ("vanishing gradients (typed name)", True): lambda: gradient_decay(model, [NAME]),
        ("vanishing gradients (3 long names)", True): lambda: gradient_decay(model),
        ("map: place a name + 5 nearest", True): lambda: place_name(model, view, index, NAME),
        ("units: examples + the unit on a name", True): lambda: (unit_examples(scan, best_unit),
                                                                  unit_on_name(model, NAME, best_unit)),
        ("map of the validation names", False): lambda: hidden_map(model, val_rows),
        ("index of the training names", False): lambda: index_names(model, train_rows),
        ("scan of the table's units + ranking", False): lambda: selective_units(scan_units(model, train_rows)),
    }
    return [Timing(arch, cell, name, *median_time(call), per_name) for (name, per_name), call in calls.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every architecture x cell, not just the default")
    args = parser.parse_args()
    torch.set_num_threads(1)
    default = TrainConfig()
    configs = [(a, c) for a in ARCHITECTURES for c in CELLS] if args.all else [(default.arch, default.cell)]
    print(f"Each view for one typed name ({NAME!r}, {len(NAME)} letters), hidden {default.hidden_size}, "
          f"{default.num_layers} layers, default table; torch on 1 thread, median of {REPEATS}")
    print(f"  {'arch/cell':<20} {'view':<44} {'CPU s':>7} {'wall s':>7}")
    worst = 0.0
    for arch, cell in configs:
        for t in time_views(arch, cell):
            flag = "" if not t.per_name else ("  MISSED" if t.cpu_s > TARGET_SECONDS else "")
            print(f"  {arch + '/' + cell:<20} {t.view + ('' if t.per_name else ' (once)'):<44} "
                  f"{t.cpu_s:7.3f} {t.wall_s:7.3f}{flag}")
            worst = max(worst, t.cpu_s if t.per_name else 0.0)
    print(f"slowest view per typed name: {worst:.3f} CPU s (target <= {TARGET_SECONDS:g} s): "
          f"{'met' if worst <= TARGET_SECONDS else 'MISSED'}")


if __name__ == "__main__":
    main()
