"""Share a setup: the page URL carries the training settings, so one link gives a room the same
settings, seed and curve (?arch=bidirectional&cell=lstm&hidden=64&seed=0...)."""

from __future__ import annotations

import gradio as gr

from rnn_demo.models import ARCHITECTURES, CELLS

from .train_panel import DEFAULTS

# (query key, type, default), in the order of the training panel's settings.
URL_KEYS = [("arch", str, DEFAULTS.arch), ("cell", str, DEFAULTS.cell), ("hidden", int, DEFAULTS.hidden_size),
            ("layers", int, DEFAULTS.num_layers), ("epochs", int, DEFAULTS.epochs),
            ("lr", float, 0.0), ("batch", int, DEFAULTS.batch_size), ("seed", int, DEFAULTS.seed)]
# Runs in the browser: write the settings into the address bar without reloading.
URL_JS = """(...values) => {
  const keys = %s;
  const url = new URL(window.location);
  keys.forEach((k, i) => url.searchParams.set(k, values[i]));
  window.history.replaceState(null, "", url);
}""" % [k for k, _, _ in URL_KEYS]


def settings_from_url(request: gr.Request) -> list:
    """The settings in the page's URL; a missing or unreadable one keeps its default."""
    query = dict(request.query_params) if request else {}
    values = []
    for key, kind, default in URL_KEYS:
        try:
            values.append(kind(query[key]) if key in query else default)
        except ValueError:
            values.append(default)
    if values[0] not in ARCHITECTURES:
        values[0] = DEFAULTS.arch
    if values[1] not in CELLS:
        values[1] = DEFAULTS.cell
    return values


def wire(settings: list) -> None:
    """Changing a setting writes it into the URL (app.py's page load restores them with settings_from_url)."""
    for component in settings:
        component.change(None, settings, None, js=URL_JS)
