"""Check yourself: a quiz that checks. The answer stays hidden until the learner answers; live
questions are computed from the session's own model; the score is kept in the browser, so it
survives a reload.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from rnn_demo.checkpoints import load_checkpoint
from rnn_demo.data import DataError
from rnn_demo.quiz import check, questions, record, score

from .session import Session

FIRST = questions(load_checkpoint())  # the slots: same ids, order and kinds for every model


@dataclass
class QuizTab:
    score_md: gr.Markdown
    results: gr.BrowserState
    refresh: tuple  # (fn, inputs, outputs): the live questions for a new model


def score_text(results: dict | None, session: Session) -> str:
    """The score line, from the answers saved in this browser."""
    return f"**Score: {score(results or {}, questions(session.answering))}**"


def check_answer(index: int, answer, results: dict | None, session: Session):
    """Check one answer against the session's model; (feedback, saved results, score)."""
    question = questions(session.answering)[index]
    try:
        feedback = check(question, answer)
    except DataError as err:
        raise gr.Error(str(err)) from None
    results = record(results or {}, question, feedback)
    return feedback.text, results, score_text(results, session)


def prompt_text(index: int, question) -> str:
    return f"{'● ' if question.live else ''}{index + 1}. **{question.prompt}**"


def live_questions(session: Session) -> list:
    """Prompts, then choices, of every question for the session's model (only live ones change)."""
    asked = questions(session.answering)
    prompts = [gr.update(value=prompt_text(i, q)) if q.live else gr.update() for i, q in enumerate(asked)]
    choices = [gr.update(choices=list(q.choices), value=None) if q.live and q.choices else gr.update()
               for q in asked]
    return prompts + choices


def build(session: gr.State) -> QuizTab:
    prompts, answers = [], []
    # Children rendered at once: the saved score is read from the browser when the page loads.
    with gr.Tab("Check yourself", id="questions", render_children=True) as tab:
        gr.Markdown("Answer first, then read why. Questions marked ● are asked of **your** model: they change "
                    "when you train.")
        score_md = gr.Markdown(elem_id="quiz-score")
        results = gr.BrowserState({}, storage_key="rnn-names-quiz")
        for i, question in enumerate(FIRST):
            with gr.Group(elem_id=f"quiz-{question.id}"):
                prompts.append(gr.Markdown(prompt_text(i, question)))
                with gr.Row():
                    if question.choices:
                        answer = gr.Radio(list(question.choices), show_label=False, scale=4)
                    else:
                        answer = gr.Textbox(placeholder="a number", show_label=False, scale=4)
                    check_btn = gr.Button("Check", size="sm", scale=1, elem_id=f"quiz-check-{question.id}")
                feedback = gr.Markdown(elem_id=f"quiz-feedback-{question.id}")
            answers.append(answer)
            check_btn.click(lambda a, r, s, i=i: check_answer(i, a, r, s), [answer, results, session],
                            [feedback, results, score_md], api_visibility="private")
    tab.select(score_text, [results, session], score_md, api_visibility="private")
    return QuizTab(score_md, results, (live_questions, session, prompts + answers))
