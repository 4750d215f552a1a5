"""A visitor's mistake (a bad name, a table that cannot be trained on, a setting out of range) is
told to them and logged as one line; only a real fault of ours keeps its traceback in the log."""

from __future__ import annotations

import logging
import sys

import gradio as gr

log = logging.getLogger("rnn_names.refused")
if not log.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s refused: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def refused(message: str) -> gr.Error:
    """The error to raise for a visitor's mistake: its message in the page or API, one log line."""
    log.info("%s", " ".join(message.split())[:300])
    return gr.Error(message, print_exception=False)
