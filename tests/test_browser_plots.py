"""Every plot paints its marks on the first press of the button that fills it, in a fresh page,
with no other click and no tab re-opened. What is checked is what a person sees: the saturated
pixels of a screenshot of the plot's marks, not the data a handler returned or the DOM's mark count
(Gradio's plots keep the colour domain of their first value, which drew marks without colour)."""

from __future__ import annotations

import io
import time

import pytest

from test_browser import SHOTS, browser, wait_for  # noqa: F401  (browser: the shared fixture)

Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def page(browser, app_server):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_server.url + "?epochs=3&hidden=16")
    page.wait_for_selector("#train-btn", timeout=60_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    page.close()


def saturated_pixels(page, plot_id: str, name: str) -> int:
    """Pixels of clear colour in the plot's drawing, its legend and title hidden: grey axes and grid
    lines, and marks painted without a colour, count nothing."""
    chart = page.locator(f"#{plot_id} .vega-embed svg").first
    if chart.count() == 0:
        return 0
    page.evaluate("""id => document.querySelectorAll(`#${id} .role-legend, #${id} .role-title`)
                          .forEach(e => e.style.visibility = 'hidden')""", plot_id)
    shot = chart.screenshot()
    page.evaluate("""id => document.querySelectorAll(`#${id} .role-legend, #${id} .role-title`)
                          .forEach(e => e.style.visibility = '')""", plot_id)
    (SHOTS / f"plot-{name}.png").write_bytes(shot)
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    return sum(1 for r, g, b in image.getdata() if max(r, g, b) - min(r, g, b) > 60)


def assert_painted(page, plot_id: str, name: str, at_least: int = 150, timeout: float = 40) -> None:
    page.locator(f"#{plot_id}").scroll_into_view_if_needed()
    counts = []
    ok = wait_for(lambda: counts.append(saturated_pixels(page, plot_id, name)) or counts[-1] >= at_least,
                  timeout=timeout, step=0.5)
    assert ok, f"#{plot_id}: only {counts[-1] if counts else 0} coloured pixels among its marks"


def open_why(page, view: str) -> None:
    page.get_by_role("tab", name="Watch it think").click()
    page.get_by_role("tab", name=view).click()


def test_the_loss_plot_paints_while_it_trains(page):
    page.click("#train-btn")
    assert wait_for(lambda: "Finished after 3 epochs" in page.inner_text("#status"), timeout=120)
    assert_painted(page, "loss-plot", "loss")


def test_the_decay_plot_paints_on_its_first_show(page):
    open_why(page, "Gradients through time")
    page.click("#decay-show")
    assert wait_for(lambda: "geometric mean" in page.inner_text("#decay-note"), timeout=40)
    assert_painted(page, "decay-plot", "decay")


def test_the_remember_plot_paints_on_its_first_run(page):
    open_why(page, "Remember the first letter")
    page.fill("#remember-ks textarea", "2, 8")
    page.click("#remember-run")
    assert wait_for(lambda: "Done in" in page.inner_text("#remember-status"), timeout=120)
    assert_painted(page, "remember-plot", "remember", at_least=40)


def test_both_imbalance_plots_paint_on_the_first_run(page):
    page.get_by_role("tab", name="Honest numbers").click()
    page.click("#imbalance-run")
    assert wait_for(lambda: "biggest language" in page.inner_text("#imbalance-headline"), timeout=40)
    assert_painted(page, "imbalance-curve", "imbalance-curve")
    assert_painted(page, "imbalance-counts", "imbalance-counts", at_least=2000)


def test_the_compare_plot_paints_when_its_tab_was_opened_before_training(page):
    page.get_by_role("tab", name="Compare").click()
    assert wait_for(lambda: page.locator("#compare-plot .vega-embed").count() == 1, timeout=20)
    page.click("#train-btn")
    assert wait_for(lambda: "Finished after 3 epochs" in page.inner_text("#status"), timeout=120)
    assert_painted(page, "compare-plot", "compare", at_least=60)


def test_the_map_paints_in_colour_for_a_model_trained_on_other_labels(page):
    rows = "\n".join([f"{a}{b}ski,Slavic" for a in "kmnprst" for b in "aeiou"]
                     + [f"{a}{b}moto,Nippon" for a in "kstnhmr" for b in "aeiou"])
    path = SHOTS / "other-labels.csv"
    path.write_text("name,label\n" + rows + "\n")
    page.get_by_role("tab", name="Data").click()
    page.locator("#upload-mode").get_by_label("replace the table").check()  # the default adds its rows
    page.set_input_files("#upload input[type='file']", str(path))
    assert wait_for(lambda: "2 labels" in page.inner_text("#table-summary"), timeout=30)
    page.click("#train-btn")
    assert wait_for(lambda: "Finished after 3 epochs" in page.inner_text("#status"), timeout=120)
    open_why(page, "Map of the hidden states")
    page.click("#map-show")
    assert wait_for(lambda: "nearest training names" in page.inner_text("#map-note"), timeout=40)
    assert_painted(page, "map-plot", "map-other-labels", at_least=300)


def test_the_map_paints_the_shipped_model(page):
    open_why(page, "Map of the hidden states")
    page.click("#map-show")
    assert wait_for(lambda: "nearest training names" in page.inner_text("#map-note"), timeout=40)
    assert_painted(page, "map-plot", "map", at_least=300)


def test_the_unit_plot_paints_on_its_first_list(page):
    open_why(page, "Unit explorer")
    page.click("#units-list")
    assert wait_for(lambda: "activation" in page.inner_text("#units-examples"), timeout=40)
    assert_painted(page, "units-letters", "units", at_least=300)


def test_the_per_language_bars_paint_when_the_model_tab_opens(page):
    page.get_by_role("tab", name="Model & where it fails").click()
    assert wait_for(lambda: "Confusion matrix" in page.inner_text("#confusion-heatmap"), timeout=40)
    assert_painted(page, "per-label-plot", "per-label", at_least=2000)


def test_the_data_bars_paint_on_the_first_load(page):
    page.get_by_role("tab", name="Data").click()
    time.sleep(0.5)
    assert_painted(page, "label-bars", "data-bars", at_least=2000)


def test_the_step_bars_paint_on_the_first_load(page):
    open_why(page, "Step through a name")
    page.fill("#step-name textarea", "Li")
    page.click("#step-load")
    assert wait_for(lambda: "Step 1 of" in page.inner_text("#step-header"), timeout=30)
    assert_painted(page, "step-bars", "step-bars", at_least=300)


def test_the_demonstrations_on_copies_show_inflation_and_a_head_start_on_the_first_press(page):
    page.get_by_role("tab", name="Honest numbers").click()
    page.click("#leakage-demo")
    assert wait_for(lambda: "listed 2 to 4 times" in page.inner_text("#leakage-headline"), timeout=40)
    assert "against" in page.inner_text("#leakage-headline")
    page.click("#imbalance-demo")
    assert wait_for(lambda: "long tail" in page.inner_text("#imbalance-headline"), timeout=40)
    assert_painted(page, "imbalance-curve", "imbalance-demo-curve")
    assert_painted(page, "imbalance-counts", "imbalance-demo-counts", at_least=1000)
