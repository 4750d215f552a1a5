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

# Glasbey's categorical palette (colorcet): Tableau's 10, then colours chosen to stay far apart;
# 256 entries, so 18 languages get 18 different colours. The grey (8th) is kept for "other" marks.
PALETTE = [colour for i, colour in enumerate(colorcet.palette["glasbey_category10"]) if i != 7]
GREY = "#7f7f7f"


def colour_map(names, fixed: dict[str, str] | None = None) -> dict[str, str]:
    """A colour for each name, in order of first appearance; `fixed` colours win and are not reused."""
    fixed = fixed or {}
    free = iter(colour for colour in PALETTE if colour not in fixed.values())
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
