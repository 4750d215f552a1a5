"""What a reload brings back (ui/keep.py): the model, the table and the compare runs round-trip through
what the browser stores, and anything else that comes back is refused by the upload's own checks."""

import base64
import json

import pandas as pd

from ui import keep, train_panel
from ui.session import DEFAULT_TABLE, Session


def trained_session() -> Session:
    session = Session()
    session.table = DEFAULT_TABLE.head(300).assign(name=lambda t: t["name"].str.upper())
    for _ in range(2):
        list(train_panel.run_training(session, session.names, epochs=1, hidden=8, layers=1))
    return session


def through_the_browser(kept: dict) -> dict:
    return json.loads(json.dumps(kept, allow_nan=False))  # the browser stores JSON, and NaN is not JSON


def test_the_model_the_table_and_the_runs_come_back_equal():
    session = trained_session()
    kept, note = keep.keep(session)
    assert note == "✓ Kept in this browser over a reload: your model, your table, 2 compare runs."
    fresh = Session()
    line = keep.restore(fresh, through_the_browser(kept))
    assert line == "↻ Back from your last visit: your model, your table, your compare runs."
    assert fresh.model.state_dict().keys() == session.model.state_dict().keys()
    for name, weights in session.model.state_dict().items():
        assert (fresh.model.state_dict()[name] == weights).all(), name
    assert fresh.names.equals(session.names) and fresh.runs == session.runs and len(fresh.curves) == 2
    assert fresh.curves[0]["value"].isna().sum() == session.curves[0]["value"].isna().sum()  # NaN as it was


def test_what_is_not_ours_is_refused_and_the_rest_still_comes_back():
    kept, _ = keep.keep(trained_session())
    kept = through_the_browser(kept)
    kept["model"] = base64.b64encode(b"import os; os.system('rm -rf /')" * 10).decode()  # not a checkpoint
    kept["runs"] = [{"arch": "x"}]  # not a run of ours
    fresh = Session()
    line = keep.restore(fresh, kept)
    assert line.startswith("↻ Back from your last visit: your table.")
    assert "the kept model could not be read" in line and "the kept compare runs could not be read" in line
    assert fresh.model is None and fresh.runs == [] and fresh.names.equals(trained_session().names)


def test_a_bad_table_and_a_bad_value_are_refused():
    fresh = Session()
    line = keep.restore(fresh, {"table": "surname,language\nAbe,English\n"})  # not the columns an upload needs
    assert "the kept table could not be read" in line and "name" in line and fresh.table is None
    assert keep.restore(Session(), "not a dict") == "" and keep.restore(Session(), None) == ""
    assert "could not be read" in keep.restore(Session(), {"model": "%%% not base64 %%%"})


def test_a_model_too_big_for_the_browser_is_not_kept_and_the_page_says_so(monkeypatch):
    monkeypatch.setattr(keep, "MAX_MODEL_BYTES", 100)
    kept, note = keep.keep(trained_session())
    assert "model" not in kept and "too big to keep in this browser" in note and "download it" in note


def test_start_over_forgets_everything():
    session = trained_session()
    assert keep.start_over(session) == {}
    assert session.model is None and session.table is None and session.runs == [] and session.curves == []
    assert isinstance(session.names, pd.DataFrame) and session.names is DEFAULT_TABLE


def test_a_reload_brings_back_the_last_loss_curve():
    from types import SimpleNamespace

    from ui import compare_tab, data_tab
    session = trained_session()
    fresh = Session()
    keep.restore(fresh, through_the_browser(keep.keep(session)[0]))
    data = SimpleNamespace(shown=(data_tab.shown, None, list(range(7))))
    show, outputs = keep.restored_views(data, (compare_tab.compare_view, None, (None, None)), "plot", "status")
    *_, curve, line = show(fresh)
    assert outputs[-2:] == ["plot", "status"] and len(outputs) == 10
    expected = session.curves[-1].drop(columns="run")
    assert curve.equals(expected.astype(curve.dtypes.to_dict())) and len(curve) > 0
    assert line.startswith("Your last training (#2 ")
