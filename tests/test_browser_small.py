"""Small things a visitor meets, in a fresh page each: the unit explorer's letters on its x axis, Enter
in the name box, a name with no letters, and the step-through's note while no prediction exists."""

import time

import pytest

from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)

ERROR_PILLS = ".error, [data-testid='error']"


@pytest.fixture
def page(browser, app_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_server.url)
    page.wait_for_selector("#train-btn", timeout=60_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    page.close()


def text(page, selector: str) -> str:
    """The text of every element matching selector ("" while there is none)."""
    return "\n".join(page.locator(selector).all_inner_texts())


def x_ticks(page) -> list[str]:
    """The x axis's tick labels of the unit explorer's letter plot, as drawn in its SVG."""
    return page.evaluate("""() => {
        const axis = Array.from(document.querySelectorAll('#units-letters .role-axis'))
            .find(a => (a.getAttribute('aria-label') || '').startsWith('X-axis'));
        return axis ? Array.from(axis.querySelectorAll('.role-axis-label text')).map(t => t.textContent) : [];
    }""")


def test_the_unit_plot_has_the_names_letters_on_its_x_axis_in_order(page):
    page.get_by_role("tab", name="Watch it think").click()
    page.get_by_role("tab", name="Unit explorer").click()
    page.click("#units-list")  # once: it lists the units, then shows the first one on "Kowalski"
    assert wait_for(lambda: len(x_ticks(page)) == len("kowalski"), timeout=40), x_ticks(page)
    # One bar per letter, in the name's order; the two k's stay two bars.
    assert [tick.split()[-1] for tick in x_ticks(page)] == list("kowalski"), x_ticks(page)
    assert page.locator("#units-letters .mark-rect path").count() == len("kowalski")
    page.locator("#units-letters").screenshot(path=str(SHOTS / "small-units-letters.png"))


def test_enter_in_the_name_box_starts_a_new_line(page):
    box = "#name-input textarea"
    page.click(box)
    page.keyboard.type("Kim")
    page.keyboard.press("Enter")
    page.keyboard.type("Li")
    assert page.input_value(box) == "Kim\nLi"
    assert wait_for(lambda: page.locator("#many-names").is_visible(), timeout=20)
    assert wait_for(lambda: {"kim", "li"} <= set(text(page, "#many-names").lower().split()), timeout=20)
    assert "Top 5 for 'Kim'" in text(page, "#prediction")
    page.screenshot(path=str(SHOTS / "small-two-lines.png"))


def test_a_name_without_letters_gets_one_message_and_no_error_pill(page):
    box = "#name-input textarea"
    page.fill(box, "Nakamura")
    assert wait_for(lambda: "Top 5 for 'Nakamura'" in text(page, "#prediction"), timeout=20)
    page.fill(box, "1234")
    page.press(box, "Enter")
    page.press(box, "Shift+Enter")  # Gradio's submit key for a box of several lines
    assert wait_for(lambda: "'1234' has no letters" in text(page, "#prediction"), timeout=20), text(page, "#prediction")
    time.sleep(1.5)  # time for a submit event, had one been sent, to come back with its error
    assert page.locator(ERROR_PILLS).count() == 0
    assert page.locator(".toast-body").count() == 0  # no pop-up beside the message
    page.screenshot(path=str(SHOTS / "small-no-letters.png"))


def test_the_step_through_says_why_the_first_layer_has_no_prediction(page, app_server):
    # The shipped model is a 2-layer stacked GRU (checkpoints/README.md): the step-through reads it.
    page.goto(app_server.url + "?layers=2")
    page.wait_for_selector("#train-btn", timeout=60_000)
    assert "2 layer(s)" in text(page, "#answering")
    page.get_by_role("tab", name="Watch it think").click()
    page.get_by_role("tab", name="Step through a name").click()
    page.click("#step-load")
    assert wait_for(lambda: "Step 1 of 16" in text(page, "#step-header"), timeout=20)
    # The note sits under the empty prediction, in #step-states (the hidden state's norms follow it).
    note = "No prediction yet: this step is in layer 0 of a model with 2 layers"
    assert wait_for(lambda: note in text(page, "#step-states"), timeout=20), text(page, "#step-states")
    assert "The classifier reads only the top layer" in text(page, "#step-states")
    assert "a prediction appears from the steps of layer 1" in text(page, "#step-states")
    page.screenshot(path=str(SHOTS / "small-step-layer0.png"), full_page=True)
    for _ in range(len("kowalski")):  # past layer 0's eight letters: layer 1 answers
        page.click("#step-next")
    assert wait_for(lambda: "Step 9 of 16" in text(page, "#step-header"), timeout=20)
    assert wait_for(lambda: "%" in text(page, "#step-prediction"), timeout=20)
    assert "No prediction yet" not in text(page, "#step-states")
