"""A reload loses nothing: train, edit the table, train again (two compare runs), reload the page ->
the model, the edited table, the compare runs and the link's settings all come back; Start over
forgets them. What comes back from the browser goes through the upload's checks (tests/test_keep.py)."""

from __future__ import annotations

import re

from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)


def edit_first_name(page, text: str) -> None:
    page.locator("#names-table [data-testid='cell-0-0']").dblclick()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_a_reload_brings_back_the_model_the_table_and_the_runs(browser, app_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(app_server.url + "?epochs=2&hidden=16&layers=1")
        page.wait_for_selector("#train-btn", timeout=60_000)
        edit_first_name(page, "Haddadkept")
        assert wait_for(lambda: "Ready to train" in page.inner_text("#table-summary"), timeout=20)
        for runs in ("1 compare run.", "2 compare runs."):
            page.click("#train-btn")
            assert wait_for(lambda: "Finished after 2 epochs" in page.inner_text("#status"), timeout=120)
            assert wait_for(lambda: page.locator("#train-btn").is_enabled(), timeout=20)
            # The page says when the browser holds the run: a reload from then on keeps it.
            assert wait_for(lambda r=runs: r in page.inner_text("#keep-note"), timeout=30), page.inner_text("#keep-note")
        assert "your model, your table" in page.inner_text("#keep-note")
        answering = page.inner_text("#answering")
        assert "your model" in answering

        page.reload()
        page.wait_for_selector("#train-btn", timeout=60_000)
        assert wait_for(lambda: "Back from your last visit" in page.inner_text("#link-note"), timeout=30)
        note = page.inner_text("#link-note")
        assert "your model" in note and "your table" in note and "your compare runs" in note
        assert wait_for(lambda: "your model" in page.inner_text("#answering"), timeout=20)
        assert page.inner_text("#answering").split(" — ")[1] == answering.split(" — ")[1]  # the same model
        assert wait_for(lambda: "Haddadkept" in page.inner_text("#names-table"), timeout=20)
        assert "hidden=16" in page.url  # the settings come back through the address (tests/test_browser_links.py)
        page.get_by_role("tab", name="Compare").click()
        assert wait_for(lambda: re.search(r"#2\s+stacked", page.inner_text("#compare-table")), timeout=20), \
            page.inner_text("#compare-table")  # both runs
        page.screenshot(path=str(SHOTS / "reload-kept.png"))

        page.click("#start-over")
        page.wait_for_timeout(1000)
        page.wait_for_selector("#train-btn", timeout=60_000)
        assert wait_for(lambda: "shipped default model" in page.inner_text("#answering"), timeout=30)
        assert "Back from your last visit" not in page.inner_text("#link-note")
        assert "Haddadkept" not in page.inner_text("#names-table")
        assert "hidden=16" not in page.url
    finally:
        page.close()
