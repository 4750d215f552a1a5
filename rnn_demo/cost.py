"""How long a training will take, from its settings and its table, before it starts: what the queue
tells a learner who waits behind it (serving/line.py).

One name of one epoch (its training step and its share of validation) costs

    seconds = PER_BATCH / B                        the loop's own work per batch
            + FLOPS * flops(name) / 1e9            the matrix products, forward and backward
            + PER_LAYER * L * D * (T / T0) / B     per batch, per layer and direction, per letter
                                                   (the manual loop: MANUAL_LAYER, a Python step per letter)

plus PER_EPOCH per epoch, with B the batch size, L layers, D directions, T the table's mean name length (T0 = 6.3, the default
table's). The factors were fitted on one CPU thread of the 2-core development machine under load
(8 settings, 2 epochs of the default table: each within 0.7-1.2x of its measured time); the queue
corrects them by the pace of the jobs it sees running.
"""

from __future__ import annotations

from .config import TrainConfig
from .data import V

PER_BATCH = 1.0e-3
FLOPS = 0.046  # seconds per 1e9 flops (~22 GFLOP/s)
PER_LAYER = 4.5e-3
MANUAL_LAYER = 25e-3
PER_EPOCH = 0.2  # an epoch's own start and end: its loader, the validation pass's set-up, the best model kept
T0 = 6.3
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def flops_per_name(config: TrainConfig, length: float, inputs: int = V) -> float:
    """Multiply-adds of one name's forward and backward pass (x 2 flops, x 3 for the backward)."""
    directions = 2 if config.arch == "bidirectional" else 1
    width = config.embedding or inputs
    total = 0
    for layer in range(config.num_layers):
        reads = width if layer == 0 else config.hidden_size * directions
        total += directions * 2 * GATES[config.cell] * config.hidden_size * (reads + config.hidden_size)
    return total * length * 3


def name_seconds(config: TrainConfig, length: float) -> float:
    """One name, one epoch."""
    directions = 2 if config.arch == "bidirectional" else 1
    per_layer = MANUAL_LAYER if config.arch == "manual" else PER_LAYER
    return (PER_BATCH / config.batch_size + FLOPS * flops_per_name(config, length) / 1e9
            + per_layer * config.num_layers * directions * (length / T0) / config.batch_size)


def train_seconds(config: TrainConfig, table) -> float:
    """About how long `table` (a names table, or a Split) trains under `config`, its time limit aside."""
    rows = table.train_rows if hasattr(table, "train_rows") else table
    length = float(rows["name"].astype(str).str.len().mean()) if len(rows) else T0
    train_rows = len(rows) if hasattr(table, "train_rows") else len(rows) * (1 - config.val_fraction)
    return config.epochs * (train_rows * name_seconds(config, length) + PER_EPOCH)


def remember_seconds(config) -> float:
    """About how long the "remember the first letter" experiment takes (its RememberConfig: read by
    attribute, the core imports nothing of the rooms), its time limit aside."""
    total = 0.0
    for cell in config.cells:
        setting = TrainConfig(arch="stacked", cell=cell, hidden_size=config.hidden_size,
                              num_layers=config.num_layers, batch_size=config.batch_size)
        for k in config.ks:
            total += name_seconds(setting, k + 1) * config.train_sequences * config.epochs
    return total * config.seeds


def share_done(event) -> float | None:
    """How much of its job a training's or the experiment's event says is done (0-1), or None."""
    if hasattr(event, "runs_done"):  # remember the first letter's RememberProgress
        return (event.runs_done + event.epoch / event.epochs) / event.runs
    steps = getattr(event, "steps_per_epoch", None)
    if steps:  # a BatchEvent
        return event.step / (steps * event.epochs)
    if hasattr(event, "val_accuracy") and hasattr(event, "epochs") and hasattr(event, "epoch"):
        return event.epoch / event.epochs  # an EpochEvent
    return None
