import math

import pandas as pd
import pytest
import torch

from rnn_demo.data import DataError
from rnn_demo.predict import predict
from rnn_demo.evaluate import evaluate
from rnn_demo.train import BatchEvent, DoneEvent, EpochEvent, TrainConfig, TrainingError, run_to_end, train

TINY = dict(hidden_size=16, num_layers=1, batch_size=8, learning_rate=0.01)


def test_loss_falls_on_a_separable_table(separable_table):
    events = list(train(separable_table, TrainConfig(epochs=8, **TINY)))
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "finished"
    assert [e.epoch for e in epochs] == list(range(1, 9))
    assert epochs[-1].train_loss < 0.5 * epochs[0].train_loss
    assert done.val_accuracy == 1.0
    steps = [e.step for e in events if isinstance(e, BatchEvent)]
    assert steps == list(range(1, len(steps) + 1))


def test_same_seed_gives_the_same_losses(separable_table):
    def losses(seed):
        return [e.loss for e in train(separable_table, TrainConfig(epochs=2, seed=seed, **TINY))
                if isinstance(e, BatchEvent)]
    assert losses(3) == losses(3)
    assert losses(3) != losses(4)


def test_stop_between_batches_keeps_a_usable_model(separable_table):
    seen = []
    events = train(separable_table, TrainConfig(epochs=50, **TINY), stop=lambda: len(seen) >= 20)
    for event in events:
        if isinstance(event, BatchEvent):
            seen.append(event)
    done = event
    assert isinstance(done, DoneEvent) and done.reason == "stopped"
    assert len(seen) == 20 and done.epochs_run < 50
    assert done.best_epoch >= 1 and not math.isnan(done.val_accuracy)
    assert len(predict(done.model, ["kaski"], 2)[0]) == 2


def test_stop_before_the_first_batch_still_returns_a_model(separable_table):
    done = run_to_end(train(separable_table, TrainConfig(epochs=5, **TINY), stop=lambda: True))
    assert done.reason == "stopped" and done.epochs_run == 0 and done.best_epoch == 0
    assert predict(done.model, ["kaski"], 1)[0][0][0] in ("Polish", "Japanese")


def test_no_nan_weights_after_a_non_finite_loss(separable_table, monkeypatch):
    # Force a NaN loss on the 3rd step: training must stop before the optimiser uses it.
    import rnn_demo.train as train_module
    real = train_module.nn.CrossEntropyLoss
    calls = []

    class Poisoned(real):
        def forward(self, logits, target):
            calls.append(1)
            loss = super().forward(logits, target)
            return loss * float("nan") if len(calls) == 3 else loss

    monkeypatch.setattr(train_module.nn, "CrossEntropyLoss", Poisoned)
    with pytest.raises(TrainingError, match="the loss became nan at epoch 1, step 3.*lower learning rate"):
        run_to_end(train(separable_table, TrainConfig(epochs=2, **TINY)))


def test_train_refuses_a_one_label_table():
    table = pd.DataFrame({"name": ["Anna", "Ada", "Alma"], "label": ["A", "A", "A"]})
    with pytest.raises(DataError, match="at least 2 labels"):
        next(train(table, TrainConfig(**TINY)))


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, "epochs must be between 1 and 200"),
    ({"epochs": 10**6}, "epochs must be between 1 and 200"),
    ({"learning_rate": 1e9}, "learning rate must be above 0 and at most 1.0"),
    ({"learning_rate": -1}, "learning rate must be above 0"),
    ({"hidden_size": 10**6}, "hidden size must be between 1 and 512"),
    ({"batch_size": 0}, "batch size must be between 1 and 2048"),
])
def test_bad_hyperparameters_are_refused_with_the_valid_range(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


def test_time_limit_stops_training(separable_table):
    done = run_to_end(train(separable_table, TrainConfig(epochs=200, max_seconds=0.5, **TINY)))
    assert done.reason == "time limit" and done.epochs_run < 200


def test_evaluate_reports_accuracy_macro_per_label_and_confusion(separable_table):
    done = run_to_end(train(separable_table, TrainConfig(epochs=8, **TINY)))
    result = evaluate(done.model, separable_table)
    assert result.confusion.shape == (2, 2)
    assert list(result.confusion.index) == ["Japanese", "Polish"]
    assert result.confusion.values.sum() == len(separable_table) == result.n
    diagonal = result.confusion.values.trace() / result.n
    assert result.accuracy == pytest.approx(diagonal)
    assert result.macro_accuracy == pytest.approx(sum(result.per_label.values()) / 2)


def test_macro_accuracy_is_the_mean_of_per_label_recall():
    from rnn_demo.evaluate import accuracies
    targets = torch.tensor([0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
    predicted = torch.zeros(10, dtype=torch.long)  # always the majority label
    accuracy, macro, per_class = accuracies(predicted, targets, 2)
    assert accuracy == pytest.approx(0.8) and macro == pytest.approx(0.5)


def test_predict_batch_equals_one_at_a_time_and_is_sorted(default_table):
    done = run_to_end(train(default_table, TrainConfig(epochs=1, **TINY)))
    names = ["Nakamura", "Li", "Schwarzenegger", "O'Neill"]
    together = predict(done.model, names, k=5)
    for name, top in zip(names, together):
        alone = predict(done.model, [name], k=5)[0]
        assert [l for l, _ in top] == [l for l, _ in alone]
        assert [p for _, p in top] == pytest.approx([p for _, p in alone], abs=1e-6)
        assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    with pytest.raises(DataError, match="has no letters"):
        predict(done.model, ["1234"])


def test_balance_keeps_the_epoch_with_the_best_macro_accuracy(default_table):
    events = list(train(default_table.iloc[::3], TrainConfig(epochs=4, balance=True, **TINY)))
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    done = events[-1]
    best = max(epochs, key=lambda e: (e.val_macro_accuracy, -e.val_loss))
    assert done.best_epoch == best.epoch
    assert done.val_macro_accuracy == pytest.approx(best.val_macro_accuracy)
