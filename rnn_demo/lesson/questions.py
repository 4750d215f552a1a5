"""The quiz's questions on the ideas: the guide's five review questions and questions on the other
views, read from questions.toml, and three whose numbers the pipeline computes. Those computed from the
session's model are in quiz.py, with checking and the score.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from rnn_demo.inside.packing import packing_view

PADDED_NAMES = ["Li", "Nakamura", "Schwarzenegger"]  # the batch two number questions are about
# The questions on ideas are data: {group: {id: Question's fields}}, read wherever the app is started from.
BANK = tomllib.loads((Path(__file__).parent / "questions.toml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Question:
    """One question: multiple choice when `choices` is not empty, else a number."""

    id: str  # stable, for the saved score
    prompt: str  # markdown; never holds the answer
    choices: tuple[str, ...]
    answer: str | float = field(repr=False)  # the right choice, or the number; never show it before an answer
    explanation: str = field(repr=False)  # shown with a right answer: why
    hint: str  # shown with a wrong answer: where to look, without giving the answer away
    view: str  # id of the view that shows it (a key of steps.VIEWS)
    step: str  # slug of the lesson step that shows it
    tolerance: float = 0.0  # for a number: how far off still counts as right
    live: bool = False  # computed from the session's model

    @property
    def kind(self) -> str:
        return "choice" if self.choices else "number"


def _bank(group: str) -> dict[str, Question]:
    """One group of questions.toml as Questions, by id, in the file's order."""
    bank = {qid: Question(qid, **{**entry, "choices": tuple(entry["choices"])}) for qid, entry in BANK[group].items()}
    for q in bank.values():
        if q.answer not in q.choices:
            raise ValueError(f"questions.toml: {group}.{q.id}'s answer is not one of its choices")
    return bank


def guide_questions() -> dict[str, Question]:
    """The guide's five review questions, by id."""
    return _bank("guide")


def view_questions() -> dict[str, Question]:
    """Questions on the other views and steps, by id."""
    return {**computed_questions(), **fixed_questions()}


def computed_questions() -> dict[str, Question]:
    """Questions whose answers the pipeline computes: the alphabet's width, padding and packing."""
    padded = packing_view(PADDED_NAMES)
    _, T, V = padded.one_hot_shape
    step = 5
    return {q.id: q for q in (
        Question(
            "one-hot-width", "How many numbers does one letter's one-hot row hold in this project?", (),
            float(V), f"The alphabet has {V} symbols: 26 letters, space, apostrophe, hyphen, full stop and "
            "'?' for anything unreadable.",
            "Count the alphabet: letters and the few symbols names use, plus one for the unknown. Padding & "
            "packing gives it in the tensor's shape (names × steps × symbols).",
            "packing", "one-hot"),
        Question(
            "padded-steps", f"'{PADDED_NAMES[0]}', '{PADDED_NAMES[1]}' and '{PADDED_NAMES[2]}' are padded into "
                            "one batch. How many time steps T does the padded tensor have?",
            (), float(T), f"T is the longest name's length: the tensor is {padded.one_hot_shape}.",
            "Padding fills every name up to the same length. Which length? Type the three names in Padding & "
            "packing and read the tensor's shape (names × steps × symbols).", "packing", "padding"),
        Question(
            "running-at-step", f"Packed, how many of those three names are still running at step t = {step} "
                               "(counting from 0)?",
            (), float(padded.batch_sizes[step]), f"batch_sizes is {padded.batch_sizes}: at step {step} only "
            f"the names longer than {step} letters run.",
            "Type the three names in Padding & packing and read `batch_sizes` (one number per step, from t = 0) "
            "or that step's row of the packed table; or count the names with more than that many letters.",
            "packing", "packing"),
    )}


def fixed_questions() -> dict[str, Question]:
    """Questions on the other views whose answers are ideas, not numbers."""
    return _bank("view")
