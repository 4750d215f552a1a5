"""A worker's end never waits on the caller (issue 35, points 1 and 4): closing a run (Gradio's cancel,
a closed tab) returns at once while the worker ends its job in the background and comes back to the
pool; a worker that grew past RECYCLE_BYTES is replaced by a fresh process."""

import time

import pandas as pd
import pytest

from rnn_demo.train import BatchEvent, DoneEvent, TrainConfig
from serving import worker as workers
from serving.worker import TrainingPool

# Slow batches (an LSTM of 256 over 512 names of 20 letters): closing mid-epoch used to wait for the
# batch and the epoch's validation.
TABLE = pd.DataFrame({"name": [("kaminsk" if i % 2 else "nakamur") + "abcdefghijklm"[: i % 13] for i in range(3000)],
                      "label": ["Polish" if i % 2 else "Japanese" for i in range(3000)]})
HEAVY = TrainConfig(epochs=50, cell="lstm", hidden_size=256, num_layers=2, batch_size=512)


@pytest.fixture(scope="module")
def pool():
    pool = TrainingPool(1)
    pool.first.ready(600)  # a loaded machine: a worker's torch import can take minutes
    yield pool
    while not pool._free.empty():
        worker = pool._free.get_nowait()
        if worker is not None:
            worker.kill()


def test_closing_a_run_returns_at_once_and_the_worker_comes_back(pool):
    events = pool.train(TABLE, HEAVY)
    assert isinstance(next(events), BatchEvent)  # mid-epoch: more batches and a validation to come
    start = time.perf_counter()
    events.close()
    assert time.perf_counter() - start < 0.2  # what Gradio's event loop waits
    worker = pool._free.get(timeout=300)  # given back once it ended the job
    assert worker is not None and worker.alive()
    pool._free.put(worker)
    assert isinstance(list(pool.train(TABLE.head(40), TrainConfig(epochs=1, hidden_size=8)))[-1], DoneEvent)


def test_a_worker_that_grew_is_replaced_after_its_job(pool, monkeypatch):
    first = pool._free.queue[-1]
    assert first is not None
    monkeypatch.setattr(workers, "RECYCLE_BYTES", 1)  # every worker has "grown"
    assert isinstance(list(pool.train(TABLE.head(40), TrainConfig(epochs=1, hidden_size=8)))[-1], DoneEvent)
    fresh = pool._free.queue[-1]
    assert fresh is not first and fresh.alive() and not first.alive()
