"""Honest numbers in a real browser: the baselines beside the model, the lessons and their copies (each
pressed once in a fresh page), the options."""

import re

import pytest
from test_browser_plots import assert_painted

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
    assert wait_for(lambda: "Always answering" in page.inner_text("#imbalance-headline"), timeout=30)
    page.click("#leakage-run")
    assert wait_for(lambda: "nothing can leak" in page.inner_text("#leakage-headline"), timeout=30)
    assert "data/names/<Language>.txt" in page.inner_text("#leakage-headline")  # not swallowed as a tag
    page.screenshot(path=str(SHOTS / "honest-lessons.png"), full_page=True)
    page.get_by_text("Make it stronger: options").click()
    assert wait_for(lambda: "one-hot times a matrix" in page.inner_text("#options"))
    page.screenshot(path=str(SHOTS / "options.png"))


def percents(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"(\d+\.\d)%", text)]


def test_the_repeated_names_copy_inflates_the_wrong_order_on_the_first_press(page):
    page.get_by_role("tab", name="Honest numbers").click()
    page.click("#leakage-demo")  # the only click: a fresh page, no lesson run before
    assert wait_for(lambda: "listed 2 to 4 times" in page.inner_text("#leakage-headline"), timeout=40)
    text = page.inner_text("#leakage-headline")
    leaky, honest = map(float, re.search(r"reads (\d+\.\d)% against (\d+\.\d)%", text).groups())
    assert leaky > honest + 10 and "memory, not skill" in text
    rows = page.locator("#leakage-overall [data-testid^='cell-']").all_inner_texts()
    assert "honest" in rows and "leaky" in rows  # the table beside the headline has both splits
    page.screenshot(path=str(SHOTS / "honest-leakage-demo.png"), full_page=True)


def test_the_long_tailed_copy_paints_both_plots_and_a_moving_curve_on_the_first_press(page):
    page.get_by_role("tab", name="Honest numbers").click()
    page.click("#imbalance-demo")  # the only click: a fresh page, no lesson run before
    assert wait_for(lambda: "Taking it out" in page.inner_text("#imbalance-headline"), timeout=60)
    majority_accuracy, majority_macro, acc_0, acc_1, macro_0, macro_1 = percents(page.inner_text("#imbalance-headline"))
    assert majority_accuracy > majority_macro and macro_1 > macro_0 and acc_1 < acc_0
    assert_painted(page, "imbalance-curve", "honest-demo-curve")
    assert_painted(page, "imbalance-counts", "honest-demo-counts", at_least=1000)
    assert bar_axis_starts_at_zero(page)
    page.screenshot(path=str(SHOTS / "honest-imbalance-demo.png"), full_page=True)


def bar_axis_starts_at_zero(page) -> bool:
    """The names-per-language bars' y axis is labelled from 0 (not from the smallest count)."""
    labels = page.locator("#imbalance-counts .role-axis-label text").all_text_contents()
    return "0" in labels


def test_the_balanced_default_table_has_bars_from_zero(page):
    page.get_by_role("tab", name="Honest numbers").click()
    page.click("#imbalance-run")
    assert wait_for(lambda: "balanced" in page.inner_text("#imbalance-headline"), timeout=40)
    assert_painted(page, "imbalance-counts", "honest-default-counts", at_least=2000)
    assert bar_axis_starts_at_zero(page)
