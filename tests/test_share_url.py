"""Share links in plain Python: every setting and option travels in the URL and comes back equal, and
each value a link carries is checked against its own control (range, step, choices) with a note that
names the field. The browser side is tests/test_browser_links.py."""

from types import SimpleNamespace
from urllib.parse import urlencode

import gradio as gr
import pytest
from starlette.datastructures import QueryParams

from rnn_demo.lesson.steps import STEPS
from rnn_demo.settings import BY_FIELD
from ui import lesson_tab, share_url, train_panel

from link_values import CHOSEN

KEYS = [key for key, _ in share_url.URL_KEYS.values()]


@pytest.fixture(scope="module")
def controls() -> dict:
    with gr.Blocks():
        panel = train_panel.build()
    return panel.controls  # page name -> control


def control(controls: dict, key: str):
    return list(controls.values())[KEYS.index(key)]


def config_of(controls: dict, values: list):
    """What the page trains with these control values (taken by name, as the Train button does)."""
    return train_panel.make_config(**dict(zip(controls, values, strict=True)))


def as_request(query: str) -> SimpleNamespace:
    """What gr.Request holds for a page opened at ?query (Starlette's parsed query string)."""
    return SimpleNamespace(query_params=QueryParams(query))


def share_query(values: list) -> str:
    """The query string ui.share_url.URL_JS writes into the address bar: every key, String(value)."""
    return urlencode({key: str(value).lower() if isinstance(value, bool) else str(value)  # JS: String(true)
                      for key, value in zip(KEYS, values, strict=True)})


def from_link(controls: dict, request) -> tuple[list, str]:
    """The controls' values a link gives, and its note as the page shows it."""
    values, notes = share_url.read_link(controls, request)
    return values, share_url.link_note(notes)


def test_every_setting_and_option_has_its_key_and_the_defaults_round_trip_without_a_note(controls):
    assert len(KEYS) == len(set(KEYS)) == len(controls) == 8 + 13
    defaults = [c.value for c in controls.values()]
    values, notes = share_url.read_link(controls, as_request(share_query(defaults)))
    assert values == defaults and notes == []  # each default is a value its own control holds


def test_settings_to_url_to_settings_gives_the_same_settings(controls):
    chosen = [CHOSEN[key] for key in KEYS]
    query = share_query(chosen)
    assert "embedding=16" in query and "keep_best=macro" in query and "pooling=last%2Bmax" in query
    values, notes = share_url.read_link(controls, as_request(query))
    assert values == chosen and notes == []
    assert share_query(values) == query  # and back to the same link
    config = config_of(controls, values)
    assert (config.embedding, config.pooling, config.average, config.balance_method) == (16, "last+max", 0.998,
                                                                                       "logit-adjust")


def test_out_of_range_values_are_clamped_to_the_controls_own_range_and_named(controls):
    values, note = from_link(controls, as_request("layers=0&epochs=9999&lr=-1&seed=-3&batch=4096"))
    layers, epochs, lr = (control(controls, key) for key in ("layers", "epochs", "lr"))
    assert values[KEYS.index("layers")] == layers.minimum == 1
    assert values[KEYS.index("epochs")] == epochs.maximum == BY_FIELD["epochs"].high  # the slider's range is the limit
    assert values[KEYS.index("lr")] == lr.minimum == 0
    assert values[KEYS.index("seed")] == 0 and values[KEYS.index("batch")] == control(controls, "batch").maximum
    assert note.startswith("⚠ **Link settings:**")
    for part in ("layers 0 is below 1: set to 1", "epochs 9999 is above 200: set to 200", "lr -1 is below 0: set to 0",
                 "seed -3 is below 0: set to 0", "batch 4096 is above 2048: set to 2048"):
        assert part in note
    assert config_of(controls, values).num_layers == 1  # what the link gave now trains


def test_the_seed_box_takes_its_maximum_from_the_settings_table(controls):
    top = BY_FIELD["seed"].high
    values, notes = share_url.read_link(controls, as_request(f"seed={top + 1}"))
    assert values[KEYS.index("seed")] == top == 2**31 - 1
    assert notes == [f"seed {top + 1} is above {top}: set to {top}"]


@pytest.mark.parametrize("key, raw, kind", [("hidden", "abc", "is not a number"), ("lr", "inf", "is not a number"),
                                            ("dropout", "nan", "is not a number"), ("layers", "", "is not a number"),
                                            ("arch", "foo", "is not one of manual, stacked, bidirectional"),
                                            ("keep_best", "best", "is not one of auto, accuracy, macro")])
def test_a_value_that_cannot_be_read_keeps_the_default_and_says_which_field(controls, key, raw, kind):
    values, notes = share_url.read_link(controls, as_request(urlencode({key: raw})))
    default = control(controls, key).value
    assert values == [c.value for c in controls.values()]  # nothing changed, that field included
    assert notes == [f"{key} '{raw}' {kind}: kept {default}"]


def test_a_value_between_a_sliders_steps_moves_to_the_nearest_step(controls):
    values, notes = share_url.read_link(controls, as_request("embedding=13&layers=1.5&dropout=0.33&seed=2.4"))
    assert [values[KEYS.index(k)] for k in ("embedding", "layers", "dropout", "seed")] == [16, 2, 0.35, 2]
    assert notes == ["layers 1.5 is not a whole number: set to 2",  # in the order of the panel
                     "seed 2.4 is not a whole number: set to 2",
                     "embedding 13 is between the slider's steps of 8: set to 16",
                     "dropout 0.33 is between the slider's steps of 0.05: set to 0.35"]


def test_a_link_cannot_write_markup_or_a_page_of_text_into_the_note(controls):
    _, note = from_link(controls, as_request(urlencode(
        {"arch": "[log in](http://evil.example)", "cell": "<b>x</b>", "hidden": "9" * 300, "seed": "x" * 5000})))
    assert "](" not in note and "<b>" not in note  # no link, no tag: Markdown's punctuation is escaped
    assert r"arch '\[log in\]\(http\://evil\.example\)'" in note
    assert f"hidden {'9' * 30}… is above 512: set to 512" in note
    assert f"seed '{'x' * 30}…' is not a number" in note and len(note) < 400


def test_no_link_or_only_other_keys_changes_nothing(controls):
    defaults = [c.value for c in controls.values()]
    assert from_link(controls, None) == (defaults, "")
    assert from_link(controls, as_request("step=packing&__theme=dark")) == (defaults, "")


def test_an_unknown_step_is_named_in_the_note_and_a_known_one_is_not():
    assert lesson_tab.step_notes(as_request("step=packing")) == [] == lesson_tab.step_notes(as_request(""))
    (note,) = lesson_tab.step_notes(as_request("step=pakcing"))
    assert note.startswith("step 'pakcing' is not a lesson step") and "packing" in note
    assert share_url.link_note([note]).startswith("⚠ **Link settings:** step 'pakcing'")


def test_next_on_the_last_step_finishes_the_lesson_at_the_quiz():
    last = len(STEPS) - 1
    assert lesson_tab.show_step(last)[-1]["value"] == lesson_tab.FINISH
    assert lesson_tab.show_step(last - 1)[-1]["value"] == lesson_tab.NEXT
    assert lesson_tab.forward(last - 1) == (last, gr.update())
    step, tabs = lesson_tab.forward(last)
    assert step == gr.update() and tabs.selected == lesson_tab.QUIZ_TAB
    assert f"index === {last}" in lesson_tab.FINISH_JS and 'searchParams.delete("step")' in lesson_tab.FINISH_JS
