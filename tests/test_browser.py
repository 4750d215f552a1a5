"""The app in a real browser (Debian's chromium driven by Playwright), as a person uses it.

Screenshots go to artifacts/screenshots/ (not committed): look at them.
"""

import os
import re
import time
from pathlib import Path

import pytest

from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
SHOTS = ROOT / "artifacts" / "screenshots"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)")
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_server):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.goto(app_server.url)
    page.wait_for_selector("#train-btn", timeout=60_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    page.close()


def line_lengths(page) -> list[int]:
    """Length of each drawn line's SVG path in the loss plot: grows as points are added."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('#loss-plot .mark-line path'))
                            .map(p => (p.getAttribute('d') || '').length)""")


def wait_for(predicate, timeout=30.0, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def test_train_stop_and_classify_in_the_browser(page, app_server):
    page.goto(app_server.url + "?epochs=100&hidden=32")  # long enough to be stopped
    page.wait_for_selector("#train-btn")
    time.sleep(1)  # the first page's aborted connections report late
    page.console_errors.clear()  # leaving the first page aborts its open connections: not ours
    assert wait_for(lambda: "rows, 18 labels" in page.inner_text("#table-summary"))
    # Edit a cell: the summary follows the edit.
    page.locator("#names-table [data-testid='cell-0-0']").dblclick()
    page.keyboard.press("Control+A")
    page.keyboard.type("12345")
    page.keyboard.press("Enter")
    assert wait_for(lambda: "has no letters" in page.inner_text("#table-problems")), page.inner_text("#table-problems")
    page.locator("#names-table [data-testid='cell-0-0']").dblclick()
    page.keyboard.press("Control+A")
    page.keyboard.type("Haddadin")
    page.keyboard.press("Enter")
    assert wait_for(lambda: "Ready to train" in page.inner_text("#table-summary"))

    # Pick an architecture: the code panel keeps showing the model that answers (the shipped stacked GRU)
    # until a model of the picked architecture answers.
    page.get_by_label("Bidirectional nn.RNN — reads the name both ways").check()
    time.sleep(1)
    assert "class StackedRNN" in page.inner_text("#model-code")

    # Train: the plot gains points while training; the controls are locked.
    before = sum(line_lengths(page))
    started = time.perf_counter()
    page.click("#train-btn")
    assert wait_for(lambda: sum(line_lengths(page)) > before + 200, timeout=30)
    first_point = time.perf_counter() - started
    assert page.locator("#train-btn").is_disabled()
    growing = sum(line_lengths(page))
    assert wait_for(lambda: sum(line_lengths(page)) > growing + 200, timeout=30)
    page.screenshot(path=str(SHOTS / "training.png"))

    # Stop: halts quickly and keeps the best model answering.
    stop_clicked = time.perf_counter()
    page.click("#stop-btn")
    assert wait_for(lambda: "Stopped " in page.inner_text("#status"), timeout=30), page.inner_text("#status")
    stop_latency = time.perf_counter() - stop_clicked
    assert wait_for(lambda: page.locator("#train-btn").is_enabled(), timeout=10)  # unlocked by its own event
    assert page.locator(".error, [data-testid='error']").count() == 0  # no red Error badges
    assert "your model" in page.inner_text("#answering")
    assert wait_for(lambda: "class BidirectionalRNN" in page.inner_text("#model-code"))  # the model answering now

    # Classify with the trained model.
    page.fill("#name-input textarea", "Nakamura")
    assert wait_for(lambda: "Top 5 for 'Nakamura'" in page.inner_text("#prediction"))
    assert "%" in page.inner_text("#prediction")
    page.screenshot(path=str(SHOTS / "stopped-and-classified.png"), full_page=True)
    # The stopped model replaced the shipped one: the page says so, with both accuracies, and one
    # click brings the shipped one back.
    assert "before it: the shipped default model" in page.inner_text("#status")
    page.click("#restore-btn")
    assert wait_for(lambda: "shipped default model" in page.inner_text("#answering"), timeout=20)
    assert "Brought back" in page.inner_text("#status")
    assert page.console_errors == []
    print(f"\nfirst plot point {first_point:.2f} s after Train; Stop latency {stop_latency:.2f} s")


def test_several_names_give_a_table(page):
    page.fill("#name-input textarea", "Nakamura\nDvořák\nO'Neill")
    assert wait_for(lambda: page.locator("#many-names").is_visible())
    assert wait_for(lambda: "dvořák" in page.inner_text("#many-names").lower())


@pytest.mark.parametrize("tab, selector, expected", [
    ("Letter by letter", "#letters-probs", "Prediction as each letter arrives"),
    ("Padding & packing", "#packing-facts", "batch_sizes"),
    ("What goes wrong", "#mistakes-out", "Packing."),
    ("Compare", "#compare-plot", "Validation accuracy per run"),
    ("Check yourself", "#quiz-score", "Score:"),
    ("Model & where it fails", "#confusion-heatmap", "Confusion matrix"),
])
def test_each_teaching_view_opens_and_shows_its_content(page, tab, selector, expected):
    page.get_by_role("tab", name=tab).click()
    assert wait_for(lambda: expected in page.locator(selector).first.inner_text(), timeout=20)
    page.screenshot(path=str(SHOTS / f"view-{tab.split()[0].lower()}.png"), full_page=True)
    assert page.console_errors == []


def test_the_no_packing_switch_changes_the_score_on_screen(page):
    page.get_by_role("tab", name="What goes wrong").click()
    assert wait_for(lambda: "Packing." in page.inner_text("#mistakes-out"))
    assert "Without packing" not in page.inner_text("#mistakes-out")
    page.get_by_label("Don't pack: run the RNN over the padding").check()
    assert wait_for(lambda: "Without packing" in page.inner_text("#mistakes-out"))


def test_url_carries_the_settings(page, app_server):
    page.goto(app_server.url + "?arch=manual&cell=lstm&hidden=64&epochs=3&seed=7")
    page.wait_for_selector("#train-btn")
    assert wait_for(lambda: page.get_by_label("LSTM").is_checked())
    assert page.get_by_label("Manual nn.RNNCell loop — you step through the letters yourself").is_checked()
    page.get_by_label("GRU").check()
    assert wait_for(lambda: "cell=gru" in page.url)


def test_a_bad_upload_gets_a_message_and_the_table_survives(page, tmp_path):
    bad = tmp_path / "names.csv"
    bad.write_bytes(b"\x00\x01\x02PK\x03\x04 binary junk \x00" * 50)
    assert wait_for(lambda: "1798 rows" in page.inner_text("#table-summary"))
    page.locator("#upload input[type='file']").set_input_files(str(bad))
    assert wait_for(lambda: "is not a text file" in page.inner_text("body"), timeout=20)
    assert "Your table is unchanged" in page.inner_text("body")
    assert "1798 rows" in page.inner_text("#table-summary")
    page.screenshot(path=str(SHOTS / "bad-upload.png"))


def test_a_good_csv_upload_replaces_the_table_when_told_to(page, tmp_path):
    good = tmp_path / "mine.csv"
    good.write_text("name,label\nNowak,Polish\nKowalski,Polish\nTanaka,Japanese\nSato,Japanese\n")
    page.locator("#upload-mode").get_by_label("replace the table").check()  # the default adds its rows
    page.locator("#upload input[type='file']").set_input_files(str(good))
    assert wait_for(lambda: "4 rows, 2 labels" in page.inner_text("#table-summary"), timeout=20)


def test_a_file_that_is_not_a_checkpoint_keeps_the_current_model(page, tmp_path):
    bad = tmp_path / "evil.safetensors"
    bad.write_bytes(b"\x80\x04\x95 not a checkpoint at all")
    page.get_by_role("tab", name="Model & where it fails").click()
    page.locator("#model-upload input[type='file']").set_input_files(str(bad))
    assert wait_for(lambda: "not an rnn-names checkpoint" in page.inner_text("body"), timeout=20)
    assert "shipped default model" in page.inner_text("#answering")


def test_the_model_code_is_in_the_page_from_the_first_load(page):
    assert page.locator("#model-code").count() == 1
    assert "class StackedRNN" in page.locator("#model-code").inner_text()
    assert "pack_padded_sequence" in page.locator("#model-code").inner_text()


def test_download_the_table_and_reset_to_the_default(page):
    page.get_by_role("button", name="+ Add row").click()
    assert wait_for(lambda: "1799 rows" in page.inner_text("#table-summary"))
    with page.expect_download(timeout=20_000) as download:
        page.click("#download-table")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0] == "name,label" and len(text.splitlines()) == 1 + 1799
    page.get_by_role("button", name="↺ Reset to default").click()
    assert wait_for(lambda: "1798 rows" in page.inner_text("#table-summary"))


def test_download_the_shipped_model_and_it_loads(page):
    from rnn_demo.checkpoints import load_checkpoint
    page.get_by_role("tab", name="Model & where it fails").click()
    with page.expect_download(timeout=20_000) as download:
        page.get_by_role("button", name="⬇ Download model checkpoint").click()
    model = load_checkpoint(download.value.path())
    assert len(model.labels) == 18


TABS = ["Data", "Model & where it fails", "Letter by letter", "Padding & packing", "What goes wrong", "Compare",
        "Check yourself"]


def luminance(css_colour: str) -> float:
    """0 (black) to 1 (white) for a computed 'rgb(r, g, b)' / 'rgba(...)' colour."""
    r, g, b = [float(x) for x in css_colour[css_colour.index("(") + 1:].rstrip(")").split(",")[:3]]
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_tab_in_both_themes_and_heat_map_text_stays_readable(page, app_server, theme):
    page.goto(app_server.url + ("?__theme=dark" if theme == "dark" else ""))
    page.wait_for_selector("#train-btn")
    page.screenshot(path=str(SHOTS / f"{theme}-top.png"), full_page=True)
    for tab in TABS:
        page.get_by_role("tab", name=tab).click()
        time.sleep(1.0)
        page.screenshot(path=str(SHOTS / f"{theme}-{tab.split()[0].lower()}.png"), full_page=True)
    page.get_by_role("tab", name="Model & where it fails").click()
    zero = page.locator("#confusion-heatmap td").filter(has_text=re.compile(r"^0$")).first
    assert wait_for(lambda: zero.count() == 1, timeout=20)
    text = luminance(zero.evaluate("e => getComputedStyle(e).color"))
    # A clear cell is the theme's background: its ink is black on the light theme, white on the dark
    # (ui/heatmap.shade picks whichever contrasts more).
    assert abs(text - (1.0 if theme == "dark" else 0.0)) < 0.05, text


def test_a_training_refused_for_an_empty_table_gives_the_controls_back(page):
    page.get_by_placeholder("rows, e.g. 3 or 3-7").fill("1-5000")
    page.get_by_role("button", name="− Delete rows").click()
    assert wait_for(lambda: page.inner_text("#table-summary").startswith("0 rows"), timeout=20)
    page.click("#train-btn")
    assert wait_for(lambda: "cannot be trained on" in page.inner_text("#status"), timeout=20)
    assert wait_for(lambda: page.locator("#train-btn").is_enabled(), timeout=10)  # not stuck locked
    time.sleep(1)
    assert page.locator(".error, [data-testid='error']").count() == 0  # one message, no red pills
    assert page.locator("#stop-btn").is_disabled()
