"""The instructors' kit (workshop/INSTRUCTORS.md): every link in its table of lesson steps opens the
step its row names, with settings the page takes as written (no value clamped, no key it ignores)."""

import re
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import gradio as gr
import pytest
from starlette.datastructures import QueryParams

from rnn_demo.lesson.steps import STEPS
from ui import lesson_tab, share_url, train_panel

from conftest import ROOT

KIT = ROOT / "workshop" / "INSTRUCTORS.md"
ROW = re.compile(r"^\| (\d+) \| ([^|]+?) \| `(/\?[^`]+)` \|", re.MULTILINE)  # | 4 | Padding | `/?step=padding` |


def kit_links() -> list[tuple[int, str, str]]:
    """(step number, step title, link) for each row of the kit's table of links."""
    return [(int(number), title, link) for number, title, link in ROW.findall(KIT.read_text())]


def as_request(link: str) -> SimpleNamespace:
    """What gr.Request holds for the page opened at this link."""
    return SimpleNamespace(query_params=QueryParams(urlsplit(link).query))


@pytest.fixture(scope="module")
def controls() -> dict:
    with gr.Blocks():
        panel = train_panel.build()
    return panel.controls  # page name -> control


def test_the_kit_has_one_link_per_lesson_step_in_order():
    assert [(number, title) for number, title, _ in kit_links()] == [(i + 1, s.title) for i, s in enumerate(STEPS)]


@pytest.mark.parametrize("number, title, link", kit_links(), ids=[link for _, _, link in kit_links()])
def test_each_link_opens_its_step_with_settings_taken_as_written(number, title, link, controls):
    tabs, picker = lesson_tab.step_from_url(as_request(link))
    assert tabs.selected == lesson_tab.TAB_ID
    assert picker["value"] == number - 1 and STEPS[number - 1].title == title
    assert lesson_tab.step_notes(as_request(link)) == []
    values, notes = share_url.read_link(controls, as_request(link))
    assert notes == [], notes  # nothing clamped or refused
    known = {key for key, _ in share_url.URL_KEYS.values()} | {"step"}
    query = dict(parse_qsl(urlsplit(link).query))
    assert set(query) <= known, set(query) - known  # a key the page does not read would do nothing
    by_key = {share_url.URL_KEYS[name][0]: value for name, value in zip(controls, values, strict=True)}
    for key, raw in query.items():
        if key != "step":
            value = by_key[key]
            if isinstance(value, bool):  # a checkbox: the link says true or false, as the page writes it
                assert str(value).lower() == raw, (key, raw, value)
            else:
                assert str(value) == raw or (not isinstance(value, str) and float(value) == float(raw)), (key, raw,
                                                                                                          value)
