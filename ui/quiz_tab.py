"""Check yourself: a quiz that checks. The answer stays hidden until the learner answers; live
questions are computed from the session's own model; the score is kept in the browser, so it
survives a reload.

One question is on screen at a time (the numbered list picks it, ✓ and ✗ mark the answered ones):
one set of components serves every question, which keeps the page light for a room of thirty.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from rnn_demo.data import DataError
from rnn_demo.lesson.quiz import check, questions, record, score
from rnn_demo.report import shipped_model_split

from .errors import refused
from .map_view import names_on_map
from .session import DEFAULT_MODEL, Session

FIRST = questions(DEFAULT_MODEL, shipped_model_split()[1])  # the slots: same ids, order and kinds for every model
KEYS = ("Keys: Tab to the choices, ↑ / ↓ pick one, Enter checks it (Enter in the number box too); n / p go to "
        "the next / previous question (→ / ← too, from a button).")


@dataclass
class QuizTab:
    score_md: gr.Markdown
    results: gr.BrowserState
    picker: gr.Radio
    refresh: tuple  # (fn, inputs, outputs): the question on screen and the list, for a new model


def asked(session: Session) -> list:
    """The questions for the session's model, computed once per model (the live ones run it)."""
    try:
        rows = names_on_map(session)[0]  # the names the Change it view scores on
    except DataError:  # an uploaded model of other languages: the quiz picks its own names
        rows = None
    return session.memo("quiz", lambda model: questions(model, rows))


def score_text(results: dict | None, session: Session) -> str:
    """The score line, from the answers saved in this browser."""
    return f"**Score: {score(results or {}, asked(session))}**"


def picker_choices(results: dict | None) -> list[tuple[str, int]]:
    """'1', '2 ✓', '3 ✗', ...: each question's number and how its last answer went."""
    marks = {True: " ✓", False: " ✗"}
    return [(f"{i + 1}{marks.get((results or {}).get(q.id), '')}", i) for i, q in enumerate(FIRST)]


def resume(results: dict | None):
    """The list as this browser left it: marks for the answered questions, the first unanswered one picked."""
    answered = results or {}
    first_open = next((i for i, q in enumerate(FIRST) if q.id not in answered), 0)
    return gr.update(choices=picker_choices(answered), value=first_open)


def prompt_text(index: int, question) -> str:
    return f"{'● ' if question.live else ''}{index + 1} of {len(FIRST)}. **{question.prompt}**"


def show_question(index: int, results: dict | None, session: Session) -> tuple:
    """Question `index` for the session's model: prompt, choices or number box, a note if answered, list."""
    index = min(max(int(index or 0), 0), len(FIRST) - 1)
    question = asked(session)[index]
    answered = (results or {}).get(question.id)
    note = "" if answered is None else ("You got this one right. " if answered else "Not right yet. ") + \
        "Answer again to check once more."
    return (prompt_text(index, question),
            gr.update(choices=list(question.choices), value=None, visible=bool(question.choices)),
            gr.update(value="", visible=not question.choices), note,
            gr.update(choices=picker_choices(results), value=index))


def check_answer(index: int, choice, number, results: dict | None, session: Session):
    """Check the answer to question `index` against the session's model; (feedback, results, score, list)."""
    question = asked(session)[int(index)]
    try:
        feedback = check(question, choice if question.choices else number)
    except DataError as err:
        raise refused(str(err)) from None
    results = record(results or {}, question, feedback)
    return feedback.text, results, score_text(results, session), gr.update(choices=picker_choices(results))


def build(session: gr.State) -> QuizTab:
    first = FIRST[0]
    # Children rendered at once: the saved score is read from the browser when the page loads.
    with gr.Tab("Check yourself", id="questions", render_children=True) as tab:
        gr.Markdown("Answer first, then read why. Questions marked ● are asked of **your** model: they change "
                    "when you train.")
        score_md = gr.Markdown(elem_id="quiz-score")
        results = gr.BrowserState({}, storage_key="rnn-names-quiz")
        picker = gr.Radio(picker_choices({}), value=0, label="Question", elem_id="quiz-picker")
        with gr.Group(elem_id="quiz-question"):
            prompt = gr.Markdown(prompt_text(0, first), elem_id="quiz-prompt")
            with gr.Row():
                choice = gr.Radio(list(first.choices), show_label=False, scale=4, visible=bool(first.choices),
                                  elem_id="quiz-choice")
                number = gr.Textbox(placeholder="a number", show_label=False, scale=4, visible=not first.choices,
                                    elem_id="quiz-number")
                check_btn = gr.Button("Check", size="sm", scale=1, elem_id="quiz-check")
            feedback = gr.Markdown(elem_id="quiz-feedback")
        with gr.Row():
            back = gr.Button("← Previous", size="sm", elem_id="quiz-back")
            forward = gr.Button("Next question →", size="sm", elem_id="quiz-next")
        gr.Markdown(KEYS, elem_classes="keys")  # ui/keys.js
    shown = [prompt, choice, number, feedback, picker]
    picker.input(show_question, [picker, results, session], shown, api_visibility="private", show_progress="hidden")
    for button, step in ((back, -1), (forward, 1)):
        button.click(lambda i, r, s, step=step: show_question(int(i) + step, r, s), [picker, results, session], shown,
                     api_visibility="private", show_progress="hidden")
    for trigger in (check_btn.click, number.submit):
        trigger(check_answer, [picker, choice, number, results, session], [feedback, results, score_md, picker],
                api_visibility="private")
    tab.select(show_question, [picker, results, session], shown, api_visibility="private", show_progress="hidden") \
        .then(score_text, [results, session], score_md, api_visibility="private")
    return QuizTab(score_md, results, picker, (show_question, [picker, results, session], shown))
