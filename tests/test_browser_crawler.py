"""Every button does what it says: a crawler finds the page's tabs, sub-tabs, buttons and mode radios
itself (no list written here), presses each button once in a fresh browser context per tab (and per
choice of a radio that changes the tab's controls), and fails on a red "Error" mark, an error toast or
a server traceback, naming the tab and the button. A button added tomorrow is pressed tomorrow.

Run it alone: python -m pytest -q tests/test_browser_crawler.py
"""

from __future__ import annotations

import time

import pytest

from test_browser import ARGS, CHROMIUM, sync_api

# Tiny training settings from the URL (ui/share_url.py's keys), so Train and the views that train finish fast.
TINY = "?epochs=2&hidden=8&batch=64&layers=1"
SETTLE_S = 45  # a press's bounded wait: long work is pressed and its first result (or error) awaited
# The app's own buttons (gr.Button, gr.DownloadButton, gr.UploadButton carry their variant as a class),
# not Gradio's tab, icon, accordion or gallery buttons.
BUTTONS = "button.primary:not([disabled]), button.secondary:not([disabled]), button.stop:not([disabled])"

# Runs in the page. The deepest tab panel on screen, or the page outside the tabs (top = true).
FIND_JS = """([top, selector]) => {
  const shown = e => !!(e.offsetParent || e.getClientRects().length);
  const panels = [...document.querySelectorAll('[role=tabpanel]')].filter(shown);
  const panel = panels.filter(p => !panels.some(q => q !== p && p.contains(q))).pop();
  const buttons = [...document.querySelectorAll(selector)].filter(shown)
      .filter(b => top ? !b.closest('[role=tabpanel]') : panel && panel.contains(b));
  return buttons.map(b => b.innerText.trim() || b.getAttribute('aria-label') || b.id);
}"""
# A "mode" radio: one whose choice changes which inputs are shown. Returns the shown inputs' ids.
SHOWN_INPUTS_JS = """() => {
  const shown = e => !!(e.offsetParent || e.getClientRects().length);
  const panels = [...document.querySelectorAll('[role=tabpanel]')].filter(shown);
  const panel = panels.filter(p => !panels.some(q => q !== p && p.contains(q))).pop();
  return panel ? [...panel.querySelectorAll('.block[id], .form > div[id], [id] > .block')].filter(shown)
                   .map(e => e.id).join(',') : '';
}"""
RADIOS_JS = """() => {
  const shown = e => !!(e.offsetParent || e.getClientRects().length);
  const panels = [...document.querySelectorAll('[role=tabpanel]')].filter(shown);
  const panel = panels.filter(p => !panels.some(q => q !== p && p.contains(q))).pop();
  return panel ? [...panel.querySelectorAll('fieldset[id]')].filter(shown).map(f =>
      [f.id, [...f.querySelectorAll('label')].map(l => l.innerText.trim())]) : [];
}"""
# What went wrong on the page: red "Error" marks on outputs and error toasts (with their text).
ERRORS_JS = """() => {
  const shown = e => !!(e.offsetParent || e.getClientRects().length);
  const marks = [...document.querySelectorAll('.error')].filter(shown)
      .filter(e => e.innerText.trim() === 'Error').length;
  const toasts = [...document.querySelectorAll('.toast-body.error, [data-testid=toast-body].error')]
      .filter(shown).map(t => t.innerText.replace(/\\s+/g, ' ').trim());
  return {marks, toasts};
}"""
BUSY_JS = """() => [...document.querySelectorAll('.progress-text, .eta-bar, .meta-text-center, .meta-text')]
    .some(e => e.offsetParent || e.getClientRects().length)"""


def tab_strips(page) -> list[list[str]]:
    """The tab names of each strip on screen, outermost first (Gradio keeps a hidden copy of each strip)."""
    return page.evaluate("""() => [...document.querySelectorAll('[role=tablist]')]
        .filter(l => l.offsetParent || l.getClientRects().length)
        .map(l => [...l.querySelectorAll('[role=tab]')].map(t => t.innerText.trim()))""")


def open_tabs(page, path: tuple[str, ...]) -> None:
    for depth, name in enumerate(path):
        strip = page.locator("[role=tablist]:visible").nth(depth)
        strip.get_by_role("tab", name=name, exact=True).click()
        page.wait_for_timeout(300)


def leaf_tabs(page) -> list[tuple[str, ...]]:
    """Every tab path (top tab, sub-tab, ...) down to a panel with no tabs inside, found by clicking."""
    paths, todo = [], [()]
    while todo:
        path = todo.pop(0)
        open_tabs(page, path)
        strips = tab_strips(page)
        if len(strips) > len(path):
            todo += [(*path, name) for name in strips[len(path)]]
        elif path:
            paths.append(path)
    return paths


def settle(page) -> None:
    """Wait (bounded) until no output shows a progress mark."""
    page.wait_for_timeout(400)
    deadline = time.time() + SETTLE_S
    while time.time() < deadline and page.evaluate(BUSY_JS):
        page.wait_for_timeout(250)


def fresh_page(browser, url: str, path: tuple[str, ...]):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(url + TINY)
    page.wait_for_selector("#train-btn", timeout=60_000)
    settle(page)
    open_tabs(page, path)
    return context, page


def press_all(browser, server, path: tuple[str, ...], mode: tuple[str, str] | None, problems: list[str]) -> int:
    """Press each button of the tab once, in page order; note what went wrong. Returns how many were pressed."""
    context, page = fresh_page(browser, server.url, path)
    where = " > ".join(path) or "(above the tabs)"
    try:
        if mode:
            page.locator(f"#{mode[0]}").get_by_label(mode[1], exact=True).check()
            settle(page)
            where += f" [{mode[1]}]"
        names = page.evaluate(FIND_JS, [not path, BUTTONS])
        for index, name in enumerate(names):
            start = len(server.output())
            buttons = page.locator(BUTTONS).filter(visible=True)
            if path:
                buttons = page.locator("[role=tabpanel]:visible").last.locator(BUTTONS).filter(visible=True)
            button = buttons.filter(has_text=name).first if name else buttons.nth(index)
            button.click(timeout=10_000)
            settle(page)
            errors = page.evaluate(ERRORS_JS)
            log = server.output(start)
            if errors["marks"] or errors["toasts"] or "Traceback" in log:
                traceback = log[log.find("Traceback"):][-600:] if "Traceback" in log else ""
                problems.append(f"{where} → {name!r}: {errors['marks']} Error mark(s), toasts {errors['toasts']}"
                                + (f", server:\n{traceback}" if traceback else ""))
                for toast in page.locator(".toast-close").all():  # so the next button's toasts are its own
                    toast.click()
        return len(names)
    finally:
        context.close()


def mode_radios(browser, url: str, path: tuple[str, ...]) -> list[tuple[str, str]]:
    """(radio id, choice) for each choice of each radio whose choice changes the inputs shown."""
    context, page = fresh_page(browser, url, path)
    try:
        modes = []
        for radio, choices in page.evaluate(RADIOS_JS):
            before = page.evaluate(SHOWN_INPUTS_JS)
            page.locator(f"#{radio}").get_by_label(choices[-1], exact=True).check()
            page.wait_for_timeout(600)
            if page.evaluate(SHOWN_INPUTS_JS) != before:
                modes += [(radio, choice) for choice in choices]
        return modes
    finally:
        context.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def test_every_button_on_every_tab_works(browser, app_server):
    context, page = fresh_page(browser, app_server.url, ())
    paths = leaf_tabs(page)
    context.close()
    assert len(paths) >= 10, paths  # the crawler found the tabs (a broken finder would pass with none)
    problems = []
    pressed = press_all(browser, app_server, (), None, problems)
    for path in paths:
        for mode in mode_radios(browser, app_server.url, path) or [None]:
            pressed += press_all(browser, app_server, path, mode, problems)
    assert pressed >= 30, pressed
    assert not problems, "\n".join(problems)
