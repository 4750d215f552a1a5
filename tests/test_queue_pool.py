"""The trainer's line with real workers (issue 35, point 5): a training past RNN_NAMES_QUEUE_MAX is refused
at once with how many are ahead and when to try again, and a waiting training's estimate is within 2x of
the wait it really has, from the settings of the jobs ahead (not a fixed figure per job)."""

import threading
import time

import pytest

from rnn_demo.train import DoneEvent, TrainConfig
from serving.line import PACE_FROM, Busy, Waiting
from serving.worker import TrainingPool

pytestmark = pytest.mark.slow

FIRST = TrainConfig(epochs=20, cell="gru", hidden_size=64, num_layers=1, batch_size=64)
SECOND = TrainConfig(epochs=3, cell="lstm", hidden_size=128, num_layers=2, batch_size=128)
THIRD = TrainConfig(epochs=2, cell="rnn", hidden_size=32, num_layers=1, batch_size=32)


def paced(pool) -> bool:
    """Whether the running jobs have shown their pace (before, an estimate is the settings' alone)."""
    return bool(pool.line.running) and all(t.done >= PACE_FROM for t in pool.line.running)


def run(pool, table, config, record: dict):
    """Train, noting the estimate it is told once the job ahead shows its pace (a second or two in: the
    status line shows a new one every heartbeat), and when the training really began."""
    for event in pool.train(table, config):
        if isinstance(event, Waiting):
            if paced(pool):
                record.setdefault("estimate", (time.monotonic(), event.seconds, event.ahead))
        else:
            record.setdefault("began", time.monotonic())
        if isinstance(event, DoneEvent):
            record["done"] = True


@pytest.mark.timeout(600)
def test_a_full_line_refuses_and_each_waiting_training_hears_an_honest_wait(default_table, monkeypatch):
    monkeypatch.setenv("RNN_NAMES_QUEUE_MAX", "2")
    pool = TrainingPool(1)
    assert pool.line.most_waiting == 2
    pool.first.ready()  # warm: the waits below are the trainings' own
    records = [{}, {}, {}]
    threads = []
    for config, record in zip((FIRST, SECOND, THIRD), records):
        threads.append(threading.Thread(target=run, args=(pool, default_table, config, record)))
        threads[-1].start()
        time.sleep(0.3)  # in this order
    with pytest.raises(Busy) as busy:
        pool.train(default_table, THIRD)
    assert busy.value.ahead == 3
    assert str(busy.value).startswith("The trainer is busy: 3 trainings are ahead; try again in about ")
    for thread in threads:
        thread.join(timeout=500)
    assert all(record.get("done") for record in records), records
    assert "estimate" not in records[0]  # the slot was free
    for place, record in enumerate(records[1:], start=1):
        asked, estimate, ahead = record["estimate"]
        real = record["began"] - asked
        print(f"\ntraining {place + 1}: told {estimate:.1f} s, waited {real:.1f} s")
        assert ahead == place
        assert estimate / 2 <= real <= estimate * 2, f"training {place + 1}: told {estimate:.1f} s, waited {real:.1f} s"
