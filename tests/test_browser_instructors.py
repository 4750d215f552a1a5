"""A few links of the instructors' kit (workshop/INSTRUCTORS.md) opened as a learner opens them: the
Lesson tab at the row's step, the training panel set as the link says, no note about changed values."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from test_browser_links import number_box
from test_instructors import kit_links

from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)

CHECKED = (2, 7, 11)  # a hand-written loop, a bidirectional model, the plain RNN of the last step
NUMBER_BOXES = {"hidden": "Hidden size", "layers": "Layers", "epochs": "Epochs"}


@pytest.mark.parametrize("number, title, link", [row for row in kit_links() if row[0] in CHECKED],
                         ids=[f"step-{n}" for n in CHECKED])
def test_a_kit_link_opens_its_step_with_its_settings(browser, app_server, number, title, link):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(app_server.url + link.lstrip("/"))
        page.wait_for_selector("#train-btn", timeout=60_000)
        assert wait_for(lambda: f"{number}. {title}" in page.inner_text("#lesson-title")
                        and page.locator("#lesson-run").is_visible(), timeout=30), page.inner_text("#lesson-title")
        query = dict(parse_qsl(urlsplit(link).query))
        for radio in ("arch", "cell"):
            assert wait_for(lambda radio=radio: page.locator(f"#{radio} input[value='{query[radio]}']").is_checked())
        for key, label in NUMBER_BOXES.items():
            assert number_box(page, label) == query[key], key
        assert page.inner_text("#link-note").strip() == ""
        page.screenshot(path=str(SHOTS / f"kit-step-{number}.png"))
    finally:
        page.close()
