"""Every table obeys the limits wherever it enters (issue 35, point 2): a page edit, "+ Add row", the
rows pasted or uploaded into the session's table and a copy kept in the browser are cut to the limits
with a message that says what was cut; a table sent to the API is refused, naming the limit."""

import gradio as gr
import pandas as pd
import pytest

from rnn_demo import limits
from rnn_demo.files import within_limits
from ui import data_tab, keep, train_panel
from ui.session import Session


def rows(n: int, labels: int = 2, name: str = "Abe") -> pd.DataFrame:
    return pd.DataFrame({"name": [f"{name}{i}" for i in range(n)], "label": [f"L{i % labels}" for i in range(n)]})


def test_within_limits_cuts_rows_labels_and_lengths_and_says_what_it_cut(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 100)
    table, cut = within_limits(rows(130))
    assert len(table) == 100 and table["name"].iloc[-1] == "Abe99" and cut == "the last 30 rows (the limit is 100 rows)"
    table, cut = within_limits(rows(90, labels=60))  # labels L0..L59, one after another
    assert set(table["label"]) == {f"L{i}" for i in range(limits.MAX_LABELS)}
    assert cut == f"the 10 rows of 10 labels past the first {limits.MAX_LABELS} (the limit)"
    long = rows(3).assign(name=["x" * 500, "Abe", None], label=["L", "y" * 41, "L"])
    table, cut = within_limits(long)
    assert table["name"].iloc[0] == "x" * limits.MAX_NAME_LENGTH and table["label"].iloc[1] == "y" * 40
    assert pd.isna(table["name"].iloc[2])  # a blank cell stays blank, not the word "nan"
    assert cut == "1 names cut to 40 characters (the limit); 1 labels cut to 40 characters (the limit)"
    assert within_limits(rows(10))[1] == ""


def test_a_page_edit_with_too_many_rows_or_too_long_names_is_cut_and_told(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 100)
    session = Session()
    session.table = rows(50)
    page = pd.concat([rows(50), rows(80, name="Zed").assign(name=lambda t: t["name"] + "q" * 100)],
                     ignore_index=True)  # a page sent back with 130 rows, 80 of them overlong
    with pytest.warns(UserWarning, match="The table was cut to the limits: the last 30 rows"):
        data_tab.edit_page(page, 1, session)
    assert len(session.table) == 100
    assert session.table["name"].str.len().max() == limits.MAX_NAME_LENGTH


def test_add_row_on_a_full_table_keeps_it_and_says_so(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 100)
    full = rows(100)
    with pytest.warns(UserWarning, match=r"The table is full \(100 rows, the limit\)"):
        assert data_tab.add_row(full) is full
    assert len(data_tab.add_row(rows(99))) == 100


def test_pasted_rows_past_the_limit_are_cut_and_told(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 100)
    session = Session()
    session.table = rows(99)
    with pytest.warns(UserWarning, match="the last 2 rows"):
        data_tab.add_pasted(session, "Nakamura, Japanese\nDvořák, Czech\nSmith, English")
    assert len(session.table) == 100 and session.table["name"].iloc[0] == "Nakamura"


def test_a_kept_table_past_the_label_limit_comes_back_cut_and_the_page_says_so():
    fresh = Session()
    kept = rows(120, labels=60).to_csv(index=False)  # a copy changed in the browser: 60 labels
    line = keep.restore(fresh, {"table": kept})
    assert line == (f"↻ Back from your last visit: your table (cut to the limits: the 20 rows of 10 labels past "
                    f"the first {limits.MAX_LABELS} (the limit)).")
    assert fresh.names["label"].nunique() == limits.MAX_LABELS and len(fresh.names) == 100


@pytest.mark.parametrize("table, message", [
    (rows(limits.MAX_ROWS + 1), f"the table has {limits.MAX_ROWS + 1:,} rows; the limit is {limits.MAX_ROWS:,}"),
    (rows(120, labels=60), f"the table has 60 labels; the limit is {limits.MAX_LABELS}"),
    (rows(4).assign(name=["Abe", "Bo", "Cy", "x" * 41]), "is 41 characters long; the limit is 40"),
])
def test_a_table_over_the_limits_sent_to_train_is_refused_naming_the_limit(table, message):
    api_table = {"headers": ["name", "label"], "data": table.values.tolist()}
    with pytest.raises(gr.Error, match=message):
        list(train_panel.train_from_api(Session(), api_table, {"epochs": 1}))
