"""Start a Gradio app in its own process on a free port, time it until it answers, watch its memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

from .gradio_http import call

MEMORY_EVERY_S = 0.05  # how often the memory of the app and its training workers is sampled


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppProcess:
    """`python SCRIPT` in `cwd` on a free port; ready once its /classify answers a first name."""

    def __init__(self, script: Path, cwd: Path, timeout_s: float = 120):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = dict(os.environ, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(self.port),
                   GRADIO_ANALYTICS_ENABLED="False")
        self.log = tempfile.TemporaryFile("w+")  # a file, not a pipe: a full pipe would stall the app
        start = time.perf_counter()
        self.process = subprocess.Popen([sys.executable, str(script)], cwd=cwd, env=env,
                                        stdout=self.log, stderr=self.log)
        self.samples: list[tuple[float, float]] = []  # (perf_counter, MB of the app and its children)
        self._watching = True
        try:
            self._wait_for_first_answer(start, timeout_s)
        except BaseException:
            self.stop()
            raise
        self.ready_s = time.perf_counter() - start
        used = psutil.Process(self.process.pid).cpu_times()
        self.ready_cpu_s = used.user + used.system  # what an idle machine would have taken, about
        self._watcher = threading.Thread(target=self._watch_memory, daemon=True)
        self._watcher.start()

    def _wait_for_first_answer(self, start: float, timeout_s: float) -> None:
        with httpx.Client(timeout=30) as http:
            while True:
                if self.process.poll() is not None:
                    self.log.seek(0)
                    last = (self.log.read().strip().splitlines() or ["no output"])[-1]
                    raise RuntimeError(f"the app exited with status {self.process.returncode}: {last}")
                if time.perf_counter() - start > timeout_s:
                    raise RuntimeError(f"the app did not answer within {timeout_s:.0f} s")
                try:
                    call(http, self.url, "classify", ["Nakamura"])
                    return
                except (httpx.HTTPError, RuntimeError, KeyError):  # not listening yet
                    time.sleep(0.05)

    def memory_mb(self) -> float:
        """Resident memory of the app and its children (the training workers), MB."""
        process = psutil.Process(self.process.pid)
        total = 0
        for p in [process, *process.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:  # a worker came or went while we counted
                pass
        return total / 2**20

    def _watch_memory(self) -> None:
        while self._watching and self.process.poll() is None:
            try:
                self.samples.append((time.perf_counter(), self.memory_mb()))
            except psutil.NoSuchProcess:
                return
            time.sleep(MEMORY_EVERY_S)

    def peak_mb(self, since: float, until: float | None = None) -> float:
        """The most memory sampled between two perf_counter times."""
        until = until or time.perf_counter()
        return max((mb for t, mb in self.samples if since <= t <= until), default=float("nan"))

    def stop(self) -> None:
        """End the app and anything it started (no training worker may outlive a test run)."""
        self._watching = False
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for child in children:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        self.log.close()
