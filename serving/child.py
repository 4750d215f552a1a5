"""The worker process's side of serving/worker.py: `python -m serving.child FD NICE` runs the jobs the
parent's TrainingPool sends over the socket FD, at a lower priority (nice NICE), until the parent goes.
It warms up first (one tiny training) and says READY; events go back in bundles."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection

import pandas as pd

from rnn_demo.baselines import compare
from rnn_demo.inside.hidden_map import MapSnapshot, take_snapshot
from rnn_demo.inside.remember_first import remember_first
from rnn_demo.lesson.honest import imbalance_lesson, leakage_lesson
from rnn_demo.train import BatchEvent, EpochEvent, Event, TrainConfig, train

from .worker import READY, Returned, receive, send

# Batch events are sent in bundles at most this often (other events at once): a small model makes
# ~100 batches a second, and each message wakes a server thread that then competes with serving.
BUNDLE_SECONDS = 0.1


def _warm_up() -> None:
    """One tiny training before the first job: torch's first backward, GRU kernels and the loader
    start up here (~1.5 s), not inside the first learner's run."""
    names = pd.DataFrame({"name": ["ab", "ba", "abc", "cba"], "label": ["A", "B", "A", "B"]})
    for _ in train(names, TrainConfig(epochs=1, hidden_size=4, num_layers=1, batch_size=2, val_fraction=0.5)):
        pass


def serve(conn: Connection) -> None:
    """Run jobs until the parent goes away: ("train", job, table, config, map_names),
    ("remember", job, config) or ("call", job, name, args) -> events; ("stop", job)."""
    import torch

    torch.set_num_threads(1)
    _warm_up()
    send(conn, READY)
    stopped: set[int] = set()

    def stop_asked(job: int) -> bool:
        while conn.poll():
            kind, which, *_ = receive(conn)
            if kind == "stop":
                stopped.add(which)
        return job in stopped

    while True:
        try:
            kind, job, *args = receive(conn)
        except (EOFError, OSError):
            return  # the server has gone: nothing may outlive it
        if kind not in JOBS:
            continue  # a stop for a job that already ended
        bundle, sent_at = [], time.monotonic()
        try:
            for message in JOBS[kind](*args, stop=lambda job=job: stop_asked(job)):  # this job's stop, bound now
                bundle.append(message)
                if not isinstance(message, BatchEvent) or time.monotonic() - sent_at >= BUNDLE_SECONDS:
                    send(conn, bundle)
                    bundle, sent_at = [], time.monotonic()
        except Exception as err:  # sent back and raised in the parent, where it is reported
            send(conn, bundle + [err])
        stopped.discard(job)


def _events_and_maps(table: pd.DataFrame, config: TrainConfig, map_names: list[str] | None,
                     stop: Callable[[], bool]) -> Iterator[Event | MapSnapshot]:
    """train()'s events, each EpochEvent without its model; with map_names, then the map it drew."""
    previous = None
    for event in train(table, config, stop=stop):
        if isinstance(event, EpochEvent) and event.model is not None:
            model, event.model = event.model, None  # the weights stay here
            yield event
            if map_names:
                previous = take_snapshot(model, map_names, event.epoch, previous)
                yield previous
        else:
            yield event


def _call(name: str, args: tuple, stop: Callable[[], bool]) -> Iterator[Returned]:
    """One of CALLS, its value sent back as it returns (it has no events and no stop: the parent's
    time limit kills the worker instead)."""
    yield Returned(CALLS[name](*args))


def _baselines(model, train_table: pd.DataFrame, val_table: pd.DataFrame) -> pd.DataFrame:
    return compare(model, train_table, val_table).frame()


CALLS = {"leakage_lesson": leakage_lesson, "imbalance_lesson": imbalance_lesson, "baselines": _baselines}  # what a "call" job may run
JOBS = {"train": _events_and_maps, "remember": remember_first, "call": _call}


if __name__ == "__main__":
    os.nice(int(sys.argv[2]))
    serve(Connection(int(sys.argv[1])))
