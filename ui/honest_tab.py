"""Honest numbers: how the data can make a validation figure lie. Leakage (split before removing
duplicates) and imbalance (the biggest language's head start), run on the current table with the
n-gram baseline, which trains in about a second."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError
from rnn_demo.honest import imbalance_lesson, leakage_lesson, long_tailed, with_repeats

from .errors import refused
from .api_table import as_table
from .plots import PALETTE, plot_frames

NO_CURVE = pd.DataFrame({"strength": [0.0, 0.0], "value": float("nan"), "figure": ["accuracy", "macro_accuracy"]})
CURVE_COLOURS = {"accuracy": PALETTE[0], "macro_accuracy": PALETTE[1]}
# Typed columns: an empty frame's columns would be objects, and the chart built from it a nominal y axis.
NO_COUNTS = pd.DataFrame({"label": pd.Series(dtype=str), "names": pd.Series(dtype=int)})
CLASSIC = ("The tutorial's own data has repeats: the 18-language set of PyTorch's \"Classifying Names with a "
           "Character-Level RNN\" (its `data.zip`, from download.pytorch.org/tutorial/data.zip: "
           "`data/names/<Language>.txt`, 20,074 lines; Arabic has 2,000 lines but about 108 distinct names). "
           "This page cannot download it: upload the .zip on the Data tab, then run the lesson again.")
REPEATS = "a copy of your table where 30 % of the names are listed 2 to 4 times"
TAILED = "a copy of your table cut to a long tail (the biggest language whole, each next one 3/4 of the one before)"


def leakage_view(table: pd.DataFrame, copy: bool = False) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """Accuracy after the right split and after the wrong one, overall and per language; with
    `copy`, on a copy of the table with repeated names."""
    try:
        lesson = leakage_lesson(with_repeats(as_table(table)) if copy else table)
    except (DataError, ValueError) as err:
        raise refused(str(err)) from None
    honest, leaky = lesson.overall.set_index("split")["accuracy"]
    where = f"On {REPEATS}: " if copy else ""
    seconds = f"(n-gram baseline, {lesson.seconds:.1f} s)"
    if lesson.seen_in_training == 0:
        headline = (f"{where}**No name is listed twice, so nothing can leak**: both ways, validation accuracy is "
                    f"**{honest:.1%}** {seconds}. Press **Show it on a copy with repeated names** to see what "
                    f"repeats do.\n\n{CLASSIC}")
    else:
        headline = (f"{where}Split first, remove duplicates after: **{lesson.seen_in_training:.0%}** of the validation "
                    f"names were also training names, and validation accuracy reads **{leaky:.1%}**, against "
                    f"**{honest:.1%}** when duplicates are removed before the split {seconds}.")
    return headline, lesson.overall.round(3), lesson.per_label.round(3)


def imbalance_view(table: pd.DataFrame, copy: bool = False):
    """Label counts, the always-the-biggest baseline, and accuracy against macro accuracy as the
    prior is taken out of the scores; with `copy`, on a long-tailed copy. Yields twice (plots.plot_frames)."""
    try:
        lesson = imbalance_lesson(long_tailed(as_table(table)) if copy else table)
    except (DataError, ValueError) as err:
        raise refused(str(err)) from None
    top, bottom = lesson.counts.iloc[0], lesson.counts.iloc[-1]
    where = f"On {TAILED}: t" if copy else "T"
    headline = (f"{where}he biggest language, **{top['label']}**, has {top['share']:.0%} of the names "
                f"({top['names']}; the smallest, {bottom['label']}, has {bottom['names']}). Always answering it "
                f"scores accuracy **{lesson.majority.accuracy:.1%}**, macro accuracy "
                f"**{lesson.majority.macro_accuracy:.1%}**. The curve: the n-gram baseline's scores with "
                "strength × log(share) taken out — 0 as trained, 1 every language equal.")
    if top["names"] <= 1.5 * bottom["names"]:
        headline += ("\n\nYour table is **balanced**, so there is no head start to take out and the curve is flat. "
                     "Press **Show it on a long-tailed copy** to see a head start.")
    first = lesson.curve.iloc[0]
    # On a small copy the n-gram is too sure of itself for the head start to flip any answer.
    if copy and lesson.curve["accuracy"].max() - lesson.curve["accuracy"].min() <= 0.005:
        headline += (f"\n\nHere the curve stays flat: on so few names the n-gram baseline is too sure of its "
                     f"answers for the head start to flip any. The imbalance shows in the gap: accuracy "
                     f"**{first['accuracy']:.1%}** against macro accuracy **{first['macro_accuracy']:.1%}**.")
    curve = lesson.curve.melt(id_vars="strength", var_name="figure", value_name="value")
    for plot in plot_frames(curve, "figure", CURVE_COLOURS):
        yield headline, lesson.counts[["label", "names"]], plot


def leakage_on_copy(table: pd.DataFrame):
    return leakage_view(table, copy=True)


def imbalance_on_copy(table: pd.DataFrame):
    yield from imbalance_view(table, copy=True)


def build(table: gr.Dataframe) -> None:
    with gr.Tab("Honest numbers", id="honest"):
        gr.Markdown("Two ways the **data** makes a validation figure lie, run on the current table.")
        with gr.Row():
            leakage_btn = gr.Button("Run the leakage lesson", elem_id="leakage-run")
            leakage_demo = gr.Button("Show it on a copy with repeated names", elem_id="leakage-demo")
        leakage_md = gr.Markdown(elem_id="leakage-headline")
        overall = gr.Dataframe(interactive=False, label="Overall: the right split and the wrong one")
        per_label = gr.Dataframe(interactive=False, label="Per language, most inflated first", max_height=300)
        with gr.Row():
            imbalance_btn = gr.Button("Run the imbalance lesson", elem_id="imbalance-run")
            imbalance_demo = gr.Button("Show it on a long-tailed copy", elem_id="imbalance-demo")
        imbalance_md = gr.Markdown(elem_id="imbalance-headline")
        with gr.Row(equal_height=False):
            counts = gr.BarPlot(NO_COUNTS, x="label", y="names", title="Names per language", x_label_angle=-45,
                                height=300, sort="-y", y_lim=[0, None], elem_id="imbalance-counts")
            curve = gr.LinePlot(NO_CURVE, x="strength", y="value", color="figure", color_map=CURVE_COLOURS,
                                height=300, y_lim=[0, 1], x_lim=[0, 1.5], elem_id="imbalance-curve",
                                title="Accuracy against macro accuracy as balancing is turned up")
    leakage = [leakage_md, overall, per_label]
    imbalance = [imbalance_md, counts, curve]
    private = dict(api_visibility="private")
    leakage_btn.click(leakage_view, table, leakage, **private)
    leakage_demo.click(leakage_on_copy, table, leakage, **private)
    imbalance_btn.click(imbalance_view, table, imbalance, **private)
    imbalance_demo.click(imbalance_on_copy, table, imbalance, **private)
