"""A new model redraws the tab on screen at once and every other view when its tab is opened
(ui/open_tab.py): a training sends the page one view's update, not seven."""

from __future__ import annotations

import time

from test_browser import browser, wait_for  # noqa: F401  (browser: the shared fixture)


def train(page) -> None:
    page.click("#train-btn")
    assert wait_for(lambda: "Finished after 2 epochs" in page.inner_text("#status"), timeout=120)
    assert wait_for(lambda: page.locator("#train-btn").is_enabled(), timeout=20)
    time.sleep(3)  # what a new model redraws has had its time


def hidden_units(page) -> int:
    """Columns of Letter by letter's hidden-state heat map: one per unit of the answering model."""
    return page.locator("#letters-hidden table tr").first.locator("th").count()  # the corner is a <td>


def test_the_open_tab_redraws_now_and_another_when_opened(browser, app_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(app_server.url + "?epochs=2&hidden=16&layers=1")
        page.wait_for_selector("#train-btn", timeout=60_000)
        page.get_by_role("tab", name="Letter by letter", exact=True).click()
        assert wait_for(lambda: hidden_units(page) > 16, timeout=30)  # the shipped model: hidden 128
        shipped = page.inner_html("#letters-hidden")
        page.get_by_role("tab", name="Model & where it fails", exact=True).click()
        assert wait_for(lambda: "shipped default model" in page.inner_text("#model-tab-headline"), timeout=30)

        train(page)  # on the Model tab: it shows the new model with no click
        assert wait_for(lambda: "your model (trained at" in page.inner_text("#model-tab-headline"), timeout=30)
        assert "hidden 16" in page.inner_text("#model-tab-headline")
        # Letter by letter is in the page but not on screen: it was not sent the new model...
        assert page.inner_html("#letters-hidden") == shipped
        page.get_by_role("tab", name="Letter by letter", exact=True).click()
        # ...and draws it as soon as it is opened.
        assert wait_for(lambda: hidden_units(page) == 16, timeout=30), hidden_units(page)
    finally:
        page.close()
