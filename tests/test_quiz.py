"""The quiz: right answers are right, wrong ones wrong, the answer never in the prompt, live questions
computed from the model they are asked about, and a score that survives as plain JSON."""

import json

import pytest
import torch

from rnn_demo.checkpoints import load_checkpoint
from rnn_demo.data import DataError
from rnn_demo.lesson.quiz import Feedback, check, questions, record, score
from rnn_demo.lesson.steps import VIEWS, step_by_slug
from rnn_demo.models import ModelConfig, build_model

GUIDE_QUESTIONS = {"rnncell-vs-rnn", "why-pad", "why-pack", "why-bidirectional", "collate-fn"}


@pytest.fixture(scope="module")
def shipped():
    return load_checkpoint()


@pytest.fixture(scope="module")
def asked(shipped):
    return {q.id: q for q in questions(shipped)}


def tiny(labels, arch="stacked", cell="gru", seed=0, hidden=8):
    torch.manual_seed(seed)
    return build_model(ModelConfig(labels=list(labels), arch=arch, cell=cell, hidden_size=hidden, num_layers=2)).eval()


def a_wrong_answer(question):
    if question.kind == "choice":
        return next(c for c in question.choices if c != question.answer)
    return str(question.answer + 1)


def test_at_least_twelve_questions_with_the_guides_five_and_three_live(asked):
    assert len(asked) >= 12
    assert GUIDE_QUESTIONS <= set(asked)
    assert sum(q.live for q in asked.values()) >= 3
    assert {q.kind for q in asked.values()} == {"choice", "number"}


def test_every_question_points_to_a_view_and_a_lesson_step(asked):
    for q in asked.values():
        assert q.view in VIEWS
        step_by_slug(q.step)  # raises for an unknown slug


def test_no_prompt_gives_its_answer_away(asked):
    for q in asked.values():
        if q.kind == "choice":
            assert q.answer in q.choices and len(set(q.choices)) == len(q.choices) >= 3
            assert q.answer not in q.prompt
        else:
            assert f"{q.answer:g}" not in q.prompt.replace(",", ""), q.id


def test_the_right_answer_is_right_and_a_wrong_one_wrong(asked):
    for q in asked.values():
        right = check(q, q.answer if q.kind == "choice" else f"{q.answer:g}")
        wrong = check(q, a_wrong_answer(q))
        assert right.correct and right.text.startswith("**Right.**"), q.id
        assert not wrong.correct and wrong.text.startswith("**Not quite.**"), q.id
        assert right.view == wrong.view == q.view and right.step == q.step
        assert f"?step={q.step}" in wrong.text and VIEWS[q.view] in wrong.text
        if q.kind == "choice":
            assert q.answer not in wrong.text  # a wrong answer gets a hint, not the answer


def test_numbers_are_read_as_people_type_them(asked):
    assert check(asked["fc-parameters"], " 2,322 ").correct
    assert check(asked["padded-steps"], 14).correct and check(asked["padded-steps"], "14.0").correct
    assert not check(asked["padded-steps"], "13").correct


@pytest.mark.parametrize("answer, message", [("", "answer first"), (None, "answer first"),
                                             ("fourteen", "type a number"), ("nan", "finite")])
def test_a_number_question_refuses_what_is_not_a_number(asked, answer, message):
    with pytest.raises(DataError, match=message):
        check(asked["padded-steps"], answer)


def test_a_choice_question_refuses_what_is_not_a_choice(asked):
    with pytest.raises(DataError, match="pick one of the choices"):
        check(asked["why-pad"], "because")


def test_live_questions_follow_the_models_labels_and_size(shipped):
    other = {q.id: q for q in questions(tiny(["Elvish", "Dwarvish", "Entish", "Orcish"], hidden=16))}
    mine = {q.id: q for q in questions(shipped)}
    assert set(other["li-unpacked"].choices) <= {"Elvish", "Dwarvish", "Entish", "Orcish"}
    assert set(mine["li-unpacked"].choices) <= set(shipped.labels)
    assert other["fc-parameters"].answer == 16 * 4 + 4 and mine["fc-parameters"].answer == 128 * 18 + 18
    assert other["h-n-numbers"].answer == 2 * 4 * 16 and mine["h-n-numbers"].answer == 2 * 4 * 128
    assert not check(mine["fc-parameters"], f"{other['fc-parameters'].answer:g}").correct


def test_live_answers_come_from_running_the_weights():
    labels = ["A", "B", "C", "D", "E"]
    for favourite in (1, 3):
        model = tiny(labels)
        with torch.no_grad():
            model.fc.bias[favourite] = 50.0  # these weights answer `favourite` whatever they read
        asked = {q.id: q for q in questions(model)}
        assert asked["li-unpacked"].answer == labels[favourite]
        assert asked["prefix-nak"].answer == labels[favourite]


@pytest.mark.parametrize("arch, cell, numbers", [("bidirectional", "lstm", 2 * 2 * 4 * 8),
                                                 ("manual", "rnn", 2 * 4 * 8)])
def test_h_n_size_counts_layers_and_directions(arch, cell, numbers):
    asked = {q.id: q for q in questions(tiny(["A", "B"], arch, cell))}
    assert asked["h-n-numbers"].answer == numbers
    assert asked["fc-parameters"].answer == (2 * 8 if arch == "bidirectional" else 8) * 2 + 2


def test_score_counts_the_latest_answer_and_survives_json(asked):
    q = asked["why-pack"]
    results = record({}, q, check(q, a_wrong_answer(q)))
    assert str(score(results, list(asked.values()))) == f"0 of {len(asked)} right (1 answered)"
    results = record(results, q, check(q, q.answer))
    results = json.loads(json.dumps({**results, "an-old-question": True}))  # as gr.BrowserState keeps it
    current = score(results, list(asked.values()))
    assert (current.right, current.answered, current.total) == (1, 1, len(asked))


def test_feedback_is_a_small_dataclass(asked):
    feedback = check(asked["why-pad"], asked["why-pad"].answer)
    assert isinstance(feedback, Feedback) and feedback.correct and "Padding" in feedback.text


def test_check_before_answering_says_so_in_the_feedback():
    from ui import quiz_tab
    from ui.session import Session
    feedback, results, _, _ = quiz_tab.check_answer(0, None, "", {"kept": True}, Session())
    assert feedback == "⚠ Answer first: pick a choice or type a number." and results == {"kept": True}
