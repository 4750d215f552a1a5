"""A new model redraws only the tab on screen. Every view it would redraw also redraws when its tab is
opened (its tab.select), so the others wait until then: a finished training sends the page one view's
update, not seven (with seven, the browser's main thread was busy 627 ms at once).

The tab on screen is read in the browser when the event runs (a tab opened by a button or a link
counts too), into a hidden textbox that the guarded refreshes take first.
"""

from __future__ import annotations

import inspect

import gradio as gr

TABS_ID = "main-tabs"  # elem_id of app.py's gr.Tabs
# The top-level tab bar's selected tab (on a phone the selected one stays in the visible bar).
OPEN_TAB_JS = (f"() => document.querySelector('#{TABS_ID} [role=tablist] [role=tab][aria-selected=true]')"
               "?.dataset.tabId ?? ''")


def build() -> gr.Textbox:
    """The hidden box the tab on screen is read into."""
    return gr.Textbox(visible=False, elem_id="open-tab")


def when_open(tab_id: str, refresh: tuple, probe: gr.Textbox) -> tuple:
    """(fn, inputs, outputs) of a refresh that runs only while tab_id is on screen, else sends nothing."""
    fn, inputs, outputs = refresh
    inputs = inputs if isinstance(inputs, list) else [inputs]
    skipped = tuple(gr.skip() for _ in outputs) if isinstance(outputs, list) else gr.skip()
    if inspect.isgeneratorfunction(fn):  # plots send their values, then their colour maps
        def guarded(open_tab, *args):
            if open_tab == tab_id:
                yield from fn(*args)
            else:
                yield skipped
    else:
        def guarded(open_tab, *args):
            return fn(*args) if open_tab == tab_id else skipped
    return guarded, [probe, *inputs], outputs


def wire(event, refreshes: dict[str, list[tuple]], probe: gr.Textbox):
    """After event: read the tab on screen, then each tab's refreshes, guarded (side by side, as
    before). Returns the reading event, for what follows a new model."""
    read = event.then(None, None, probe, js=OPEN_TAB_JS, api_visibility="private")
    for tab_id, each in refreshes.items():
        for refresh in each:
            read.then(*when_open(tab_id, refresh, probe), api_visibility="private")
    return read
