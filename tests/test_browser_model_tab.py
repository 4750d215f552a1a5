"""The confusion matrix fits: at a desktop's width all 18 columns sit inside its box; at a phone's
width the row names stay beside the cells while the matrix scrolls sideways."""

from __future__ import annotations

import pytest

from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)


def open_matrix(browser, app_server, width: int):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(app_server.url)
    page.wait_for_selector("#train-btn", timeout=60_000)
    page.get_by_role("tab", name="Model & where it fails").click()
    assert wait_for(lambda: page.locator("#confusion-heatmap td.shade").count() == 18 * 18, timeout=40)
    page.locator("#confusion-heatmap").scroll_into_view_if_needed()
    return page


def test_all_18_columns_of_the_confusion_matrix_are_in_view_at_desktop_width(browser, app_server):  # noqa: F811
    page = open_matrix(browser, app_server, 1400)
    box = page.locator("#confusion-heatmap .scroll").bounding_box()
    headers = page.locator("#confusion-heatmap tr").first.locator("th span")
    assert headers.count() == 18
    for i in range(18):
        cell = headers.nth(i).bounding_box()
        assert box["x"] <= cell["x"] and cell["x"] + cell["width"] <= box["x"] + box["width"] + 0.5, i
    page.locator("#confusion-heatmap").screenshot(path=str(SHOTS / "confusion-1400.png"))
    page.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_at_a_phones_width_the_row_names_stay_beside_the_cells(browser, app_server, theme):  # noqa: F811
    page = open_matrix(browser, app_server, 390)
    if theme == "dark":
        page.goto(app_server.url + "?__theme=dark")
        page.wait_for_selector("#train-btn", timeout=60_000)
        page.get_by_role("tab", name="Model & where it fails").click()
        assert wait_for(lambda: page.locator("#confusion-heatmap td.shade").count() == 18 * 18, timeout=40)
    scroll = page.locator("#confusion-heatmap .scroll")
    scroll.evaluate("e => e.scrollLeft = e.scrollWidth")
    box = scroll.bounding_box()
    row_name = page.locator("#confusion-heatmap tr").nth(5).locator("th").first.bounding_box()
    assert box["x"] - 0.5 <= row_name["x"] <= box["x"] + 2  # still at the box's left edge after scrolling
    last = page.locator("#confusion-heatmap tr").nth(5).locator("td").last.bounding_box()
    assert last["x"] + last["width"] <= box["x"] + box["width"] + 0.5  # the far cells came into view
    page.locator("#confusion-heatmap").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"confusion-390-{theme}.png"))
    page.close()
