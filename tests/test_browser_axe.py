"""An axe-core audit of every tab, light theme and dark: no violation of ours.

Gradio's own page (its footer, its settings button) breaks a few rules that we cannot fix; those are
what a bare Gradio app of the same version breaks too. So the bare app is audited the same way, and
every violation the real app shows must be one the bare app shows: the same rule on the same node
(its opening tag, Svelte's generated class names left out).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)

Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe

BARE_APP = """
import gradio as gr
with gr.Blocks() as demo:
    name = gr.Textbox(label="Name")
    echo = gr.Textbox(label="Echo")
    gr.Button("Go").click(lambda text: text, name, echo)
demo.launch()
"""
THEMES = {"light": "", "dark": "__theme=dark"}
# The main button of each view that answers in a few seconds, and what says it has answered.
PRESSES = {
    ("Watch it think", "Step through a name"): [("#step-load", "#step-header", "Step 1 of")],
    ("Watch it think", "Gradients through time"): [("#saliency-show", "#saliency-letters", "Why"),
                                                   ("#decay-show", "#decay-note", "geometric mean")],
    ("Watch it think", "Map of the hidden states"): [("#map-show", "#map-note", "nearest training names")],
    ("Watch it think", "Unit explorer"): [("#units-list", "#units-examples", "activation")],
    ("Honest numbers",): [("#imbalance-run", "#imbalance-headline", "biggest language"),
                          ("#leakage-demo", "#leakage-headline", "listed 2 to 4 times")],
}


@pytest.fixture(scope="module")
def bare_url(tmp_path_factory):
    """A bare Gradio app (a textbox, a button) of the same version, in its own process."""
    from app_server import free_port, reachable
    script = tmp_path_factory.mktemp("bare") / "bare_app.py"
    script.write_text(BARE_APP)
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    process = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        assert wait_for(lambda: reachable(url), timeout=90), "the bare Gradio app did not start"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)



def opening_tag(node_html: str) -> str:
    """A node as the bare app's and ours can share it: its first tag, Svelte's hashes left out."""
    tag = node_html.split(">", 1)[0] + ">"
    return re.sub(r"\s+", " ", re.sub(r"\s*\bsvelte-\w+", "", tag))


def audit(page, where: str, found: dict) -> None:
    """Add each (rule, node) axe finds on the visible page, with where it was first seen. While an output
    is being updated Gradio draws it faded (low contrast for a moment): colour contrast is read again,
    up to 20 s, until the page has settled; a real contrast failure stays and is kept."""
    violations = Axe().run(page).response["violations"]
    for _ in range(10):
        if not any(rule["id"] == "color-contrast" for rule in violations):
            break
        time.sleep(2)
        violations = Axe().run(page).response["violations"]
    for rule in violations:
        for node in rule["nodes"]:
            found.setdefault((rule["id"], opening_tag(node["html"])), f"{where}: {' '.join(map(str, node['target']))}")


def open_page(browser, url: str, theme: str, query: str = ""):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}?{'&'.join(part for part in (query, THEMES[theme]) if part)}")
    page.wait_for_selector("button", timeout=60_000)
    time.sleep(2)  # the first paint's transitions and plots
    return page


def tab_names(page, level: int) -> list[str]:
    """The names of the tabs in the level-th tab bar now visible (0: the page's own)."""
    bars = page.locator("[role=tablist]:visible")
    return [name.strip() for name in bars.nth(level).get_by_role("tab").all_inner_texts()] if bars.count() > level else []


def open_tab(page, *path: str) -> None:
    for name in path:
        page.get_by_role("tab", name=name, exact=True).first.click()
    time.sleep(1.5)  # the tab's content is built when first opened


def tour(page, found: dict) -> None:
    """Every tab and sub-tab as a fresh visitor sees it, then the views after their quick buttons."""
    audit(page, "start", found)
    for top in tab_names(page, 0):
        open_tab(page, top)
        audit(page, top, found)
        for sub in tab_names(page, 1):
            open_tab(page, sub)
            audit(page, f"{top} > {sub}", found)
    for path, presses in PRESSES.items():
        open_tab(page, *path)
        for button, output, text in presses:
            page.click(button)
            assert wait_for(lambda o=output, t=text: t in page.inner_text(o), timeout=60), f"{button}: no answer"
        time.sleep(1)
        audit(page, " > ".join(path) + " (pressed)", found)
    page.fill("#name-input textarea", "Nakamura")
    assert wait_for(lambda: "Nakamura" in page.inner_text("#prediction"), timeout=30)
    page.click("#train-btn")
    assert wait_for(lambda: "Finished after 2 epochs" in page.inner_text("#status"), timeout=180)
    for path in (("Data",), ("Model & where it fails",), ("Letter by letter",), ("Compare",)):
        open_tab(page, *path)
        audit(page, f"{path[0]} (trained)", found)


@pytest.mark.parametrize("theme", THEMES)
def test_no_axe_violation_that_a_bare_gradio_app_does_not_have(browser, app_server, bare_url, theme):  # noqa: F811
    bare = {}
    page = open_page(browser, bare_url, theme)
    audit(page, "bare", bare)
    page.close()
    ours = {}
    page = open_page(browser, app_server.url, theme, "epochs=2&hidden=16")
    page.wait_for_selector("#train-btn", timeout=60_000)
    try:
        tour(page, ours)
    finally:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"axe-{theme}.png"), full_page=True)
        page.close()
    extra = {key: where for key, where in ours.items() if key not in bare}
    rules = sorted({rule for rule, _ in extra})
    listing = "\n".join(f"{rule}: {where}  {node[:120]}" for (rule, node), where in sorted(extra.items()))
    assert not extra, f"{len(extra)} nodes break {rules} ({theme}), the bare app breaks none of them:\n{listing}"
