"""Share a setup: the page URL carries every training setting and option, so one link gives a room
the same settings, seed and curve (?arch=bidirectional&cell=lstm&hidden=64&seed=0&embedding=16...).

A link is input like any other: each value is checked against its control's own range or choices on
load, clamped (or, unreadable, left at its default) with a note that names the field.
"""

from __future__ import annotations

import math

import gradio as gr

from rnn_demo import limits

# Query keys in the order of the training panel's settings, then its options (train_panel.make_config),
# with the type each is read as.
SETTING_KEYS = [("arch", str), ("cell", str), ("hidden", int), ("layers", int), ("epochs", int), ("lr", float),
                ("batch", int), ("seed", int)]
OPTION_KEYS = [("embedding", int), ("pooling", str), ("dropout", float), ("weight_decay", float),
               ("smoothing", float), ("schedule", str), ("balance", str), ("input_dropout", float),
               ("feature_dropout", float), ("average", float), ("balance_strength", float), ("keep_best", str)]
URL_KEYS = SETTING_KEYS + OPTION_KEYS
# Runs in the browser: write the settings into the address bar without reloading.
URL_JS = """(...values) => {
  const keys = %s;
  const url = new URL(window.location);
  keys.forEach((k, i) => url.searchParams.set(k, values[i]));
  window.history.replaceState(null, "", url);
}""" % [k for k, _ in URL_KEYS]


def _bounds(component) -> tuple[float | None, float | None]:
    """The control's own range; a seed box has no maximum of its own, the limits module gives it one."""
    high = getattr(component, "maximum", None)
    return getattr(component, "minimum", None), limits.MAX_SEED if high is None else high


def read_value(key: str, kind: type, component, raw: str) -> tuple[object, str]:
    """(value for the control, '' or a note naming the field) for one query value."""
    default = component.value
    if kind is str:
        choices = [choice[1] if isinstance(choice, tuple) else choice for choice in component.choices]
        if raw in choices:
            return raw, ""
        return default, f"{key} {raw!r} is not one of {', '.join(map(str, choices))}: kept {default}"
    try:
        number = float(raw)
        if not math.isfinite(number):
            raise ValueError
    except ValueError:
        return default, f"{key} {raw!r} is not a number: kept {default}"
    low, high = _bounds(component)
    value = kind(round(number)) if kind is int else number
    if low is not None and value < low:
        return kind(low), f"{key} {raw} is below {low:g}: set to {low:g}"
    if high is not None and value > high:
        return kind(high), f"{key} {raw} is above {high:g}: set to {high:g}"
    if kind is int and value != number:
        return value, f"{key} {raw} is not a whole number: set to {value}"
    return value, ""


def settings_from_url(components: list, request: gr.Request | None) -> tuple[list, str]:
    """The controls' values from the page's URL (a missing key keeps the control's value) and one
    note on what was changed, '' when nothing was."""
    query = dict(request.query_params) if request else {}
    values, notes = [], []
    for (key, kind), component in zip(URL_KEYS, components):
        if key not in query:
            values.append(component.value)
            continue
        value, note = read_value(key, kind, component, query[key])
        values.append(value)
        notes += [note] if note else []
    return values, (f"⚠ **Settings from the link:** {'; '.join(notes)}." if notes else "")


def wire(components: list) -> None:
    """Changing a setting or option writes it into the URL (app.py's page load reads them back)."""
    assert len(components) == len(URL_KEYS), "one query key per setting and option"
    for component in components:
        component.change(None, components, None, js=URL_JS)
