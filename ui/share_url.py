"""Share a setup: the page URL carries every training setting and option, so one link gives a room
the same settings, seed and curve (?arch=bidirectional&cell=lstm&hidden=64&seed=0&embedding=16...).

A link is input like any other: each value is checked against its control's own range or choices on
load, clamped (or, unreadable, left at its default) with a note that names the field.
"""

from __future__ import annotations

import math
import re

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
SHOWN_CHARACTERS = 30  # of a value the note quotes: a link can carry a page of text
# Runs in the browser: write the settings into the address bar without reloading.
URL_JS = """(...values) => {
  const keys = %s;
  const url = new URL(window.location);
  keys.forEach((k, i) => url.searchParams.set(k, values[i]));
  window.history.replaceState(null, "", url);
}""" % [k for k, _ in URL_KEYS]


def short(raw: str) -> str:
    return raw[:SHOWN_CHARACTERS] + ("…" if len(raw) > SHOWN_CHARACTERS else "")


def as_text(x: float) -> str:
    """1, 0.05 or 2147483647: a whole number in full, another as short as it reads."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def quoted(raw: str) -> str:
    """A value from the link as the note quotes it: short, and with Markdown's punctuation escaped, so
    `?arch=[log in](http://...)` shows as text in the page, never as a link someone else wrote."""
    return "'" + re.sub(r"([\\`*_{}\[\]()#+\-.!<>:|~=&])", r"\\\1", short(raw)) + "'"


def _bounds(component) -> tuple[float | None, float | None]:
    """The control's own range; a seed box has no maximum of its own, the limits module gives it one."""
    high = getattr(component, "maximum", None)
    return getattr(component, "minimum", None), limits.MAX_SEED if high is None else high


def _step(component, kind: type) -> tuple[float, float] | None:
    """(first value, step) of what the control can hold: a slider moves in steps from its minimum, a
    whole-number box in ones; None for a box of any number."""
    if isinstance(component, gr.Slider):
        return component.minimum, component.step
    return (0, 1) if kind is int else None


def read_value(key: str, kind: type, component, raw: str) -> tuple[object, str]:
    """(value for the control, '' or a note naming the field) for one query value."""
    default = component.value
    if kind is str:
        choices = [choice[1] if isinstance(choice, tuple) else choice for choice in component.choices]
        if raw in choices:
            return raw, ""
        return default, f"{key} {quoted(raw)} is not one of {', '.join(map(str, choices))}: kept {default}"
    try:
        number = float(raw)
        if not math.isfinite(number):
            raise ValueError
    except ValueError:
        return default, f"{key} {quoted(raw)} is not a number: kept {default}"
    raw = short(raw.strip())  # float() read it: digits, a sign, a point, an exponent, nothing Markdown reads
    low, high = _bounds(component)
    if low is not None and number < low:
        return kind(low), f"{key} {raw} is below {as_text(low)}: set to {as_text(low)}"
    if high is not None and number > high:
        return kind(high), f"{key} {raw} is above {as_text(high)}: set to {as_text(high)}"
    if (grid := _step(component, kind)) is None:
        return number, ""
    first, step = grid  # the nearest value on the grid; round(..., 6): 0.1 + 0.2 is 0.30000000000000004
    value = kind(round(first + math.floor((number - first) / step + 0.5) * step, 6))
    if value == number:
        return value, ""
    between = "is not a whole number" if step == 1 else f"is between the slider's steps of {as_text(step)}"
    return value, f"{key} {raw} {between}: set to {as_text(value)}"


def read_link(components: list, request: gr.Request | None) -> tuple[list, list[str]]:
    """The controls' values from the page's URL (a missing key keeps the control's value) and a note
    for each value that was changed or refused."""
    query = dict(request.query_params) if request else {}
    values, notes = [], []
    for (key, kind), component in zip(URL_KEYS, components, strict=True):
        if key not in query:
            values.append(component.value)
            continue
        value, note = read_value(key, kind, component, query[key])
        values.append(value)
        notes += [note] if note else []
    return values, notes


def link_note(notes: list[str]) -> str:
    """The page's #link-note: every change a link's values needed, '' (nothing shown) when none did."""
    return f"⚠ **Link settings:** {'; '.join(notes)}." if notes else ""


def settings_from_url(components: list, request: gr.Request | None) -> tuple[list, str]:
    """read_link with its notes as the page shows them."""
    values, notes = read_link(components, request)
    return values, link_note(notes)


def wire(components: list) -> None:
    """Changing a setting or option writes it into the URL (app.py's page load reads them back)."""
    assert len(components) == len(URL_KEYS), "one query key per setting and option"
    for component in components:
        component.change(None, components, None, js=URL_JS)
