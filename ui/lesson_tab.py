"""Lesson mode: the guide's path as steps, each with its words, its code, one experiment on names
the learner types, and a link to the full view it comes from.

One step is on screen at a time (the step list picks it): one set of components serves every step,
which keeps the page light for a room of thirty. The step is part of the URL (`?step=padding`), so
an instructor can send a whole room to one step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError
from rnn_demo.lesson import STEPS, VIEWS, step_by_slug

from .errors import refused
from .session import Session

TAB_ID = "lesson"
SLUGS = json.dumps([step.slug for step in STEPS])
STEP_VIEWS = json.dumps([step.view for step in STEPS])
# Runs in the browser before show_step: put the picked step into the address bar without reloading.
STEP_URL_JS = """(index) => {
  const url = new URL(window.location);
  url.searchParams.set("step", %s[index]);
  window.history.replaceState(null, "", url);
  return index;
}""" % SLUGS
# A link with ?step= opens the lesson: once the tab has drawn, scroll to it (the tabs start far down).
SCROLL_TO_STEP_JS = """() => {
  if (!new URL(window.location).searchParams.has("step")) return;
  const scroll = (tries) => {
    const lesson = [...document.querySelectorAll('#lesson-title')].find(e => e.offsetParent);
    if (lesson) lesson.scrollIntoView({block: 'start'});
    else if (tries > 0) setTimeout(() => scroll(tries - 1), 100);
  };
  scroll(50);
}"""
# Another tab opened: the lesson's step leaves the address bar, so a link copied now shares the settings only.
DROP_STEP_JS = """() => {
  setTimeout(() => {
    if ([...document.querySelectorAll('#lesson-title')].some(e => e.offsetParent)) return;
    const url = new URL(window.location);
    if (url.searchParams.has("step")) { url.searchParams.delete("step"); window.history.replaceState(null, "", url); }
  }, 50);
}"""
# The training panel sits above the tabs: a step whose view is "train" scrolls there instead.
OPEN_VIEW_JS = """(index) => {
  if (%s[index] === "train") document.querySelector('#train-btn').scrollIntoView({behavior: 'smooth'});
  return index;
}""" % STEP_VIEWS


@dataclass
class LessonTab:
    picker: gr.Radio  # the step on screen (its index)
    view_button: gr.Button  # opens the full view of the step on screen: wired by app.py to the tabs


def step_title(index: int) -> str:
    return f"{index + 1}. {STEPS[index].title}"


def show_step(index: int) -> tuple:
    """Everything on screen for step `index`: title, words, code, input, result, table and buttons."""
    index = min(max(int(index or 0), 0), len(STEPS) - 1)
    step = STEPS[index]
    return (f"### {step_title(index)}", step.text, step.code,
            gr.update(value=step.default_input, label=step.input_hint), "", gr.update(value=None, visible=False),
            gr.update(interactive=index > 0), gr.update(value=f"Open the full view: {VIEWS[step.view]}"),
            gr.update(interactive=index < len(STEPS) - 1))


def run_step(index: int, text: str, session: Session):
    """The experiment of step `index` on the learner's input and the session's model: (markdown, table)."""
    try:
        result = STEPS[int(index)].run(text, session.answering)
    except DataError as err:
        raise refused(str(err)) from None
    table = result.table if result.table is not None else pd.DataFrame()
    return result.markdown, gr.update(value=table, visible=not table.empty)


def step_from_url(request: gr.Request) -> tuple:
    """?step=slug opens the lesson at that step; anything else leaves the page as it is."""
    slug = dict(request.query_params).get("step") if request else None
    try:
        index = STEPS.index(step_by_slug(slug))
    except ValueError:  # no step, or not one of ours
        return gr.update(), gr.update()
    return gr.Tabs(selected=TAB_ID), gr.update(value=index)


def open_view(index: int):
    """The tab of the step's full view (the training panel is not a tab: nothing to select)."""
    view = STEPS[int(index)].view
    return gr.update() if view == "train" else gr.Tabs(selected=view)


def build(session: gr.State) -> LessonTab:
    first = STEPS[0]
    with gr.Tab("Lesson", id=TAB_ID):
        gr.Markdown("The guide's path, one step at a time: read, look at the code, run the experiment on "
                    "names of your own. The address bar names the step, so one link sends a room to it.")
        picker = gr.Radio([(step_title(i), i) for i in range(len(STEPS))], value=0, label="Steps",
                          elem_id="lesson-steps")
        with gr.Group(elem_id="lesson"):
            title = gr.Markdown(f"### {step_title(0)}", elem_id="lesson-title")
            text = gr.Markdown(first.text, elem_id="lesson-text")
            code = gr.Code(first.code, language="python", interactive=False, max_lines=18, wrap_lines=True,
                           label="The project's own code for this step")
        with gr.Row():
            box = gr.Textbox(first.default_input, label=first.input_hint, scale=4, elem_id="lesson-input")
            run_btn = gr.Button("Run", variant="primary", scale=1, elem_id="lesson-run")
        result = gr.Markdown(elem_id="lesson-result")
        table = gr.Dataframe(interactive=False, max_height=300, show_label=False, visible=False)
        with gr.Row():
            back = gr.Button("← Back", size="sm", interactive=False, elem_id="lesson-back")
            view = gr.Button(f"Open the full view: {VIEWS[first.view]}", size="sm", elem_id="lesson-view")
            forward = gr.Button("Next step →", size="sm", elem_id="lesson-next")
    picker.change(show_step, picker, [title, text, code, box, result, table, back, view, forward],
                  js=STEP_URL_JS, api_visibility="private", show_progress="hidden")
    for trigger in (run_btn.click, box.submit):
        trigger(run_step, [picker, box, session], [result, table], api_visibility="private")
    back.click(lambda i: max(0, int(i) - 1), picker, picker, api_visibility="private", show_progress="hidden")
    forward.click(lambda i: min(len(STEPS) - 1, int(i) + 1), picker, picker, api_visibility="private",
                  show_progress="hidden")
    return LessonTab(picker, view)


def wire(lesson: LessonTab, tabs: gr.Tabs) -> None:
    """The button that opens the step's full view (app.py's page load reads ?step= with step_from_url)."""
    lesson.view_button.click(open_view, lesson.picker, tabs, js=OPEN_VIEW_JS, api_visibility="private")
    tabs.select(None, None, None, js=DROP_STEP_JS)
