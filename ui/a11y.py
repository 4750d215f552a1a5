"""Accessibility fixes to the DOM Gradio draws (issue 27): names for plots' SVGs, keyboard-scrollable
read-only code, roles for labelled placeholders. The script (ui/a11y.js) says what each fix is for."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

A11Y_JS = (Path(__file__).resolve().parent / "a11y.js").read_text()


def build() -> None:
    """Run the fixes once the page has loaded (and, through its observer, on whatever is drawn later)."""
    # No trigger and no inputs: Gradio runs this on the page's load event.
    gr.on(None, None, js=A11Y_JS, api_visibility="private")
