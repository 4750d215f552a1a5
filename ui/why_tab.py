"""Watch it think: why an RNN behaves as it does, in seven views (one module each)."""

from __future__ import annotations

import gradio as gr

from ui import cells_view, gradients_view, intervene_view, map_view, remember_view, step_view, units_view

TAB_ID = "why"


def build(session: gr.State) -> gr.Tabs:
    """The tab and its seven views; returns the views' tabs, which the lesson opens one by one."""
    with gr.Tab("Watch it think", id=TAB_ID):
        with gr.Tabs() as views:
            with gr.Tab("Step through a name", id="why-step"):
                step_view.build(session)
            with gr.Tab("Gradients through time", id="why-gradients"):
                gradients_view.build(session)
            with gr.Tab("Remember the first letter", id="why-remember"):
                remember_view.build(session)
            with gr.Tab("Map of the hidden states", id="why-map"):
                map_view.build(session)
            with gr.Tab("Unit explorer", id="why-units"):
                units_view.build(session)
            with gr.Tab("Change it", id="why-intervene"):
                intervene_view.build(session)
            with gr.Tab("Cells side by side", id="why-cells"):
                cells_view.build()
    return views
