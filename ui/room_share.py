"""What a room member's training shares with the room (serving/rooms.py): its settings, its loss
curve, its best and per-language validation accuracy, or why it failed. Nothing else leaves the
session: not the table, not the names, not the weights.

ui/train_panel.py makes one `SharedRun` per training and tells it what the learner sees; a session
outside any room gets one that does nothing.
"""

from __future__ import annotations

from rnn_demo.evaluate import evaluate
from rnn_demo.train import DoneEvent, TrainConfig
from serving.rooms import ROOMS, RoomStore

# The settings a room sees, by the page's name (ui/settings.py) -> TrainConfig field.
SHARED_SETTINGS = {"arch": "arch", "cell": "cell", "hidden": "hidden_size", "layers": "num_layers",
                   "epochs": "epochs", "learning_rate": "learning_rate", "batch_size": "batch_size",
                   "seed": "seed", "embedding": "embedding", "pooling": "pooling", "dropout": "dropout"}


def shared_settings(config: TrainConfig) -> dict:
    return {name: getattr(config, field) for name, field in SHARED_SETTINGS.items()}


class SharedRun:
    """One training as its room sees it; every call is a no-op for a session in no room."""

    def __init__(self, session, config: TrainConfig, store: RoomStore = ROOMS):
        self.store, self.where = store, getattr(session, "room", None)  # (code, member token) or None
        if self.where is not None and store.start_run(*self.where, shared_settings(config)) is None:
            self.where = None  # the room expired, or the member left: share nothing

    def progress(self, progress) -> None:
        """The curve so far, from train_panel.TrainingProgress's (epoch, value, series) points."""
        if self.where is None:
            return
        curve = [(x, y) for x, y, series in progress.points if series == "train loss (smoothed)"]
        accuracy = [(int(x), y) for x, y, series in progress.points if series == "validation accuracy"]
        self.store.add_points(*self.where, curve, accuracy)

    def done(self, done: DoneEvent, progress) -> None:
        """The run ended (finished, or stopped with its best epoch so far)."""
        if self.where is None:
            return
        self.progress(progress)
        if done.best_epoch == 0:  # stopped before an epoch ended: nothing was kept
            self.store.finish_run(*self.where, "stopped")
            return
        per_language = (evaluate(done.model, done.val_table, already_clean=True).per_label
                        if not done.val_table.empty else {})
        self.store.finish_run(*self.where, "finished" if not done.stopped else "stopped", done.val_accuracy,
                              done.val_macro_accuracy, per_language)

    def failed(self, reason: str) -> None:
        if self.where is not None:
            self.store.finish_run(*self.where, "failed", reason=reason)
