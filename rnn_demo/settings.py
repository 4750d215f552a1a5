"""Every setting of a training run, declared once: its field, default, range and one sentence.

Everything else is read from SETTINGS: Architecture (models.py) and TrainConfig (config.py) get their
fields from it, their checks are `Setting.problem`, the CLI's flags and help come from it
(__main__.py), and so do the page's controls (ui/controls.py), the share link's keys
(ui/share_url.py) and /train's setting names (ui/settings.py). A new setting is one row here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    field: str  # the config's field: TrainConfig's, and ModelConfig's too when `model`
    default: object  # None only where `auto` says what None means
    sentence: str  # the CLI's help and the page's note under the control
    label: str  # the page's control
    kind: type = float  # int | float | str | bool
    low: float | None = None  # the allowed range, both ends included (None: no bound) ...
    high: float | None = None
    above_low: bool = False  # ... but `low` itself is not allowed (a learning rate above 0)
    choices: tuple = ()  # a str setting's allowed values
    shown: tuple = ()  # the page's text for each choice, in order (default: the choice itself)
    step: float | None = None  # the page's slider step; None: a number box (a radio for choices)
    auto: str = ""  # what None means: the page offers it as 0 or "auto"; "": None is not allowed
    group: str = "main"  # the page's settings rows; "option": "Make it stronger"; "": not on the page
    model: bool = False  # part of the network (ModelConfig, saved in checkpoints), not how it trains
    name: str = ""  # the page's, /train's and the link's name; "": the field's
    flag: str = ""  # the CLI flag; "": --field-name
    key: str = ""  # the share link's key; "": the name
    said: str = ""  # how a message names it; "": the field with spaces

    @property
    def page_name(self) -> str:
        return self.name or self.field

    @property
    def cli_flag(self) -> str:
        return self.flag or "--" + self.field.replace("_", "-")

    @property
    def url_key(self) -> str:
        return self.key or self.page_name

    @property
    def annotation(self) -> str:
        return self.kind.__name__ + (" | None" if self.auto else "")

    def problem(self, value) -> str | None:
        """What is wrong with `value` for this setting, in one phrase; None: nothing."""
        said = self.said or self.field.replace("_", " ")
        if value is None and self.auto:
            return None
        if self.kind is bool:
            return None if type(value) is bool else f"{said} must be True or False, not {value!r}"
        if self.kind is str:
            return None if value in self.choices else f"{said} {value!r} is not one of {', '.join(self.choices)}"
        # type(), not isinstance(): a bool is an int in Python, but not a size
        fits = type(value) is int if self.kind is int else type(value) in (int, float) and math.isfinite(value)
        if fits and self.low is not None:
            fits = value > self.low if self.above_low else value >= self.low
        if fits and self.high is not None:
            fits = value <= self.high
        if fits:
            return None
        if self.above_low:
            at_most = f" and at most {self.high}" if self.high is not None else ""
            return f"{said} must be above {self.low}{at_most}, not {value}"
        return f"{said} must be between {self.low} and {self.high}, not {value}"


ARCH_SENTENCE = """Which network reads the name: a loop over the letters with nn.RNNCell written out ('manual'), nn.RNN with layers on layers fed a packed batch ('stacked'), or nn.RNN reading the name both ways ('bidirectional')."""
EMBEDDING = """Embedding size E: each letter becomes a learned vector of E numbers instead of its one-hot column (0 keeps the one-hot input); multiplying a one-hot row by a (V, E) matrix picks one row of it, so an embedding is exactly one-hot times a matrix."""
POOLING = """What the classifier reads: 'last' is the state after the last letter; 'last+max' adds the largest value each hidden unit took over all letters, so a telling ending or prefix anywhere in the name is not forgotten by the end."""
BALANCE = """Make rare languages count as much as common ones, and keep the epoch with the best macro accuracy: 'weights' multiplies each name's loss by 1 / its language's share; 'logit-adjust' adds log(share) to the scores in the loss only, so the model must beat a language's head start rather than ride it."""
AVERAGE = """Validate and keep a moving average of the weights over the last steps (each step keeps this share of the average, e.g. 0.999): the average of nearby weights sits in a flatter, steadier spot than the last step's noisy ones."""
SMOOTHING = """The target is no longer 100 % on the right language: a share s of it is spread over all languages, so the network stops pushing its scores to extremes on names it already gets right (many surnames really belong to several languages)."""
SPLIT_FIRST = """The wrong way round, to see leakage: split the lines first and remove duplicates after, so a name listed twice can be in training and validation, and validation partly tests memory."""

# The page shows the main settings in this order, then the options ("Make it stronger") in theirs.
SETTINGS = (
    Setting("arch", "stacked", ARCH_SENTENCE, "Architecture", str, model=True, said="architecture",
            choices=("manual", "stacked", "bidirectional"),
            shown=("Manual nn.RNNCell loop — you step through the letters yourself",
                   "Stacked nn.RNN — layers on layers, fed a packed batch",
                   "Bidirectional nn.RNN — reads the name both ways")),
    Setting("cell", "gru", "The recurrent cell: 'rnn' is the plain tanh cell; 'gru' and 'lstm' are gated and "
            "remember longer.", "Cell", str, model=True, choices=("rnn", "gru", "lstm"), shown=("RNN", "GRU", "LSTM")),
    Setting("hidden_size", 128, "Units in each hidden state h_t: more tell more names apart, and cost more time "
            "and memory.", "Hidden size", int, 1, 512, step=1, model=True, name="hidden", flag="--hidden"),
    Setting("num_layers", 2, "Recurrent layers on top of each other (stacked and bidirectional): each reads the "
            "states of the one below.", "Layers", int, 1, 4, step=1, model=True, name="layers", flag="--layers",
            said="layers"),
    Setting("epochs", 20, "Passes over the training names.", "Epochs", int, 1, 200, step=1),
    Setting("learning_rate", None, "Adam's step size: how far one step moves the weights along the gradient.",
            "Learning rate (Adam)", float, 0, 1.0, above_low=True,
            auto="the cell's: 1e-3 for rnn, 3e-3 for gru and lstm", flag="--lr", key="lr"),
    Setting("batch_size", 64, "Names in one training step: the gradient of their mean loss moves the weights "
            "once.", "Batch size", int, 1, 2048, step=1, key="batch"),
    Setting("seed", 0, "One seed for the split, the initial weights and the batch order: the same seed trains "
            "the same model.", "Seed", int, 0, 2**31 - 1),  # torch and the split take any such seed
    Setting("val_fraction", 0.15, "Share of each label held out for validation.", "Validation share", float,
            0.05, 0.5, group="", said="validation fraction"),
    Setting("clip", 1.0, "Largest gradient norm: RNN gradients can explode over long names.", "Gradient clip",
            float, 0, None, above_low=True, group="", said="gradient clip"),
    Setting("max_seconds", None, "Stop after this many seconds, keeping the best epoch.", "Time limit (s)",
            float, 0, None, above_low=True, auto="no time limit", group="", said="time limit"),
    Setting("embedding", 0, EMBEDDING, "Embedding size (0: one-hot straight in)", int, 0, 512, step=8,
            group="option", model=True, said="embedding size"),
    Setting("pooling", "last", POOLING, "Classifier reads", str, choices=("last", "last+max"), group="option",
            model=True),
    Setting("dropout", 0.0, "Share of the signal between two stacked recurrent layers zeroed at random in "
            "training: the upper layer cannot rely on any one unit below it.", "Dropout between layers", float,
            0, 0.9, step=0.05, group="option", model=True),
    Setting("weight_decay", 0.0, "AdamW shrinks every weight a little towards zero at each step (by learning "
            "rate x weight decay), so the network prefers small weights that generalise.", "Weight decay (AdamW)",
            float, 0, 1, step=0.01, group="option"),
    Setting("label_smoothing", 0.0, SMOOTHING, "Label smoothing", float, 0, 0.5, step=0.05, group="option",
            key="smoothing"),
    Setting("schedule", "constant", "'onecycle' warms the learning rate up to its maximum over the first 30 % of "
            "the steps, then anneals it to almost zero: fast progress first, fine settling at the end.",
            "Learning-rate schedule", str, choices=("constant", "onecycle"), group="option"),
    Setting("input_dropout", 0.0, "Share of the numbers that describe each letter (its one-hot or embedded "
            "vector) zeroed at random in training: the network learns not to rely on any one letter.",
            "Input dropout", float, 0, 0.9, step=0.05, group="option", model=True),
    Setting("feature_dropout", 0.0, "Share of the classifier's inputs zeroed at random in training (never when "
            "predicting), so it cannot lean on a few hidden units: less overfitting.",
            "Dropout before the classifier", float, 0, 0.9, step=0.05, group="option", model=True),
    Setting("average", 0.0, AVERAGE, "Average the weights (0: off; e.g. 0.998)", float, 0, 0.999, step=0.001,
            group="option", said="weight averaging decay"),
    Setting("balance", False, BALANCE, "Balance the languages", bool, group="option"),
    Setting("balance_method", "weights", "How balance balances: 'weights' or 'logit-adjust' (see balance).",
            "Balance by", str, choices=("weights", "logit-adjust"), group="option"),
    Setting("balance_strength", 1.0, "How far balancing goes: 0 changes nothing, 1 makes every language count "
            "equally (weights 1 / share, or the whole log-share added); in between gives up less accuracy and "
            "gains less macro accuracy.", "Balance strength", float, 0, 2, step=0.05, group="option"),
    Setting("keep_best", None, "Which epoch's weights training keeps: the one with the best validation "
            "'accuracy' or the best 'macro' accuracy.", "Keep the epoch with the best", str,
            choices=("accuracy", "macro"), auto="macro when balancing, else accuracy", group="option"),
    Setting("split_before_dedup", False, SPLIT_FIRST, "Split before removing duplicates", bool, group=""),
)
BY_FIELD = {setting.field: setting for setting in SETTINGS}
BY_NAME = {setting.page_name: setting for setting in SETTINGS}
OPTIONS = {s.field: s.sentence for s in SETTINGS if s.group == "option"}  # what makes the network stronger


def declared(model: bool):
    """A class decorator, under @dataclass: the class gets one field per setting whose `model` is
    `model`, typed and with the default declared above (the class's own fields come after them)."""
    def add_fields(cls):
        own = [s for s in SETTINGS if s.model == model]
        cls.__annotations__ = {**{s.field: s.annotation for s in own}, **cls.__dict__.get("__annotations__", {})}
        for setting in own:
            setattr(cls, setting.field, setting.default)
        return cls
    return add_fields


def problems(config, model: bool) -> list[str]:
    """Every problem with the settings (their `model` equal to `model`) of a config, one phrase each."""
    found = [s.problem(getattr(config, s.field)) for s in SETTINGS if s.model == model]
    return [problem for problem in found if problem]
