"""The page's control for each setting, made from its row in rnn_demo/settings.py: a radio for
choices, a checkbox for on/off, a slider where the row gives a step, else a number box. Ranges are
the setting's own, so the page can offer nothing the checks refuse."""

from __future__ import annotations

import gradio as gr

from rnn_demo.settings import SETTINGS, Setting

AUTO = "auto"  # the radio's value for a setting left to its default rule (keep_best: None)
# How wide a few controls sit in their row (presentation only): the architecture's long labels.
LAYOUT = {"arch": dict(scale=3, min_width=320), "cell": dict(scale=1)}  # a phone's width puts Cell below


def control(setting: Setting) -> gr.components.Component:
    """The control for one setting, its value the default; elem_id is its page name (#arch, #hidden, ...)."""
    # The options explain themselves under the control; the main settings keep the panel short, so
    # Train stays in view (their sentences are the CLI's help).
    info = setting.sentence if setting.group == "option" else None
    common = dict(label=setting.label, info=info, elem_id=setting.page_name, **LAYOUT.get(setting.page_name, {}))
    if setting.kind is bool:
        return gr.Checkbox(setting.default, **common)
    if setting.choices:
        choices = list(zip(setting.shown or setting.choices, setting.choices))
        if setting.auto:
            choices.insert(0, (f"auto: {setting.auto}", AUTO))
        return gr.Radio(choices, value=AUTO if setting.default is None else setting.default, **common)
    if setting.auto:  # a number left to its rule shows as 0
        common["info"] = f"{info or ''} 0: {setting.auto}.".strip()
    value = 0 if setting.default is None else setting.default
    if setting.step is not None:
        return gr.Slider(setting.low, setting.high, value=value, step=setting.step, **common)
    return gr.Number(value, minimum=0 if setting.auto else setting.low, maximum=setting.high,
                     precision=0 if setting.kind is int else None, **common)


def build(group: str, per_row: int) -> dict[str, gr.components.Component]:
    """The controls of one group of settings ("main" or "option"), `per_row` to a row (the choices
    of the main group each take a row's share of their own), by page name."""
    controls = {}
    row = [s for s in SETTINGS if s.group == group]
    radios = [s for s in row if s.choices and group == "main"]
    if radios:
        with gr.Row():
            controls.update({s.page_name: control(s) for s in radios})
    rest = [s for s in row if s not in radios]
    for start in range(0, len(rest), per_row):
        with gr.Row():
            controls.update({s.page_name: control(s) for s in rest[start:start + per_row]})
    return controls
