"""Lesson mode, the quiz, the examples and a phone's width, in a real browser; screenshots to look at."""

import json
import time
import urllib.request

import pytest

from rnn_demo.lesson import STEPS
from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)


@pytest.fixture
def page(browser, app_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    page.close()


def open_app(page, url):
    page.goto(url)
    page.wait_for_selector("#train-btn", timeout=60_000)


def test_walk_the_lesson_from_the_first_step_to_the_last(page, app_server):
    open_app(page, app_server.url + f"?step={STEPS[0].slug}")
    for i, step in enumerate(STEPS):
        run = page.locator(f"#lesson-run-{step.slug}")
        assert wait_for(lambda: run.is_visible(), timeout=20), f"step {step.slug} did not open"
        assert step.title in page.inner_text("#lesson")
        run.click()
        result = page.locator(f"#lesson-result-{step.slug}")
        assert wait_for(lambda: len(result.inner_text().strip()) > 20, timeout=30), f"no result at {step.slug}"
        page.screenshot(path=str(SHOTS / f"lesson-{i + 1:02d}-{step.slug}.png"), full_page=True)
        if i < len(STEPS) - 1:
            page.click(f"#lesson-next-{step.slug}")
            assert wait_for(lambda: f"step={STEPS[i + 1].slug}" in page.url), page.url


def test_the_padding_step_shows_the_padded_shape_and_a_bad_input_gets_a_message(page, app_server):
    open_app(page, app_server.url + "?step=padding")
    page.fill("#lesson-input-padding textarea", "Li, Nakamura, Schwarzenegger")
    page.click("#lesson-run-padding")
    assert wait_for(lambda: "(3, 14, 31)" in page.inner_text("#lesson-result-padding"), timeout=20)
    page.fill("#lesson-input-padding textarea", "12345")
    page.click("#lesson-run-padding")
    assert wait_for(lambda: "no letters" in page.inner_text("body"), timeout=20)
    assert "(3, 14, 31)" in page.inner_text("#lesson-result-padding")  # the last result stays


def test_the_quiz_checks_hides_the_answer_and_keeps_the_score_after_a_reload(page, app_server):
    open_app(page, app_server.url)
    page.get_by_role("tab", name="Check yourself").click()
    assert wait_for(lambda: "Score: 0 of 19 right (0 answered)" in page.inner_text("#quiz-score"), timeout=20)
    question = page.locator("#quiz-why-pack").first  # a Group carries its id on two nested elements
    assert "Right." not in question.inner_text() and "Not quite." not in question.inner_text()
    question.get_by_label("To make the one-hot vectors smaller").check()
    page.click("#quiz-check-why-pack")
    assert wait_for(lambda: "Not quite." in page.inner_text("#quiz-feedback-why-pack"), timeout=20)
    assert "0 of 19 right (1 answered)" in page.inner_text("#quiz-score")
    question.get_by_label("So each name's recurrence stops at its own last letter and padding never reaches its state").check()
    page.click("#quiz-check-why-pack")
    assert wait_for(lambda: "Right." in page.inner_text("#quiz-feedback-why-pack"), timeout=20)
    assert wait_for(lambda: "1 of 19 right (1 answered)" in page.inner_text("#quiz-score"))
    page.screenshot(path=str(SHOTS / "quiz-answered.png"), full_page=True)
    open_app(page, app_server.url)  # a reload: the score comes back from the browser's storage
    page.get_by_role("tab", name="Check yourself").click()
    assert wait_for(lambda: "1 of 19 right (1 answered)" in page.inner_text("#quiz-score"), timeout=20)
    page.screenshot(path=str(SHOTS / "quiz-after-reload.png"), full_page=True)


def test_clicking_an_example_classifies_it(page, app_server):
    open_app(page, app_server.url)
    page.get_by_role("button", name="Kowalski", exact=True).click()
    assert wait_for(lambda: "Top 5 for 'Kowalski'" in page.inner_text("#prediction"), timeout=20)
    assert "Polish" in page.inner_text("#prediction")
    page.screenshot(path=str(SHOTS / "example-clicked.png"))


def test_at_a_phones_width_pick_train_watch_and_classify_work(browser, app_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        open_app(page, app_server.url + "?epochs=2&hidden=16")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 400  # nothing wider than the phone
        page.get_by_label("Bidirectional nn.RNN — reads the name both ways").check()
        page.click("#train-btn")
        assert wait_for(lambda: "Finished after 2 epochs" in page.inner_text("#status"), timeout=120)
        assert page.locator("#loss-plot .mark-line path").count() >= 1
        page.fill("#name-input textarea", "Nakamura")
        assert wait_for(lambda: "Top 5 for 'Nakamura'" in page.inner_text("#prediction"), timeout=20)
        page.screenshot(path=str(SHOTS / "phone-trained.png"), full_page=True)
    finally:
        page.close()


def test_classify_is_listed_as_an_mcp_tool(app_server):
    tools = json.loads(urllib.request.urlopen(app_server.url + "gradio_api/mcp/schema", timeout=30).read())
    classify = next(tool for tool in tools if tool["name"] == "classify")
    assert "language" in classify["description"]
    assert classify["inputSchema"]["required"] == ["name"]
