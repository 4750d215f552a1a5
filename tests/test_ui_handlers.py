"""The rooms' handlers called directly, without a server: each is a plain function."""

import re
import time
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pandas as pd
import pytest

from rnn_demo import limits
from rnn_demo.config import TrainConfig
from ui import (
    classify_panel,
    compare_tab,
    data_tab,
    letters_tab,
    mistakes_tab,
    model_tab,
    packing_tab,
    share_url,
    train_panel,
)
from ui.session import DEFAULT_MODEL, DEFAULT_TABLE, Session, accuracy

from conftest import two_label_table
from link_values import CHOSEN

TINY = dict(arch="stacked", cell="gru", hidden=8, layers=1, epochs=2, learning_rate=0.01, batch_size=16, seed=0)


def tiny_table(a="Alpha", b="Beta") -> pd.DataFrame:
    table = two_label_table(a, b)
    return pd.DataFrame(table["data"], columns=table["headers"])


def train_to_end(session: Session, table: pd.DataFrame, **overrides) -> list[tuple]:
    return list(train_panel.run_training(session, table, **{**TINY, **overrides}))


# --- data tab ---------------------------------------------------------------------------------

def test_the_default_table_summary_counts_rows_and_labels():
    summary, problems, bars = data_tab.table_summary(DEFAULT_TABLE)
    assert summary.startswith(f"**{len(DEFAULT_TABLE)} rows, 18 labels.**")
    assert len(bars) == 18 and bars["names"].sum() <= len(DEFAULT_TABLE)


def test_a_bad_row_is_listed_as_a_problem():
    table = pd.concat([DEFAULT_TABLE, pd.DataFrame({"name": ["12345"], "label": ["Greek"]})], ignore_index=True)
    summary, problems, bars = data_tab.table_summary(table)
    assert "Training needs these fixed first" in summary and "has no letters" in problems and bars.empty


def test_the_download_file_is_written_in_the_same_reply_as_the_summary():
    session = Session()
    table = data_tab.add_row(DEFAULT_TABLE)
    summary, _, _, path = data_tab.table_changed(table, session)
    assert f"**{len(table)} rows" in summary
    assert len(pd.read_csv(path, keep_default_na=False)) == len(table) == len(DEFAULT_TABLE) + 1


def test_delete_rows_takes_ranges_and_refuses_words():
    assert len(data_tab.delete_rows(DEFAULT_TABLE, "1, 3-5")) == len(DEFAULT_TABLE) - 4
    with pytest.raises(gr.Error, match="Row numbers like 3"):
        data_tab.delete_rows(DEFAULT_TABLE, "three")


def test_an_upload_keeps_only_name_and_label(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("id, Name ,LABEL,notes\n1,Nowak,Polish,x\n2,Sato,Japanese,y\n")
    assert data_tab.load_upload(str(path), DEFAULT_TABLE, "replace the table").to_dict("list") == {
        "name": ["Nowak", "Sato"], "label": ["Polish", "Japanese"]}


def test_an_upload_adds_its_rows_at_the_top_unless_replace_is_picked(tmp_path):
    path = tmp_path / "four.txt"
    path.write_text("Nowak\nSato\nKim\nLi\n")  # one name per line: the 4-name .txt that replaced 1,798 rows
    added = data_tab.load_upload(str(path), DEFAULT_TABLE)
    assert len(added) == len(DEFAULT_TABLE) + 4 and added["name"].head(4).tolist() == ["Nowak", "Sato", "Kim", "Li"]
    assert added.tail(len(DEFAULT_TABLE)).reset_index(drop=True).equals(DEFAULT_TABLE)


def test_pasted_spreadsheet_lines_become_rows_at_the_top():
    rows = data_tab.pasted_rows("Nakamura\tJapanese\nVan der Berg, Dutch\n\nDvořák\tCzech\textra\nKim")
    assert rows.values.tolist() == [["Nakamura", "Japanese"], ["Van der Berg", "Dutch"], ["Dvořák", "Czech"],
                                    ["Kim", ""]]
    session = Session()
    page, *_, box = data_tab.add_pasted(session, "Nakamura\tJapanese\nSato\tJapanese")
    assert len(session.names) == len(DEFAULT_TABLE) + 2 and box == ""
    assert page["name"].head(2).tolist() == ["Nakamura", "Sato"]  # on the page shown, not past its end


def test_a_new_row_is_on_the_first_page():
    assert data_tab.add_row(DEFAULT_TABLE).iloc[0].tolist() == ["", ""]


def test_a_bad_upload_leaves_the_table_alone(tmp_path):
    path = tmp_path / "junk.csv"
    path.write_bytes(b"\x00\x01binary" * 20)
    assert data_tab.load_upload(str(path), DEFAULT_TABLE) == gr.update()


# --- classify ---------------------------------------------------------------------------------

def test_classify_gives_the_top_5_of_the_shipped_model():
    result = classify_panel.classify("Nakamura", Session())
    assert len(result) == 5 and max(result, key=result.get) == "Japanese"


@pytest.mark.parametrize("name, message", [("", "type a name"), ("12345", "no letters")])
def test_classify_refuses_bad_names_with_a_message(name, message):
    with pytest.raises(gr.Error, match=message):
        classify_panel.classify(name, Session())


def test_several_names_typed_show_a_table_of_them():
    label, many = classify_panel.classify_live("Nakamura\nDvořák, O'Neill", Session())
    assert many["visible"] is True and many["value"]["name"].tolist() == ["Nakamura", "Dvořák", "O'Neill"]


# --- training ---------------------------------------------------------------------------------

def test_training_streams_then_the_session_answers_with_its_own_labels():
    session = Session()
    outputs = train_to_end(session, tiny_table())
    assert len(outputs) >= 3 and outputs[-1][1].startswith("Finished after 2 epochs")
    assert session.model is not None and session.model.labels == ["Alpha", "Beta"]
    assert set(classify_panel.classify("Kaski", session)) == {"Alpha", "Beta"}
    # The report scores the validation names train() used, handed over in its DoneEvent.
    assert len(session.val_table) == 8 and set(session.val_table["label"]) == {"Alpha", "Beta"}
    *_, (runs, plot) = compare_tab.compare_view(session)
    curves = plot["value"]
    assert runs["run"].tolist() == ["#1"] and curves["value"].notna().sum() == 2
    assert set(plot["color_map"]) == set(curves["run"])  # the colours follow the runs plotted


def test_a_stop_before_the_first_epoch_keeps_the_previous_model():
    session = Session()
    stream = train_panel.run_training(session, tiny_table(), **TINY)
    next(stream)  # "Starting"
    session.stop.set()
    final = list(stream)[-1]
    assert "before the first epoch finished" in final[1] and "previous model still answers" in final[1]
    assert session.model is None and session.answering is DEFAULT_MODEL


def test_a_cancel_mid_training_keeps_the_best_model_like_stop_does():
    session = Session()
    stream = train_panel.run_training(session, tiny_table(), **{**TINY, "epochs": 50, "batch_size": 8})
    outputs = []
    for output in stream:  # run until the first epoch has been shown, then cancel as gradio does
        outputs.append(output)
        if "validation accuracy" in output[1]:
            break
    start = time.perf_counter()
    stream.close()
    assert time.perf_counter() - start < 0.2  # Gradio closes it on its event loop: nothing waits there
    assert session.training.acquire(timeout=120)  # the run's end, kept in the background, lets the session go
    session.training.release()
    assert session.model is not None and session.model.labels == ["Alpha", "Beta"]
    assert session.runs[0]["epochs_run"] < 50


def test_bad_settings_are_refused_with_the_valid_range():
    with pytest.raises(gr.Error, match="epochs must be between 1 and 200"):
        next(train_panel.run_training(Session(), tiny_table(), **{**TINY, "epochs": 0}))


def test_a_one_label_table_is_refused_with_a_message():
    with pytest.raises(gr.Error, match="at least 2 labels"):
        next(train_panel.run_training(Session(), tiny_table().assign(label="Alpha"), **TINY))


# --- model tab --------------------------------------------------------------------------------

def test_the_shipped_model_is_scored_on_its_validation_names():
    headline, bars, confusion, mistakes = model_tab.report_view(Session(), DEFAULT_TABLE)
    assert "On its validation names" in headline and len(bars) == 18 and "Confusion matrix" in confusion
    assert model_tab.download_model(Session()).endswith("default.safetensors")


def test_an_uploaded_model_is_scored_on_the_table(tmp_path):
    session = Session()
    path = Path(model_tab.download_model(session))
    assert "your model" in model_tab.upload_model(str(path), session)
    headline, *_ = model_tab.report_view(session, DEFAULT_TABLE)
    assert "the current table" in headline


def test_a_file_that_is_not_a_checkpoint_keeps_the_current_model(tmp_path):
    bad = tmp_path / "evil.safetensors"
    bad.write_bytes(b"\x80\x04\x95 not a checkpoint")
    session = Session()
    assert "shipped default model" in model_tab.upload_model(str(bad), session)
    assert session.model is None


# --- teaching views ---------------------------------------------------------------------------

def test_letters_packing_and_mistakes_views_show_their_content():
    probabilities, hidden, note = letters_tab.letters_view("Nakamura", Session())
    assert "Prediction as each letter arrives" in probabilities and hidden.count("<tr>") == 1 + len("nakamura")
    facts, grid, packed = packing_tab.show_packing("Li, Nakamura")
    assert "(2, 8, 31)" in facts and grid.shape == (2, 9)
    text = mistakes_tab.mistakes_view("Li", "Schwarzenegger", True, False, False, Session())
    assert "Without packing" in text


def test_too_many_names_for_the_packing_view_get_a_message():
    with pytest.raises(gr.Error, match="limit is 8"):
        packing_tab.show_packing(", ".join(["Li"] * 9))


NAMES = list(share_url.URL_KEYS)  # the controls' page names, in the panel's order
DEFAULTS = TrainConfig()


def url_settings(query: dict) -> tuple[list, str]:
    with gr.Blocks():
        panel = train_panel.build()
    assert list(panel.controls) == NAMES
    values, notes = share_url.read_link(panel.controls, SimpleNamespace(query_params=query))
    return values, share_url.link_note(notes)


def config_of(values: list):
    return train_panel.make_config(**dict(zip(NAMES, values)))


def test_the_url_restores_settings_and_options_and_names_each_value_it_changed():
    values, note = url_settings({"arch": "manual", "cell": "nope", "hidden": "64", "seed": "x", "layers": "0",
                                 "epochs": "9999", "lr": "-1", "embedding": "16", "pooling": "last+max",
                                 "average": "0.998", "step": "packing"})
    assert values[:8] == ["manual", DEFAULTS.cell, 64, 1, 200, 0, DEFAULTS.batch_size,
                          DEFAULTS.seed]
    assert values[8:10] == [16, "last+max"] and values[NAMES.index("average")] == 0.998
    for part in ("cell 'nope' is not one of rnn, gru, lstm", "seed 'x' is not a number", "layers 0 is below 1",
                 "epochs 9999 is above 200: set to 200", "lr -1 is below 0"):
        assert part in note
    assert "step" not in note and "hidden" not in note  # the lesson's step is not a setting
    assert config_of(values).num_layers == 1  # what the link gave now trains


def test_a_link_of_settings_round_trips():
    keys = [key for key, _ in share_url.URL_KEYS.values()]
    chosen = [CHOSEN[key] for key in keys]  # none of them the default
    values, note = url_settings({key: str(value) for key, value in zip(keys, chosen)})
    assert values == chosen and note == ""


def test_an_empty_learning_rate_follows_the_cell():
    settings = ["stacked", "rnn", 8, 1, 2, 0, 16, 0]
    assert config_of(settings).learning_rate == 1e-3
    assert config_of([*settings[:1], "gru", *settings[2:]]).learning_rate == 3e-3
    assert config_of([*settings[:5], 0.02, *settings[6:]]).learning_rate == 0.02


def test_the_options_reach_the_trained_model_and_bad_ones_get_a_message():
    session = Session()
    list(train_panel.run_training(session, tiny_table(), **TINY, embedding=8, pooling="last+max",
                                  balance=True, balance_method="logit-adjust"))
    assert session.model.config.embedding == 8 and session.model.config.pooling == "last+max"
    with pytest.raises(gr.Error, match="label smoothing"):
        next(train_panel.run_training(Session(), tiny_table(), **TINY, label_smoothing=2.0))


def test_the_model_is_compared_with_the_baselines_on_the_same_names():
    frame = model_tab.baselines_view(Session(), DEFAULT_TABLE)
    assert frame["classifier"].tolist() == ["model", "majority", "ngram"]
    assert frame["n"].nunique() == 1 and frame.loc[1, "accuracy"] < frame.loc[2, "accuracy"]


def test_the_leakage_and_imbalance_lessons_run_on_the_table(classic_names):
    from rnn_demo.files import read_table
    from ui import honest_tab
    raw = read_table(classic_names)
    headline, overall, per_label = honest_tab.leakage_view(raw)
    assert overall["split"].tolist() == ["honest", "leaky"]
    assert overall.loc[1, "accuracy"] > overall.loc[0, "accuracy"]  # duplicates on both sides inflate it
    assert per_label.loc[0, "inflation"] > 0
    *_, (headline, counts, plot) = honest_tab.imbalance_view(raw)
    curve = plot["value"]
    assert counts.iloc[0]["label"] == "Russian" and set(curve["figure"]) == {"accuracy", "macro_accuracy"}
    assert "balanced" not in headline


def test_the_default_table_cannot_leak_the_page_says_so_plainly_and_shows_it_on_a_copy():
    from ui import honest_tab
    headline, overall, per_label = honest_tab.leakage_view(DEFAULT_TABLE)
    honest, leaky = overall["accuracy"]
    assert honest == leaky and "No name is listed twice, so nothing can leak" in headline
    assert "instead of" not in headline and "`data/names/<Language>.txt`" in headline  # Markdown keeps it
    headline, overall, per_label = honest_tab.leakage_on_copy(DEFAULT_TABLE)
    honest, leaky = overall["accuracy"]
    assert leaky > honest + 0.1 and "listed 2 to 4 times" in headline and "%</b>" not in headline


def test_the_default_table_is_balanced_the_page_says_so_and_shows_a_long_tailed_copy():
    from ui import honest_tab
    *_, (headline, counts, _) = honest_tab.imbalance_view(DEFAULT_TABLE)
    assert "Your table is **balanced**" in headline
    *_, (headline, counts, plot) = honest_tab.imbalance_on_copy(DEFAULT_TABLE)
    assert "balanced" not in headline and counts["names"].iloc[0] >= 10 * counts["names"].iloc[-1]
    assert set(plot["color_map"]) == {"accuracy", "macro_accuracy"}


def test_a_run_past_the_time_limit_says_so_while_training_and_how_to_finish_sooner(monkeypatch):
    monkeypatch.setattr(limits, "MAX_TRAIN_SECONDS", 0.4)
    replies = train_to_end(Session(), tiny_table(), epochs=100, batch_size=8, hidden=128, layers=2)
    statuses = [reply[1] for reply in replies]
    assert any("it will stop at the 0.4 s limit" in s for s in statuses[1:-1])
    assert statuses[-1].startswith("Stopped at the time limit") and train_panel.SHORTEN in statuses[-1]


def test_the_api_table_door_reads_none_as_the_default_table_and_names_a_bad_table():
    from ui.api_table import as_table

    assert as_table(None).equals(DEFAULT_TABLE) and as_table(None) is not DEFAULT_TABLE  # a copy
    table = as_table({"headers": ["name", "label"], "data": [["Kim", "Korean"]]})
    assert table.to_dict("records") == [{"name": "Kim", "label": "Korean"}]
    with pytest.raises(gr.Error, match="rows do not match its headers"):
        as_table({"headers": ["name", "label"], "data": [["Kim", "Korean", "extra"]]})
    with pytest.raises(gr.Error, match='A table is {"headers"'):
        as_table("Kim,Korean")


def test_the_cached_signature_gradio_uses_is_the_real_one():
    import inspect

    import gradio.blocks

    from serving import gradio_speed

    gradio_speed.apply()
    gradio_speed.apply()  # idempotent
    assert gradio.blocks.inspect.signature(gr.Slider.__init__) == inspect.signature(gr.Slider.__init__)
    assert gradio.blocks.inspect.signature(gr.Slider.__init__) is gradio.blocks.inspect.signature(gr.Slider.__init__)
    assert gradio.blocks.inspect.isgeneratorfunction is inspect.isgeneratorfunction


def test_a_new_session_builds_no_block_configs_until_a_deep_link_asks_for_the_same_ones():
    from gradio.state_holder import SessionState

    from serving import gradio_speed

    with gr.Blocks() as page:
        box, _slider, state = gr.Textbox("x"), gr.Slider(0, 5, 2), gr.State(3)
    gradio_speed.apply()
    lazy = SessionState(page)
    assert lazy.config_values == {}  # nothing built up front
    lazy[state._id] = 7
    assert lazy[state._id] == 7 and lazy[box._id] is box
    built = object.__new__(SessionState)
    SessionState.__init__.eager(built, page)  # Gradio's own, which builds every config at once
    assert len(built.config_values) == 4
    eager_components = SessionState.components.fget.eager.fget(built)
    assert list(lazy.components) == list(eager_components)  # a deep link recreates the same page


def test_the_quiz_resumes_at_the_first_question_not_yet_answered():
    from ui import quiz_tab

    ids = [q.id for q in quiz_tab.FIRST]
    update = quiz_tab.resume({ids[0]: True, ids[1]: False})
    assert update["value"] == 2 and update["choices"][:3] == [("1 ✓", 0), ("2 ✗", 1), ("3", 2)]
    assert quiz_tab.resume(None)["value"] == 0 and quiz_tab.resume({i: True for i in ids})["value"] == 0


def test_a_step_in_the_url_opens_the_lesson_there_and_an_unknown_one_changes_nothing():
    from rnn_demo.lesson.steps import STEPS
    from ui import lesson_tab

    tabs, picker = lesson_tab.step_from_url(SimpleNamespace(query_params={"step": STEPS[3].slug}))
    assert picker["value"] == 3 and tabs.selected == lesson_tab.TAB_ID
    for query in ({"step": "nope"}, {}):
        assert lesson_tab.step_from_url(SimpleNamespace(query_params=query)) == (gr.update(), gr.update())


def test_a_stopped_training_says_which_model_answers_and_the_previous_one_comes_back():
    session = Session()
    stream = train_panel.run_training(session, tiny_table(), **{**TINY, "epochs": 50})
    for outputs in stream:
        if "validation accuracy" in outputs[1]:  # an epoch has finished: stop now
            session.stop.set()
    final = outputs[1]
    assert final.startswith("Stopped") and "Answering now: **your model**" in final
    assert f"before it: the **shipped default model**, {accuracy(DEFAULT_MODEL)}." in final
    trained = session.model
    assert trained is not None and "your model** (trained at " in train_panel.model_info(session)
    answering, status, button = train_panel.restore_previous(session)
    assert session.model is None and "shipped default model" in answering and button["visible"] is True
    assert "Brought back" in status
    train_panel.restore_previous(session)  # and back again: they swap places
    assert session.model is trained


def test_a_refused_training_is_told_in_the_status_line_without_an_error():
    session = Session()
    session.table = pd.DataFrame({"name": [], "label": []})  # the Data tab's table, every row deleted
    outputs = list(train_panel.train_in_page(NAMES)(session))
    assert len(outputs) == 1 and "cannot be trained on" in outputs[-1][1] and session.model is None


def test_one_training_per_session_a_second_is_refused_while_the_first_runs():
    session = Session()
    first = train_panel.run_training(session, tiny_table(), **{**TINY, "epochs": 50})
    next(first)  # "Starting": the first holds the session's training
    with pytest.raises(gr.Error, match="already training"):
        next(train_panel.run_training(session, tiny_table(), **TINY))
    session.stop.set()
    list(first)
    assert list(train_panel.run_training(session, tiny_table(), **TINY))[-1][1].startswith("Finished")


@pytest.mark.parametrize("field, value, message", [
    ("seed", 2**64, "seed must be between 0 and 2147483647"), ("seed", 1e30, "seed must be between"),
    ("seed", float("nan"), "seed must be a finite number"), ("learning_rate", "abc", "learning rate must be a number"),
    ("hidden", None, "hidden must be a number"), ("epochs", "ten", "epochs must be a number"),
    ("layers", 1.5, "layers must be a whole number"), ("dropout", float("inf"), "dropout must be a finite number"),
])
def test_every_setting_is_checked_with_its_name(field, value, message):
    with pytest.raises(gr.Error, match=message):
        next(train_panel.run_training(Session(), tiny_table(), **{**TINY, field: value}))


def test_the_gradio_patch_is_skipped_with_a_warning_on_another_gradio(monkeypatch):
    import gradio.blocks
    from gradio.state_holder import SessionState

    from serving import gradio_speed

    monkeypatch.setattr(gradio.blocks, "inspect", __import__("inspect"))
    init = SessionState.__init__
    monkeypatch.setattr(gradio, "__version__", "7.0.0")
    with pytest.warns(UserWarning, match="written for Gradio 6.31.0, not 7.0.0"):
        gradio_speed.apply()
    assert gradio.blocks.inspect is __import__("inspect") and SessionState.__init__ is init


def test_a_stops_status_names_only_epochs_the_plot_shows():
    """'Stopped in epoch 9 of 60 (8 full epochs plotted) · best epoch 9' named an epoch the plot lacked:
    a Stop now drops the epoch it cut short, so the status counts and names plotted epochs only."""
    session = Session()
    for outputs in train_panel.run_training(session, tiny_table(), **{**TINY, "epochs": 50}):
        if "validation accuracy" in outputs[1]:  # an epoch has finished: stop in the next one
            session.stop.set()
    plot, status = outputs[0], outputs[1]
    found = re.search(r"Stopped after (\d+) epochs .* best epoch (\d+)", status)
    assert found, status
    plotted = set(plot.loc[plot["series"] == "validation accuracy"].dropna()["epoch"])
    epochs_run, best = int(found.group(1)), int(found.group(2))
    assert plotted == {float(e) for e in range(1, epochs_run + 1)} and best in range(1, epochs_run + 1)