"""Lesson mode: the guide's path as steps, each with its words, its code, one experiment on names
the learner types, and a link to the full view it comes from.

One step is on screen at a time (the step list picks it): one set of components serves every step,
which keeps the page light for a room of thirty. The step is part of the URL (`?step=padding`), so
an instructor can send a whole room to one step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from string import Template

import gradio as gr
import pandas as pd

from rnn_demo.data import DataError
from rnn_demo.lesson.steps import STEPS, VIEWS, step_by_slug

from . import export_panel
from .errors import refused
from .session import Session
from .share_url import quoted
from .why_tab import TAB_ID as WHY_TAB

TAB_ID = "lesson"
QUIZ_TAB = "questions"  # quiz_tab's tab: where Finish takes the learner
SLUGS = json.dumps([step.slug for step in STEPS])
STEP_VIEWS = json.dumps([step.view for step in STEPS])
# Runs in the browser before show_step: put the picked step into the address bar without reloading.
STEP_URL_JS = Template("""(index) => {
  const url = new URL(window.location);
  url.searchParams.set("step", $slugs[index]);
  window.history.replaceState(null, "", url);
  return index;
}""").substitute(slugs=SLUGS)
# After the page's load event has read the link: from then on a tab's select is the learner's (before,
# it is the page drawing its first tab, which must not drop a ?step= the load has not read yet). A link
# with ?step= opened the lesson: once its tab has drawn, scroll to the tab bar above it, so the learner
# sees the Lesson tab open and the step (the tabs start ~1,100 px down the page).
AFTER_LOAD_JS = """() => {
  window.rnnLinkRead = true;
  if (!new URL(window.location).searchParams.has("step")) return;
  const scroll = (tries) => {
    const lesson = [...document.querySelectorAll('#lesson-title')].find(e => e.offsetParent);
    if (lesson) lesson.closest('[role=tabpanel]').parentElement.scrollIntoView({block: 'start'});
    else if (tries > 0) setTimeout(() => scroll(tries - 1), 100);
  };
  scroll(100);
}"""
# Another tab opened (or the lesson finished): the step leaves the address bar, so a link copied now
# shares the settings only. Opening the lesson again puts its step back.
DROP_STEP_JS = """() => {
  const url = new URL(window.location);
  if (!window.rnnLinkRead || !url.searchParams.has("step")) return;
  url.searchParams.delete("step");
  window.history.replaceState(null, "", url);
}"""
# The Lesson tab opened again (by the learner, not the page drawing itself): its step back in the address bar.
REOPEN_JS = Template("""(index) => window.rnnLinkRead ? ($set)(index) : index""").substitute(set=STEP_URL_JS)
# The training panel sits above the tabs: a step whose view is "train" scrolls there and stays in the
# lesson; any other view is a tab, and leaves it.
OPEN_VIEW_JS = Template("""(index) => {
  if ($views[index] === "train") document.querySelector('#train-btn').scrollIntoView({behavior: 'smooth'});
  else ($drop)();
  return index;
}""").substitute(views=STEP_VIEWS, drop=DROP_STEP_JS)
# Next on the last step finishes the lesson and opens the quiz (`forward`): the step leaves the address bar.
FINISH_JS = Template("""(index) => {
  if (index === $last) ($drop)();
  return index;
}""").substitute(last=len(STEPS) - 1, drop=DROP_STEP_JS)
NEXT, FINISH = "Next step →", "Finish: check yourself →"
KEYS = ("Keys: Tab to a control, Enter presses it; with focus in the lesson (not in a text box) n / p go to "
        "the next / previous step (→ / ← too, from a button); in the step list the arrows pick a step.")


@dataclass
class LessonTab:
    picker: gr.Radio  # the step on screen (its index)
    view_button: gr.Button  # opens the full view of the step on screen: wired by app.py to the tabs
    forward: gr.Button  # Next; on the last step it finishes the lesson (wired by `wire`, it opens a tab)


def step_title(index: int) -> str:
    return f"{index + 1}. {STEPS[index].title}"


def show_step(index: int) -> tuple:
    """Everything on screen for step `index`: title, words, code, input, result, table and buttons."""
    index = min(max(int(index or 0), 0), len(STEPS) - 1)
    step = STEPS[index]
    return (f"### {step_title(index)}", step.text, step.code,
            gr.update(value=step.default_input, label=step.input_hint), "", gr.update(value=None, visible=False),
            gr.update(interactive=index > 0), gr.update(value=f"Open the full view: {VIEWS[step.view]}"),
            gr.update(value=FINISH if index == len(STEPS) - 1 else NEXT))


def run_step(index: int, text: str, session: Session):
    """The experiment of step `index` on the learner's input and the session's model: (markdown, table)."""
    try:
        result = STEPS[int(index)].run(text, session.answering)
    except DataError as err:
        raise refused(str(err)) from None
    table = result.table if result.table is not None else pd.DataFrame()
    return result.markdown, gr.update(value=table, visible=not table.empty)


def step_notes(request: gr.Request | None) -> list[str]:
    """The link note's line for a ?step= that is not one of ours (step_from_url then opens nothing)."""
    slug = dict(request.query_params).get("step") if request else None
    if slug is None or slug in [step.slug for step in STEPS]:
        return []
    slugs = ", ".join(step.slug for step in STEPS)
    return [f"step {quoted(slug)} is not a lesson step, the lesson was not opened (the steps are {slugs})"]


def step_from_url(request: gr.Request) -> tuple:
    """?step=slug opens the lesson at that step; anything else leaves the page as it is."""
    slug = dict(request.query_params).get("step") if request else None
    try:
        index = STEPS.index(step_by_slug(slug))
    except ValueError:  # no step, or not one of ours
        return gr.update(), gr.update()
    return gr.Tabs(selected=TAB_ID), gr.update(value=index)


def forward(index: int) -> tuple:
    """Next: (step, tab). The last step's Next finishes the lesson: the quiz checks what stayed."""
    if int(index) == len(STEPS) - 1:
        return gr.update(), gr.Tabs(selected=QUIZ_TAB)
    return int(index) + 1, gr.update()


def open_view(index: int) -> tuple:
    """(the page's tab, Watch it think's view) of the step's full view; the training panel is not a tab."""
    view = STEPS[int(index)].view
    if view == "train":
        return gr.update(), gr.update()
    if view.startswith(f"{WHY_TAB}-"):  # a view inside Watch it think (ui/why_tab.py)
        return gr.Tabs(selected=WHY_TAB), gr.Tabs(selected=view)
    return gr.Tabs(selected=view), gr.update()


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
            forward = gr.Button(NEXT, size="sm", elem_id="lesson-next")
        gr.Markdown(KEYS, elem_classes="keys")  # ui/keys.js
        with gr.Accordion("At the end: take your run home as code", open=False, elem_id="lesson-export"):
            export_panel.build(session, "-lesson")
    runs = [trigger(run_step, [picker, box, session], [result, table], api_visibility="private")
            for trigger in (run_btn.click, box.submit)]
    # A run still going when the step changes is cancelled: its result belongs to the step it left.
    picker.change(show_step, picker, [title, text, code, box, result, table, back, view, forward],
                  js=STEP_URL_JS, api_visibility="private", show_progress="hidden", cancels=runs)
    back.click(lambda i: max(0, int(i) - 1), picker, picker, api_visibility="private", show_progress="hidden")
    return LessonTab(picker, view, forward)


def wire(lesson: LessonTab, tabs: gr.Tabs, why_views: gr.Tabs) -> None:
    """What leads out of the lesson: the button that opens the step's full view, Finish, and any other tab,
    each taking the step out of the address bar (app.py's page load reads ?step= with step_from_url)."""
    private = {"api_visibility": "private", "show_progress": "hidden"}
    lesson.view_button.click(open_view, lesson.picker, [tabs, why_views], js=OPEN_VIEW_JS, **private)
    lesson.forward.click(forward, lesson.picker, [lesson.picker, tabs], js=FINISH_JS, **private)
    for tab in (child for child in tabs.children if isinstance(child, gr.Tab)):
        if tab.id == TAB_ID:
            tab.select(None, lesson.picker, None, js=REOPEN_JS)
        else:
            tab.select(None, None, None, js=DROP_STEP_JS)
