"""Deep and share links as an instructor hands them out, each in a fresh page: every value is checked on
load with a note naming the field, the page scrolls to the lesson step a link opens, every option
travels in the link and comes back equal, and the lesson's step leaves the address bar with the lesson."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest

from link_values import CHOSEN
from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)

HEIGHT = 900


@pytest.fixture
def fresh(browser, app_server):  # noqa: F811
    """open(query): a new page at the app's URL + query, once the page's load event has filled the controls."""
    pages = []

    def open_page(query: str, **options):
        page = browser.new_page(viewport={"width": 1400, "height": HEIGHT}, **options)
        pages.append(page)
        page.goto(app_server.url + query)
        page.wait_for_selector("#train-btn", timeout=60_000)
        return page

    SHOTS.mkdir(parents=True, exist_ok=True)
    yield open_page
    for page in pages:
        page.close()


def number_box(page, label: str) -> str:
    """What a number box or a slider's number box shows."""
    return page.locator(f"input[aria-label='number input for {label}'], input[aria-label='{label}']").first.input_value()


def query(page) -> dict:
    return dict(parse_qsl(page.evaluate("location.search").lstrip("?")))


def selected_tab(page) -> str:
    return page.get_by_role("tab", selected=True).first.inner_text().strip()


def test_a_link_with_values_out_of_range_is_clamped_named_and_scrolled_to_its_step(fresh):
    page = fresh("?layers=0&epochs=9999&lr=-1&hidden=abc&arch=foo&cell=[log in](http://evil.example)&step=packing")
    assert wait_for(lambda: "layers 0 is below 1" in page.inner_text("#link-note"), timeout=30)
    note = page.inner_text("#link-note")
    for part in ("layers 0 is below 1: set to 1", "epochs 9999 is above 200: set to 200", "lr -1 is below 0: set to 0",
                 "hidden 'abc' is not a number: kept 128", "arch 'foo' is not one of manual, stacked, bidirectional",
                 "cell '[log in](http://evil.example)' is not one of rnn, gru, lstm"):
        assert part in note, note
    assert page.locator("#link-note a").count() == 0  # the link's text is shown, never made a link
    assert [number_box(page, label) for label in ("Layers", "Epochs", "Learning rate (Adam)", "Hidden size")] == \
        ["1", "200", "0", "128"]
    assert page.locator("#arch input[value='stacked']").is_checked()  # the default stays
    # The page opened the lesson at its step and scrolled to it (the tabs start ~1,100 px down).
    assert wait_for(lambda: "Packing" in page.inner_text("#lesson-title"), timeout=20)
    assert wait_for(lambda: page.evaluate("window.scrollY") > 500, timeout=20)
    title = page.locator("#lesson-title").first.bounding_box()
    tab = page.get_by_role("tab", name="Lesson").bounding_box()
    assert 0 <= tab["y"] and title["y"] + title["height"] <= HEIGHT, (tab, title)
    # The address bar now holds what the controls hold: a link copied from it needs no note.
    assert {k: query(page)[k] for k in ("layers", "epochs", "lr", "step")} == \
        {"layers": "1", "epochs": "200", "lr": "0", "step": "packing"}
    page.screenshot(path=str(SHOTS / "link-step.png"))
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "link-note.png"))


def test_a_link_clamped_to_a_tiny_run_trains(fresh):
    page = fresh("?layers=0&epochs=0&lr=-1&hidden=8&batch=9999&step=nope")
    assert wait_for(lambda: "epochs 0 is below 1" in page.inner_text("#link-note"), timeout=30)
    note = page.inner_text("#link-note")
    assert "batch 9999 is above 2048: set to 2048" in note and "step 'nope' is not a lesson step" in note
    assert selected_tab(page) != "Lesson" and page.evaluate("window.scrollY") == 0  # no step: nothing opened
    page.click("#train-btn")
    assert wait_for(lambda: "Finished after 1 epochs" in page.inner_text("#status"), timeout=120), \
        page.inner_text("#status")
    assert "Value 0 is less than minimum" not in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "link-trained.png"))


def test_every_option_travels_in_the_link_and_comes_back_equal(fresh):
    chosen = {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in CHOSEN.items()}
    page = fresh("?" + urlencode(chosen))
    # The controls took the link's values (the options are in the accordion), and wrote them back.
    assert wait_for(lambda: number_box(page, "Hidden size") == "64", timeout=30)
    assert page.inner_text("#link-note").strip() == ""
    page.click("#options")
    assert number_box(page, "Embedding size (0: one-hot straight in)") == "16"
    assert number_box(page, "Average the weights (0: off; e.g. 0.998)") == "0.998"
    assert wait_for(lambda: query(page) == chosen, timeout=10), query(page)
    link = page.evaluate("location.href")
    again = fresh(link[link.index("?"):])  # the copied link, in a new page
    assert wait_for(lambda: number_box(again, "Hidden size") == "64", timeout=30)
    assert wait_for(lambda: query(again) == chosen, timeout=10) and again.inner_text("#link-note").strip() == ""


def test_the_step_leaves_the_address_bar_with_the_lesson(fresh):
    page = fresh("?step=packing&hidden=64")
    assert wait_for(lambda: "Packing" in page.inner_text("#lesson-title"), timeout=30)
    assert wait_for(lambda: query(page).get("step") == "packing", timeout=10)
    page.get_by_role("tab", name="Compare").click()
    assert wait_for(lambda: "step" not in query(page), timeout=10), query(page)
    page.locator("input[aria-label='number input for Epochs']").fill("3")
    page.keyboard.press("Enter")
    assert wait_for(lambda: query(page).get("epochs") == "3", timeout=10)
    assert "step" not in query(page) and query(page)["hidden"] == "64"  # the settings' link has no step
    page.get_by_role("tab", name="Lesson").click()  # back in the lesson: its step is back
    assert wait_for(lambda: query(page).get("step") == "packing", timeout=10), query(page)
    page.click("#lesson-view")  # the step's full view is another tab
    assert wait_for(lambda: selected_tab(page) == "Padding & packing", timeout=20)
    assert wait_for(lambda: "step" not in query(page), timeout=10), query(page)
    page.get_by_role("tab", name="Lesson").click()
    page.locator("#lesson-steps").get_by_label("12. Change it and see what breaks").check()
    assert wait_for(lambda: query(page).get("step") == "intervene", timeout=10)
    assert wait_for(lambda: page.inner_text("#lesson-next").strip() == "Finish: check yourself →", timeout=20)
    page.click("#lesson-next")  # the lesson is finished: the quiz, and no step
    assert wait_for(lambda: selected_tab(page) == "Check yourself", timeout=20)
    assert wait_for(lambda: "step" not in query(page), timeout=10), query(page)
    assert query(page)["epochs"] == "3"
