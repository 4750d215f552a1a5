"""Training in worker processes: the same events as train(), each epoch's map drawn in the worker,
a stop that takes effect, and the worker kept for the next training."""

import os

import pandas as pd
import pytest
import torch

from rnn_demo.inside.hidden_map import MapSnapshot
from rnn_demo.train import BatchEvent, DoneEvent, EpochEvent, TrainConfig, train
from serving.worker import NICE, TrainingPool

from conftest import two_label_table

TABLE = pd.DataFrame(two_label_table("Alpha", "Beta")["data"], columns=["name", "label"])
CONFIG = TrainConfig(epochs=3, hidden_size=8, num_layers=1, batch_size=8)


def test_the_worker_sends_train_events_then_a_map_after_each_epoch_without_the_weights():
    pool = TrainingPool(1)
    names = ["kaski", "kimoto", "pepu"]
    events = list(pool.train(TABLE, CONFIG, map_names=names))
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    maps = [e for e in events if isinstance(e, MapSnapshot)]
    assert [e.epoch for e in epochs] == [m.epoch for m in maps] == [1, 2, 3]
    assert all(e.model is None for e in epochs)  # the weights stayed in the worker
    assert all(m.xy.shape == (3, 2) for m in maps)
    assert events.index(maps[0]) == events.index(epochs[0]) + 1 and isinstance(events[-1], DoneEvent)
    # Same seed in this process: the same final weights, and the same last map.
    local = list(train(TABLE, CONFIG))
    done = local[-1]
    for (name, ours), theirs in zip(done.model.state_dict().items(), events[-1].model.state_dict().values()):
        torch.testing.assert_close(ours, theirs, msg=name)
    assert len([e for e in local if isinstance(e, BatchEvent)]) == len([e for e in events if isinstance(e, BatchEvent)])


def test_a_stop_ends_the_training_and_the_worker_runs_the_next_one_at_a_low_priority():
    pool = TrainingPool(1)
    events = list(pool.train(TABLE, TrainConfig(epochs=200, hidden_size=8, num_layers=1, batch_size=8),
                             stop=lambda: True))
    assert isinstance(events[-1], DoneEvent) and events[-1].stopped and events[-1].epochs_run < 200
    worker = pool._free.queue[0]
    assert worker is not None and worker.alive()
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, worker.process.pid) == min(19, ours + NICE)  # serving comes first
    again = list(pool.train(TABLE, CONFIG))
    assert isinstance(again[-1], DoneEvent) and pool._free.queue[0] is worker  # the same process, kept


def test_remember_the_first_letter_runs_in_a_worker_with_the_same_numbers():
    from rnn_demo.inside.remember_first import RememberConfig, RememberResult, remember_first

    config = RememberConfig(ks=(2,), cells=("rnn",), seeds=1, hidden_size=8, train_sequences=200,
                            val_sequences=50, epochs=2)
    remote = list(TrainingPool(1).remember_first(config))
    local = list(remember_first(config))
    assert isinstance(remote[-1], RememberResult) and [type(e) for e in remote] == [type(e) for e in local]
    assert remote[-1].accuracy.equals(local[-1].accuracy)


def test_the_pool_follows_the_usable_cores_and_the_variable_overrides(monkeypatch):
    from serving.worker import TRAININGS_VARIABLE, trainings_at_once

    monkeypatch.delenv(TRAININGS_VARIABLE, raising=False)
    assert trainings_at_once() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(TRAININGS_VARIABLE, "5")
    assert trainings_at_once() == 5
    monkeypatch.setenv(TRAININGS_VARIABLE, "0")
    with pytest.raises(ValueError, match="1 or more"):
        trainings_at_once()


def test_a_worker_is_alive_as_soon_as_the_pool_is_made_before_any_job():
    pool = TrainingPool(2)
    first = pool._free.get_nowait()
    assert first is not None and first.alive()  # importing torch while nobody waits
    pool._free.put(first)
    assert any(isinstance(e, DoneEvent) for e in pool.train(TABLE, CONFIG))
