"""Honest numbers: how the data can make a validation figure lie. Leakage (split before removing
duplicates) and imbalance (the biggest language's head start), run on the current table with the
n-gram baseline, which trains in about a second."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError
from rnn_demo.honest import imbalance_lesson, leakage_lesson

NO_CURVE = pd.DataFrame({"strength": [0.0, 1.0], "value": float("nan"), "figure": "(press Run)"})
NO_COUNTS = pd.DataFrame({"label": [], "names": []})
CLASSIC_HINT = ("Your table has no repeated names, so nothing can leak. Upload the tutorial's own data "
                "(a .zip of data/names/<Language>.txt, on the Data tab) to see what duplicates do: Arabic has "
                "2,000 lines but about 108 distinct names.")


def leakage_view(table: pd.DataFrame) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """Accuracy after the right split and after the wrong one, overall and per language."""
    try:
        lesson = leakage_lesson(table)
    except (DataError, ValueError) as err:
        raise gr.Error(str(err)) from None
    honest, leaky = lesson.overall.set_index("split")["accuracy"]
    headline = (f"Split first, remove duplicates after: **{lesson.seen_in_training:.0%}** of the validation names "
                f"were also training names, and validation accuracy reads **{leaky:.1%}** instead of **{honest:.1%}** "
                f"(n-gram baseline, {lesson.seconds:.1f} s).")
    if lesson.seen_in_training == 0:
        headline += "\n\n" + CLASSIC_HINT
    return headline, lesson.overall.round(3), lesson.per_label.round(3)


def imbalance_view(table: pd.DataFrame) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """Label counts, the always-the-biggest baseline, and accuracy against macro accuracy as the
    prior is taken out of the scores."""
    try:
        lesson = imbalance_lesson(table)
    except (DataError, ValueError) as err:
        raise gr.Error(str(err)) from None
    top = lesson.counts.iloc[0]
    headline = (f"The biggest language, **{top['label']}**, has {top['share']:.0%} of the names. Always answering it "
                f"scores accuracy **{lesson.majority.accuracy:.1%}**, macro accuracy "
                f"**{lesson.majority.macro_accuracy:.1%}**. The curve: the n-gram baseline's scores with "
                "strength × log(share) taken out — 0 as trained, 1 every language equal.")
    curve = lesson.curve.melt(id_vars="strength", var_name="figure", value_name="value")
    return headline, lesson.counts[["label", "names"]], curve


def build(table: gr.Dataframe) -> None:
    with gr.Tab("Honest numbers", id="honest"):
        gr.Markdown("Two ways the **data** makes a validation figure lie, run on the current table.")
        leakage_btn = gr.Button("Run the leakage lesson", elem_id="leakage-run")
        leakage_md = gr.Markdown(elem_id="leakage-headline")
        overall = gr.Dataframe(interactive=False, label="Overall: the right split and the wrong one")
        per_label = gr.Dataframe(interactive=False, label="Per language, most inflated first", max_height=300)
        imbalance_btn = gr.Button("Run the imbalance lesson", elem_id="imbalance-run")
        imbalance_md = gr.Markdown(elem_id="imbalance-headline")
        with gr.Row(equal_height=False):
            counts = gr.BarPlot(NO_COUNTS, x="label", y="names", title="Names per language", x_label_angle=-45,
                                height=300, sort="-y")
            curve = gr.LinePlot(NO_CURVE, x="strength", y="value", color="figure", height=300, y_lim=[0, 1],
                                title="Accuracy against macro accuracy as balancing is turned up",
                                elem_id="imbalance-curve")
    leakage_btn.click(leakage_view, table, [leakage_md, overall, per_label], api_visibility="private")
    imbalance_btn.click(imbalance_view, table, [imbalance_md, counts, curve], api_visibility="private")
