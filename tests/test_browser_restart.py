"""Kept work survives a restart (issue 35, point 3): edit the table, stop the server, start it again on
the same address (the browser's copy is per address) -> the kept table comes back (a trained model is
kept in the same encrypted copy). A server started with another RNN_NAMES_KEEP_SECRET cannot read the
copy: the page says so, and the copy stays as it was through an edit there (kept under that secret's
own key); Start over removes it."""

from __future__ import annotations

import pytest
from test_browser_reload import edit_first_name

from app_server import AppServer
from test_browser import browser, wait_for  # noqa: F401  (browser: the shared fixture)

START = 480  # seconds for a server to start (its first worker warm): a loaded 2-core machine took over 240
WAIT = 600  # seconds for a training or a page: generous, the machine is shared
COPIES = "Object.fromEntries(Object.keys(localStorage).filter(k => k.startsWith('rnn-names-work'))" \
         ".map(k => [k, localStorage.getItem(k)]))"


def edit_and_wait_kept(page, text: str) -> None:
    """A table edit (kept like a trained model, through the same browser copy; no training to wait for)."""
    edit_first_name(page, text)
    assert wait_for(lambda: "your table" in page.inner_text("#keep-note"), timeout=WAIT), page.inner_text("#keep-note")


def reload(page) -> None:
    page.reload()
    page.wait_for_selector("#train-btn", timeout=WAIT * 1000)
    page.wait_for_timeout(1500)  # the load event's notes


@pytest.mark.timeout(3000)  # three server starts on a shared machine
def test_kept_work_survives_a_restart_and_an_unreadable_copy_is_told_not_overwritten(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    server = AppServer(start_seconds=START)
    port = server.port
    try:
        page = context.new_page()
        page.goto(server.url + "?epochs=1&hidden=8&layers=1")
        page.wait_for_selector("#train-btn", timeout=WAIT * 1000)
        edit_and_wait_kept(page, "Keptonce")
        server.stop()

        server = AppServer(port, START)  # a restart: the same address, the same (default) secret
        reload(page)
        assert wait_for(lambda: "Back from your last visit" in page.inner_text("#link-note"), timeout=WAIT), \
            page.inner_text("#link-note")
        assert "your table" in page.inner_text("#link-note")
        assert wait_for(lambda: "Keptonce" in page.inner_text("#names-table"), timeout=WAIT)
        server.stop()

        server = AppServer(port, START, RNN_NAMES_KEEP_SECRET="another secret")
        before = page.evaluate(COPIES)
        assert len(before) == 1
        reload(page)
        assert wait_for(lambda: "cannot read" in page.inner_text("#link-note"), timeout=WAIT), \
            page.inner_text("#link-note")
        assert "Keptonce" not in page.inner_text("#names-table")
        edit_and_wait_kept(page, "Kepttwice")  # kept under this secret's key ...
        after = page.evaluate(COPIES)
        assert len(after) == 2 and {k: after[k] for k in before} == before  # ... the old copy untouched

        page.click("#start-over")
        page.wait_for_timeout(1500)
        page.wait_for_selector("#train-btn", timeout=WAIT * 1000)
        page.wait_for_timeout(1500)
        assert "cannot read" not in page.inner_text("#link-note")
        assert not set(page.evaluate(COPIES)) & set(before)  # Start over removed it
    finally:
        server.stop()
        context.close()
