"""Change it and see what breaks: knock out hidden units, clamp a gate or scale W_hh of the answering
model, then compare per-language accuracy, a name letter by letter and the state's path before and after."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError
from rnn_demo.inside.gradients import LONG_NAMES
from rnn_demo.inside.intervene import (
    NOT_CORRELATION,
    SCALES,
    Intervention,
    InterventionError,
    compare,
    intervened_logits,
    name_effect,
    parse_intervention,
    scale_effect,
)
from rnn_demo.inside.units import selective_units

from .errors import refused
from .map_view import names_on_map
from .plots import GREY, PALETTE, letter_axis, waiting
from .session import Session
from .units_view import scan

KINDS = ("Knock out units", "Clamp a gate", "Scale the recurrence")
GATE_CHOICES = [("z — GRU update gate (1 keeps the old state)", "z"), ("r — GRU reset gate", "r"),
                ("f — LSTM forget gate (0 erases the cell state)", "f"), ("i — LSTM input gate", "i"),
                ("o — LSTM output gate", "o")]
# The same two colours in every plot of the view; the change bars: lost in the "after" colour.
SERIES = {"before": PALETTE[0], "after": PALETTE[1], "lost": PALETTE[1], "gained": PALETTE[0], "same": GREY}
DEFAULT_NAME = "Kowalski"
PRESS = "(press the button)"
STEP = "state change ‖h_t − h_{t−1}‖"
SELECTIVE_DEFAULT = 5  # units knocked out when the box is empty: the unit explorer's most selective


def intervention_of(session: Session, kind: str, units: str, gate: str, value: float, letter: float,
                    layer: str, factor: float):
    """The Intervention the controls describe (and the unit numbers used, for the note)."""
    model = session.answering
    if kind == KINDS[0]:
        if not (units or "").strip():  # the unit explorer's list, so a first press shows something
            units = ", ".join(str(u) for u in selective_units(scan(session), SELECTIVE_DEFAULT)["unit"])
        return parse_intervention(model, knock_out=units), units
    if kind == KINDS[1]:
        where = "" if layer in (None, "", "every layer") else f"{int(layer)}:"
        return parse_intervention(model, clamp=f"{where}{gate}={value:g}@{int(letter or 1)}"), units
    return parse_intervention(model, scale=float(factor)), units


def _plot(frame: pd.DataFrame, **settings) -> dict:
    return gr.update(value=frame, color_map={s: c for s, c in SERIES.items() if s in set(frame["series"])},
                     **settings)


def run(session: Session, kind: str, units: str, gate: str, value: float, letter: float, layer: str,
        factor: float, name: str):
    """Every output of the view for one press (yielded twice: the values, then their colour maps)."""
    try:
        change, units = intervention_of(session, kind, units, gate, value, letter, layer, factor)
        outcome = compare(session.answering, names_on_map(session)[0], change)
        effect = name_effect(session.answering, name or DEFAULT_NAME, change)
    except (InterventionError, DataError, ValueError) as err:
        raise refused(str(err)) from None
    table = outcome.per_label.assign(before=lambda f: (100 * f["before"]).round(1),
                                     after=lambda f: (100 * f["after"]).round(1),
                                     change=lambda f: (100 * f["change"]).round(1))
    # Grouped bars are not in Gradio's BarPlot (a colour stacks them): the change is the bar, its sign the colour.
    bars = table.assign(series=table["change"].map(lambda c: "lost" if c < 0 else "gained" if c > 0 else "same"))[
        ["label", "change", "series"]].rename(columns={"change": "change (points)"})
    answer = effect.answer[0][0]  # the unchanged model's answer for the whole name
    by_letter = effect.by_letter.pivot(index=["position", "prefix"], columns="series", values="label").reset_index()
    letters = by_letter.rename(columns={"prefix": "the name so far", "before": "answer before",
                                        "after": "answer after"})[["the name so far", "answer before", "answer after"]]
    spelled = effect.path.loc[effect.path["series"] == "before", "letter"]
    probability, order = letter_axis(_answer_probability(session, effect, change, answer), "letter", spelled)
    path = letter_axis(effect.path.rename(columns={"step": STEP}), "position", spelled)[0]
    (lb, pb), (la, pa) = effect.answer
    note = (f"**{outcome.summary()}**\n\n{effect.name}: {lb} {pb:.0%} → **{la} {pa:.0%}**.\n\n{NOT_CORRELATION}")
    gradient, curves = gr.update(visible=False), None
    if kind == KINDS[2]:
        scale = scale_effect(session.answering, change.scale, list(LONG_NAMES[:2]))
        (before, after), (reach_before, reach_after) = scale.sigma, scale.reach
        note += (f"\n\nLargest singular value of W_hh (each layer, gates stacked): "
                 f"{', '.join(f'{s:.2f}' for s in before)} → {', '.join(f'{s:.2f}' for s in after)}; the gradient "
                 f"‖∂h_T/∂h_t‖ stays above 1 % for {reach_before} → {reach_after} letters back.")
        curves = scale.curves.assign(series=scale.curves["series"].map({scale.curves["series"].iloc[0]: "before"})
                                     .fillna("after"))
        curves = curves.rename(columns={"log10_norm": "log10 norm"})
        gradient = gr.update(value=curves, visible=True)
    yield (note, table, bars, gr.update(value=probability, sort=order), gr.update(value=path, sort=order), letters,
           gradient)
    # Gradio consumes an update's "value" when it sends it: the second yield builds its own updates.
    yield (note, table, _plot(bars), _plot(probability, sort=order), _plot(path, sort=order), letters,
           gr.update(visible=False) if curves is None else _plot(curves))


def _answer_probability(session: Session, effect, change, answer: str) -> pd.DataFrame:
    """P(the unchanged answer) as each letter arrives, before and after."""
    model = session.answering
    prefixes = [effect.name[:t] for t in range(1, len(effect.name) + 1)]
    index = model.labels.index(answer)
    rows = []
    for series, each in (("before", Intervention()), ("after", change)):
        p = intervened_logits(model, prefixes, each).softmax(dim=1)[:, index]
        rows += [(t + 1, series, v) for t, v in enumerate(p.tolist())]
    return pd.DataFrame(rows, columns=["letter", "series", f"P({answer})"]).rename(columns={f"P({answer})": "P(answer)"})


def build(session: gr.State) -> None:
    gr.Markdown("### Change the network and see what breaks\n"
                "Hold hidden units at zero, force a gate, or scale the recurrent weights, at every step of the "
                "cell loop, with this model's own weights; then compare. " + NOT_CORRELATION)
    kind = gr.Radio(list(KINDS), value=KINDS[0], label="What to change", elem_id="intervene-kind")
    units = gr.Textbox("", label="Units to knock out", elem_id="intervene-units",
                       placeholder="e.g. 3, 7 or 0-9 or all (layer:unit for a lower layer); empty: the unit "
                                   "explorer's 5 most selective units")
    factor = gr.Slider(SCALES[0], SCALES[1], value=0.5, step=0.05, label="W_hh × factor (0.25–2)", visible=False,
                       elem_id="intervene-scale")
    with gr.Row(visible=False) as gate_row:
        gate = gr.Dropdown(GATE_CHOICES, value="z", label="Gate", elem_id="intervene-gate")
        value = gr.Slider(0, 1, value=1, step=0.05, label="Forced to", elem_id="intervene-value")
        letter = gr.Number(3, label="From letter", precision=0, minimum=1, elem_id="intervene-letter")
        layer = gr.Dropdown(["every layer", "0", "1", "2", "3"], value="every layer", label="Layer",
                            elem_id="intervene-layer")
    with gr.Row():
        name = gr.Textbox(DEFAULT_NAME, label="A name, letter by letter", scale=3, elem_id="intervene-name")
        run_btn = gr.Button("Change it and measure", variant="primary", scale=1, elem_id="intervene-run")
    summary = gr.Markdown(elem_id="intervene-summary")
    with gr.Row(equal_height=False):
        per_label = gr.BarPlot(waiting("label", "change (points)", PRESS, series="lost"), x="label",
                               y="change (points)", color="series", x_label_angle=-45, height=300,
                               title="Validation accuracy per language: after − before", elem_id="intervene-per-label")
        table = gr.Dataframe(interactive=False, label="Per language (%)", max_height=300, elem_id="intervene-table",
                             headers=["label", "names", "before", "after", "change"])
    with gr.Row(equal_height=False):
        answer = gr.LinePlot(waiting("letter", "P(answer)", PRESS, series="before"), x="letter", y="P(answer)",
                             color="series", height=260, elem_id="intervene-letters",
                             title="The unchanged answer's probability as each letter arrives")
        path = gr.LinePlot(waiting("position", STEP, PRESS, series="before"), x="position", y=STEP,
                           color="series", height=260, elem_id="intervene-path",
                           title="How far the state moves at each letter")
    guesses = gr.Dataframe(interactive=False, label="The answer if the name ended here, before and after",
                           headers=["the name so far", "answer before", "answer after"],
                           max_height=260, elem_id="intervene-guesses")
    gradient = gr.LinePlot(pd.DataFrame({"distance": [0], "series": ["before"], "log10 norm": [0.0]}),
                           x="distance", y="log10 norm", color="series", height=260, visible=False,
                           title="log10 ‖∂h_T/∂h_t‖ against T − t, W_hh as trained and scaled",
                           elem_id="intervene-gradient")
    inputs = [session, kind, units, gate, value, letter, layer, factor, name]
    outputs = [summary, table, per_label, answer, path, guesses, gradient]
    # Only the controls of the chosen change are shown.
    kind.change(lambda k: (gr.update(visible=k == KINDS[0]), gr.update(visible=k == KINDS[1]),
                           gr.update(visible=k == KINDS[2])), kind, [units, gate_row, factor],
                api_visibility="private")
    for trigger in (run_btn.click, name.submit):
        trigger(run, inputs, outputs, api_visibility="private")
