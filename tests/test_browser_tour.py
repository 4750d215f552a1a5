"""Defects a newcomer's tour of the page found (issue 34), each seen in the page as the newcomer saw it."""

from test_browser import browser, page, wait_for  # noqa: F401


def test_step_through_before_load_says_to_load_first(page):  # noqa: F811
    page.get_by_role("tab", name="Watch it think", exact=True).click()
    page.click("#step-next")
    assert wait_for(lambda: "Nothing to step through yet" in page.inner_text("#step-header"), timeout=30)


def test_lesson_step_11_opens_gradients_through_time(page):  # noqa: F811
    page.get_by_role("tab", name="Lesson", exact=True).click()
    page.locator("#lesson-steps").get_by_label("11. Why gated cells").check()
    view = page.locator("#lesson-view")
    assert wait_for(lambda: "Gradients through time" in view.inner_text(), timeout=30)
    view.click()
    selected = page.locator("[role=tab][aria-selected=true]:visible")
    assert wait_for(lambda: "Gradients through time" in selected.all_inner_texts(), timeout=30), \
        selected.all_inner_texts()


def test_picking_an_architecture_keeps_the_answering_models_code(page):  # noqa: F811
    assert wait_for(lambda: "Answering: the shipped" in page.inner_text("#answering"), timeout=60)
    page.locator("#arch").get_by_label("Bidirectional", exact=False).check()
    page.wait_for_timeout(1500)
    code = page.inner_text("#model-code")
    assert "class StackedRNN" in code and "class BidirectionalRNN" not in code
