"""Start `python app.py` as a real server on a free port, for the API and browser tests."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

from conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    def __init__(self, port: int | None = None, start_seconds: float = 300, **env_vars: str):
        """A server on `port` (a free one if None), with `env_vars` added to its environment."""
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(self.port),
               "GRADIO_ANALYTICS_ENABLED": "False", **env_vars}
        self.started = time.perf_counter()
        self.process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + start_seconds
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app.py exited: {self.process.stdout.read()[-3000:]}")
            try:
                urllib.request.urlopen(self.url + "config", timeout=2)
                self.ready_seconds = time.perf_counter() - self.started
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"app.py did not start within {start_seconds:g} s")

    def stop(self) -> str:
        self.process.terminate()
        try:
            out, _ = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        return out or ""
