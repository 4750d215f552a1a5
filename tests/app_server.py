"""Start `python app.py` as a real server on a free port, for the API and browser tests."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reachable(url: str) -> bool:
    """Whether a Gradio app at `url` answers its /config."""
    try:
        urllib.request.urlopen(url + "config", timeout=2)
        return True
    except OSError:
        return False


class AppServer:
    def __init__(self, port: int | None = None, start_seconds: float = 300, **env_vars: str):
        """A server on `port` (a free one if None), with `env_vars` added to its environment."""
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(self.port),
               "GRADIO_ANALYTICS_ENABLED": "False", **env_vars}
        self.started = time.perf_counter()
        # The server's output goes to a file a test can read while it runs (a pipe nobody reads would
        # also block the server once 64 KiB of log had piled up).
        self.log_file = tempfile.NamedTemporaryFile("w+", prefix="app-", suffix=".log", delete=False)
        self.process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                                        stdout=self.log_file, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + start_seconds
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app.py exited: {self.output()[-3000:]}")
            try:
                urllib.request.urlopen(self.url + "config", timeout=2)
                self.ready_seconds = time.perf_counter() - self.started
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"app.py did not start within {start_seconds:g} s")

    def output(self, start: int = 0) -> str:
        """What the server has printed so far, from character `start` on."""
        return Path(self.log_file.name).read_text(errors="replace")[start:]

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        out = self.output()
        self.log_file.close()
        os.unlink(self.log_file.name)
        return out
