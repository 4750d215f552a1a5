"""Honest numbers in a real browser: the baselines beside the model, the imbalance lesson, the options."""

import pytest

from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)


@pytest.fixture
def page(browser, app_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_server.url)
    page.wait_for_selector("#train-btn", timeout=60_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    page.close()


def test_the_model_tab_shows_the_baselines_beside_the_model(page):
    page.get_by_role("tab", name="Model & where it fails").click()
    assert wait_for(lambda: "ngram" in page.inner_text("#baselines-table"), timeout=30)
    assert "majority" in page.inner_text("#baselines-table") and "macro_f1" in page.inner_text("#baselines-table")
    page.screenshot(path=str(SHOTS / "honest-baselines.png"), full_page=True)


def test_the_imbalance_lesson_and_the_options_show(page):
    page.get_by_role("tab", name="Honest numbers").click()
    page.click("#imbalance-run")
    assert wait_for(lambda: "Always answering it" in page.inner_text("#imbalance-headline"), timeout=30)
    page.click("#leakage-run")
    assert wait_for(lambda: "nothing can leak" in page.inner_text("#leakage-headline"), timeout=30)
    assert "data/names/<Language>.txt" in page.inner_text("#leakage-headline")  # not swallowed as a tag
    page.screenshot(path=str(SHOTS / "honest-lessons.png"), full_page=True)
    page.get_by_text("Make it stronger: options").click()
    assert wait_for(lambda: "one-hot times a matrix" in page.inner_text("#options"))
    page.screenshot(path=str(SHOTS / "options.png"))
