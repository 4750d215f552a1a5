"""Share a setup: the page URL carries every training setting and option, so one link gives a room
the same settings, seed and curve (?arch=bidirectional&cell=lstm&hidden=64&seed=0&embedding=16...).

A link is input like any other: each value is checked against its control's own range or choices on
load, clamped (or, unreadable, left at its default) with a note that names the field.
"""

from __future__ import annotations

import math
import re

import gradio as gr

from rnn_demo.settings import SETTINGS

# Each page setting's query key and the type it is read as, by page name (rnn_demo/settings.py).
URL_KEYS = {s.page_name: (s.url_key, s.kind) for s in SETTINGS if s.group}
SHOWN_CHARACTERS = 30  # of a value the note quotes: a link can carry a page of text
# Runs in the browser: write the settings into the address bar without reloading.
URL_JS = """(...values) => {
  const keys = %s;  // in the order of the controls passed to wire()
  const url = new URL(window.location);
  keys.forEach((k, i) => url.searchParams.set(k, values[i]));
  window.history.replaceState(null, "", url);
}"""


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
    """The control's own range (a setting's range, ui/controls.py)."""
    return getattr(component, "minimum", None), getattr(component, "maximum", None)


def _step(component, kind: type) -> tuple[float, float] | None:
    """(first value, step) of what the control can hold: a slider moves in steps from its minimum, a
    whole-number box in ones; None for a box of any number."""
    if isinstance(component, gr.Slider):
        return component.minimum, component.step
    return (0, 1) if kind is int else None


def read_value(key: str, kind: type, component, raw: str) -> tuple[object, str]:
    """(value for the control, '' or a note naming the field) for one query value."""
    default = component.value
    if kind is bool:
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true", ""
        return default, f"{key} {quoted(raw)} is not true or false: kept {str(default).lower()}"
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


def read_link(controls: dict, request: gr.Request | None) -> tuple[list, list[str]]:
    """The controls' values (page name -> control) from the page's URL, in the controls' order (a
    missing key keeps the control's value), and a note for each value that was changed or refused."""
    query = dict(request.query_params) if request else {}
    values, notes = [], []
    for name, component in controls.items():
        key, kind = URL_KEYS[name]
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


def wire(controls: dict) -> None:
    """Changing a setting or option writes it into the URL (app.py's page load reads them back)."""
    js = URL_JS % [URL_KEYS[name][0] for name in controls]
    components = list(controls.values())
    for component in components:
        component.change(None, components, None, js=js)
