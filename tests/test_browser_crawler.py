"""Every button does what it says: a crawler finds the page's tabs, sub-tabs, buttons and mode radios
itself (no list written here), presses each button once in a fresh browser context per tab (and per
choice of a radio that changes the tab's controls), and fails on a red "Error" mark, an error toast or
a server traceback, naming the tab and the button. A button added tomorrow is pressed tomorrow.

Run it alone: python -m pytest -q tests/test_browser_crawler.py
"""

from __future__ import annotations

import time

from test_browser import browser, sync_api  # noqa: F401  (browser: the shared fixture)

# Tiny training settings from the URL (ui/share_url.py's keys), so Train and the views that train finish fast.
TINY = "?epochs=2&hidden=8&batch=64&layers=1"
MAX_MODES = 6  # a radio of more choices picks content (a question, a lesson step), not a mode
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


def evaluate(page, script: str, arg=None):
    """page.evaluate, again once the page is back when a press reloaded it (↺ Start over does)."""
    for _ in range(3):
        try:
            return page.evaluate(script, arg)
        except sync_api.Error as err:
            if "context was destroyed" not in str(err) and "navigat" not in str(err):
                raise
            page.wait_for_selector("#train-btn", timeout=120_000)
    return page.evaluate(script, arg)


def tab_strips(page) -> list[list[str]]:
    """The tab names of each strip on screen, outermost first (Gradio keeps a hidden copy of each strip)."""
    return evaluate(page, """() => [...document.querySelectorAll('[role=tablist]')]
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
    while time.time() < deadline and evaluate(page, BUSY_JS):
        page.wait_for_timeout(250)


def fresh_page(browser, url: str, path: tuple[str, ...]):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(url + TINY)
    page.wait_for_selector("#train-btn", timeout=60_000)
    settle(page)
    open_tabs(page, path)
    return context, page


def press_all(page, server, where: str, problems: list[str]) -> int:
    """Press each button of the tab once, in page order; note what went wrong. Returns how many were pressed."""
    top = where == "(above the tabs)"
    names = evaluate(page, FIND_JS, [top, BUTTONS])
    scope = page.locator("body") if top else page.locator("[role=tabpanel]:visible").last
    pressed = 0
    for index, name in enumerate(names):
        buttons = scope.locator(BUTTONS).filter(visible=True)
        button = buttons.filter(has_text=name).first if name else buttons.nth(index)
        if not button.count():
            continue  # an earlier press hid it (the lesson's last step has no "Next step")
        start = len(server.output())
        button.click(timeout=10_000)
        pressed += 1
        settle(page)
        errors = evaluate(page, ERRORS_JS)
        log = server.output(start)
        if errors["marks"] or errors["toasts"] or "Traceback" in log:
            traceback = log[log.find("Traceback"):][-600:] if "Traceback" in log else ""
            problems.append(f"{where} → {name!r}: {errors['marks']} Error mark(s), toasts {errors['toasts']}"
                            + (f", server:\n{traceback}" if traceback else ""))
            for close in page.locator(".toast-close").all():  # so the next button's toasts are its own
                close.click()
    return pressed


def mode_radios(page) -> list[tuple[str, str, bool]]:
    """(radio id, choice, chosen now) for each choice of each radio whose choice changes the inputs
    shown; each radio is put back as it was."""
    modes = []
    for radio, choices in evaluate(page, RADIOS_JS):
        if len(choices) > MAX_MODES:
            continue
        group = page.locator(f"#{radio}")
        chosen = next(c for c in choices if group.get_by_label(c, exact=True).is_checked())
        before = evaluate(page, SHOWN_INPUTS_JS)
        other = next(c for c in reversed(choices) if c != chosen)
        group.get_by_label(other, exact=True).check()
        page.wait_for_timeout(600)
        if evaluate(page, SHOWN_INPUTS_JS) != before:
            modes += [(radio, choice, choice == chosen) for choice in choices]
        group.get_by_label(chosen, exact=True).check()
        settle(page)
    return modes


def crawl_tab(browser, server, path: tuple[str, ...], problems: list[str]) -> int:  # noqa: F811
    """Every button of one tab in a fresh page, then again in a fresh page per other choice of a mode radio."""
    where = " > ".join(path) or "(above the tabs)"
    context, page = fresh_page(browser, server.url, path)
    try:
        modes = mode_radios(page) if path else []
        pressed = press_all(page, server, where, problems)
    finally:
        context.close()
    for radio, choice, _ in [m for m in modes if not m[2]]:
        context, page = fresh_page(browser, server.url, path)
        try:
            page.locator(f"#{radio}").get_by_label(choice, exact=True).check()
            settle(page)
            pressed += press_all(page, server, f"{where} [{choice}]", problems)
        finally:
            context.close()
    return pressed



def test_every_button_on_every_tab_works(browser, app_server):  # noqa: F811
    context, page = fresh_page(browser, app_server.url, ())
    paths = leaf_tabs(page)
    context.close()
    assert len(paths) >= 10, paths  # the crawler found the tabs (a broken finder would pass with none)
    problems = []
    pressed = sum(crawl_tab(browser, app_server, path, problems) for path in [(), *paths])
    assert pressed >= 30, pressed
    assert not problems, "\n".join(problems)
