"""Kept work survives a restart (issue 35, point 3): train, stop the server, start it again on the same
address (the browser's copy is per address) -> the kept model answers again. A server started with
another RNN_NAMES_KEEP_SECRET cannot read the copy: the page says so, and the copy stays as it was
through a training there (kept under that secret's own key); Start over removes it."""

from __future__ import annotations

import pytest

from app_server import AppServer
from test_browser import browser, wait_for  # noqa: F401  (browser: the shared fixture)

START = 480  # seconds for a server to start (its first worker warm): a loaded 2-core machine took over 240
WAIT = 600  # seconds for a training or a page: generous, the machine is shared
COPIES = "Object.fromEntries(Object.keys(localStorage).filter(k => k.startsWith('rnn-names-work'))" \
         ".map(k => [k, localStorage.getItem(k)]))"


def train_and_wait_kept(page) -> str:
    page.click("#train-btn")
    assert wait_for(lambda: "Finished after 1 epochs" in page.inner_text("#status"), timeout=WAIT)
    assert wait_for(lambda: "your model" in page.inner_text("#keep-note"), timeout=WAIT), page.inner_text("#keep-note")
    return page.inner_text("#answering")


def reload(page) -> None:
    page.reload()
    page.wait_for_selector("#train-btn", timeout=WAIT * 1000)
    page.wait_for_timeout(1500)  # the load event's notes


@pytest.mark.timeout(3000)  # three server starts and three trainings
def test_kept_work_survives_a_restart_and_an_unreadable_copy_is_told_not_overwritten(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    server = AppServer(start_seconds=START)
    port = server.port
    try:
        page = context.new_page()
        page.goto(server.url + "?epochs=1&hidden=8&layers=1")
        page.wait_for_selector("#train-btn", timeout=WAIT * 1000)
        answering = train_and_wait_kept(page)
        assert "your model" in answering
        server.stop()

        server = AppServer(port, START)  # a restart: the same address, the same (default) secret
        reload(page)
        assert wait_for(lambda: "Back from your last visit" in page.inner_text("#link-note"), timeout=WAIT), \
            page.inner_text("#link-note")
        assert wait_for(lambda: page.inner_text("#answering").split(" — ")[1:] == answering.split(" — ")[1:],
                        timeout=WAIT), (page.inner_text("#answering"), answering)
        server.stop()

        server = AppServer(port, START, RNN_NAMES_KEEP_SECRET="another secret")
        before = page.evaluate(COPIES)
        assert len(before) == 1
        reload(page)
        assert wait_for(lambda: "cannot read" in page.inner_text("#link-note"), timeout=WAIT), \
            page.inner_text("#link-note")
        assert "shipped default model" in page.inner_text("#answering")
        train_and_wait_kept(page)  # kept under this secret's key ...
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
