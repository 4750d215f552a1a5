"""Watching a worker process from the parent (serving/worker.py): whether it still works (the CPU time it
used, from /proc), how much memory it holds, and a job's messages as the caller holds them (Job)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from .line import Line, Ticket

SILENT_SECONDS = 120.0  # where no CPU time can be read (not Linux): silent this long is hung


class Job:
    """A job's messages, as TrainingPool._run yields them. Closed before its turn (even before its first
    message, when a generator's own clean-up would not run), it gives its place in the line back."""

    def __init__(self, messages: Iterator, line: Line, ticket: Ticket):
        self.messages, self.line, self.ticket = messages, line, ticket

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.messages)

    def close(self) -> None:
        self.messages.close()
        if self.ticket.started is None:  # a started job leaves the line once its worker is back
            self.line.leave(self.ticket)

    __del__ = close  # dropped unread: the same


class Watch:
    """Whether a worker is still working: it sent a message, or used CPU time, recently."""

    def __init__(self, worker):
        self.worker, self.cpu, self.since = worker, cpu_seconds(worker.process.pid), time.monotonic()

    def heard(self) -> None:
        self.since = time.monotonic()

    def hung(self, limit: float) -> bool:
        cpu = cpu_seconds(self.worker.process.pid)
        if cpu is not None and cpu != self.cpu:
            self.cpu = cpu
            self.heard()
        return time.monotonic() - self.since > (limit if cpu is not None else SILENT_SECONDS)


def rss_bytes(pid: int) -> int | None:
    """A process's resident memory, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/statm") as file:
            return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
