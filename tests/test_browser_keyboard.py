"""The step-through, the lesson and the quiz driven from the keyboard alone (issue 27): after the page
has loaded, nothing is clicked; a control is reached by focus and pressed with a key, and each key's
effect is read off the page."""

import re
import time

import pytest

from rnn_demo.lesson.quiz import QUESTION_ORDER
from rnn_demo.lesson.steps import STEPS

from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)

N = len(QUESTION_ORDER)  # the quiz's length


@pytest.fixture
def page(browser, app_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # a fresh context: no saved quiz
    page.goto(app_server.url)
    page.wait_for_selector("#train-btn", timeout=60_000)
    time.sleep(0.5)  # the page's load event (link, quiz, kept work) has run: it must not move a step back
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    page.close()


def open_tab(page, name):
    """A tab opened as a keyboard user opens it: focus its button, press Enter."""
    tab = page.get_by_role("tab", name=name, exact=True)
    tab.focus()
    page.keyboard.press("Enter")
    assert wait_for(lambda: tab.get_attribute("aria-selected") == "true", timeout=20), f"{name} did not open"


def step_number(page) -> int:
    match = re.search(r"Step (\d+) of", page.inner_text("#step-header"))
    return int(match.group(1)) if match else 0


def total_steps(page) -> int:
    match = re.search(r"Step \d+ of (\d+)", page.inner_text("#step-header"))
    return int(match.group(1)) if match else 0


def letter(page) -> str:
    """The step indicator's letter: "letter 3 'w'"."""
    match = re.search(r"letter \d+ '.'", page.inner_text("#step-header"))
    return match.group(0) if match else ""


def stays_still(page) -> int:
    """The step once it holds still for 1.5 s (ticks already on their way land first: on a busy machine
    more than one); fails if it keeps moving for 15 s, as it would if the pause did nothing."""
    deadline = time.time() + 15
    while time.time() < deadline:
        before = step_number(page)
        time.sleep(1.5)
        if step_number(page) == before:
            return before
    raise AssertionError(f"the steps kept moving after pause: {page.inner_text('#step-header')}")


def test_the_step_through_steps_plays_and_pauses_from_the_keyboard(page):
    open_tab(page, "Watch it think")
    open_tab(page, "Step through a name")
    page.locator("#step-name textarea").focus()
    page.keyboard.press("Enter")  # Enter in the name box loads it
    assert wait_for(lambda: step_number(page) == 1, timeout=20)
    assert letter(page) == "letter 1 'k'"
    page.locator("#step-next").focus()
    page.keyboard.press("ArrowRight")
    assert wait_for(lambda: step_number(page) == 2, timeout=20), page.inner_text("#step-header")
    page.keyboard.press("ArrowRight")
    assert wait_for(lambda: step_number(page) == 3, timeout=20)
    page.keyboard.press("ArrowLeft")
    assert wait_for(lambda: step_number(page) == 2, timeout=20)
    page.keyboard.press("Enter")  # Enter presses the button in focus (Next)
    assert wait_for(lambda: step_number(page) == 3, timeout=20)
    assert letter(page) == "letter 3 'w'"  # the letter indicator moved on with the step
    page.keyboard.press("k")  # play: the steps advance on their own
    assert wait_for(lambda: step_number(page) >= 5, timeout=20), page.inner_text("#step-header")
    page.keyboard.press("k")  # pause: they stop
    paused_at = stays_still(page)
    # On a busy machine the ticks already on their way may carry it to the last step, where Play has
    # nothing left to play: step back (ArrowLeft, still the keyboard) until three steps are left.
    while total_steps(page) - paused_at < 3:
        page.keyboard.press("ArrowLeft")
        assert wait_for(lambda at=paused_at: step_number(page) == at - 1, timeout=20), page.inner_text("#step-header")
        paused_at -= 1
    # Space plays too, even on the Pause button: the row's Space is play / pause, never the button in focus
    # (a native press of Pause would stop the playing at once).
    page.locator("#step-pause").focus()
    page.keyboard.press(" ")
    assert wait_for(lambda: step_number(page) >= paused_at + 2, timeout=20), page.inner_text("#step-header")
    page.keyboard.press(" ")  # and pauses
    stays_still(page)
    page.screenshot(path=str(SHOTS / "keyboard-step.png"))


def test_the_lesson_moves_on_and_back_from_the_keyboard(page):
    open_tab(page, "Lesson")
    title = page.locator("#lesson-title")
    assert STEPS[0].title in title.inner_text()
    page.locator("#lesson-next").focus()
    for key, index in (("n", 1), ("ArrowRight", 2), ("p", 1), ("ArrowLeft", 0), ("Enter", 1)):
        page.keyboard.press(key)
        assert wait_for(lambda index=index: f"{index + 1}. {STEPS[index].title}" in title.inner_text(), timeout=20), \
            f"after {key}: {title.inner_text()}"
    assert wait_for(lambda: f"step={STEPS[1].slug}" in page.evaluate("location.search"))
    # In the experiment's box a letter is text, never a shortcut.
    page.locator("#lesson-input textarea").focus()
    page.keyboard.press("n")
    time.sleep(1.0)
    assert STEPS[1].title in title.inner_text()
    page.screenshot(path=str(SHOTS / "keyboard-lesson.png"))


def test_a_quiz_question_is_answered_and_checked_from_the_keyboard(page):
    open_tab(page, "Check yourself")
    prompt, feedback = page.locator("#quiz-prompt"), page.locator("#quiz-feedback")
    assert wait_for(lambda: f"1 of {N}" in prompt.inner_text(), timeout=20)
    page.locator("#quiz-next").focus()
    page.keyboard.press("n")  # the next question: one with choices
    assert wait_for(lambda: f"2 of {N}" in prompt.inner_text(), timeout=20), prompt.inner_text()
    choices = page.locator("#quiz-choice input[type='radio']")
    assert wait_for(lambda: choices.count() == 4, timeout=20)
    choices.first.focus()
    page.keyboard.press("ArrowDown")  # the arrow keys move through the choices and pick one
    assert wait_for(lambda: choices.nth(1).is_checked())
    assert feedback.inner_text().strip() == ""  # picking is not answering
    page.keyboard.press("Enter")  # Enter checks the picked answer
    assert wait_for(lambda: "Right." in feedback.inner_text() or "Not quite." in feedback.inner_text(), timeout=20), \
        feedback.inner_text()
    assert wait_for(lambda: "(1 answered)" in page.inner_text("#quiz-score"), timeout=20)
    page.locator("#quiz-back").focus()
    page.keyboard.press("p")
    assert wait_for(lambda: f"1 of {N}" in prompt.inner_text(), timeout=20)
    page.screenshot(path=str(SHOTS / "keyboard-quiz.png"))
