"""Change it (issue 26): each intervention, pressed once in a fresh page, draws its plots and says
what changed; a value the model cannot take gets its message, not a traceback."""

from __future__ import annotations

import pytest
from test_browser_plots import assert_painted, open_why

from test_browser import browser, wait_for  # noqa: F401  (browser: the shared fixture)


@pytest.fixture
def page(browser, app_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_server.url)
    page.wait_for_selector("#train-btn", timeout=60_000)
    open_why(page, "Change it")
    yield page
    page.close()


def summary(page) -> str:
    return page.inner_text("#intervene-summary")


def test_knocking_out_the_selective_units_draws_before_and_after(page):
    page.click("#intervene-run")
    assert wait_for(lambda: "validation names" in summary(page), timeout=60)
    text = summary(page)
    assert "held at 0" in text and "accuracy" in text and "correlation" in text
    for plot in ("intervene-per-label", "intervene-letters", "intervene-path"):
        assert_painted(page, plot, plot)
    # The per-language bars are the change; the table beside them keeps both figures.
    table = page.inner_text("#intervene-table")
    assert "before" in table and "after" in table
    assert "lost" in page.locator("#intervene-per-label .role-legend").first.text_content()


def test_clamping_the_update_gate_freezes_the_state(page):
    page.get_by_label("Clamp a gate").check()
    page.click("#intervene-run")
    assert wait_for(lambda: "gate z = 1 from letter 3" in summary(page), timeout=60)
    assert_painted(page, "intervene-path", "intervene-path-clamp")


def test_scaling_the_recurrence_draws_the_gradient_curves(page):
    page.get_by_label("Scale the recurrence").check()
    page.click("#intervene-run")
    assert wait_for(lambda: "Largest singular value" in summary(page), timeout=90)
    assert "W_hh × 0.5" in summary(page)
    assert_painted(page, "intervene-gradient", "intervene-gradient")


def test_a_unit_out_of_range_says_which_are_valid(page):
    page.fill("#intervene-units textarea", "999")
    page.click("#intervene-run")
    assert wait_for(lambda: "units 0–127" in page.inner_text("body"), timeout=30)


def test_cells_side_by_side_draws_three_cells_at_the_same_letter(page):
    page.get_by_role("tab", name="Cells side by side").click()
    page.click("#cells-run")
    assert wait_for(lambda: "Letter 1 'k'" in page.inner_text("#cells-gru"), timeout=40)
    for cell, gate in (("rnn", "a"), ("gru", "z"), ("lstm", "f")):
        text = page.inner_text(f"#cells-{cell}")
        assert cell.upper() in text and f"{gate}: mean" in text and "So far:" in text, text
    assert "z ⊙ h_{t-1}" in page.inner_text("#cells-gru") and "f ⊙ c_{t-1}" in page.inner_text("#cells-lstm")
    assert_painted(page, "cells-plot", "cells-plot")
    assert page.inner_text("#cells-word mark") == "k"
