"""How the page looks, read off the page (issue 34, point 9): tables and plots before their first press,
the checkpoint upload's text, the cells' equations, letter axes, and a phone's width (390 px): the
slider controls in line, the code's line numbers beside their lines, the loss legend and the room
board's labels inside their plots."""

from __future__ import annotations

import re
import time

import pytest

from conftest import ROOT
from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)

PHONE = {"width": 390, "height": 900}
DESKTOP = {"width": 1400, "height": 1000}
# Every visible plot's axis ticks and every visible table's header cells, by the block's id (or label).
SURVEY = """() => {
  const named = el => { const b = el.closest('.block'); return b ? (b.id || b.innerText.split('\\n')[0]) : '?'; };
  const plots = Array.from(document.querySelectorAll('.vega-embed')).filter(e => e.offsetParent).map(e => ({
    name: named(e), ticks: Array.from(e.querySelectorAll('.role-axis-label text')).map(t => t.textContent)}));
  const tables = Array.from(document.querySelectorAll('table')).filter(t => t.offsetParent && t.querySelector('thead'))
    .map(t => ({name: named(t), headers: Array.from(t.querySelectorAll('thead th')).map(th => th.innerText.trim())}));
  return {plots, tables};
}"""


def open_page(browser, url: str, viewport: dict = DESKTOP):  # noqa: F811
    page = browser.new_page(viewport=viewport)
    page.goto(url)
    page.wait_for_selector("#train-btn", timeout=60_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    return page


def tab_names(page, skip: int = 0) -> list[str]:
    """The visible tabs' names, from the page itself (after the first `skip`)."""
    return page.evaluate("() => Array.from(document.querySelectorAll('[role=tab]')).filter(t => t.offsetParent)"
                         ".map(t => t.innerText.trim())")[skip:]


@pytest.fixture(scope="module")
def fresh_views(browser, app_server):  # noqa: F811
    """Each tab and sub-tab as a fresh page first shows it, nothing pressed: {"Tab > Sub": survey}."""
    page = open_page(browser, app_server.url)
    tops = tab_names(page)
    page.close()
    views = {}
    for top in tops:
        page = open_page(browser, app_server.url)
        page.get_by_role("tab", name=top, exact=True).first.click()
        time.sleep(1.5)  # a tab's content is built when it is first opened
        subs = tab_names(page, skip=len(tops))
        for sub in subs or [""]:
            if sub:
                page.get_by_role("tab", name=sub, exact=True).first.click()
                time.sleep(1.5)
            views[f"{top} > {sub}"] = page.evaluate(SURVEY)
        page.close()
    return views


def test_tables_show_their_columns_before_the_first_press(fresh_views):
    # An empty gr.Dataframe without headers shows "1 2 3" as its column names.
    numbered = [(view, table["name"], table["headers"]) for view, found in fresh_views.items()
                for table in found["tables"] if table["headers"] and all(h.isdigit() for h in table["headers"])]
    assert not numbered, numbered
    assert sum(len(found["tables"]) for found in fresh_views.values()) >= 10  # the survey saw the tables


def test_plots_show_no_number_printed_to_six_places_before_the_first_press(fresh_views):
    # A placeholder of one point at 0.0 gives an axis of one tick, printed "0.000000".
    long = [(view, plot["name"], tick) for view, found in fresh_views.items() for plot in found["plots"]
            for tick in plot["ticks"] if re.fullmatch(r"[−-]?\d+\.\d{4,}", tick)]
    assert not long, long
    assert sum(len(found["plots"]) for found in fresh_views.values()) >= 10


def x_ticks(page, plot: str) -> list[str]:
    return page.evaluate("""(plot) => {
        const axis = Array.from(document.querySelectorAll(`#${plot} .role-axis`))
            .find(a => (a.getAttribute('aria-label') || '').startsWith('X-axis'));
        return axis ? Array.from(axis.querySelectorAll('.role-axis-label text')).map(t => t.textContent) : [];
    }""", plot)


def test_letter_axes_have_a_tick_per_letter_and_none_between(browser, app_server):  # noqa: F811
    page = open_page(browser, app_server.url)
    page.get_by_role("tab", name="Watch it think").click()
    page.get_by_role("tab", name="Cells side by side").click()
    page.fill("#cells-name textarea", "Li")
    page.click("#cells-run")
    # On a number axis a two-letter name had ticks 1.0, 1.1, ... 2.0: places between letters.
    assert wait_for(lambda: x_ticks(page, "cells-plot") == ["1 l", "2 i"], timeout=40), x_ticks(page, "cells-plot")
    page.get_by_role("tab", name="Change it").click()
    page.fill("#intervene-name textarea", "Li")
    page.click("#intervene-run")
    for plot in ("intervene-letters", "intervene-path"):
        assert wait_for(lambda p=plot: x_ticks(page, p) == ["1 l", "2 i"], timeout=90), (plot, x_ticks(page, plot))
    page.locator("#intervene-letters").screenshot(path=str(SHOTS / "looks-letter-axis.png"))
    page.close()


def test_the_checkpoint_upload_shows_all_its_text(browser, app_server):  # noqa: F811
    page = open_page(browser, app_server.url)
    page.get_by_role("tab", name="Model & where it fails").click()
    page.wait_for_selector("#model-upload", state="visible")
    text, bottom, edge = page.evaluate("""() => {
        const words = document.querySelector('#model-upload [data-testid=upload-text]');
        const box = words.closest('button').getBoundingClientRect();
        return [words.innerText, words.getBoundingClientRect().bottom, box.bottom];
    }""")
    assert "Click to Upload" in text
    assert bottom <= edge + 0.5, (bottom, edge)  # its last line ran past the box's edge, cut in half
    page.close()


def test_each_cells_equations_fit_their_column(browser, app_server):  # noqa: F811
    page = open_page(browser, app_server.url)
    page.get_by_role("tab", name="Watch it think").click()
    page.get_by_role("tab", name="Cells side by side").click()
    page.click("#cells-run")
    assert wait_for(lambda: "Letter 1" in page.inner_text("#cells-lstm"), timeout=40)
    for cell in ("rnn", "gru", "lstm"):
        block = page.locator(f"#cells-{cell} pre").first
        # scrollWidth beyond clientWidth: the lines' ends were hidden ("(pre-activ").
        width, shown = block.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert width <= shown + 1, (cell, width, shown)
    assert "(pre-activation)" in page.inner_text("#cells-rnn")
    page.locator("#cells-rnn").screenshot(path=str(SHOTS / "looks-cells-equations.png"))
    page.close()


def test_at_a_phones_width_the_slider_boxes_line_up(browser, app_server):  # noqa: F811
    page = open_page(browser, app_server.url, PHONE)
    boxes = page.evaluate("""() => ['Hidden size', 'Layers'].map(name => {
        const box = document.querySelector(`input[aria-label="number input for ${name}"]`);
        const head = box.closest('.head');
        const label = head.querySelector('label').getBoundingClientRect(), r = box.getBoundingClientRect();
        const slider = head.parentElement.querySelector('input[type=range]').getBoundingClientRect();
        return {label: label.left, box: r.left, top: r.top, slider: slider.left};
    })""")
    for control in boxes:  # each box starts where its label and its slider start
        assert abs(control["box"] - control["label"]) <= 2 and abs(control["box"] - control["slider"]) <= 2, boxes
    assert abs(boxes[0]["top"] - boxes[1]["top"]) <= 2, boxes  # side by side, at one height
    page.locator("#hidden").screenshot(path=str(SHOTS / "looks-phone-hidden.png"))
    page.close()


def test_at_a_phones_width_each_line_number_sits_beside_its_line(browser, app_server):  # noqa: F811
    page = open_page(browser, app_server.url, PHONE)
    page.locator("#model-code").scroll_into_view_if_needed()  # the editor measures its lines once in view
    time.sleep(1)
    rows = page.evaluate("""() => {
        const lines = Array.from(document.querySelectorAll('#model-code .cm-line'));
        const numbers = Array.from(document.querySelectorAll('#model-code .cm-lineNumbers .cm-gutterElement'))
            .filter(e => e.innerText.trim());
        return numbers.map((n, i) => [n.innerText.trim(), n.getBoundingClientRect().top,
                                      lines[i].getBoundingClientRect().top, lines[i].getBoundingClientRect().height]);
    }""")
    assert len(rows) >= 10, rows
    one_row = min(height for *_, height in rows)
    # A wrapped line is several rows tall: its number sat beside its first row, often only its indentation
    # (line 8 beside an empty row, its code on the rows below).
    wrapped = [(number, round(height / one_row, 1)) for number, _, _, height in rows if height > one_row + 2]
    assert not wrapped, wrapped
    drifted = [(number, top, line) for number, top, line, _ in rows if abs(top - line) > 2]
    assert not drifted, drifted
    page.locator("#model-code").screenshot(path=str(SHOTS / "looks-phone-code.png"))
    page.close()


def test_at_a_phones_width_the_loss_legend_is_whole(browser, app_server):  # noqa: F811
    page = open_page(browser, app_server.url, PHONE)
    assert wait_for(lambda: page.locator("#loss-plot .role-legend-label text").count() == 3, timeout=20)
    labels = page.evaluate("""() => {
        const plot = document.querySelector('#loss-plot').getBoundingClientRect();
        return Array.from(document.querySelectorAll('#loss-plot .role-legend-label text')).map(t => {
            const r = t.getBoundingClientRect();
            return [t.textContent, r.left >= plot.left && r.right <= plot.right && r.bottom <= plot.bottom];
        });
    }""")
    assert labels == [[name, True] for name in ("train loss (smoothed)", "validation loss", "validation accuracy")], \
        labels  # "validation accuracy" ran past the plot's right edge ("validation ac")
    page.locator("#loss-plot").screenshot(path=str(SHOTS / "looks-phone-loss-legend.png"))
    page.close()


def test_at_a_phones_width_the_room_boards_labels_stay_inside(browser):  # noqa: F811
    from ui.room_board import curves_svg
    runs = [{"settings": {"cell": cell}, "curve": [(0.5, 2.91), (1.0, 2.4), (2.0, 1.87)]} for cell in ("gru", "rnn")]
    svg = curves_svg({"members": [{"nickname": "ana", "runs": runs}]}, "cell")
    css = (ROOT / "ui" / "style.css").read_text()
    page = browser.new_page(viewport=PHONE)
    page.set_content(f"<style>{css}</style><div class='gradio-container'><div class='room-board'>{svg}</div></div>")
    outside = page.evaluate("""() => {
        const svg = document.querySelector('.room-board svg').getBoundingClientRect();
        return Array.from(document.querySelectorAll('.room-board svg text')).map(t => [t.textContent, t.getBoundingClientRect()])
            .filter(([_, r]) => r.left < svg.left - 0.5 || r.right > svg.right + 0.5).map(([text]) => text);
    }""")
    assert not outside, outside  # the y labels (2.91, 1.87) were cut at the left
    page.close()
