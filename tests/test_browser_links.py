"""Deep and share links as an instructor hands them out: the page scrolls to what a link opens,
every value is checked on load with a note naming the field, and the lesson's step does not
linger in the address bar once another tab is open."""

from __future__ import annotations

from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)


def test_a_link_with_bad_values_and_a_step_is_checked_scrolled_and_trains(browser, app_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(app_server.url + "?layers=0&epochs=0&lr=-1&hidden=8&embedding=16&step=packing")
    page.wait_for_selector("#train-btn", timeout=60_000)
    assert wait_for(lambda: "layers 0 is below 1" in page.inner_text("#link-note"), timeout=20)
    note = page.inner_text("#link-note")
    assert "epochs 0 is below 1" in note and "lr -1 is below 0" in note
    assert wait_for(lambda: page.evaluate("() => window.scrollY") > 500, timeout=20)  # at the lesson, not the top
    box = page.locator("#lesson-title").first.bounding_box()
    assert box is not None and 0 <= box["y"] < 900
    page.screenshot(path=str(SHOTS / "link-step.png"))
    assert "embedding=16" in page.url  # the options travel in the link too
    page.get_by_role("tab", name="Compare").click()
    assert wait_for(lambda: "step=" not in page.url, timeout=10), page.url
    page.click("#train-btn")
    assert wait_for(lambda: "Finished after 1 epochs" in page.inner_text("#status"), timeout=120), \
        page.inner_text("#status")
    page.close()
