"""The "Watch it think" views in a real browser: each opens, the step-through plays to its end, the
map is scrubbed over the epochs of a training; a screenshot of each to look at."""

import time

import pytest

from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)


@pytest.fixture
def page(browser, app_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_server.url + "?epochs=3&hidden=16")
    page.wait_for_selector("#train-btn", timeout=60_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    page.close()


def open_view(page, name):
    page.get_by_role("tab", name="Watch it think").click()
    page.get_by_role("tab", name=name).click()


def test_the_step_through_plays_to_the_end(page):
    open_view(page, "Step through a name")
    page.fill("#step-name textarea", "Li")
    page.click("#step-load")
    assert wait_for(lambda: "Step 1 of" in page.inner_text("#step-header"), timeout=20)
    total = int(page.inner_text("#step-header").split("Step 1 of ")[1].split()[0])
    page.click("#step-play")
    assert wait_for(lambda: f"Step {total} of {total}" in page.inner_text("#step-header"), timeout=30)
    time.sleep(1.5)  # the timer has stopped: still at the last step
    assert f"Step {total} of {total}" in page.inner_text("#step-header")
    page.click("#step-back")
    assert wait_for(lambda: f"Step {total - 1} of {total}" in page.inner_text("#step-header"))
    assert page.locator("#step-source .now").count() >= 1
    page.screenshot(path=str(SHOTS / "why-step.png"), full_page=True)


def test_saliency_and_vanishing_gradients_show(page):
    open_view(page, "Gradients through time")
    page.click("#saliency-show")
    assert wait_for(lambda: page.locator("#saliency-letters span").count() == len("kowalski"), timeout=20)
    page.click("#decay-show")
    assert wait_for(lambda: "geometric mean" in page.inner_text("#decay-note"), timeout=30)
    page.screenshot(path=str(SHOTS / "why-gradients.png"), full_page=True)


def test_remember_the_first_letter_runs_and_stops(page):
    open_view(page, "Remember the first letter")
    page.fill("#remember-ks textarea", "5, 60")
    page.click("#remember-run")  # it waits in the trainer's line (the first worker may still be warming up)
    assert wait_for(lambda: "Training rnn at k = 5" in page.inner_text("#remember-status"), timeout=90)
    page.click("#remember-stop")
    assert wait_for(lambda: "Stopped" in page.inner_text("#remember-status"), timeout=30)
    assert "finished" in page.inner_text("#remember-status")  # a stop says what finished, if anything
    page.screenshot(path=str(SHOTS / "why-remember.png"), full_page=True)


def visible_points(page) -> list[str]:
    """The aria labels of the remember plot's points that are drawn (not see-through, not of size 0)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('#remember-plot .mark-symbol.role-mark path'))
        .filter(p => Number(getComputedStyle(p).opacity) > 0 && p.getBoundingClientRect().width > 2)
        .map(p => p.getAttribute('aria-label'))""")


def test_a_remember_run_stopped_after_its_first_k_shows_that_k(page):
    open_view(page, "Remember the first letter")
    page.fill("#remember-ks textarea", "5, 60")
    page.click("#remember-run")
    assert wait_for(lambda: "at k = 60" in page.inner_text("#remember-status"), timeout=90)
    page.click("#remember-stop")
    assert wait_for(lambda: "Stopped" in page.inner_text("#remember-status"), timeout=60)
    assert "k = 5 (rnn, gru, lstm)" in page.inner_text("#remember-status")
    # One point per cell at k = 5: without a second k no line is drawn, and the plot's points were hidden.
    assert wait_for(lambda: {label.split("cell: ")[1] for label in visible_points(page) if label.startswith("k: 5;")}
                    == {"rnn", "gru", "lstm"}, timeout=20), visible_points(page)
    page.locator("#remember-plot").screenshot(path=str(SHOTS / "why-remember-one-k.png"))


def test_the_map_is_scrubbed_over_the_epochs_of_a_training(page):
    page.click("#train-btn")
    assert wait_for(lambda: "Finished after 3 epochs" in page.inner_text("#status"), timeout=120), page.inner_text("#status")
    open_view(page, "Map of the hidden states")
    page.click("#map-show")
    assert wait_for(lambda: "nearest training names" in page.inner_text("#map-note"), timeout=30)
    assert "3 kept" in page.inner_text("#map-epoch")
    assert wait_for(lambda: page.locator("#map-plot .mark-symbol path").count() > 20)
    page.locator("#map-epoch input[type='range']").fill("1")
    time.sleep(2)
    page.screenshot(path=str(SHOTS / "why-map-epoch1.png"), full_page=True)
    assert wait_for(lambda: page.locator("#map-plot .mark-symbol path").count() > 20)  # a dot per name, drawn


def test_the_unit_explorer_lists_units(page):
    open_view(page, "Unit explorer")
    page.click("#units-list")
    assert wait_for(lambda: "selectivity" in page.inner_text("#units-selective"), timeout=30)
    assert wait_for(lambda: "activation" in page.inner_text("#units-examples"), timeout=30)
    page.screenshot(path=str(SHOTS / "why-units.png"), full_page=True)
