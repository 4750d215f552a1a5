"""Faults injected into a real worker pool: each is told to the caller with its own message within
seconds, the slot frees, and the next training on the same pool runs."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from rnn_demo.train import BatchEvent, DoneEvent, TrainConfig, TrainingError
from serving import worker as workers

LONG = TrainConfig(hidden_size=8, epochs=200, batch_size=4, seed=0)
SHORT = TrainConfig(hidden_size=8, epochs=1, seed=0)


@pytest.fixture
def started(monkeypatch) -> list:
    """Every worker the pools of a test start, in order."""
    created = []

    class Recorded(workers.Worker):
        def __init__(self):
            super().__init__()
            created.append(self)

    monkeypatch.setattr(workers, "Worker", Recorded)
    return created


def running(pool, table, **kwargs):
    """A training on `pool` that has sent its first batch event."""
    events = pool.train(table, LONG, **kwargs)
    for event in events:
        if isinstance(event, BatchEvent):
            return events


def ends_ok(pool, table) -> bool:
    return any(isinstance(event, DoneEvent) for event in pool.train(table, SHORT))


def test_a_killed_worker_is_told_at_once_and_replaced(separable_table, started):
    pool = workers.TrainingPool(1)
    events = running(pool, separable_table)
    os.kill(started[-1].process.pid, signal.SIGKILL)
    began = time.monotonic()
    with pytest.raises(TrainingError, match="the training process stopped"):
        list(events)
    print(f"\nkilled worker told after {time.monotonic() - began:.2f} s")
    assert ends_ok(pool, separable_table) and len(started) == 2  # the slot is free, a new worker trains


def test_an_error_in_the_worker_arrives_with_its_message_and_the_worker_is_kept(separable_table, started):
    pool = workers.TrainingPool(1)
    assert ends_ok(pool, separable_table)
    began = time.monotonic()
    one_label = separable_table[separable_table["label"] == "Polish"]  # train() refuses it, in the worker
    with pytest.raises(TrainingError, match="DataError: .*at least 2 labels"):
        list(pool.train(one_label, SHORT))
    print(f"\nworker error told after {time.monotonic() - began:.2f} s")
    assert ends_ok(pool, separable_table)
    assert len(started) == 1 and started[0].alive()  # the same process served every job


def test_a_hung_worker_is_replaced_and_a_stop_takes_effect(separable_table, started, monkeypatch):
    monkeypatch.setattr(workers, "HUNG_SECONDS", 2.0)
    monkeypatch.setattr(workers, "STOP_SECONDS", 2.0)
    pool = workers.TrainingPool(1)
    events = running(pool, separable_table)
    os.kill(started[-1].process.pid, signal.SIGSTOP)
    began = time.monotonic()
    with pytest.raises(TrainingError, match="stopped answering for 2 s and was replaced"):
        list(events)
    print(f"\nhung worker told after {time.monotonic() - began:.2f} s")
    assert not started[0].alive() and ends_ok(pool, separable_table) and len(started) == 2

    stop = {"now": False}
    events = running(pool, separable_table, stop=lambda: stop["now"])
    os.kill(started[-1].process.pid, signal.SIGSTOP)
    stop["now"] = True
    began = time.monotonic()
    with pytest.raises(TrainingError, match="did not answer the stop"):
        list(events)
    print(f"stop of a hung worker told after {time.monotonic() - began:.2f} s")
    assert not started[1].alive() and ends_ok(pool, separable_table) and len(started) == 3


def test_a_worker_starved_of_cpu_after_a_stop_keeps_its_stopped_result(separable_table, started):
    """At nice 19 under load a worker can get no CPU for seconds after a Stop (here: paused 3 s); it is
    not taken for hung (that killed it after 1 s and lost the stopped result), its result arrives."""
    pool = workers.TrainingPool(1)
    stop = {"now": False}
    events = running(pool, separable_table, stop=lambda: stop["now"])
    pid = started[-1].process.pid
    os.kill(pid, signal.SIGSTOP)
    stop["now"] = True
    resumed = threading.Timer(3.0, os.kill, (pid, signal.SIGCONT))
    resumed.start()
    done = [event for event in events if isinstance(event, DoneEvent)]
    assert len(done) == 1 and done[0].stopped and done[0].epochs_run < LONG.epochs
    assert started[0].alive() and len(started) == 1  # kept, not replaced
    assert ends_ok(pool, separable_table) and len(started) == 1
