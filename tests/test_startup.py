"""The app answers before its first training worker is warm: a Train pressed meanwhile says the trainer is
starting; a pool retired after a live-coding reload ends its idle workers and still serves a late job."""

from __future__ import annotations

import time

import pandas as pd

from serving import worker
from serving.worker import TrainingPool
from ui import train_panel
from ui.session import Session

TINY = {"epochs": 1, "hidden": 8, "layers": 1}


def two_labels() -> pd.DataFrame:
    return pd.DataFrame({"name": ["Abc", "Abd", "Abe", "Abf", "Xyz", "Xyw", "Xyv", "Xyu"] * 3,
                         "label": ["A"] * 4 + ["X"] * 4 + ["A"] * 4 + ["X"] * 4 + ["A"] * 4 + ["X"] * 4})


def test_a_train_pressed_while_the_first_worker_warms_up_says_so_then_trains(monkeypatch):
    pool = TrainingPool(1)  # its worker starts now, importing torch: seconds, not at once
    try:
        left = pool.starting()
        assert left is not None and left >= 1.0, left
        monkeypatch.setattr(train_panel, "POOL", pool)
        statuses = [status for _, status, *_ in train_panel.run_training(Session(), two_labels(), **TINY)]
        assert any(s.startswith("The trainer is starting (it loads PyTorch once") for s in statuses), statuses[:3]
        assert statuses[-1].startswith("Finished after 1 epochs"), statuses[-1]
        assert pool.starting() is None  # warm: the next Train starts at once
    finally:
        pool.retire()


def test_a_retired_pool_ends_its_idle_worker_and_a_late_job_still_runs():
    pool = TrainingPool(1)
    try:
        first = pool.first
        first.ready()
        pool.retire()
        assert not first.alive()  # idle: ended at once
        # A page from before the edit may still press Train: it gets a worker of its own, ended after its job.
        events = list(pool.train(two_labels(), train_panel.make_config(**TINY)))
        assert type(events[-1]).__name__ == "DoneEvent"
        time.sleep(0.2)
        assert pool._free.get_nowait() is None  # the slot is back, with no worker kept
    finally:
        pool.retire()


def test_after_a_reload_only_the_new_imports_pools_serve(monkeypatch):
    old, new = object.__new__(TrainingPool), object.__new__(TrainingPool)
    retired = []
    for pool in (old, new):
        pool.retire = lambda pool=pool: retired.append(pool)
    monkeypatch.setattr(worker, "EVERY_POOL", [old, new])
    monkeypatch.setattr(worker, "POOLS", [new])  # what this import of serving.worker made
    worker.retire_old_pools()
    assert retired == [old] and worker.EVERY_POOL == [new]
