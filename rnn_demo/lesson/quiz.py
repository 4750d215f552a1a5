"""A quiz that checks: the questions computed from the session's own model (checked by running it),
with the questions on the ideas from questions.py; checking an answer, and the score. The answer is
never in the prompt, and a wrong answer gets a hint, not the answer.

    qs = questions(model, val_rows)  # val_rows: the validation names (name, label) the views score on
    feedback = check(qs[0], "the learner's choice or number")  # Feedback(correct, text, view, step)
    results = record(results, qs[0], feedback)  # {question id: right?}, JSON-ready for gr.BrowserState
    print(score(results, qs))  # "3 of 19 right (4 answered)"
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from rnn_demo.data import DataError, clean_table
from rnn_demo.inside.intervene import compare, leaned_on_units, parse_intervention
from rnn_demo.inside.mistakes import logits_without_packing
from rnn_demo.lesson.experiments import describe
from rnn_demo.lesson.questions import Question, guide_questions, view_questions
from rnn_demo.lesson.steps import VIEWS, step_by_slug
from rnn_demo.models import ManualRNN, NameClassifier, count_parameters
from rnn_demo.predict import model_batch, predict
from rnn_demo.report import names_to_score, read_default_table

UNPACKED_BATCH = ["Li", "Schwarzenegger", "Papadopoulos"]  # 'Li' first: the name asked about
PREFIX_NAME, PREFIX_LENGTH = "Nakamura", 3
H_N_BATCH = 4
KNOCKED_OUT = 5  # units the knock-out question holds at zero
NO_LOSS = "None: no language loses"


@dataclass(frozen=True)
class Feedback:
    correct: bool
    text: str  # markdown: right or not, why (or a hint), and where to look
    view: str  # the view to open
    step: str  # the lesson step to open


@dataclass(frozen=True)
class Score:
    right: int
    answered: int
    total: int

    def __str__(self) -> str:
        return f"{self.right} of {self.total} right ({self.answered} answered)"


def _number(answer: str | float) -> float:
    """'1,234', ' 14 ', '61%' or 14.0 -> a float; DataError for anything else."""
    text = str(answer if answer is not None else "").strip().rstrip("%").replace(",", "").replace("_", "")
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"type a number, e.g. 12 (not {str(answer)[:20]!r})") from None
    if not math.isfinite(value):
        raise DataError("type a finite number")
    return value


def check(question: Question, answer: str | float | None) -> Feedback:
    """Is this answer right? DataError (nothing counted) for a blank answer, or one that is not a choice or a number."""
    if answer is None or not str(answer).strip():
        raise DataError("answer first: pick a choice or type a number")
    if question.kind == "choice":
        if str(answer).strip() not in question.choices:
            raise DataError("pick one of the choices")
        correct = str(answer).strip() == question.answer
    else:
        correct = abs(_number(answer) - float(question.answer)) <= question.tolerance + 1e-9
    step = step_by_slug(question.step)
    where = f"Lesson step *{step.title}* (`?step={step.slug}`) and the **{VIEWS[question.view]}** view show it."
    text = f"**Right.** {question.explanation}" if correct else f"**Not quite.** {question.hint}"
    return Feedback(correct, f"{text}\n\n{where}", question.view, question.step)


def record(results: dict[str, bool], question: Question, feedback: Feedback) -> dict[str, bool]:
    """A new {question id: right?} with this answer in (the latest answer to a question counts)."""
    return {**results, question.id: feedback.correct}


def score(results: dict[str, bool], questions_asked: list[Question]) -> Score:
    """Right and answered among these questions (saved results for other questions are ignored)."""
    ids = [q.id for q in questions_asked]
    return Score(sum(bool(results.get(i)) for i in ids), sum(i in results for i in ids), len(ids))


# ---------------------------------------------------------------------------------------------
# Questions computed from the session's model


def _sorted_choices(right: str, ranked: list[str], n: int = 4) -> tuple[str, ...]:
    """The right label and the next best of `ranked`, n in all, in alphabetical order (no position gives it away)."""
    chosen = [right] + [label for label in ranked if label != right]
    return tuple(sorted(dict.fromkeys(chosen[:n])))


@torch.no_grad()
def _unpacked_question(model: NameClassifier) -> Question:
    model.eval()
    batch = model_batch(model, [n.lower() for n in UNPACKED_BATCH])
    unpacked = logits_without_packing(model, *batch).softmax(1)[0]  # (C,) for 'li'
    packed = model(*batch).softmax(1)[0]  # (C,)
    ranked = [model.labels[i] for i in unpacked.argsort(descending=True).tolist()]
    alone = model.labels[int(packed.argmax())]
    others = "' and '".join(UNPACKED_BATCH[1:])
    return Question(
        "li-unpacked",
        f"Your model reads **'{UNPACKED_BATCH[0]}'** in one batch with '{others}', and packing is **off**: the RNN "
        f"runs on through the padding. Which language does it give '{UNPACKED_BATCH[0]}' then?",
        _sorted_choices(ranked[0], [alone] + ranked), ranked[0],
        f"Unpacked, 'li' gets {ranked[0]} ({unpacked.max():.0%}); packed (or alone) it gets {alone} "
        f"({packed.max():.0%}). The padding steps {'changed' if alone != ranked[0] else 'moved'} its answer: "
        f"that is why we pack.",
        "Turn on *Don't pack* in What goes wrong with these three names: it says the top language then.",
        "mistakes", "packing", live=True)


@torch.no_grad()
def _prefix_question(model: NameClassifier) -> Question:
    prefix = PREFIX_NAME[:PREFIX_LENGTH]
    ranked = [label for label, _ in predict(model, [prefix], k=len(model.labels))[0]]
    full = predict(model, [PREFIX_NAME], k=1)[0][0][0]
    return Question(
        "prefix-nak",
        f"Letter by letter: after only the first {PREFIX_LENGTH} letters of '{PREFIX_NAME}', which language "
        f"does your model put first?",
        _sorted_choices(ranked[0], [full] + ranked[1:]), ranked[0],
        f"After '{prefix.lower()}' your model says {ranked[0]}; after the whole name, {full}. The state after "
        f"each letter is a running summary, and the classifier can read it at any step.",
        f"Type {PREFIX_NAME} in Letter by letter and read row '{prefix.lower()}': its largest figure is the "
        "model's first choice at that letter.",
        "letters", "cell-loop", live=True)


@torch.no_grad()
def _h_n_question(model: NameClassifier) -> Question:
    config = model.config
    directions = 2 if config.arch == "bidirectional" else 1
    if isinstance(model, ManualRNN):  # one (B, H) state per layer, kept by the loop
        count = config.num_layers * H_N_BATCH * config.hidden_size
    else:  # run it: h_n is (layers * directions, B, H)
        padded, lengths = model_batch(model, ["a" * (i + 1) for i in range(H_N_BATCH)])
        packed = pack_padded_sequence(model.inputs(padded), lengths, batch_first=True, enforce_sorted=False)
        _, h_n = model.rnn(packed)
        count = (h_n[0] if config.cell == "lstm" else h_n).numel()  # an LSTM returns (h_n, c_n)
    shape = (config.num_layers * directions, H_N_BATCH, config.hidden_size)
    return Question(
        "h-n-numbers",
        f"Your model ({describe(model)}) reads a batch of {H_N_BATCH} names. How many numbers does its final "
        f"hidden state h_n hold, over all layers and directions (for an LSTM, h_n without c_n)?",
        (), float(count),
        f"h_n has shape (layers × directions, B, H) = {shape}: {count:,} numbers.",
        "h_n holds one (B, H) state per layer and per direction: multiply.",
        "model", "stacking", live=True)


def _fc_question(model: NameClassifier) -> Question:
    features, classes = model.fc.in_features, model.fc.out_features
    return Question(
        "fc-parameters",
        f"Your model is {describe(model)}, with {len(model.labels)} languages. How many parameters (weights "
        f"and biases) does its final Linear layer `fc` have?",
        (), float(count_parameters(model.fc)),
        f"`fc` maps {features} features to {classes} scores: {features} × {classes} weights + {classes} biases = "
        f"{count_parameters(model.fc):,}.",
        "A Linear layer from n inputs to m outputs has n × m weights and m biases. What does fc read "
        "(a bidirectional model joins two halves; pooling 'last+max' adds the max beside the last state)?",
        "model", "nn-rnn", live=True)


def _knock_out_question(model: NameClassifier, rows: pd.DataFrame) -> Question:
    units = ", ".join(map(str, sorted(leaned_on_units(model, KNOCKED_OUT))))
    per_label = compare(model, rows, parse_intervention(model, knock_out=units)).per_label  # biggest loss first
    worst = per_label.iloc[0]
    right = worst["label"] if worst["change"] < 0 else NO_LOSS
    others = per_label[per_label["change"] > worst["change"]]["label"].tolist()  # a tie is not a distractor
    shown = per_label.set_index("label")
    choices = _sorted_choices(right, others, 3) + (() if right == NO_LOSS else (NO_LOSS,))

    def points(label: str) -> str:
        return f"{label} {shown.loc[label, 'before']:.0%} → {shown.loc[label, 'after']:.0%}"
    return Question(
        "knock-out-loses",
        f"Hold units **{units}** of your model's top layer at zero at every letter (the five its classifier "
        f"weighs most). Which of these languages loses the most validation accuracy?",
        choices, right,
        f"Knocked out: {'; '.join(points(label) for label in choices if label != NO_LOSS)}. "
        + (f"The model needed those units for {right} most: a cause, which the unit explorer's correlation "
           "alone cannot show." if right != NO_LOSS else "The model does not need those units for any language."),
        f"In Watch it think > Change it, knock out units {units} and read the per-language table: the top row "
        "loses most.", "why", "intervene", live=True)


def _knock_out_all_question(model: NameClassifier) -> Question:
    bias = model.fc.bias.detach()  # (C,): what fc returns for an all-zero input
    ranked = [model.labels[i] for i in bias.argsort(descending=True).tolist()]
    return Question(
        "knock-out-all",
        "Knock out **every** hidden unit of your model (`all`): each state is held at zero at every letter. "
        "Which language does it answer then, for any name?",
        _sorted_choices(ranked[0], ranked[1:]), ranked[0],
        f"With every state at zero, fc reads zeros and returns its bias alone: the largest bias is "
        f"{ranked[0]}'s ({bias.max():.2f}), whatever the name.",
        "What does a Linear layer, Wx + b, return when x is all zeros? Or knock out `all` in Watch it think > "
        "Change it and type any name.", "why", "intervene", live=True)


QUESTION_ORDER = ("one-hot-width", "find-bug", "rnncell-vs-rnn", "prefix-nak", "why-pad", "padded-steps",
                  "why-pack", "running-at-step", "li-unpacked", "h-n-numbers", "why-bidirectional",
                  "backward-end", "collate-fn", "validation-split", "clip", "fc-parameters", "macro-accuracy",
                  "fair-compare", "why-gates", "knock-out-all", "knock-out-loses")


def _default_rows(model: NameClassifier) -> pd.DataFrame:
    """The default table's names this model knows; for a model of other languages, its own answers
    stand in as labels (then 'loses' means 'stops answering')."""
    try:
        return names_to_score(model, None, read_default_table())[0]
    except DataError:
        names = clean_table(read_default_table())[0]["name"].tolist()
        return pd.DataFrame({"name": names, "label": [top[0][0] for top in predict(model, names, k=1)]})


def questions(model: NameClassifier, val_rows: pd.DataFrame | None = None) -> list[Question]:
    """Every question in lesson order; the live ones computed now from this model (the knock-out one on
    val_rows, by default the default table's names this model knows)."""
    rows = val_rows if val_rows is not None else _default_rows(model)
    live = (_prefix_question(model), _unpacked_question(model), _h_n_question(model), _fc_question(model),
            _knock_out_all_question(model), _knock_out_question(model, rows))
    every = {**guide_questions(), **view_questions(), **{q.id: q for q in live}}
    return [every[i] for i in QUESTION_ORDER]
