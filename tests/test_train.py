import math

import pandas as pd
import pytest
import torch

from rnn_demo.data import DataError
from rnn_demo.evaluate import evaluate
from rnn_demo.predict import predict
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
    ({"weight_decay": -0.1}, "weight decay must be between 0 and 1, not -0.1"),
    ({"label_smoothing": 1}, "label smoothing must be between 0 and 0.5, not 1"),
    ({"schedule": "cosine"}, "schedule 'cosine' is not one of constant, onecycle"),
    ({"balance_method": "oversample"}, "balance method 'oversample' is not one of weights, logit-adjust"),
    ({"average": 1}, "weight averaging decay must be between 0 and 0.999, not 1"),
    ({"embedding": 10**4}, "embedding size must be between 0 and 512, not 10000"),
    ({"pooling": "sum"}, "pooling 'sum' is not one of last, last"),
    ({"feature_dropout": -0.5}, "feature dropout must be between 0 and 0.9"),
    ({"split_before_dedup": "yes"}, "split before dedup must be True or False"),
    ({"balance_strength": 5}, "balance strength must be between 0 and 2, not 5"),
    ({"keep_best": "loss"}, "keep best 'loss' is not one of accuracy, macro"),
])
def test_bad_hyperparameters_are_refused_with_the_valid_range(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


def test_time_limit_stops_training(separable_table):
    done = run_to_end(train(separable_table, TrainConfig(epochs=200, max_seconds=0.5, **TINY)))
    assert done.reason == "time limit" and done.epochs_run < 200


def test_a_stop_during_validation_ends_it_between_two_batches_and_drops_that_epoch(default_table):
    # 899 validation names: two batches of at most 512. stop() is called inside validation (no grad
    # there) before each batch: epoch 1 validates in full, epoch 2 stops before its second batch.
    checks = []

    def stop() -> bool:
        if not torch.is_grad_enabled():
            checks.append(len(checks) + 1)
        return len(checks) >= 4

    config = TrainConfig(epochs=3, val_fraction=0.5, hidden_size=8, num_layers=1, batch_size=2048)
    events = list(train(default_table, config, stop=stop))
    done = events[-1]
    assert done.reason == "stopped" and len(checks) == 4
    assert [e.epoch for e in events if isinstance(e, EpochEvent)] == [1]
    assert sum(isinstance(e, BatchEvent) for e in events) == 2  # one batch of 899 training names per epoch
    assert done.epochs_run == 1 and done.best_epoch == 1 and done.model.record["steps"] == 1


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


def test_the_default_learning_rate_follows_the_cell_unless_set():
    from rnn_demo.train import default_learning_rate
    assert [default_learning_rate(c) for c in ("rnn", "gru", "lstm")] == [1e-3, 3e-3, 3e-3]
    assert TrainConfig(cell="rnn").learning_rate == 1e-3 and TrainConfig().learning_rate == 3e-3
    assert TrainConfig(cell="rnn", learning_rate=0.02).learning_rate == 0.02


def test_every_option_has_a_sentence_for_the_page():
    from dataclasses import fields

    from rnn_demo.train import OPTIONS
    options = {"embedding", "pooling", "feature_dropout", "input_dropout", "balance_strength", "dropout", "weight_decay",
               "label_smoothing", "schedule", "average", "balance", "balance_method", "keep_best"}
    assert options == set(OPTIONS) and options <= {f.name for f in fields(TrainConfig)}
    assert all(text.endswith(".") and len(text) > 40 for text in OPTIONS.values())


def test_onecycle_schedule_warms_up_then_anneals():
    from rnn_demo.objective import AfterStep, make_optimizer
    config, model = TrainConfig(epochs=4, schedule="onecycle", **TINY), torch.nn.Linear(2, 2)
    optimizer = make_optimizer(model, config, torch.device("cpu"))
    after_step = AfterStep(model, optimizer, config, steps_per_epoch=6)
    rates = []
    for _ in range(4 * 6):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        after_step()
    peak = rates.index(max(rates))
    assert max(rates) == pytest.approx(0.01, rel=0.01) and 0.2 < peak / len(rates) < 0.4
    assert rates[0] < 0.001 and rates[-1] < 1e-5


def test_weight_decay_uses_adamw_and_label_smoothing_reaches_the_loss():
    from rnn_demo.objective import AfterStep, make_criterion, make_optimizer
    cpu, model = torch.device("cpu"), torch.nn.Linear(2, 2)
    config = TrainConfig(weight_decay=0.05, label_smoothing=0.2, **TINY)
    optimizer = make_optimizer(model, config, cpu)
    assert isinstance(optimizer, torch.optim.AdamW) and optimizer.defaults["weight_decay"] == 0.05
    assert make_criterion(config, [3, 4], cpu).label_smoothing == 0.2
    plain = TrainConfig(**TINY)
    assert type(make_optimizer(model, plain, cpu)) is torch.optim.Adam
    after_step = AfterStep(model, make_optimizer(model, plain, cpu), plain, steps_per_epoch=6)
    assert after_step.scheduler is None and after_step.averaged is None and after_step.weights() is model


def test_logit_adjusted_loss_adds_the_log_prior_to_the_logits():
    from rnn_demo.objective import LogitAdjustedLoss
    log_prior = torch.tensor([0.75, 0.25]).log()
    logits, targets = torch.tensor([[2.0, 1.0]]), torch.tensor([1])
    expected = torch.nn.functional.cross_entropy(logits + log_prior, targets)
    assert LogitAdjustedLoss(log_prior, 0.0)(logits, targets).item() == pytest.approx(expected.item())


def test_every_option_trains_and_a_balanced_logit_adjusted_run_keeps_the_best_macro_epoch(default_table):
    config = TrainConfig(epochs=3, arch="bidirectional", embedding=8, pooling="last+max", feature_dropout=0.2,
                         weight_decay=0.01, label_smoothing=0.1, schedule="onecycle", average=0.9,
                         balance=True, balance_method="logit-adjust", **TINY)
    events = list(train(default_table.iloc[::3], config))
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    done = events[-1]
    assert done.reason == "finished" and done.model.config.embedding == 8
    assert done.best_epoch == max(epochs, key=lambda e: (e.val_macro_accuracy, -e.val_loss)).epoch


def test_weight_averaging_validates_the_average_not_the_live_weights(separable_table):
    live = []
    for event in train(separable_table, TrainConfig(epochs=2, average=0.99, **TINY)):
        if isinstance(event, EpochEvent):  # the live model goes on changing: copy it at once
            live.append({k: v.clone() for k, v in event.model.state_dict().items()})
    kept = event.model.state_dict()  # the DoneEvent's model: the best epoch's averaged weights
    assert all(not torch.equal(weights[k], kept[k]) for weights in live for k in ("fc.weight", "fc.bias"))


def test_epoch_events_carry_the_live_model_and_done_the_two_splits(separable_table):
    events = list(train(separable_table, TrainConfig(epochs=2, **TINY)))
    done = events[-1]
    assert all(e.model is done.model for e in events if isinstance(e, EpochEvent))
    assert len(done.train_table) + len(done.val_table) == len(separable_table)
    assert not set(done.train_table["name"]) & set(done.val_table["name"])
    assert done.model.record["split"] == {"seed": 0, "val_fraction": 0.15}


def test_splitting_before_removing_duplicates_puts_training_names_in_validation():
    rows = [(f"{a}{b}ski", "Polish") for a in "kmnpr" for b in "aeiou"] * 3 + \
           [(f"{a}{b}moto", "Japanese") for a in "kstnh" for b in "aeiou"] * 3
    table = pd.DataFrame(rows, columns=["name", "label"])
    honest = run_to_end(train(table, TrainConfig(epochs=1, **TINY)))
    leaky = run_to_end(train(table, TrainConfig(epochs=1, split_before_dedup=True, **TINY)))
    assert not set(honest.val_table["name"]) & set(honest.train_table["name"])
    assert set(leaky.val_table["name"]) & set(leaky.train_table["name"])


def test_balance_weights_make_every_label_weigh_the_same_at_strength_1():
    from rnn_demo.objective import make_criterion
    counts = [10, 30, 60]
    full = make_criterion(TrainConfig(balance=True), counts, torch.device("cpu")).weight
    assert (full * torch.tensor(counts, dtype=torch.float)).tolist() == pytest.approx([100 / 3] * 3)
    half = make_criterion(TrainConfig(balance=True, balance_strength=0.5), counts, torch.device("cpu")).weight
    assert half[0] / half[2] == pytest.approx(6 ** 0.5)  # (60 / 10) ** 0.5
    off = make_criterion(TrainConfig(balance=True, balance_strength=0), counts, torch.device("cpu")).weight
    assert off.tolist() == pytest.approx([1, 1, 1])


def test_keep_best_follows_balance_unless_set(default_table):
    assert TrainConfig().keep_best == "accuracy" and TrainConfig(balance=True).keep_best == "macro"
    config = TrainConfig(epochs=4, balance=True, keep_best="accuracy", **TINY)
    events = list(train(default_table.iloc[::3], config))
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    assert events[-1].best_epoch == max(epochs, key=lambda e: (e.val_accuracy, -e.val_loss)).epoch
