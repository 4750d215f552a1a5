"""Every quiz question whose hint sends the learner to a view can be answered from that view, as
the hint says: each test types what the hint says into the view's own handler and reads the right
answer in what it returns (the text or table the page shows)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from rnn_demo.quiz import PREFIX_LENGTH, PREFIX_NAME, UNPACKED_BATCH, questions
from rnn_demo.quiz_bank import PADDED_NAMES
from rnn_demo.train import TrainConfig, run_to_end, train
from ui import letters_tab, mistakes_tab, packing_tab
from ui.session import Session

# Questions whose hint names no view: they ask for an idea, or say how to work the number out.
IDEAS = {"find-bug", "rnncell-vs-rnn", "why-pad", "why-pack", "h-n-numbers", "why-bidirectional", "backward-end",
         "collate-fn", "validation-split", "clip", "fc-parameters", "macro-accuracy", "fair-compare", "why-gates"}


@pytest.fixture(scope="module", params=["shipped", "trained on other labels"])
def session(request) -> Session:
    session = Session()
    if request.param != "shipped":
        rows = [(f"{a}{b}ski", "Polish") for a in "kmnpr" for b in "aeiou"] + \
               [(f"{a}{b}moto", "Japanese") for a in "kstnh" for b in "aeiou"]
        done = run_to_end(train(pd.DataFrame(rows, columns=["name", "label"]),
                                TrainConfig(hidden_size=8, epochs=2, seed=0)))
        session.use_model(done.model, "trained at 00:00:00")
    return session


def by_id(session: Session) -> dict:
    return {q.id: q for q in questions(session.answering)}


def heatmap_row(html: str, row: str) -> dict[str, float]:
    """One row of a heat map's HTML table: column header -> the figure shown in the cell (percent)."""
    header = re.findall(r"<th><span>([^<]*)</span></th>", html.split("</tr>")[0])
    cells = re.search(rf"<tr><th>{re.escape(row)}</th>(.*?)</tr>", html).group(1)
    shown = [float(v) for v in re.findall(r">(\d+)%</td>", cells)]
    return dict(zip(header, shown))


def test_every_question_is_either_followed_here_or_an_idea(session):
    followed = {"prefix-nak", "li-unpacked", "one-hot-width", "padded-steps", "running-at-step"}
    assert set(by_id(session)) == followed | IDEAS


def test_the_prefix_question_is_answered_by_the_row_the_hint_names(session):
    question = by_id(session)["prefix-nak"]
    assert f"read row '{PREFIX_NAME[:PREFIX_LENGTH].lower()}'" in question.hint
    probabilities, _, _ = letters_tab.letters_view(PREFIX_NAME, session)
    row = heatmap_row(probabilities, PREFIX_NAME[:PREFIX_LENGTH].lower())
    assert max(row, key=row.get) == question.answer  # "its largest figure is the model's first choice"


def test_the_unpacked_question_is_answered_by_the_dont_pack_switch(session):
    question = by_id(session)["li-unpacked"]
    assert "Don't pack" in question.hint
    text = mistakes_tab.mistakes_view(UNPACKED_BATCH[0], ", ".join(UNPACKED_BATCH[1:]), True, False, False, session)
    assert re.search(rf"\b{re.escape(question.answer)}\b", text), text


@pytest.mark.parametrize("qid", ["one-hot-width", "padded-steps", "running-at-step"])
def test_the_packing_questions_are_answered_by_the_packing_view(session, qid):
    question = by_id(session)[qid]
    facts, _, _ = packing_tab.packing_view(", ".join(PADDED_NAMES))
    shape = [int(v) for v in re.search(r"shape \*\*\((\d+), (\d+), (\d+)\)\*\*", facts).groups()]
    sizes = [int(v) for v in re.search(r"`batch_sizes`[^`]*`\[([\d, ]+)\]`", facts).group(1).split(",")]
    step = int(re.search(r"t = (\d+)", question.prompt).group(1)) if qid == "running-at-step" else None
    shown = {"one-hot-width": shape[2], "padded-steps": shape[1], "running-at-step": sizes[step] if step else None}
    assert shown[qid] == question.answer
