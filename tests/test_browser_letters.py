"""The quiz's hint followed in a real browser: type the name it gives in Letter by letter and read the
row it names; the largest figure there is under the language the quiz counts as right (for the shipped
model Korean, which is not one of the whole name's top 5). At a phone's width the row names stay beside
the cells while the map scrolls sideways to that figure."""

from __future__ import annotations

import re

import pytest

from rnn_demo.checkpoints import load_checkpoint
from rnn_demo.lesson.quiz import questions

from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)

READ_ROW = """(row) => {
  const rows = Array.from(document.querySelectorAll('#letters-probs tr'));
  const header = Array.from(rows[0].querySelectorAll('th')).map(th => th.innerText.trim());  // the corner is a td
  const tr = rows.find(r => r.querySelector('th').innerText.trim() === row);
  return Object.fromEntries(Array.from(tr.querySelectorAll('td')).map((td, i) => [header[i], td.innerText.trim()]));
}"""


def open_letters(browser, app_server, theme: str, width: int, name: str):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(app_server.url + ("?__theme=dark" if theme == "dark" else ""))
    page.wait_for_selector("#train-btn", timeout=60_000)
    page.get_by_role("tab", name="Letter by letter").click()  # at 1400 px every tab is in the bar
    page.set_viewport_size({"width": width, "height": 900})
    page.fill("#letters-name textarea", name)
    page.press("#letters-name textarea", "Enter")
    assert wait_for(lambda: page.locator("#letters-probs tr").count() == 1 + len(name), timeout=40)
    return page


@pytest.mark.parametrize("theme, width", [("light", 1400), ("dark", 1400), ("light", 390), ("dark", 390)])
def test_the_row_the_prefix_hint_names_shows_the_right_answer(browser, app_server, theme, width):  # noqa: F811
    question = next(q for q in questions(load_checkpoint()) if q.id == "prefix-nak")
    name, row = re.search(r"Type (\S+) in Letter by letter and read row '([^']+)'", question.hint).groups()
    page = open_letters(browser, app_server, theme, width, name)
    shown = {label: float(text.rstrip("%")) for label, text in page.evaluate(READ_ROW, row).items()}
    best = max(shown.values())
    assert [label for label, value in shown.items() if value == best] == [question.answer], shown
    # Scroll to that figure as a learner would: the row's name is still beside it.
    tr = page.locator("#letters-probs tr").filter(has=page.locator("th", has_text=re.compile(f"^{row}$")))
    cell = tr.locator("td").nth(list(shown).index(question.answer))
    cell.scroll_into_view_if_needed()
    box = page.locator("#letters-probs .scroll").bounding_box()
    name_box, cell_box = tr.locator("th").bounding_box(), cell.bounding_box()
    assert box["x"] - 0.5 <= name_box["x"] <= box["x"] + 2  # pinned at the map's left edge
    assert name_box["x"] + name_box["width"] <= cell_box["x"] + 0.5  # beside the cell, not over it
    assert cell_box["x"] + cell_box["width"] <= box["x"] + box["width"] + 0.5  # the figure is in view
    page.locator("#letters-probs").screenshot(path=str(SHOTS / f"letters-{theme}-{width}.png"))
    page.close()
