"""An experiment button's work in a training worker, under a time limit: the server's interpreter stays
free for serving, the work waits its turn in the trainer's line (serving/line.py) like a training, and
one that runs past its limit is ended (its worker killed and replaced) with a message, never left running.

    lesson = in_worker.call("leakage_lesson", table, rows=len(table))
"""

from __future__ import annotations

from rnn_demo.data import DataError
from rnn_demo.train import TrainingError
from serving.line import Busy
from serving.worker import Returned

from .errors import refused
from .train_panel import POOL

EXPERIMENT_SECONDS = 60.0  # the longest an experiment button may run (a 50,000-row lesson: ~25 s here)
ROW_SECONDS = 5e-4  # about how long an n-gram lesson takes per row of its table, measured on 50,000 rows


def call(name: str, *args, rows: int, limit: float = EXPERIMENT_SECONDS):
    """serving.child.CALLS[name](*args) in a worker, its value; a bad table's DataError or ValueError as
    it was raised there; a full line, a lost worker or the time limit as a refusal that says so."""
    try:
        job = POOL.call(name, args, seconds=rows * ROW_SECONDS, limit=limit)
    except Busy as err:
        raise refused(str(err)) from None
    try:
        for message in job:
            if isinstance(message, Returned):
                return message.value
    except TrainingError as err:
        if isinstance(err.__cause__, (DataError, ValueError)):
            raise err.__cause__ from None  # the visitor's table, told as before
        raise refused(f"This experiment could not finish: {err}. Try it on a smaller table.") from None
    finally:
        job.close()
    raise refused("This experiment ended without a result; try again.")
