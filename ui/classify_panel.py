"""The classify panel: type a name, see the top languages; the model that answers; its code."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError
from rnn_demo.inside.source import model_source
from rnn_demo.predict import parse_names, predict

from . import a11y
from .errors import refused
from .session import DEFAULT_MODEL, Session

TOP_K = 5
# A few names per language to click. Not cached: the answer depends on the session's own model.
EXAMPLES = ["Nakamura", "Kowalski", "Dvořák", "O'Neill", "Papadopoulos", "Nguyen", "Schwarzenegger", "Zhang",
            "Haddad", "Rossi", "Fernández", "Ivanov", "Van der Berg", "Kim", "Dubois", "MacDonald"]


@dataclass
class ClassifyPanel:
    name_input: gr.Textbox
    answering: gr.Markdown  # which model answers: refreshed by training and uploads


def label_value(top: list[tuple[str, float]]) -> dict[str, float]:
    """predict()'s (label, probability) list as a gr.Label value."""
    return {label: p for label, p in top}


def classify(name: str, session: Session) -> dict[str, float]:
    """Classify one surname by the language it most likely comes from.

    Args:
        name: a surname, e.g. "Nakamura" or "Dvořák" (accents are fine; at most 40 letters).

    Returns:
        The 5 most likely languages with their probabilities, best first, from this session's
        model (the shipped model until the session trains one).
    """
    try:
        names = parse_names(name)
        return label_value(predict(session.answering, names[:1], k=TOP_K)[0])
    except DataError as err:
        raise refused(str(err)) from None


def classify_live(text: str, session: Session):
    """As you type: the first name in the Label, several names as a table; no pop-ups."""
    try:
        names = parse_names(text)
        results = predict(session.answering, names, k=TOP_K)
    except DataError as err:
        if not str(text or "").strip():
            return gr.update(value=None, label="Type a name"), gr.update(visible=False)
        # The reason, written where the prediction would be (one message: no pop-up, no "Error" pill).
        return gr.update(value=str(err), label="Cannot classify this"), gr.update(visible=False)
    many = pd.DataFrame([
        {"name": name, **{f"#{i + 1}": f"{label} {p:.0%}" for i, (label, p) in enumerate(top[:3])}}
        for name, top in zip(names, results)
    ])
    return (gr.update(value=label_value(results[0]), label=f"Top {TOP_K} for {names[0]!r}"),
            gr.update(value=many, visible=len(names) > 1))


def answering_source(session: Session) -> str:
    """The source of the model that answers now (trained, uploaded, kept or shipped), not of the
    architecture picked for the next training."""
    return model_source(session.answering.config.arch)


def build(session: gr.State) -> ClassifyPanel:
    """The name box, the prediction, the answering model and the code of that model."""
    a11y.build()  # page-wide, started here because this room is always built first after the header
    gr.Markdown("## Classify")  # h2: the page's h1 above, the tabs' h3 sections below
    # lines=2: Enter starts a new line (a one-line box would submit and keep "Kim⏎Li" as "KimLi").
    name_input = gr.Textbox(label="Surname (several: one per line)", placeholder="e.g. Nakamura",
                            elem_id="name-input", lines=2, max_lines=8)
    gr.Examples(EXAMPLES, name_input, label="Or click a name", examples_per_page=len(EXAMPLES))
    prediction = gr.Label(num_top_classes=TOP_K, label="Type a name", elem_id="prediction")
    many_table = gr.Dataframe(visible=False, label="All names", interactive=False, elem_id="many-names")
    answering = gr.Markdown(elem_id="answering")
    with gr.Accordion("The code you are running: the answering model's (rnn_demo/models.py)", open=True):
        # Lines not wrapped: indentation is Python's meaning, and a wrapped line on a phone sat beside
        # the wrong line number until the editor next measured itself.
        code = gr.Code(model_source(DEFAULT_MODEL.config.arch), language="python", elem_id="model-code",
                       interactive=False, max_lines=24)

    # The line naming the answering model changes with every new model: the code follows it.
    answering.change(answering_source, session, code, api_visibility="private", show_progress="hidden")
    name_input.change(classify_live, [name_input, session], [prediction, many_table],
                      api_visibility="private", trigger_mode="always_last", show_progress="hidden")
    # The page classifies as you type (above). /classify is for API and MCP clients, whose bad names
    # get an error; no key in the page triggers it, so a bad name never puts an "Error" pill here.
    gr.on([], classify, [name_input, session], prediction, api_name="classify")
    return ClassifyPanel(name_input, answering)
