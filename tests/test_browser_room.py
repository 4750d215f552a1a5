"""A room in the browser, each person in a browser context of their own: an instructor opens a room,
three members join by its link and train tiny runs, the board follows live, a step sent from the
board arrives as a banner (no jump until its button is pressed), an outsider gets nothing, and a room
left idle expires (the server runs with RNN_NAMES_ROOM_IDLE_S=120)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from app_server import free_port, reachable
from conftest import ROOT
from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)

IDLE_S = 120
TINY = "epochs=1&hidden=8&layers=1"  # share_url's keys: a run of a few seconds on the default table
MEMBERS = {"ana": "gru", "ben": "rnn", "<i>cy</i>": "gru"}  # nickname -> cell; HTML in a name stays text


@pytest.fixture(scope="module")
def room_url():
    """`python app.py` with a short idle timeout for rooms (a fresh server: rooms are its memory)."""
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False", "RNN_NAMES_ROOM_IDLE_S": str(IDLE_S)}
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        assert wait_for(lambda: reachable(url), timeout=240, step=0.5), "app.py did not start within 240 s"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)



def open_page(browser, url: str, query: str = "", width: int = 1300):  # noqa: F811
    """A new browser context (its own cookies and session) at the app, once the page is drawn."""
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    page.goto(url + query)
    page.wait_for_selector("#train-btn", timeout=120_000)
    return page


def open_instructor_side(page) -> None:
    if not page.locator("#room-code").is_visible():
        page.click("#room-panel > button")
    page.locator("#room-instructor > button").click()
    page.wait_for_selector("#room-open", state="visible")


def box(page, elem_id: str):
    """A gr.Textbox's field: an input for a one-line box, else a textarea."""
    return page.locator(f"#{elem_id} input, #{elem_id} textarea").first


def board_text(page) -> str:
    return page.inner_text("#room-board-view") if page.locator("#room-board-view").is_visible() else ""


def run_statuses(page) -> list[str]:
    """The runs table's status column, as shown."""
    cells = page.locator("#room-runs [data-testid$='-6']")  # data-testid="cell-ROW-COLUMN"
    return [cells.nth(i).inner_text().strip() for i in range(cells.count())][1:]  # the header's cell first


def shot(page, selector: str, name: str) -> None:
    """A screenshot of one element: the page's, clipped to it (an element screenshot waits for it to
    hold still, which a board that redraws may never do under load)."""
    element = page.locator(selector).first
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    scroll = page.evaluate("window.scrollY")
    page.screenshot(path=str(SHOTS / name), full_page=True, timeout=90_000,
                    clip={**box, "y": box["y"] + scroll})


def show_board(page, key: str) -> None:
    open_instructor_side(page)
    box(page, "room-key").fill(key)
    page.click("#room-show")
    page.wait_for_selector("#room-board-view svg", timeout=60_000)


def test_a_room_of_three_trains_and_the_instructor_watches_and_sends_a_step(browser, room_url):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    # The pages that need no code first: the room's clock starts once it opens.
    outsider = open_page(browser, room_url, f"?{TINY}")  # never joins
    dark = open_page(browser, room_url, "?__theme=dark")
    narrow = open_page(browser, room_url, width=390)
    teacher = open_page(browser, room_url)
    open_instructor_side(teacher)
    teacher.click("#room-open")
    assert wait_for(lambda: "Room code:" in teacher.inner_text("#room-opened"), timeout=60)
    opened = teacher.inner_text("#room-opened")
    code, key = re.search(r"Room code: (\w+)", opened)[1], re.search(r"instructor key[^:]*: (\S+)", opened)[1]
    assert f"?room={code}" in opened
    assert teacher.locator("#room-board").is_visible()

    # Each member opens the room's link with tiny settings; the code is filled in and the panel open.
    members = {}
    for nickname, cell in MEMBERS.items():
        page = open_page(browser, room_url, f"?room={code}&{TINY}&cell={cell}")
        assert wait_for(lambda page=page: box(page, "room-code").input_value() == code, timeout=60)
        assert "Never your names table" in page.inner_text("#room-panel")  # says what is shared before joining
        box(page, "room-nickname").fill(nickname)
        page.click("#room-join")
        assert wait_for(lambda page=page: "Joined room" in page.inner_text("#room-status"), timeout=60)
        members[nickname] = page

    # The board follows without a click: three members, none trained yet.
    assert wait_for(lambda: "3 members" in board_text(teacher), timeout=30), board_text(teacher)
    assert "Not trained yet: ana, ben, <i>cy</i>" in board_text(teacher)  # the tags shown as text
    assert teacher.locator("#room-board-view i").count() == 0 or \
        teacher.locator("#room-board-view .room-legend i").count() == teacher.locator("#room-board-view i").count()

    for page in members.values():
        page.click("#train-btn")
    outsider.click("#train-btn")
    assert wait_for(lambda: run_statuses(teacher).count("finished") == 3, timeout=300), run_statuses(teacher)
    assert wait_for(lambda: teacher.locator("#room-board-view polyline").count() == 3, timeout=10)
    text = board_text(teacher)
    assert "Not trained yet: nobody" in text and "Training now: nobody" in text
    assert re.search(r"gru\s+\d+\.\d% ± \d+\.\d%\s+2\s+2", text) and re.search(r"rnn\s+\d+\.\d%\s+1\s+1", text), text
    shot(teacher, "#room-board", "room-board.png")

    for name, page in (("room-board-dark.png", dark), ("room-board-390.png", narrow)):
        show_board(page, key)  # the key opens the board again in another page
        assert wait_for(lambda page=page: page.locator("#room-board-view polyline").count() == 3, timeout=30)
        shot(page, "#room-board", name)

    # Send the room to a lesson step: a banner with a button, the page stays where it was until pressed.
    teacher.click("#room-step input")
    teacher.get_by_role("option", name=re.compile("Packing")).first.click()
    teacher.click("#room-send")
    assert wait_for(lambda: "Sent: step packing" in teacher.inner_text("#room-sent"), timeout=30)
    ana = members["ana"]
    assert wait_for(lambda: ana.locator("#room-banner").is_visible(), timeout=30)
    assert "Your instructor sent you to: step packing" in ana.inner_text("#room-banner")
    assert ana.get_by_role("tab", selected=True).first.inner_text().strip() != "Lesson"  # no jump
    shot(ana, "#room-banner", "room-banner.png")
    ana.click("#room-banner-open")
    assert wait_for(lambda: "Packing" in ana.inner_text("#lesson-title"), timeout=30)
    assert ana.get_by_role("tab", selected=True).first.inner_text().strip() == "Lesson"
    assert wait_for(lambda: not ana.locator("#room-banner").is_visible(), timeout=10)  # opened: the banner goes
    assert all(p.locator("#room-banner").is_visible() for name, p in members.items() if name != "ana")
    assert not outsider.locator("#room-banner").is_visible()  # a non-member hears nothing...

    # ...and cannot read the board with the code (only the key opens it).
    open_instructor_side(outsider)
    box(outsider, "room-key").fill(code)
    outsider.click("#room-show")
    assert wait_for(lambda: "No open room has this instructor key" in outsider.inner_text("#room-opened"), timeout=30)
    assert not outsider.locator("#room-board").is_visible()
    outsider.screenshot(path=str(SHOTS / "room-refused.png"))
    for page in [teacher, *members.values(), outsider, dark, narrow]:
        page.context.close()


def test_a_room_left_idle_expires_on_the_board_and_for_a_late_joiner(browser, room_url):  # noqa: F811
    teacher = open_page(browser, room_url)
    open_instructor_side(teacher)
    teacher.click("#room-open")
    assert wait_for(lambda: "Room code:" in teacher.inner_text("#room-opened"), timeout=60)
    code = re.search(r"Room code: (\w+)", teacher.inner_text("#room-opened"))[1]
    assert wait_for(lambda: "0 members" in board_text(teacher), timeout=30)
    late = open_page(browser, room_url, f"?room={code}")
    time.sleep(IDLE_S)
    assert wait_for(lambda: "expired" in board_text(teacher), timeout=30), board_text(teacher)
    box(late, "room-nickname").fill("late")
    late.click("#room-join")
    assert wait_for(lambda: "No open room has this code" in late.inner_text("#room-status"), timeout=30)
    assert "expired" in late.inner_text("#room-status")
    shot(teacher, "#room-board", "room-expired.png")
    for page in (teacher, late):
        page.context.close()
