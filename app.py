"""rnn-names: the Gradio app. It only assembles the rooms in `ui/` (one module per panel or tab),
wires what crosses them (a finished training refreshes the views) and launches. Every piece of ML
lives in `rnn_demo`.

Run: python app.py   (live-coding: gradio app.py, which reloads on save)
"""

from __future__ import annotations

import gc
from pathlib import Path

import gradio as gr
import torch

from rnn_demo import limits
from rnn_demo.checkpoints import DEFAULT_CHECKPOINT
from ui import (classify_panel, compare_tab, data_tab, gradio_speed, honest_tab, lesson_tab, letters_tab, mcp_tools,
                mistakes_tab, model_tab, packing_tab, quiz_tab, serving, session as sessions, share_url, train_panel,
                why_tab)

CSS = Path(__file__).resolve().parent / "ui" / "style.css"
# One thread per training: two sessions training at once on a 2-core Space then share the CPU
# fairly instead of oversubscribing it (measured ~20x slower with torch's default threads).
torch.set_num_threads(1)
gradio_speed.apply()  # a new session's first call about twice as fast (see ui/gradio_speed.py)
mcp_tools.keep_only("/classify")  # an MCP call is its own session: only classify makes sense there

# Gradio's copies of uploads and downloads: swept hourly, deleted an hour after they were made.
with gr.Blocks(title="RNN names: which language is this surname?", delete_cache=(3600, 3600)) as demo:
    state = sessions.build()  # this browser session's Session
    gr.Markdown("# Which language does a surname come from?\n"
                "A character-level RNN reads a name letter by letter. Pick an architecture, edit the names, "
                "**train and watch the loss**, then type a name.")
    link_note = gr.Markdown(elem_id="link-note")  # what a shared link's values needed changing, by field
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            training = train_panel.build()
        with gr.Column(scale=2):
            classify = classify_panel.build(state, training.arch)
    with gr.Tabs() as tabs:
        names_table = data_tab.build(state)
        model = model_tab.build(state, names_table, classify.answering)
        letters = letters_tab.build(state)
        packing_tab.build()
        mistakes = mistakes_tab.build(state)
        compare = compare_tab.build(state)
        honest_tab.build(names_table)
        why_tab.build(state)
        lesson = lesson_tab.build(state)
        quiz = quiz_tab.build(state)

    # A new model (trained or uploaded) redraws every view that shows the answering model.
    train_event = train_panel.wire(training, state, names_table, classify.answering)
    after_training = train_event.then(*compare, api_visibility="private")
    for refresh in (model.report, model.baselines, model.download, letters, mistakes, quiz.refresh):
        after_training.then(*refresh, api_visibility="private")
        model.uploaded.then(*refresh, api_visibility="private")
        training.restored.then(*refresh, api_visibility="private")
    controls = [*training.settings, *training.options]
    share_url.wire(controls)
    lesson_tab.wire(lesson, tabs)

    # One load event for the whole page (one queue round trip, not four): the answering model, the
    # settings and lesson step in the URL (?arch=..., ?step=...), checked, the quiz as this browser left it.
    def on_page_load(results: dict | None, session: sessions.Session, request: gr.Request) -> tuple:
        values, notes = share_url.read_link(controls, request)
        note = share_url.link_note(notes + lesson_tab.step_notes(request))
        return (sessions.model_info(session), *values, note, *lesson_tab.step_from_url(request),
                quiz_tab.score_text(results, session), quiz_tab.resume(results))

    demo.load(on_page_load, [quiz.results, state],
              [classify.answering, *controls, link_note, tabs, lesson.picker, quiz.score_md, quiz.picker],
              api_visibility="private").then(None, js=lesson_tab.AFTER_LOAD_JS)

demo.queue(default_concurrency_limit=8)
# All built so far (torch, Gradio, the page, the shipped model) lives as long as the server: kept out
# of the garbage collector's sight, a full collection pauses every call ~15 ms instead of ~170 ms.
gc.freeze()

if __name__ == "__main__":
    serving.remove_on_exit(sessions.WORK_DIR)
    demo.launch(css_paths=[CSS], mcp_server=True, max_file_size=limits.MAX_UPLOAD_BYTES * 4,
                app_kwargs=serving.app_kwargs(),
                allowed_paths=[str(sessions.WORK_DIR), str(DEFAULT_CHECKPOINT)])
