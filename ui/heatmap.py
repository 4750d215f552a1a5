"""DataFrames as HTML heat maps: the confusion matrix, probabilities, hidden states.

The background's opacity carries the value; text keeps the theme's colour (readable in light and
dark) except on strong cells, where it turns white (class `strong`, ui/style.css).
"""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd

BLUE, RED = "37, 99, 235", "220, 38, 38"


def table_html(frame: pd.DataFrame, title: str, cell: Callable[[float, float], tuple[str, str]],
               legend: Callable[[float], str], kind: str = "") -> str:
    """A table whose cell(value, top) gives each <td>'s attributes and text, and legend(top) the
    colour scale's caption; top is the largest |value|. kind 'square': column names written upwards
    and row names kept in view while the table scrolls sideways (style.css), for a wide matrix."""
    values = frame.to_numpy(dtype=float)
    top = max(float(abs(values).max()), 1e-9) if values.size else 1.0
    head = "".join(f"<th><span>{html.escape(str(c))}</span></th>" for c in frame.columns)
    rows = [f"<tr><th>{html.escape(str(index))}</th>{''.join('<td {}>{}</td>'.format(*cell(v, top)) for v in row)}</tr>"
            for index, row in zip(frame.index, values)]
    return (f"<div class='heatmap {kind}'><h4>{html.escape(title)}</h4><div class='scroll'><table><tr><th></th>"
            f"{head}</tr>{''.join(rows)}</table></div><div class='legend'>{legend(top)}</div></div>")


def heatmap_html(frame: pd.DataFrame, title: str, fmt: str = "{:.0f}", legend: str = "", kind: str = "") -> str:
    """Counts or probabilities: the cell's blue grows with its value."""
    def cell(v: float, top: float) -> tuple[str, str]:
        strength = v / top
        strong = " class='strong'" if strength > 0.5 else ""
        return f"style='background: rgba({BLUE}, {strength:.2f})'{strong}", fmt.format(v)

    return table_html(frame, title, cell,
                      lambda top: f"0 <span class='ramp'></span> {fmt.format(top)} {html.escape(legend)}", kind)


def diverging_html(frame: pd.DataFrame, title: str, legend: str) -> str:
    """Signed values (hidden states): blue positive, red negative, clear at zero; the value on hover."""
    def cell(v: float, top: float) -> tuple[str, str]:
        colour = BLUE if v >= 0 else RED
        return f"title='{v:+.2f}' style='background: rgba({colour}, {abs(v) / top:.2f}); min-width: 14px'", ""

    return table_html(frame, title, cell, lambda top: f"{-top:+.2f} <span class='ramp diverging'></span> "
                                                      f"{top:+.2f} {html.escape(legend)}")
