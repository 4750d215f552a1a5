"""Plots whose colours follow the data they are given.

Gradio's native plot builds its chart (and the colour scale's domain) from the value it has when the
chart is built, and rebuilds it only when a setting such as `color_map` changes: new data alone keeps
the old domain, so series named otherwise than the first value's are drawn without colour. So every
value sent to a plot with a `color` column goes with a colour map built from the series it holds:
a new set of series is a new colour map, which rebuilds the chart.
"""

from __future__ import annotations

import colorcet
import gradio as gr
import pandas as pd

from .heatmap import UNDER, luminance, rgb

# Glasbey's categorical palette (colorcet's glasbey_category10): Tableau's 10, then colours chosen to
# stay far apart; 256 entries, so 18 languages get 18 different colours. Kept: those at least 2:1
# against both themes' backgrounds (white, #27272a), so no language's dots vanish on the dark theme
# (Glasbey's deep purples and greens did). The grey (8th) is kept for "other" marks.
GREY = "#7f7f7f"


def _reads_on_both(colour: str) -> bool:
    lum = luminance(rgb(colour))
    return (lum + 0.05) / (luminance(rgb(UNDER["dark"])) + 0.05) >= 2 and 1.05 / (lum + 0.05) >= 2


def _near(colour: str, other: str) -> bool:
    """Too alike to tell apart on a plot (e.g. Glasbey's #dd00ff beside the map's #ff00ff star)."""
    return sum((a - b) ** 2 for a, b in zip(rgb(colour), rgb(other))) < 60 ** 2


PALETTE = [colour for i, colour in enumerate(colorcet.palette["glasbey_category10"])
           if i != 7 and _reads_on_both(colour)]


def colour_map(names, fixed: dict[str, str] | None = None) -> dict[str, str]:
    """A colour for each name, in order of first appearance; `fixed` colours win, and neither they
    nor colours near them are reused."""
    fixed = fixed or {}
    free = iter(colour for colour in PALETTE if not any(_near(colour, taken) for taken in fixed.values()))
    return {str(name): fixed.get(str(name)) or next(free) for name in dict.fromkeys(names)}


def plot_value(frame: pd.DataFrame, color: str, fixed: dict[str, str] | None = None) -> dict:
    """An update for a plot: the frame and the colour map of the series in its `color` column."""
    return gr.update(value=frame, color_map=colour_map(frame[color], fixed))


def plot_frames(frame: pd.DataFrame, color: str, fixed: dict[str, str] | None = None):
    """Two updates, to be yielded in turn: the frame, then its colour map. The page applies an
    update's settings before its value, so a chart rebuilt for a new colour map in the same update
    would read the old value's series; sent second, it reads the new ones."""
    yield gr.update(value=frame)
    yield plot_value(frame, color, fixed)


def letter_axis(frame: pd.DataFrame, x: str, letters) -> tuple[pd.DataFrame, list[str]]:
    """The frame with its letter positions (1, 2, ...) in column `x` written "1 K", "2 o", ..., and that
    order, for the plot's `sort`. A number axis over a short name puts ticks between letters (1.2,
    1.4); a text axis has one tick per letter, and names it."""
    order = [f"{i} {letter}" for i, letter in enumerate(letters, 1)]
    return frame.assign(**{x: [order[int(p) - 1] for p in frame[x]]}), order


def waiting(x: str, y: str, label: str, **others: str) -> pd.DataFrame:
    """A plot's value before its first press: one text x tick saying what to press, and no y value, so
    the axes show neither a single number printed to six places (0.000000) nor fractional positions."""
    return pd.DataFrame({x: [label], y: [float("nan")], **{k: [v] for k, v in others.items()}})
