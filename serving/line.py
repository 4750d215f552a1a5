"""The line of jobs waiting for a training worker: bounded, first come first served, with an honest wait.

A job enters the line with its cost (seconds on this machine's own speed, from its settings:
rnn_demo/cost.py) and its time limit. At most RNN_NAMES_QUEUE_MAX (default 28) wait at
once, and none is let in to wait longer than RNN_NAMES_QUEUE_WAIT_S (default 900 s); one more is
refused at once with `Busy`, which says how many are ahead and when to try again, instead of waiting
without end. A waiting job's wait is the schedule of the jobs ahead of it on the pool's slots:
a running job ends when its own pace says (the share it has done in the time it took), a waiting one
takes its cost, each at most its time limit.

    ticket = line.enter(cost, limit)          # Busy when full
    while not line.turn(ticket, timeout=0.25):
        ahead, seconds = line.wait_of(ticket)  # tell the learner
    ...                                        # the job runs; line.progress(ticket, share) as it goes
    line.leave(ticket)                         # once its worker is back in the pool
"""

from __future__ import annotations

import heapq
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

QUEUE_VARIABLE = "RNN_NAMES_QUEUE_MAX"
# Jobs waiting at once: with 2 running, a room of 30 pressing Train together. Each waiting training holds
# one of Gradio's 40 handler threads (its stream is a sync generator: each step runs in a thread, and a
# waiting step waits there), so the line stays under them: classify and the page keep 10 of their own.
DEFAULT_QUEUE_MAX = 28
WAIT_VARIABLE = "RNN_NAMES_QUEUE_WAIT_S"
DEFAULT_WAIT_SECONDS = 900  # ... unless the wait would pass this: ten 300 s runs on 2 slots fill the line
START_SECONDS = 1.0  # a job's own start (handing the table over) and end (the model back), measured ~0.3 s
PACE_FROM = 0.03  # a running job's pace is read from its progress once it has done this share


class Busy(Exception):
    """The line is full: `ahead` jobs run or wait, the first place frees up in about `seconds`."""

    def __init__(self, ahead: int, seconds: float):
        self.ahead, self.seconds = ahead, seconds
        super().__init__(f"The trainer is busy: {ahead} training{'s are' if ahead != 1 else ' is'} ahead; try "
                         f"again in about {round_seconds(seconds)} s.")


@dataclass
class Waiting:
    """Sent while a job waits its turn: how many jobs are ahead of it, and about when it starts."""

    ahead: int
    seconds: float


@dataclass(eq=False)
class Ticket:
    cost: float  # seconds the job takes at the pool's measured speed
    limit: float | None  # its time limit (s); None: none
    started: float | None = None  # clock when it got its worker
    done: float = 0.0  # share of the job done, 0 to 1
    entered: float = field(default=0.0)


def round_seconds(seconds: float) -> int:
    """A wait as people say it: to 5 s under two minutes, to 30 s above."""
    step = 5 if seconds < 120 else 30
    return max(step, int(round(seconds / step) * step))


def wait_max() -> float:
    """RNN_NAMES_QUEUE_WAIT_S if set, else DEFAULT_WAIT_SECONDS."""
    value = os.environ.get(WAIT_VARIABLE, "").strip()
    if not value:
        return DEFAULT_WAIT_SECONDS
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{WAIT_VARIABLE}={value!r}: give a whole number of seconds, 1 or more")
    return float(value)


def queue_max() -> int:
    """RNN_NAMES_QUEUE_MAX if set, else DEFAULT_QUEUE_MAX; ValueError for a value that is not a whole number."""
    value = os.environ.get(QUEUE_VARIABLE, "").strip()
    if not value:
        return DEFAULT_QUEUE_MAX
    if not value.isdigit():
        raise ValueError(f"{QUEUE_VARIABLE}={value!r}: give a whole number of waiting trainings, 0 or more")
    return int(value)


class Line:
    """`slots` jobs run at once; at most `most_waiting` wait, in order of arrival."""

    def __init__(self, slots: int, most_waiting: int | None = None, clock: Callable[[], float] = time.monotonic,
                 starting: Callable[[], float | None] = lambda: None, most_seconds: float | None = None):
        self.slots = slots
        self.most_seconds = wait_max() if most_seconds is None else most_seconds  # the longest wait let in
        self.starting = starting  # while the first worker warms up (it imports torch): about how long still
        self.most_waiting = queue_max() if most_waiting is None else most_waiting
        self.clock = clock
        self.waiting: list[Ticket] = []
        self.running: list[Ticket] = []
        # Measured seconds over estimated (rnn_demo/cost.py) of the last job that ran long enough to
        # tell: the estimates were fitted on one machine, the pace here is what this one does now.
        self.pace = 1.0
        self._changed = threading.Condition()

    @property
    def places(self) -> int:
        """Jobs the line holds at most: running and waiting."""
        return self.slots + self.most_waiting

    def enter(self, cost: float, limit: float | None = None) -> Ticket:
        """A place in the line (the last), or Busy when `most_waiting` already wait."""
        with self._changed:
            ahead = len(self.running) + len(self.waiting)
            if ahead >= self.places:  # (jobs let in at once wait until their first step: count them all)
                raise Busy(ahead, self._first_free())
            wait = self._schedule(self.waiting)
            if self.waiting and wait > self.most_seconds:  # a place, but a wait longer than anyone should be told
                raise Busy(ahead, wait - self.most_seconds)
            ticket = Ticket(cost, limit, entered=self.clock())
            self.waiting.append(ticket)
            return ticket

    def turn(self, ticket: Ticket, timeout: float) -> bool:
        """Wait up to `timeout` s for the ticket's turn: first in line and a slot free. True: it runs now."""
        with self._changed:
            if not self._its_turn(ticket):
                self._changed.wait(timeout)
            if not self._its_turn(ticket):
                return False
            self.waiting.remove(ticket)
            self.running.append(ticket)
            ticket.started = self.clock()
            return True

    def progress(self, ticket: Ticket, done: float | None) -> None:
        """A running job has done this share of its work (None: its event does not say)."""
        if done is not None:
            ticket.done = min(1.0, max(ticket.done, done))

    def leave(self, ticket: Ticket) -> None:
        """The job ended (its worker is back) or gave up waiting: the next one may go."""
        with self._changed:
            if ticket in self.running and ticket.done >= 0.3 and ticket.started is not None:
                self.pace = self._pace_of(ticket, self.clock())  # the next estimates start from this pace
            for group in (self.waiting, self.running):
                if ticket in group:
                    group.remove(ticket)
            self._changed.notify_all()

    def wait_of(self, ticket: Ticket) -> Waiting:
        """How many jobs are ahead of a waiting ticket, and about how long until it runs."""
        with self._changed:
            if ticket not in self.waiting:
                return Waiting(0, 0.0)
            ahead = self.waiting[:self.waiting.index(ticket)]
            return Waiting(len(self.running) + len(ahead), self._schedule(ahead))

    # -- inside the lock ---------------------------------------------------------------------------

    def _its_turn(self, ticket: Ticket) -> bool:
        return bool(self.waiting) and self.waiting[0] is ticket and len(self.running) < self.slots

    def _left(self, ticket: Ticket, now: float) -> float:
        """Seconds until a running job ends: from its own pace once it has one, else its cost."""
        elapsed = now - (ticket.started if ticket.started is not None else now)
        warm = self.starting() or 0.0  # its worker still warms up: the job has not begun
        if ticket.done >= PACE_FROM:
            left = elapsed * (1 - ticket.done) / ticket.done
        elif warm:
            left = warm + ticket.cost * self._current_pace(now)
        else:
            left = max(0.0, ticket.cost * self._current_pace(now) - elapsed)
        if ticket.limit is not None:
            left = min(left, max(0.0, ticket.limit - elapsed))
        return left + START_SECONDS

    def _pace_of(self, ticket: Ticket, now: float) -> float:
        """A running job's seconds so far over what its estimate said this share would take."""
        return (now - ticket.started) / max(1e-6, ticket.done * ticket.cost)

    def _current_pace(self, now: float) -> float:
        """The pace of the running jobs that have one (their mean), else the last job's."""
        paces = [self._pace_of(t, now) for t in self.running if t.done >= PACE_FROM and t.started is not None]
        return sum(paces) / len(paces) if paces else self.pace

    def _takes(self, ticket: Ticket, pace: float) -> float:
        """Seconds a waiting job will run, at the current pace."""
        seconds = ticket.cost * pace
        return (min(seconds, ticket.limit) if ticket.limit is not None else seconds) + START_SECONDS

    def _schedule(self, ahead: list[Ticket]) -> float:
        """When a slot frees up for the next job, once the running jobs and `ahead` (in order) have gone."""
        now = self.clock()
        free = [self._left(t, now) for t in self.running] + [0.0] * max(0, self.slots - len(self.running))
        warm = self.starting() or 0.0  # no job ends before the worker that runs it has started
        free = [max(seconds, warm) for seconds in free]
        heapq.heapify(free)
        pace = self._current_pace(now)
        for ticket in ahead:
            heapq.heappush(free, heapq.heappop(free) + self._takes(ticket, pace))
        return free[0] if free else 0.0

    def _first_free(self) -> float:
        """When the first waiting job starts, so that a place in the line frees up."""
        now = self.clock()
        return min((self._left(t, now) for t in self.running), default=0.0)
