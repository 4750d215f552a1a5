"""Ctrl+V on the names table (issue 34, point 3): rows copied from a spreadsheet, a tab or a comma between
name and label, are added at the top of the table, whether a cell is selected or being edited.

The paste is a ClipboardEvent carrying its text, sent to the focused cell: headless Chromium's
clipboard needs permissions a test cannot count on, and the page reads only the event's data."""

from __future__ import annotations

import time

import pytest

from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)

PASTE = """(text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    document.activeElement.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                                      cancelable: true}));
}"""


@pytest.fixture
def page(browser, app_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_server.url)
    page.wait_for_selector("#train-btn", timeout=60_000)
    assert wait_for(lambda: "1798 rows" in page.inner_text("#table-summary").replace(",", ""), timeout=30)
    yield page
    page.close()


def cell(page, row: int, column: int) -> str:
    """A cell's text, without the "⋮" of the menu a selected cell shows."""
    return page.locator(f"#names-table [data-testid='cell-{row}-{column}']").inner_text().split("\n")[0].strip()


def rows_count(page) -> str:
    return page.inner_text("#table-summary").replace(",", "")


def test_ctrl_v_on_a_selected_cell_adds_the_copied_rows_at_the_top(page):
    page.locator("#names-table [data-testid='cell-2-0']").click()  # selected, not editing
    page.evaluate(PASTE, "Tanaka")  # one word is no row: nothing is added
    time.sleep(2)
    assert "1798 rows" in rows_count(page)
    page.evaluate(PASTE, "Tanaka\tJapanese\nMüller\tGerman\r\nDvořák, Czech\n")
    assert wait_for(lambda: "1801 rows" in rows_count(page), timeout=30), rows_count(page)
    assert [(cell(page, r, 0), cell(page, r, 1)) for r in range(3)] == \
        [("Tanaka", "Japanese"), ("Müller", "German"), ("Dvořák", "Czech")]
    assert page.input_value("#paste-rows textarea") == ""  # the box that carried them is empty again
    page.screenshot(path=str(SHOTS / "paste-selected-cell.png"))


def test_several_lines_pasted_into_a_cell_being_edited_become_rows(page):
    page.locator("#names-table [data-testid='cell-4-0']").dblclick()
    before = cell(page, 4, 0)
    page.evaluate(PASTE, "Kim\tKorean\nLi\tChinese")
    assert wait_for(lambda: "1800 rows" in rows_count(page), timeout=30), rows_count(page)
    page.keyboard.press("Escape")
    assert [(cell(page, r, 0), cell(page, r, 1)) for r in range(2)] == [("Kim", "Korean"), ("Li", "Chinese")]
    assert cell(page, 6, 0) == before  # the edited cell (now two rows lower) kept its own name
