"""The classic set (20,074 names) in the page: it stays on the server. The Data tab shows one page of
it, and no event ships the whole table to the browser or back: training, the report and the
lessons read the session's table. Asserted on what the page sends (every queue/join body) and shows."""

from __future__ import annotations

import re
import zipfile

import pytest

from ui.data_tab import PAGE_ROWS

from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)


@pytest.fixture
def classic_zip(classic_names, tmp_path):
    """The classic set as a visitor uploads it: a .zip of its <Label>.txt files."""
    path = tmp_path / "names.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for text in sorted(classic_names.glob("*.txt")):
            archive.write(text, text.name)
    return path


def test_the_classic_set_stays_on_the_server_and_trains(browser, app_server, classic_zip):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sent: list[tuple[str, int]] = []  # (event's endpoint, bytes the page posted) for every event it ran
    page.on("request", lambda r: sent.append((r.url, len(r.post_data_buffer or b"")))
            if r.method == "POST" and "queue/join" in r.url else None)
    try:
        page.goto(app_server.url + "?epochs=1&hidden=8&batch=512&layers=1")
        page.wait_for_selector("#train-btn", timeout=60_000)
        page.set_input_files("#upload input[type='file']", str(classic_zip))
        def summary_rows() -> int:
            found = re.search(r"(\d[\d,]*) rows, 18 labels", page.inner_text("#table-summary"))
            return int(found.group(1).replace(",", "")) if found else 0

        assert wait_for(lambda: summary_rows() > 1798, timeout=90), page.inner_text("#table-summary")
        rows = summary_rows()
        assert rows > 20_000  # the whole set is the session's table...
        where = page.inner_text("#table-where")
        assert f"Rows 1–{PAGE_ROWS:,} of {rows:,}" in where  # ...and the page holds one page of it
        page.locator("#names-table [data-testid='cell-0-0']").dblclick()  # an edit sends its page only
        page.keyboard.press("Control+A")
        page.keyboard.type("Abbasi")
        page.keyboard.press("Enter")
        assert wait_for(lambda: len(sent) >= 2, timeout=20)
        page.click("#train-btn")
        assert wait_for(lambda: "Finished after 1 epochs" in page.inner_text("#status"), timeout=300)
        page.get_by_role("tab", name="Model & where it fails").click()  # its report reads the session's table
        assert wait_for(lambda: "validation names (" in page.inner_text("#model-tab-headline"), timeout=60)
        scored = page.inner_text("#model-tab-headline").split("validation names (")[1].split()[0]
        assert int(scored.replace(",", "")) > 2_000  # 15 % of the whole set, not of the page of 2,000
        page.screenshot(path=str(SHOTS / "big-table-trained.png"), full_page=False)
    finally:
        page.close()
    largest = max(size for _, size in sent)
    # The whole set as JSON is ~600 KB; one page of it ~60 KB; training sends its settings alone.
    assert largest < 150_000, sorted(sent, key=lambda s: -s[1])[:3]
    assert sum(size for _, size in sent) < 400_000
