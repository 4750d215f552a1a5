"""train() in worker processes, at a lower priority than serving, its events streamed back.

A server that trains in its own interpreter makes every request wait for the cores and the GIL
behind the training. Here each training runs in a child process (`python -m serving.child`)
with a raised nice value, so the operating system serves classify requests first; the parent
receives the same events train() yields and can stop it at any batch.

    pool = TrainingPool(size=2)
    for event in pool.train(table, config, stop=flag.is_set):   # as train(table, config, stop)
        ...

`pool.remember_first(config, stop)` runs the "remember the first letter" experiment the same way.
Each EpochEvent comes without its model: the weights stay in the worker. With `map_names`, the
worker draws the map of those names' hidden states after each epoch (hidden_map.take_snapshot) and
sends it right after the epoch's event, so the server never computes the map.

Batch events travel in bundles, at most child.BUNDLE_SECONDS apart (every other event at once), so a
fast training wakes the server ~10 times a second, not ~100. Parent and child talk over a socket
pair with multiprocessing's Connection, in plain pickles between our own two processes (nothing
from a user is unpickled; plain, because the Connection's own pickler would share tensors through
file descriptors that only its own children can open). The first slot's worker starts with the pool,
so torch is imported before the first Train; the others start on first use. A worker is kept for the
next job; one that dies or hangs is replaced.
"""

from __future__ import annotations

import itertools
import os
import pickle
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection

import pandas as pd

from rnn_demo import cost
from rnn_demo.inside.hidden_map import MapSnapshot
from rnn_demo.inside.remember_first import RememberConfig, RememberResult
from rnn_demo.train import DoneEvent, Event, TrainConfig, TrainingError

from . import reload
from .line import Line, Ticket, Waiting
from .watch import Job, Watch, rss_bytes

NICE = 19  # how much lower than the server a training runs (0 = the same, 19 = lowest)
POLL_SECONDS = 0.05  # how often the parent looks at the stop flag while waiting for an event
WAIT_SECONDS = 1.0  # while a job waits in line (without a heartbeat): how often it says how long
# A worker is hung when it has sent nothing and used no CPU for this long while a job runs (a starved
# worker at nice 19 still uses some CPU; a stopped or deadlocked one uses none) ...
HUNG_SECONDS = 10.0
# ... or for this long after a stop or a cancel: then it is killed and replaced. Not shorter: at nice 19
# on a loaded machine a worker can go seconds without CPU, and one killed then loses its stopped result.
STOP_SECONDS = 10.0
READY = "ready"  # a new worker's first message: torch imported and warmed up
POOLS: list = []  # the TrainingPools this import of the module made (gradio app.py imports it again per edit)
EVERY_POOL: list = reload.kept("pools", list)  # ... and those of every import, across reloads
WARM_SECONDS = reload.kept("warm_seconds", lambda: [15.0])  # how long the last worker took to warm up
READY_SECONDS = 120.0  # a new worker not ready by then (importing torch takes ~2-8 s here) is given up
# A worker is ~430 MB fresh; one that kept more after a job (up to 1.1 GB seen) is replaced.
RECYCLE_BYTES = 700 * 1024 * 1024
TRAININGS_VARIABLE = "RNN_NAMES_TRAININGS"  # overrides the pool's size (trainings at once)


@dataclass
class Returned:
    """The value a "call" job's function returned (TrainingPool.call)."""

    value: object


LAST = (DoneEvent, RememberResult, Returned)  # the last message of a job that ends well
ENDS = (*LAST, BaseException)  # ... or the error it ended with


def send(conn: Connection, message) -> None:
    conn.send_bytes(pickle.dumps(message))


def receive(conn: Connection):
    return pickle.loads(conn.recv_bytes())


class Worker:
    """One child process and the parent's end of its connection."""

    def __init__(self):
        parent_end, child_end = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "serving.child", str(child_end.fileno()), str(NICE)],
            pass_fds=[child_end.fileno()], cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )
        child_end.close()
        self.conn = Connection(parent_end.detach())
        self.warm = False  # the child has imported torch and run its warm-up (its READY has arrived)
        self.started = time.monotonic()
        self._reading = threading.Lock()  # one thread at a time reads the READY

    def ready(self, timeout: float = READY_SECONDS) -> None:
        """Wait for the child's READY (once); TrainingError if it dies or takes longer than timeout."""
        with self._reading:
            if self.warm:
                return
            try:
                waited = not self.conn.poll(0)  # READY read on time: how long warming up took
                if not self.conn.poll(timeout) or receive(self.conn) != READY:
                    raise EOFError
            except (EOFError, OSError):
                self.kill()
                raise TrainingError("the training process did not start; a new one takes the next training") \
                    from None
            self._now_warm(measured=waited)

    def _now_warm(self, measured: bool) -> None:
        """READY has been read; read as it came, it also says how long warming up takes (the next estimate)."""
        self.warm = True
        if measured:
            WARM_SECONDS[0] = time.monotonic() - self.started

    def warming(self) -> float | None:
        """About how many seconds until READY, without waiting; None once it is warm (or gone)."""
        if self.warm or not self.alive() or not self._reading.acquire(blocking=False):
            return None  # (a job already waits for this worker and will read its READY)
        try:
            if self.conn.poll(0) and receive(self.conn) == READY:
                self._now_warm(measured=True)  # polled every 0.5 s while a Train waits: on time
                return None
        except (EOFError, OSError):
            return None  # dead: the job that takes it starts a new one
        finally:
            self._reading.release()
        return max(1.0, WARM_SECONDS[0] - (time.monotonic() - self.started))

    def warm_left(self) -> float | None:
        """About how many seconds until READY, from the last warm-up's time alone; None once warm (or gone)."""
        if self.warm or not self.alive():
            return None
        return max(1.0, WARM_SECONDS[0] - (time.monotonic() - self.started))

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self.conn.close()


def trainings_at_once() -> int:
    """RNN_NAMES_TRAININGS if set, else the usable cores: one training per core, one thread each."""
    value = os.environ.get(TRAININGS_VARIABLE, "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"{TRAININGS_VARIABLE}={value!r}: give a whole number of trainings, 1 or more")
        return int(value)
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return max(1, len(cores))


class TrainingPool:
    """At most `size` trainings at once, each in a worker process; a caller waits in a bounded line
    (serving/line.py: Busy when it is full) and hears how long while it waits."""

    def __init__(self, size: int, most_waiting: int | None = None):
        self.size = size
        self.line = Line(size, most_waiting, starting=lambda: self.first.warm_left())
        # Last in, first out: a training takes the worker the last one gave back, warm, before an
        # empty slot (a FIFO made every other training start a worker: ~7 s of importing torch).
        self._free: queue.LifoQueue[Worker | None] = queue.LifoQueue()
        for _ in range(size - 1):
            self._free.put(None)  # a slot; its worker starts on first use
        # Started now, it imports torch while the app starts: the first Train does not wait ~2-8 s for it.
        self.first = Worker()
        self._free.put(self.first)
        self.retired = False  # a newer edit's pool serves now (gradio app.py): workers end after their job
        POOLS.append(self)
        EVERY_POOL.append(self)
        self._job_ids = itertools.count(1)

    def starting(self) -> float | None:
        """While the first worker, which the first Train takes, warms up: about how many seconds are left."""
        return self.first.warming()

    def retire(self) -> None:
        """No more work for this pool's workers, which run the code of an earlier edit: the idle ones end
        now, a busy one when its job ends; a job still sent here (a page from before the edit) starts a new one."""
        self.retired = True
        idle = []
        while True:
            try:
                idle.append(self._free.get_nowait())
            except queue.Empty:
                break
        for worker in idle:
            if worker is not None:
                worker.kill()
            self._free.put(None)  # the slot stays

    def train(self, table: pd.DataFrame, config: TrainConfig, stop: Callable[[], bool] | None = None,
              map_names: list[str] | None = None, heartbeat: float | None = None) -> Iterator[Event | MapSnapshot | Waiting | None]:
        """Like rnn_demo.train.train, run in a worker process, each EpochEvent without its model; with
        map_names, each is followed by a MapSnapshot of those names. Closing this generator
        early stops the training and returns at once: a thread of its own waits for the worker to end
        the job (or replaces it), then gives it back to the pool. With heartbeat, a None comes after
        that many seconds without an event (a slow batch): the caller can yield, and so be cancelled.

        The job enters the line at once: Busy (serving/line.py) when it is full. While it waits, a
        Waiting comes every heartbeat (or every WAIT_SECONDS), less the time the caller took between
        two; a stop while waiting ends it with nothing."""
        ticket = self.line.enter(cost.train_seconds(config, table), config.max_seconds)
        return Job(self._run("train", (table, config, map_names), stop, heartbeat, ticket), self.line, ticket)

    def remember_first(self, config: RememberConfig, stop: Callable[[], bool] | None = None,
                       heartbeat: float | None = None) -> Iterator:
        """Like rnn_demo.inside.remember_first.remember_first, run in a worker process (in the line too)."""
        ticket = self.line.enter(cost.remember_seconds(config), config.time_limit)
        return Job(self._run("remember", (config,), stop, heartbeat, ticket), self.line, ticket)

    def call(self, name: str, args: tuple, seconds: float, limit: float) -> Job:
        """serving.child.CALLS[name](*args) in a worker, in the line (`seconds`: about how long it takes):
        its Returned comes last. Past `limit` seconds the worker is killed (a fresh one replaces it) and a
        TrainingError says so: an experiment that does not look at a stop flag still ends."""
        ticket = self.line.enter(seconds, limit)
        return Job(self._run("call", (name, args), None, None, ticket, limit), self.line, ticket)

    def _run(self, kind: str, args: tuple, stop: Callable[[], bool] | None, heartbeat: float | None,
             ticket: Ticket, limit: float | None = None) -> Iterator:
        try:
            wait = 0.0  # a job that must wait hears so at once, then every heartbeat
            while not self.line.turn(ticket, wait):
                if stop is not None and stop():
                    self.line.leave(ticket)
                    return  # stopped before its turn: nothing ran
                told = time.monotonic()
                yield self.line.wait_of(ticket)
                # A caller that paused outside (an async handler, on the event loop) is not made to wait here too:
                # a waiting training then holds no server thread.
                wait = max(0.0, (heartbeat or WAIT_SECONDS) - (time.monotonic() - told))
        except BaseException:  # closed while waiting (a cancel, a closed tab): its place goes to the next
            self.line.leave(ticket)
            raise
        worker = self._free.get()  # its turn: a slot is free, so is its worker (or None: start one)
        if worker is None or not worker.alive():
            worker = Worker()
        try:
            worker.ready()
        except TrainingError:
            self._give_back(None, ticket)  # the slot stays; its next job starts a new worker
            raise
        yield from self._in_worker(worker, (kind, next(self._job_ids), *args), stop, heartbeat, ticket, limit)

    def _in_worker(self, worker: Worker, request: tuple, stop: Callable[[], bool] | None, heartbeat: float | None,
                   ticket: Ticket, limit: float | None = None) -> Iterator:
        """Send the job, pass its messages on; the worker goes back to the pool (and the ticket leaves the
        line) when the job ends, however it ends."""
        job = request[1]
        ended = False  # the job's last message (or its error) has arrived: the worker is free
        closed = False  # the caller closed this generator (a cancel, a closed tab): it must not wait
        try:
            send(worker.conn, request)
            for message in _receive(worker, job, stop, heartbeat, limit):
                ended = isinstance(message, ENDS)
                if isinstance(message, TrainingError):
                    raise message
                if isinstance(message, BaseException):  # the job's own error, told with its own message
                    raise TrainingError(f"{type(message).__name__}: {message}") from message
                self.line.progress(ticket, cost.share_done(message))
                yield message
        except (OSError, EOFError):
            raise TrainingError("the training process stopped (killed, or out of memory?); "
                                "a new one takes the next training") from None
        except GeneratorExit:
            closed = True
            raise
        finally:
            if ended:
                self._give_back(worker, ticket)
            elif closed:  # Gradio closes a cancelled generator on its event loop: nothing may wait there
                threading.Thread(target=self._end_job, args=(worker, job, ticket), daemon=True).start()
            else:
                self._end_job(worker, job, ticket)

    def _end_job(self, worker: Worker, job: int, ticket: Ticket) -> None:
        """Stop an unfinished job and give its worker back, or replace a worker that does not answer."""
        if not (worker.alive() and _finish(worker, job)):
            worker.kill()
            worker = None
        self._give_back(worker, ticket)

    def _give_back(self, worker: Worker | None, ticket: Ticket) -> None:
        """Back to the pool, then the next in line may go; a worker that grew past RECYCLE_BYTES (a heavy
        job: glibc keeps the freed memory) is replaced by a fresh one, which warms up before the next job."""
        if worker is not None and self.retired:  # a newer edit's pool serves now (gradio app.py)
            worker.kill()
            worker = None
        elif worker is not None and (rss_bytes(worker.process.pid) or 0) > RECYCLE_BYTES:
            worker.kill()
            worker = Worker()
        self._free.put(worker)
        self.line.leave(ticket)


def _receive(worker: Worker, job: int, stop: Callable[[], bool] | None, heartbeat: float | None = None,
             limit: float | None = None) -> Iterator:
    """Messages of one job until its last one (or an error); passes a stop on as soon as it is asked.
    A worker that dies or hangs ends it with a TrainingError (the caller replaces the worker). With
    heartbeat: None after that many seconds without a message."""
    stop_sent, watch, last = False, Watch(worker), time.monotonic()
    deadline = None if limit is None else last + limit
    while True:
        if deadline is not None and time.monotonic() > deadline:
            worker.kill()  # a call does not look at a stop flag: its time limit ends it here
            raise TrainingError(f"it took longer than its {limit:g} s limit and was stopped")
        if not stop_sent and stop is not None and stop():
            send(worker.conn, ("stop", job))
            stop_sent = True
            watch.heard()
        if worker.conn.poll(POLL_SECONDS):
            watch.heard()
            for message in _unbundle(receive(worker.conn)):
                yield message
                if isinstance(message, ENDS):
                    return
            last = time.monotonic()
        elif heartbeat is not None and time.monotonic() - last >= heartbeat and worker.alive():
            last = time.monotonic()
            yield None
        elif not worker.alive():
            raise TrainingError("the training process stopped (killed, or out of memory?); "
                                "a new one takes the next training")
        elif watch.hung(STOP_SECONDS if stop_sent else HUNG_SECONDS):
            silent = "did not answer the stop" if stop_sent else f"stopped answering for {HUNG_SECONDS:g} s"
            worker.kill()  # at once: waiting for it to finish its job would wait for ever
            raise TrainingError(f"the training process {silent} and was replaced")


def _finish(worker: Worker, job: int) -> bool:
    """Stop an abandoned job and read up to its end; False if the worker does not answer."""
    try:
        send(worker.conn, ("stop", job))
        watch = Watch(worker)
        while worker.alive() and not watch.hung(STOP_SECONDS):
            if worker.conn.poll(POLL_SECONDS):
                watch.heard()
                if any(isinstance(m, ENDS) for m in _unbundle(receive(worker.conn))):
                    return True
    except (OSError, EOFError):
        pass
    return False


def _unbundle(message) -> list:
    """A bundle of events (a list) or one message, as a list."""
    return message if isinstance(message, list) else [message]


def retire_old_pools() -> None:
    """After a reload (gradio app.py): every pool but this import's is retired."""
    for pool in [pool for pool in EVERY_POOL if pool not in POOLS]:
        pool.retire()
        EVERY_POOL.remove(pool)
