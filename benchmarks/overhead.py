"""Start-up and what a training costs beyond its epochs:
`python -m benchmarks.overhead [--starts 3] [--epochs 20] [--warm 2]`.

First the start-up: a bare Gradio app (benchmarks/echo_app.py) and the real app (`app.py`) started in turn,
`--starts` times each, timed until their /classify answers (mean ± sd; the aim, issue 33: the app within
2x the bare one). Then the real app once more: /train through gradio_client right after it answers
(at start: its first worker may still be warming up, which the status line says), once that worker is
warm, and again (warm); for each the status line's epochs time ("in X s"), the call's wall time, the
difference, and when the first point of the live loss curve arrived. The aim (issue 24): a warm training's
wall <= epochs + 1 s, the first point within 1 s of the call.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import statistics
import time
from pathlib import Path

from gradio_client import Client

from .servers import AppProcess

ROOT = Path(__file__).resolve().parent.parent


def has_point(plot) -> bool:
    """Whether a LinePlot output (a dict with "data" rows) holds a drawn, finite value."""
    rows = plot.get("data", []) if isinstance(plot, dict) else []
    return any(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v != 0
               for row in rows for v in row[1:2])


def one_training(client: Client, epochs: int) -> dict:
    """Wall time of one /train call, its epochs time from the status line, its first plotted point."""
    began = time.perf_counter()
    job = client.submit(None, {"epochs": epochs}, api_name="/train")
    first_point = None
    for plot, *_ in job:
        if first_point is None and has_point(plot):
            first_point = time.perf_counter() - began
    wall = time.perf_counter() - began
    status = job.outputs()[-1][1]
    found = re.search(r"in ([\d.]+) s", status)
    if not found:
        raise RuntimeError(f"no epochs time in the status line: {status!r}")
    return {"epochs_s": float(found.group(1)), "wall_s": wall, "first_point_s": first_point}


def start_up(starts: int) -> None:
    """Seconds until /classify answers, a bare Gradio app's and ours, started in turn."""
    seconds: dict[str, list[float]] = {"bare Gradio app": [], "app.py": []}
    for _ in range(starts):
        for name, script in (("bare Gradio app", ROOT / "benchmarks" / "echo_app.py"), ("app.py", ROOT / "app.py")):
            app = AppProcess(script, ROOT)
            seconds[name].append(app.ready_s)
            app.stop()
    for name, values in seconds.items():
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        print(f"start-up {name:<16} {statistics.mean(values):5.2f} ± {spread:.2f} s to answer ({len(values)} starts)")
    ratio = statistics.mean(seconds["app.py"]) / statistics.mean(seconds["bare Gradio app"])
    print(f"start-up ratio app.py / bare Gradio app: {ratio:.2f}x (aim: <= 2x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--warm", type=int, default=2, help="warm trainings after the cold one")
    parser.add_argument("--starts", type=int, default=3, help="start-ups of each app, in turn")
    args = parser.parse_args()
    print(f"cores {len(os.sched_getaffinity(0))}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    start_up(args.starts)
    app = AppProcess(ROOT / "app.py", ROOT)
    try:
        print(f"app answered after {app.ready_s:.1f} s")
        client = Client(app.url, verbose=False)
        print(f"{'training':<9} {'epochs s':>9} {'call s':>7} {'overhead s':>11} {'first point s':>14}")
        for index in range(1 + args.warm):
            row = one_training(client, args.epochs)
            first = f"{row['first_point_s']:.2f}" if row["first_point_s"] is not None else "-"
            print(f"{'at start' if index == 0 else 'warm':<9} {row['epochs_s']:>9.2f} {row['wall_s']:>7.2f} "
                  f"{row['wall_s'] - row['epochs_s']:>11.2f} {first:>14}")
    finally:
        app.stop()
    print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
