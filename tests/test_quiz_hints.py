"""Every quiz question whose hint sends the learner to a view can be answered from that view, as
the hint says: each test types what the hint says into the view's own handler and reads the right
answer in what it returns (the text or table the page shows). Asked of the shipped model and of
models trained on other tables, since the live answers change with the model."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from rnn_demo.data import V
from rnn_demo.lesson.questions import PADDED_NAMES
from rnn_demo.lesson.quiz import NO_LOSS, UNPACKED_BATCH
from rnn_demo.lesson.steps import VIEWS
from rnn_demo.train import TrainConfig, run_to_end, train
from ui import intervene_view, letters_tab, mistakes_tab, packing_tab, quiz_tab
from ui.session import Session

# The view each of these questions' hint names (and whose handler the tests below follow).
FOLLOWED = {"prefix-nak": "letters", "li-unpacked": "mistakes", "one-hot-width": "packing",
            "padded-steps": "packing", "running-at-step": "packing", "knock-out-all": "why", "knock-out-loses": "why"}
# Questions whose hint names no view: they ask for an idea, or say how to work the number out.
IDEAS = {"find-bug", "rnncell-vs-rnn", "why-pad", "why-pack", "h-n-numbers", "why-bidirectional", "backward-end",
         "collate-fn", "validation-split", "clip", "fc-parameters", "macro-accuracy", "fair-compare", "why-gates"}
ENDINGS = {"ski": "Polish", "moto": "Japanese", "ov": "Russian", "ez": "Spanish", "son": "English", "elli": "Italian"}


def table_of(endings: dict[str, str]) -> pd.DataFrame:
    """25 made-up names per language, told apart by their ending (conftest's separable_table, wider)."""
    rows = [(f"{a}{b}{end}", label) for end, label in endings.items() for a in "kmnpr" for b in "aeiou"]
    return pd.DataFrame(rows, columns=["name", "label"])


@pytest.fixture(scope="module", params=["shipped", "two languages", "six languages"])
def session(request) -> Session:
    session = Session()
    if request.param == "two languages":  # the same names as conftest's separable_table
        done = run_to_end(train(table_of({"ski": "Polish", "moto": "Japanese"}),
                                TrainConfig(hidden_size=8, epochs=2, seed=0)))
        session.use_model(done.model, "trained at 00:00:00")
    elif request.param == "six languages":  # more than the 5 columns Letter by letter starts from
        done = run_to_end(train(table_of(ENDINGS), TrainConfig(hidden_size=16, num_layers=1, epochs=6, seed=0)))
        session.use_model(done.model, "trained at 00:00:01")
    return session


def by_id(session: Session) -> dict:
    return {q.id: q for q in quiz_tab.asked(session)}  # as the page asks them: on the views' own names


def views_named(hint: str) -> set[str]:
    """The ids of the views a hint names. A one-word title ('Compare', 'Data') counts only as 'in
    Compare', 'the Data tab' and so on, not as the verb 'Compare the ...'; a lesson step's experiment
    counts as the view 'lesson'."""
    named = set()
    for view, title in VIEWS.items():
        pattern = re.escape(title) if " " in title else rf"\b(in|on|open|the) {title}\b|\b{title} (tab|view)\b"
        if re.search(pattern, hint):
            named.add(view)
    return named | ({"lesson"} if re.search(r"step's experiment|[Ll]esson step", hint) else set())


def heatmap_row(page: str, row: str) -> dict[str, str]:
    """One row of a heat map's HTML table as the learner reads it: column name -> the cell's text."""
    def cells(tr: str, tag: str) -> list[str]:
        return [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", tr)]

    rows = re.findall(r"<tr>(.*?)</tr>", page)
    header = cells(rows[0], "th")  # the corner above the row names is a <td>: it heads nothing
    found = [tr for tr in rows[1:] if cells(tr, "th") == [row]]
    assert len(found) == 1, f"no row {row!r} in the heat map"
    return dict(zip(header, cells(found[0], "td"), strict=True))


def test_every_hint_that_names_a_view_is_followed_here(session):
    asked = by_id(session)
    assert set(asked) == set(FOLLOWED) | IDEAS
    for qid, question in asked.items():
        expected = {FOLLOWED[qid]} if qid in FOLLOWED else set()
        assert views_named(question.hint) == expected, (qid, question.hint)
        if qid in FOLLOWED:
            assert question.view == FOLLOWED[qid]  # the feedback opens the view the hint names


def test_no_hint_gives_a_number_answer_away(session):
    for question in by_id(session).values():
        if question.kind == "number":
            assert not re.search(rf"(?<![\d.]){question.answer:g}(?![\d.])", question.hint), question.id


def test_the_prefix_question_is_answered_by_the_row_the_hint_names(session):
    question = by_id(session)["prefix-nak"]
    name, row = re.search(r"Type (\S+) in Letter by letter and read row '([^']+)'", question.hint).groups()
    probabilities, _, _ = letters_tab.letters_view(name, session)
    shown = {label: float(text.rstrip("%")) for label, text in heatmap_row(probabilities, row).items()}
    best = max(shown.values())
    # "its largest figure is the model's first choice": one figure, the right answer's, is the largest.
    assert [label for label, value in shown.items() if value == best] == [question.answer], shown


def test_the_unpacked_question_is_answered_by_the_dont_pack_switch(session):
    question = by_id(session)["li-unpacked"]
    assert "Turn on *Don't pack* in What goes wrong with these three names" in question.hint
    assert all(name in question.prompt for name in UNPACKED_BATCH)  # "these three names"
    name, others = UNPACKED_BATCH[0], ", ".join(UNPACKED_BATCH[1:])
    packed_only = mistakes_tab.mistakes_view(name, others, False, False, False, session)
    unpacked = mistakes_tab.mistakes_view(name, others, True, False, False, session)
    assert "Without packing" not in packed_only  # the switch is what shows it
    packing_part = unpacked.split("\n\n")[0]
    said = packing_part.split("Without packing", 1)[1]  # what the switch added
    assert re.search(rf"\*\*{re.escape(question.answer)}\*\*", said), packing_part


def test_the_packing_questions_are_answered_by_the_packing_view(session):
    asked = by_id(session)
    facts, grid, packed = packing_tab.show_packing(", ".join(PADDED_NAMES))  # "type the three names"
    B, T, width = (int(v) for v in re.search(r"shape \*\*\((\d+), (\d+), (\d+)\)\*\*", facts).groups())
    assert f"{B} names × {T} steps × {width} symbols" in facts  # the shape, read as the hints say
    assert asked["padded-steps"].answer == T == grid.shape[1] - 1  # and one grid column per step
    assert asked["one-hot-width"].answer == width == V
    other_facts, _, _ = packing_tab.show_packing(packing_tab.DEFAULT_NAMES)  # the width is the same for any names
    assert f"× {V} symbols" in other_facts
    step = int(re.search(r"t = (\d+)", asked["running-at-step"].prompt).group(1))
    sizes = [int(v) for v in re.search(r"`batch_sizes`[^`]*`\[([\d, ]+)\]`", facts).group(1).split(",")]
    row = packed[packed["step"] == f"t{step}"]
    assert asked["running-at-step"].answer == sizes[step] == int(row["batch size"].iloc[0])


def test_a_close_row_gets_the_decimals_that_tell_its_first_two_apart():
    assert letters_tab.percent_format(pd.DataFrame({"A": [0.9, 0.3], "B": [0.1, 0.7]})) == "{:.0%}"
    assert letters_tab.percent_format(pd.DataFrame({"A": [0.9, 0.502], "B": [0.1, 0.498]})) == "{:.1%}"
    assert letters_tab.percent_format(pd.DataFrame({"A": [0.5004], "B": [0.4996]})) == "{:.2%}"
    assert letters_tab.percent_format(pd.DataFrame({"A": [1.0]})) == "{:.0%}"  # one language: nothing to tell apart


def change_it(session: Session, units: str) -> tuple:
    """Change it's outputs (the values, before their colour maps) for a knock-out of these units."""
    return next(intervene_view.run(session, intervene_view.KINDS[0], units, "z", 1.0, 1, "every layer", 0.5,
                                   "Kowalski"))


def test_the_knock_out_questions_are_answered_by_the_change_it_view(session):
    asked = by_id(session)
    loses = asked["knock-out-loses"]
    units = re.search(r"Change it, knock out units ([\d, ]+) and read the per-language table", loses.hint)[1]
    table = change_it(session, units)[1]  # per language, biggest loss first: "the top row loses most"
    top = table.iloc[0]
    if loses.answer == NO_LOSS:
        assert top["change"] >= 0, table.head()
    else:
        assert top["label"] == loses.answer, table.head()
        tied = set(table[table["change"] == top["change"]]["label"])
        assert tied & set(loses.choices) == {loses.answer}  # no other choice is as right
    every = asked["knock-out-all"]
    assert "knock out `all`" in every.hint and "type any name" in every.hint
    note = change_it(session, "all")[0]
    assert f"→ **{every.answer} " in note, note.splitlines()[2]
