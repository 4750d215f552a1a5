"""The page's settings by name -> a TrainConfig: one reading for the controls, /train's settings and
the share link (ui/share_url.py), each name and its type from rnn_demo/settings.py, a bad value told
with a message that names the setting."""

from __future__ import annotations

from rnn_demo import limits
from rnn_demo.config import TrainConfig, real_number, whole_number
from rnn_demo.settings import BY_NAME

from .controls import AUTO
from .errors import refused

NOT_SETTABLE = {"max_seconds"}  # the page's time limit (limits.MAX_TRAIN_SECONDS) is not a visitor's to change


def _value(name: str, value):
    """One page value as its setting's type; None where the setting is left to its rule (a learning
    rate of 0 or empty, keep_best "auto"); ValueError naming the setting."""
    setting, said = BY_NAME[name], name.replace("_", " ")
    if setting.auto and value in (None, "", 0, AUTO):
        return None
    if setting.kind is int:
        return whole_number(said, value)
    if setting.kind is float:
        return real_number(said, value)
    return value  # text and on/off: the checks (settings.Setting.problem) say what is wrong


def make_config(**values) -> TrainConfig:
    """The page's settings, by page name (a missing one keeps its default), as a TrainConfig; a bad
    value becomes a readable error."""
    try:
        unknown = [name for name in values if name not in BY_NAME or name in NOT_SETTABLE]
        if unknown:
            raise ValueError(f"unknown setting {', '.join(map(repr, unknown))}")
        fields = {BY_NAME[name].field: _value(name, value) for name, value in values.items()}
        return TrainConfig(**fields, max_seconds=limits.MAX_TRAIN_SECONDS)
    except (TypeError, ValueError) as err:
        raise refused(f"Settings: {err}") from None
