"""Lesson mode: the guide's path as steps, each with its words, its code, one experiment on names
the learner types, and a link to the full view it comes from.

The step is part of the URL (`?step=padding`), so an instructor can send a whole room to one step.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError
from rnn_demo.lesson import STEPS, VIEWS, step_by_slug

from .session import Session

TAB_ID = "lesson"
# Runs in the browser: put the step into the address bar without reloading.
STEP_URL_JS = """() => {
  const url = new URL(window.location);
  url.searchParams.set("step", "%s");
  window.history.replaceState(null, "", url);
}"""
SCROLL_TO_TRAIN_JS = "() => document.querySelector('#train-btn').scrollIntoView({behavior: 'smooth'})"


@dataclass
class LessonTab:
    walkthrough: gr.Walkthrough
    view_links: list[tuple[gr.Button, str]]  # (button, the view id it opens): wired by app.py


def run_step(slug: str, text: str, session: Session):
    """One step's experiment on the learner's input and the session's model: (markdown, table update)."""
    try:
        result = step_by_slug(slug).run(text, session.answering)
    except DataError as err:
        raise gr.Error(str(err)) from None
    table = result.table if result.table is not None else pd.DataFrame()
    return result.markdown, gr.update(value=table, visible=not table.empty)


def step_from_url(request: gr.Request) -> tuple:
    """?step=slug opens the lesson at that step; anything else leaves the page as it is."""
    slug = dict(request.query_params).get("step") if request else None
    try:
        index = [step.slug for step in STEPS].index(slug)
    except ValueError:
        return gr.update(), gr.update()
    return gr.Tabs(selected=TAB_ID), gr.Walkthrough(selected=index)


def build_step(index: int, session: gr.State, walkthrough: gr.Walkthrough) -> tuple[gr.Button, str]:
    """One step's contents; returns its 'open the full view' button and the view id."""
    step = STEPS[index]
    with gr.Step(f"{index + 1}. {step.title}", id=index, elem_id=f"lesson-{step.slug}") as panel:
        gr.Markdown(step.text)
        gr.Code(step.code, language="python", interactive=False, max_lines=18, wrap_lines=True,
                label="The project's own code for this step")
        with gr.Row():
            text = gr.Textbox(step.default_input, label=step.input_hint, scale=4, elem_id=f"lesson-input-{step.slug}")
            run_btn = gr.Button("Run", variant="primary", scale=1, elem_id=f"lesson-run-{step.slug}")
        result = gr.Markdown(elem_id=f"lesson-result-{step.slug}")
        table = gr.Dataframe(interactive=False, max_height=300, show_label=False, visible=False)
        with gr.Row():
            back = gr.Button("← Back", size="sm", interactive=index > 0)
            view = gr.Button(f"Open the full view: {VIEWS[step.view]}", size="sm")
            forward = gr.Button("Next step →", size="sm", interactive=index < len(STEPS) - 1,
                                elem_id=f"lesson-next-{step.slug}")
    for trigger in (run_btn.click, text.submit):
        trigger(lambda t, s, slug=step.slug: run_step(slug, t, s), [text, session], [result, table],
                api_visibility="private")
    for button, to in ((back, max(0, index - 1)), (forward, min(len(STEPS) - 1, index + 1))):
        button.click(lambda to=to: gr.Walkthrough(selected=to), None, walkthrough, js=STEP_URL_JS % STEPS[to].slug,
                     api_visibility="private")
    panel.select(None, js=STEP_URL_JS % step.slug)
    return view, step.view


def build(session: gr.State) -> LessonTab:
    with gr.Tab("Lesson", id=TAB_ID):
        gr.Markdown("The guide's path, one step at a time: read, look at the code, run the experiment on "
                    "names of your own. The address bar names the step, so one link sends a room to it.")
        with gr.Walkthrough(selected=0, elem_id="lesson") as walkthrough:
            links = [build_step(i, session, walkthrough) for i in range(len(STEPS))]
    return LessonTab(walkthrough, links)
