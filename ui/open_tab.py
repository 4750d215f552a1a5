"""A new model redraws only the tab on screen. Every view it would redraw also redraws when its tab is
opened (its tab.select), so the others wait until then: a finished training sends the page one view's
update, not seven (with seven, the browser's main thread was busy 627 ms at once).

It is one event, not one per view: each event the page dispatches makes Gradio 6.31 snapshot the data
of every component that has shown a loading status (the Data tab's 2,000 rows among them), so eight
events after a training held the main thread ~0.8 s with the classic set loaded.

The tab on screen is read in the browser when the event starts (the event's js; a tab opened by a
button or a link counts too) and takes the place of the first input, the hidden textbox.
"""

from __future__ import annotations

import inspect

import gradio as gr

TABS_ID = "main-tabs"  # elem_id of app.py's gr.Tabs
# The top-level tab bar's selected tab (on a phone the selected one stays in the visible bar).
OPEN_TAB = (f"document.querySelector('#{TABS_ID} [role=tablist] [role=tab][aria-selected=true]')"
            "?.dataset.tabId ?? ''")
OPEN_TAB_JS = f"(_open, ...rest) => [{OPEN_TAB}, ...rest]"


def build() -> gr.Textbox:
    """The hidden box the tab on screen is read into."""
    return gr.Textbox(visible=False, elem_id="open-tab")


def _as_list(components) -> list:
    return components if isinstance(components, list) else [components]


def one_refresh(refreshes: dict[str, list[tuple]]) -> tuple:
    """(fn, inputs, outputs) of one event doing the refreshes of whichever tab is open: fn(open_tab,
    *inputs) yields an update for every output, gr.skip() for those of the other tabs."""
    inputs, outputs, parts = [], [], []
    for tab_id, each in refreshes.items():
        for fn, ins, outs in each:
            for component in _as_list(ins):
                if component not in inputs:
                    inputs.append(component)
            first = len(outputs)
            outputs.extend(_as_list(outs))
            parts.append((tab_id, fn, [inputs.index(c) for c in _as_list(ins)], first, isinstance(outs, list)))

    def refresh(open_tab: str, *values):
        for tab_id, fn, where, first, several in parts:
            if tab_id != open_tab:
                continue
            results = fn(*(values[i] for i in where))
            # A plot's fn is a generator: its value, then its colour map (ui/plots.py).
            for result in results if inspect.isgenerator(results) else [results]:
                updates = [gr.skip()] * len(outputs)
                result = list(result) if several else [result]
                updates[first:first + len(result)] = result
                yield tuple(updates)
        yield tuple(gr.skip() for _ in outputs)  # a generator must yield once, whatever tab is open

    return refresh, inputs, outputs


def wire(event, refreshes: dict[str, list[tuple]], probe: gr.Textbox) -> None:
    """After event: the tab on screen read in the browser, then its refreshes, in one event."""
    fn, inputs, outputs = one_refresh(refreshes)
    event.then(fn, [probe, *inputs], outputs, js=OPEN_TAB_JS, api_visibility="private")
