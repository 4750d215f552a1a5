"""Honest numbers: how the data can make a validation figure lie. Leakage (split before removing
duplicates) and imbalance (the biggest language's head start), run on the current table with the
n-gram baseline, which trains in about a second. The app's own table has neither problem, so each
lesson also runs, in one click, on a copy of the table made to have it (rnn_demo.lesson.honest). The
lessons run in a training worker under a time limit (ui/in_worker.py): on 50,000 rows one takes ~25 s."""

from __future__ import annotations

import inspect
import math

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError
from rnn_demo.lesson.honest import STRENGTHS, long_tailed, with_repeats

from . import in_worker
from .api_table import as_table
from .errors import refused
from .plots import PALETTE, plot_frames
from .session import Session

NO_CURVE = pd.DataFrame({"strength": [0.0, 0.0], "value": float("nan"), "figure": ["accuracy", "macro_accuracy"]})
CURVE_COLOURS = {"accuracy": PALETTE[0], "macro_accuracy": PALETTE[1]}
# Typed columns: an empty frame's columns would be objects, and the chart built from it a nominal y axis.
NO_COUNTS = pd.DataFrame({"label": pd.Series(dtype=str), "names": pd.Series(dtype=int)})
CLASSIC_HINT = (
    "**Where names do repeat:** the data of PyTorch's tutorial *NLP From Scratch: Classifying Names with a "
    "Character-Level RNN*, its `data.zip` ([download.pytorch.org/tutorial/data.zip]"
    "(https://download.pytorch.org/tutorial/data.zip)): `data/names/<Language>.txt` for 18 languages, 20,074 "
    "names, many listed more than once (Arabic: 2,000 lines, 108 distinct names). This page cannot download it "
    "for you: download it, upload the .zip on the **Data** tab, and run the lesson again.")
REPEATS = "a copy of your table where 30 % of the names are listed 2 to 4 times"
TAILED = ("a copy of your table cut to a long tail (the biggest language kept whole, each next one 3/4 of the one "
          "before, at least 8 names)")
COPY_SPLITS = 10  # the long-tailed copy is small: one split holds a name or two of each small language


def leakage_view(table: pd.DataFrame, copy: bool = False) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """Accuracy after the right split and after the wrong one, overall and per language; with
    `copy`, on a copy of the table with repeated names."""
    try:
        own = as_table(table)
        shown = with_repeats(own) if copy else own
        lesson = in_worker.call("leakage_lesson", shown, rows=len(shown))
    except (DataError, ValueError) as err:
        raise refused(str(err)) from None
    honest, leaky = lesson.overall.set_index("split")["accuracy"]
    seconds = f"(n-gram baseline, {lesson.seconds:.1f} s)"
    if lesson.seen_in_training == 0:
        headline = (f"**No name is listed twice, so nothing can leak**: both ways, validation accuracy is "
                    f"**{honest:.1%}** {seconds}. Press **Show it on a copy with repeated names** to see what "
                    f"repeated names do.\n\n{CLASSIC_HINT}")
    else:
        gap = round(leaky * 100, 1) - round(honest * 100, 1)  # of the figures as shown, so they add up
        lead = f"On {REPEATS} ({len(shown):,} rows; yours has {len(own):,}), validation" if copy else "Validation"
        headline = (f"{lead} accuracy reads **{leaky:.1%}** against **{honest:.1%}**, depending only on the order "
                    f"of two steps {seconds}:\n\n"
                    f"- **Wrong order** (row *leaky*), {leaky:.1%}: split the rows first, remove duplicates after. "
                    f"{lesson.seen_in_training:.0%} of the validation names are then training names too.\n"
                    f"- **Right order** (row *honest*), {honest:.1%}: remove duplicates first, then split"
                    f"{' (the copy is then your own table again: the same figure)' if copy else ''}.\n\n"
                    f"The {gap:.1f} percentage points between them are memory, not skill.")
    return headline, lesson.overall.round(3), lesson.per_label.round(3)


def curve_range(values: pd.Series) -> list[float]:
    """The curve's y axis: the lines' range with a margin, in steps of 0.05. Lines need no zero on
    their axis, and on [0, 1] a trade of a few points would look flat."""
    low, high = values.min() - 0.02, values.max() + 0.02
    return [max(0.0, math.floor(low * 20) / 20), min(1.0, math.ceil(high * 20) / 20)]


def curve_note(curve: pd.DataFrame, balanced: bool) -> str:
    """What the curve shows, in numbers: from strength 0 (as trained) to 1 (every language equal)."""
    first, equal = curve.iloc[0], curve.loc[curve["strength"] == 1.0].iloc[0]
    figures = curve[["accuracy", "macro_accuracy"]]
    if balanced:
        return ""  # the headline already says why the curve is flat
    if (figures.max() - figures.min()).max() <= 0.005:
        # On few names the n-gram baseline can be too sure of itself for the head start to flip any answer.
        return (f"\n- Here the curve stays flat: the n-gram baseline is too sure of its answers for the head "
                f"start to flip any. The imbalance shows in the gap: accuracy **{first['accuracy']:.1%}** "
                f"against macro accuracy **{first['macro_accuracy']:.1%}**.")
    return (f"\n- Taking it out (strength 0 → 1): accuracy **{first['accuracy']:.1%}** → "
            f"**{equal['accuracy']:.1%}**, macro accuracy **{first['macro_accuracy']:.1%}** → "
            f"**{equal['macro_accuracy']:.1%}**.")


def imbalance_view(table: pd.DataFrame, copy: bool = False):
    """Label counts, the always-the-biggest baseline, and accuracy against macro accuracy as the
    prior is taken out of the scores; with `copy`, on a long-tailed copy. Yields twice (plots.plot_frames)."""
    try:
        if copy:  # pooled splits where one split of the copy is small (the default table's: ~65 names)
            shown = long_tailed(as_table(table))
            splits = max(1, min(COPY_SPLITS, 5000 // len(shown)))
            lesson = in_worker.call("imbalance_lesson", shown, 0.15, 0, STRENGTHS, splits, rows=splits * len(shown))
        else:
            splits, lesson = 1, in_worker.call("imbalance_lesson", table, rows=len(table))
    except (DataError, ValueError) as err:
        raise refused(str(err)) from None
    top, bottom, majority = lesson.counts.iloc[0], lesson.counts.iloc[-1], lesson.majority
    where = f"On {TAILED}, the" if copy else "The"
    pooled = (f", over {splits} different splits: one split of this small copy holds only a name or two of each "
              "small language") if splits > 1 else ""
    headline = (f"{where} biggest language, **{top['label']}**, has {top['names']:,} names ({top['share']:.0%}); "
                f"the smallest, {bottom['label']}, has {bottom['names']:,}.\n\n"
                f"- Always answering {top['label']} scores accuracy **{majority.accuracy:.1%}** and macro accuracy "
                f"(the mean over languages) **{majority.macro_accuracy:.1%}**")
    if majority.accuracy > majority.macro_accuracy + 0.05:
        headline += ": a head start, not knowledge"
    headline += (".\n- The curve takes that head start out of the n-gram baseline's scores step by step: 0 as "
                 f"trained, 1 every language starts equal ({lesson.seconds:.1f} s{pooled}).")
    balanced = top["names"] <= 1.5 * bottom["names"]
    if balanced:
        headline += ("\n\nYour table is **balanced**: there is no head start to take out, so the curve is flat "
                     "(its two lines lie on top of each other). Press **Show it on a long-tailed copy** to see one.")
    headline += curve_note(lesson.curve, balanced)
    curve = lesson.curve.melt(id_vars="strength", var_name="figure", value_name="value")
    first, second = plot_frames(curve, "figure", CURVE_COLOURS)
    yield headline, lesson.counts[["label", "names"]], first
    # The new y range goes with the colour map, second: a chart rebuilt then reads the new frame.
    yield headline, lesson.counts[["label", "names"]], {**second, "y_lim": curve_range(curve["value"])}


def leakage_on_copy(table: pd.DataFrame):
    return leakage_view(table, copy=True)


def imbalance_on_copy(table: pd.DataFrame):
    yield from imbalance_view(table, copy=True)


def on_session_table(view):
    """`view` run on the session's own table (the Data tab's, all rows), for a page event."""
    if inspect.isgeneratorfunction(view):
        def run(session: Session):
            yield from view(session.names)
    else:
        def run(session: Session):
            return view(session.names)
    return run


def build(session: gr.State) -> None:
    with gr.Tab("Honest numbers", id="honest"):
        gr.Markdown("Two ways the **data** makes a validation figure lie, run on the current table.")
        with gr.Row():
            leakage_btn = gr.Button("Run the leakage lesson", elem_id="leakage-run")
            leakage_demo = gr.Button("Show it on a copy with repeated names", elem_id="leakage-demo")
        leakage_md = gr.Markdown(elem_id="leakage-headline")
        overall = gr.Dataframe(interactive=False, label="Overall: the right order and the wrong one",
                               headers=["split", "accuracy", "macro_accuracy", "macro_f1", "top3_accuracy",
                                        "ambiguity_aware_accuracy", "ambiguous_names", "n"],
                               elem_id="leakage-overall")
        per_label = gr.Dataframe(interactive=False, label="Per language, most inflated first", max_height=300,
                                 headers=["label", "val_names_honest", "val_names_leaky", "seen_in_training",
                                          "accuracy_honest", "accuracy_leaky", "inflation"])
        with gr.Row():
            imbalance_btn = gr.Button("Run the imbalance lesson", elem_id="imbalance-run")
            imbalance_demo = gr.Button("Show it on a long-tailed copy", elem_id="imbalance-demo")
        imbalance_md = gr.Markdown(elem_id="imbalance-headline")
        with gr.Row(equal_height=False):
            counts = gr.BarPlot(NO_COUNTS, x="label", y="names", title="Names per language", x_label_angle=-45,
                                height=300, sort="-y", y_lim=[0, None], elem_id="imbalance-counts")
            curve = gr.LinePlot(NO_CURVE, x="strength", y="value", color="figure", color_map=CURVE_COLOURS,
                                height=300, y_lim=[0, 1], x_lim=[0, 1.5], elem_id="imbalance-curve",
                                title="Taking the head start out", y_title="validation figure",
                                x_title="strength (0 as trained, 1 all equal)")
    leakage = [leakage_md, overall, per_label]
    imbalance = [imbalance_md, counts, curve]
    private = {"api_visibility": "private"}
    leakage_btn.click(on_session_table(leakage_view), session, leakage, **private)
    leakage_demo.click(on_session_table(leakage_on_copy), session, leakage, **private)
    imbalance_btn.click(on_session_table(imbalance_view), session, imbalance, **private)
    imbalance_demo.click(on_session_table(imbalance_on_copy), session, imbalance, **private)
