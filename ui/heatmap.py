"""DataFrames as HTML heat maps: the confusion matrix, probabilities, hidden states.

The background's opacity carries the value. Colours are the two ends of colorcet's CET_CBD1
(diverging_protanopic_deuteranopic_bwy, blue–grey–yellow, made to stay distinct for protanopes
and deuteranopes; Kovesi, "Good colour maps", colorcet.holoviz.org): blue for counts, probabilities
and positive values, yellow for negative ones. Text is black or white, whichever contrasts more
with the cell as it is painted over the light or the dark theme's background (class `ink-*`,
ui/style.css), so every number passes WCAG's 4.5:1.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import colorcet
import pandas as pd

POSITIVE, NEGATIVE = colorcet.palette["CET_CBD1"][0], colorcet.palette["CET_CBD1"][-1]  # #3a90fe, #a78f08
# What a cell is painted over: the block's background in Gradio's default light and dark themes.
UNDER = {"light": "#ffffff", "dark": "#27272a"}


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def luminance(channels) -> float:
    """WCAG's relative luminance of an sRGB colour given as 0-255 channels."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in channels)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def white_reads_better(colour: str, alpha: float, theme: str) -> bool:
    """Whether white text contrasts more than black with `colour` at `alpha` over the theme's background."""
    under = rgb(UNDER[theme])
    painted = [alpha * c + (1 - alpha) * u for c, u in zip(rgb(colour), under)]
    lum = luminance(painted)
    return 1.05 / (lum + 0.05) > (lum + 0.05) / 0.05


def shade(colour: str, alpha: float) -> str:
    """A cell's (or a letter's) style and classes: `colour` at `alpha`, with the ink that reads on it."""
    alpha = min(max(alpha, 0.0), 1.0)
    ink = " ink-w" if white_reads_better(colour, alpha, "light") else ""
    ink += "" if white_reads_better(colour, alpha, "dark") else " ink-k"
    r, g, b = rgb(colour)
    return f"style='background: rgba({r}, {g}, {b}, {alpha:.2f})' class='shade{ink}'"


def ramp(*stops: tuple[str, float]) -> str:
    """The legend's colour scale: a bar through (colour, alpha) stops."""
    gradient = ", ".join("rgba({}, {}, {}, {})".format(*rgb(colour), alpha) for colour, alpha in stops)
    return f"<span class='ramp' role='img' aria-label='colour scale' style='background: linear-gradient(to right, {gradient})'></span>"


def table_html(frame: pd.DataFrame, title: str, cell: Callable[[float, float], tuple[str, str]],
               legend: Callable[[float], str], kind: str = "") -> str:
    """A table whose cell(value, top) gives each <td>'s attributes and text, and legend(top) the
    colour scale's caption; top is the largest |value|. kind 'square': column names written upwards
    and row names kept in view while the table scrolls sideways (style.css), for a wide matrix.
    The scrolling box is focusable (tabindex) and named, so a keyboard can scroll it too."""
    values = frame.to_numpy(dtype=float)
    top = max(float(abs(values).max()), 1e-9) if values.size else 1.0
    head = "".join(f"<th><span>{html.escape(str(c))}</span></th>" for c in frame.columns)
    rows = [f"<tr><th>{html.escape(str(index))}</th>{''.join('<td {}>{}</td>'.format(*cell(v, top)) for v in row)}</tr>"
            for index, row in zip(frame.index, values)]
    name = html.escape(title, quote=True)
    # The corner is a <td>: a header cell must say something, and it heads nothing.
    return (f"<div class='heatmap {kind}'><h3>{html.escape(title)}</h3>"
            f"<div class='scroll' tabindex='0' role='region' aria-label='{name}'><table><tr><td></td>"
            f"{head}</tr>{''.join(rows)}</table></div><div class='legend'>{legend(top)}</div></div>")


def heatmap_html(frame: pd.DataFrame, title: str, fmt: str = "{:.0f}", legend: str = "", kind: str = "") -> str:
    """Counts or probabilities: the cell's blue grows with its value."""
    def cell(v: float, top: float) -> tuple[str, str]:
        return shade(POSITIVE, v / top), fmt.format(v)

    return table_html(frame, title, cell, lambda top: f"0 {ramp((POSITIVE, 0), (POSITIVE, 1))} "
                                                      f"{fmt.format(top)} {html.escape(legend)}", kind)


def diverging_html(frame: pd.DataFrame, title: str, legend: str) -> str:
    """Signed values (hidden states): blue positive, yellow negative, clear at zero; the value on hover."""
    def cell(v: float, top: float) -> tuple[str, str]:
        return f"title='{v:+.2f}' {shade(POSITIVE if v >= 0 else NEGATIVE, abs(v) / top)}", ""

    scale = ramp((NEGATIVE, 1), (NEGATIVE, 0), (POSITIVE, 0), (POSITIVE, 1))
    return table_html(frame, title, cell, lambda top: f"{-top:+.2f} {scale} {top:+.2f} {html.escape(legend)}")
