"""rnn-names: the Gradio app. It only assembles the rooms in `ui/` (one module per panel or tab),
wires what crosses them (a finished training refreshes the views) and launches. Every piece of ML
lives in `rnn_demo`.

Run: python app.py   (live-coding: gradio app.py, which reloads on save)
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

import serving
import serving.reload
from rnn_demo import limits
from rnn_demo.checkpoints import DEFAULT_CHECKPOINT
from ui import (
    classify_panel,
    compare_tab,
    data_tab,
    honest_tab,
    keep,
    lesson_tab,
    letters_tab,
    mistakes_tab,
    model_tab,
    open_tab,
    packing_tab,
    quiz_tab,
    room_panel,
    share_url,
    train_panel,
    why_tab,
)
from ui import session as sessions

CSS = Path(__file__).resolve().parent / "ui" / "style.css"
KEYS_JS = (Path(__file__).resolve().parent / "ui" / "keys.js").read_text()  # the keyboard shortcuts
serving.setup()  # one thread per training, Gradio's speed-ups (serving/__init__.py)

# Gradio's copies of uploads and downloads: swept hourly, deleted an hour after they were made.
with gr.Blocks(title="RNN names: which language is this surname?", delete_cache=(3600, 3600)) as demo:
    state = sessions.build()  # this browser session's Session
    gr.Markdown("# Which language does a surname come from?\n"
                "A character-level RNN reads a name letter by letter. Pick an architecture, edit the names, "
                "**train and watch the loss**, then type a name.")
    if serving.reload.live_coding():  # gradio app.py: a saved edit that cannot run is told here
        live_note = gr.Markdown(elem_id="live-code-note")
        gr.Timer(2).tick(serving.reload.problem, None, live_note, api_name="live_problem",
                         api_visibility="undocumented", show_progress="hidden")
    link_note = gr.Markdown(elem_id="link-note")  # what a shared link's values needed changing, by field
    room = room_panel.build(state)  # a workshop's room: join it, or open it and watch its board
    kept = keep.build()  # this browser's model, table and runs, over a reload
    with gr.Row():
        keep_note = gr.Markdown(elem_id="keep-note")  # what could not be kept, if anything
        start_over_btn = gr.Button("↺ Start over", size="sm", scale=0, min_width=120, elem_id="start-over")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            training = train_panel.build()
        with gr.Column(scale=2):
            classify = classify_panel.build(state)
    probe = open_tab.build()
    with gr.Tabs(elem_id=open_tab.TABS_ID) as tabs:
        data = data_tab.build(state)
        names_table = data.table
        model = model_tab.build(state, names_table, classify.answering)
        letters = letters_tab.build(state)
        packing_tab.build()
        mistakes = mistakes_tab.build(state)
        compare = compare_tab.build(state)
        honest_tab.build(state)
        why_views = why_tab.build(state)
        lesson = lesson_tab.build(state)
        quiz = quiz_tab.build(state)

    # A new model (trained, uploaded or restored) redraws the view on screen that shows the answering
    # model; the others redraw when their tab is opened (ui/open_tab.py).
    train_event = train_panel.wire(training, state, names_table, classify.answering)
    refreshes = {"compare": [compare], "model": [model.report, model.baselines, model.download],
                 "letters": [letters], "mistakes": [mistakes], "questions": [quiz.refresh]}
    new_model = [train_event, model.uploaded, training.restored]
    for event in new_model:
        open_tab.wire(event, refreshes, probe)
    keep.wire(kept, state, keep_note, start_over_btn, [*new_model, *data.changed])
    controls = training.controls  # page name -> control
    share_url.wire(controls)
    lesson_tab.wire(lesson, tabs, why_views)
    room_panel.wire(room, controls, link_note, tabs, lesson.picker)

    # One load event for the whole page (one queue round trip, not four): the answering model, the
    # settings and lesson step in the URL (?arch=..., ?step=...), checked, the quiz as this browser left it,
    # and what this browser kept of its last visit (ui/keep.py).
    show_kept, kept_outputs = keep.restored_views(data, compare, training.loss_plot, training.status)

    def on_page_load(results: dict | None, session: sessions.Session, kept_work, request: gr.Request) -> tuple:
        back = keep.restore(session, kept_work)  # before the model line: a kept model answers
        values, notes = share_url.read_link(controls, request)
        note = "  \n".join(line for line in (back, share_url.link_note(notes + lesson_tab.step_notes(request))) if line)
        return (sessions.model_info(session), *values, note, *lesson_tab.step_from_url(request),
                quiz_tab.score_text(results, session), quiz_tab.resume(results), *show_kept(session),
                *room_panel.from_url(request))

    demo.load(on_page_load, [quiz.results, state, kept],
              [classify.answering, *controls.values(), link_note, tabs, lesson.picker, quiz.score_md, quiz.picker,
               *kept_outputs, room.code, room.accordion], js=keep.READ_JS,
              api_visibility="private").then(None, js=lesson_tab.AFTER_LOAD_JS)

demo.queue(default_concurrency_limit=8)

if __name__ == "__main__":
    serving.launch(demo, sessions.WORK_DIR, css_paths=[CSS], js=KEYS_JS, max_file_size=limits.MAX_UPLOAD_BYTES * 4,
                   allowed_paths=[str(sessions.WORK_DIR), str(DEFAULT_CHECKPOINT)])
