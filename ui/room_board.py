"""The instructor's board, drawn from the room's JSON (serving/rooms.RoomStore.board): who is where,
every member's loss curve coloured by one setting, the class experiment, and the runs as a table.

Everything a member typed (a nickname, a language's name) is escaped before it reaches the page.
The curves are an SVG of our own: one line per run with the colour of its setting's value, which
Gradio's LinePlot cannot draw (its colour is its series: runs of one value would join into one line).
"""

from __future__ import annotations

import statistics
from html import escape

import pandas as pd

from .plots import PALETTE

COLOUR_BY = {"arch": "architecture", "cell": "cell", "hidden": "hidden size", "layers": "layers",
             "epochs": "epochs", "learning_rate": "learning rate", "batch_size": "batch size",
             "embedding": "embedding", "pooling": "pooling", "dropout": "dropout"}
RUN_COLUMNS = ["nickname", "arch", "cell", "hidden", "layers", "epochs", "status", "best accuracy", "minutes ago"]
WIDTH, HEIGHT, PAD = 640, 240, 40  # the curves' SVG, in its own units (it scales to the page's width)
LEFT = 72  # room for the y labels at a phone's font (26 units: the SVG is drawn 2.5x smaller there)


def value_of(run: dict, setting: str) -> str:
    return str(run["settings"].get(setting, "?"))


def all_runs(board: dict) -> list[tuple[str, dict]]:
    """(nickname, run) for every run in the room, oldest member first."""
    return [(member["nickname"], run) for member in board["members"] for run in member["runs"]]


def colours(board: dict, setting: str) -> dict[str, str]:
    """A colour for each value the setting takes in the room, in sorted order (numbers by size)."""
    values = {value_of(run, setting) for _, run in all_runs(board)}
    ordered = sorted(values, key=lambda v: (0, float(v), "") if _is_number(v) else (1, 0.0, v))
    return {value: PALETTE[i % len(PALETTE)] for i, value in enumerate(ordered)}


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def who_is_where(board: dict) -> str:
    """Who has not trained, who is training, whose last training failed (and why): one line each."""
    idle = [m["nickname"] for m in board["members"] if not m["runs"]]
    training = [m["nickname"] for m in board["members"] if m["runs"] and m["runs"][-1]["status"] == "training"]
    failed = [(m["nickname"], m["runs"][-1]["reason"]) for m in board["members"]
              if m["runs"] and m["runs"][-1]["status"] == "failed"]
    names = lambda people: ", ".join(escape(p) for p in people) or "nobody"  # noqa: E731
    count = len(board["members"])
    lines = [f"<b>{count} member{'s' if count != 1 else ''}</b> in room <code>{escape(board['code'])}</code>",
             f"Not trained yet: {names(idle)}", f"Training now: {names(training)}",
             "Last training failed: " + ("; ".join(f"{escape(n)} ({escape(r)})" for n, r in failed) or "nobody")]
    return "".join(f"<li>{line}</li>" for line in lines)


def curves_svg(board: dict, setting: str) -> str:
    """Every run's smoothed training loss against epochs, coloured by the value of `setting`."""
    runs = [run for _, run in all_runs(board) if run["curve"]]
    if not runs:
        return '<p class="room-empty">No curves yet: they appear here as soon as someone trains.</p>'
    palette = colours(board, setting)
    x_max = max(max(x for x, _ in run["curve"]) for run in runs) or 1.0
    ys = [y for run in runs for _, y in run["curve"]]
    y_min, y_max = min(ys), max(ys)
    y_min, y_max = (y_min - 0.05, y_max + 0.05) if y_max - y_min < 0.1 else (y_min, y_max)  # a flat curve still shows
    sx = lambda x: LEFT + (WIDTH - LEFT - 8) * x / x_max  # noqa: E731
    sy = lambda y: HEIGHT - PAD - (HEIGHT - 2 * PAD) * (y - y_min) / (y_max - y_min)  # noqa: E731
    lines = [f'<polyline fill="none" stroke="{palette[value_of(run, setting)]}" stroke-width="2" '
             f'stroke-opacity="0.85" points="{" ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in run["curve"])}"/>'
             for run in runs]
    axes = (f'<line x1="{LEFT}" y1="{HEIGHT - PAD}" x2="{WIDTH - 8}" y2="{HEIGHT - PAD}" stroke="currentColor"/>'
            f'<line x1="{LEFT}" y1="8" x2="{LEFT}" y2="{HEIGHT - PAD}" stroke="currentColor"/>'
            f'<text x="{WIDTH - 8}" y="{HEIGHT - 10}" text-anchor="end">epoch {x_max:g}</text>'
            f'<text x="{LEFT}" y="{HEIGHT - 10}" text-anchor="middle">0</text>'
            f'<text x="{LEFT - 4}" y="{sy(y_max) + 4:.0f}" text-anchor="end">{y_max:.2f}</text>'
            f'<text x="{LEFT - 4}" y="{sy(y_min) + 4:.0f}" text-anchor="end">{y_min:.2f}</text>'
            f'<text x="{WIDTH - 8}" y="14" text-anchor="end">training loss (smoothed), one line per run</text>')
    legend = "".join(f'<span><i style="background:{c}"></i>{escape(v)}</span>' for v, c in palette.items())
    return (f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="Training loss of {len(runs)} runs, '
            f'coloured by {escape(COLOUR_BY.get(setting, setting))}">{axes}{"".join(lines)}</svg>'
            f'<div class="room-legend">{escape(COLOUR_BY.get(setting, setting))}: {legend}</div>')


def experiment(board: dict, setting: str) -> list[dict]:
    """The class experiment: per value of `setting`, the best accuracy of the finished and stopped
    runs, mean ± sd and how many (sd needs two runs)."""
    by_value: dict[str, list[float]] = {}
    for _, run in all_runs(board):
        if run["best_accuracy"] is not None:
            by_value.setdefault(value_of(run, setting), []).append(run["best_accuracy"])
    order = colours(board, setting)
    return [{"value": value, "n": len(by_value[value]), "mean": statistics.fmean(by_value[value]),
             "sd": statistics.stdev(by_value[value]) if len(by_value[value]) > 1 else None}
            for value in order if value in by_value]


def spread(row: dict) -> str:
    """'61.2% ± 3.4%', or the mean alone for a single run."""
    return f"{row['mean']:.1%}" + ("" if row["sd"] is None else f" ± {row['sd']:.1%}")


def experiment_html(board: dict, setting: str) -> str:
    rows = experiment(board, setting)
    counts: dict[str, int] = {}
    for _, run in all_runs(board):
        counts[value_of(run, setting)] = counts.get(value_of(run, setting), 0) + 1
    if not counts:
        return ""
    cells = "".join(f"<tr><td>{escape(row['value'])}</td><td>{spread(row)}</td><td>{row['n']}</td>"
                    f"<td>{counts[row['value']]}</td></tr>" for row in rows)
    missing = "".join(f"<tr><td>{escape(v)}</td><td>–</td><td>0</td><td>{n}</td></tr>"
                      for v, n in counts.items() if v not in {row["value"] for row in rows})
    name = escape(COLOUR_BY.get(setting, setting))
    return (f"<table class='room-experiment'><caption>Class experiment: best validation accuracy by {name}"
            f"</caption><tr><th>{name}</th><th>mean ± sd</th><th>n runs with a result</th><th>runs in all</th></tr>"
            f"{cells}{missing}</table>")


def board_html(board: dict, setting: str) -> str:
    """The board's top: who is where, the curves, the class experiment."""
    return (f"<div class='room-board'><ul class='room-who'>{who_is_where(board)}</ul>"
            f"{curves_svg(board, setting)}{experiment_html(board, setting)}</div>")


def runs_frame(board: dict) -> pd.DataFrame:
    """One row per run, newest first (the table sorts by any column in the page)."""
    rows = []
    for nickname, run in all_runs(board):
        s = run["settings"]
        best = run["best_accuracy"]
        rows.append([nickname, s.get("arch"), s.get("cell"), s.get("hidden"), s.get("layers"), s.get("epochs"),
                     run["status"] + (f": {run['reason']}" if run["reason"] else ""),
                     None if best is None else round(100 * best, 1), round((board["now"] - run["started"]) / 60, 1)])
    frame = pd.DataFrame(rows, columns=RUN_COLUMNS)
    return frame.sort_values("minutes ago", kind="stable").reset_index(drop=True)
