"""The page's settings by name -> a TrainConfig: one mapping for the controls, /train's settings and
the share link (ui/share_url.py), checked field by field with a message that names the setting."""

from __future__ import annotations

from dataclasses import fields

from rnn_demo import limits
from rnn_demo.config import TrainConfig, real_number, whole_number

from .errors import refused

# The page's name of each setting (its control, its /train key, its link key's base) -> the TrainConfig
# field it sets: the same name but for these two. `balance` ("off", "weights", "logit-adjust") sets
# balance and balance_method; learning rate 0 and keep_best "auto" leave the config's own default.
FIELD_OF = {"hidden": "hidden_size", "layers": "num_layers"}
FIELD_TYPES = {f.name: f.type for f in fields(TrainConfig)}  # "int", "float | None", "str", ...


def _field_value(name: str, value):
    """One page value as its TrainConfig field's type; ValueError naming the setting."""
    kind, label = FIELD_TYPES[FIELD_OF.get(name, name)], name.replace("_", " ")
    if kind.startswith("int"):
        return whole_number(label, value)
    if kind.startswith("float"):
        return real_number(label, value)
    return value


def make_config(**values) -> TrainConfig:
    """The page's settings, by page name (a missing one keeps its default), as a TrainConfig; a bad
    value becomes a readable error. An empty learning rate (or 0) follows the cell (1e-3 for the plain
    rnn, 3e-3 for gru and lstm); keep_best 'auto' keeps the best macro epoch when balancing, else accuracy."""
    values = dict(values)
    try:
        unknown = [name for name in values if FIELD_OF.get(name, name) not in FIELD_TYPES
                   or name in FIELD_OF.values() or name == "max_seconds"]  # the page's limit is not a setting
        if unknown:
            raise ValueError(f"unknown setting {', '.join(map(repr, unknown))}")
        if values.get("learning_rate") in (None, "", 0):
            values.pop("learning_rate", None)
        if values.get("keep_best") in (None, "", "auto"):
            values.pop("keep_best", None)
        balance = values.pop("balance", "off")
        if balance != "off":
            values.update(balance=True, balance_method=balance)
        fields_ = {FIELD_OF.get(name, name): _field_value(name, value) if name != "balance" else value
                   for name, value in values.items()}
        return TrainConfig(**fields_, max_seconds=limits.MAX_TRAIN_SECONDS)
    except (TypeError, ValueError) as err:
        raise refused(f"Settings: {err}") from None
