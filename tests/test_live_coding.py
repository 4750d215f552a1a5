"""Live-coding as README tells an instructor to do it: `gradio app.py` runs, a saved edit to rnn_demo/
reaches classify, the code panel and the next training; an edit that does not run is told and the last
working code keeps answering; undoing the edit recovers. In a scratch copy of the project."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from gradio_client import Client

from app_server import free_port
from conftest import ROOT

pytestmark = pytest.mark.slow
CHANCE = 1 / 18  # the default table's 18 languages
EDIT = " * 0  # live-coding edit: every logit x 0"
SETTINGS = {"epochs": 3, "hidden": 32}


def wait_for(check, what: str, seconds: float = 60.0):
    """check() until it returns a true value; the value and how long it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        value = check()
        if value:
            return value, time.perf_counter() - started
        time.sleep(0.25)
    raise AssertionError(f"{what}: not within {seconds:g} s")


class LiveApp:
    """`gradio app.py` in a scratch copy of the project, on a free port."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {**os.environ, "GRADIO_SERVER_PORT": str(self.port), "GRADIO_ANALYTICS_ENABLED": "False"}
        gradio = Path(sys.executable).with_name("gradio")
        self.log = (folder / "server.log").open("w+")  # a file, not a pipe: workers inherit it
        self.process = subprocess.Popen([str(gradio), "app.py"], cwd=folder, env=env, text=True,
                                        stdout=self.log, stderr=self.log, start_new_session=True)
        try:
            wait_for(self.answers, "gradio app.py answering", 300)
        except AssertionError:
            raise AssertionError(self.stop()[-3000:]) from None

    def answers(self) -> bool:
        try:
            urllib.request.urlopen(self.url + "config", timeout=2)
            return True
        except OSError:
            return False

    def classify(self) -> float:
        """Nakamura's top probability, from a new client (a page reloaded after Gradio's reload)."""
        return Client(self.url, verbose=False).predict("Nakamura", api_name="/classify")["confidences"][0]["confidence"]

    def problem(self) -> str:
        return Client(self.url, verbose=False).predict(api_name="/live_problem")

    def code_panel(self) -> str:
        config = json.load(urllib.request.urlopen(self.url + "config", timeout=10))
        return next(c["props"]["value"] for c in config["components"] if c.get("props", {}).get("elem_id") == "model-code")

    def train(self) -> tuple[float, str]:
        """The final validation accuracy of a short training, and the statuses on the way."""
        outputs = list(Client(self.url, verbose=False).submit(None, SETTINGS, api_name="/train"))
        final = outputs[-1][1]
        found = re.search(r"validation accuracy ([\d.]+)%", final)
        assert found, final
        return float(found.group(1)) / 100, " | ".join(output[1][:80] for output in outputs[:3])

    def stop(self) -> str:
        """End gradio's watcher, the app it runs and their training workers (one process group)."""
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.seek(0)
        return self.log.read()


@pytest.fixture
def live(tmp_path):
    folder = tmp_path / "project"
    shutil.copytree(ROOT, folder, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", ".pytest_cache", ".hypothesis", "artifacts", ".venv", "*.pyc", "tests"))
    app = LiveApp(folder)
    yield app
    output = app.stop()
    assert "signal only works in main thread" not in output, output[-3000:]


def test_a_saved_edit_reaches_classify_the_code_panel_and_training_and_undoing_it_recovers(live):
    models = live.folder / "rnn_demo" / "models.py"
    original = models.read_text()
    assert live.classify() > 0.9 and live.problem() == ""
    accuracy, _ = live.train()
    assert accuracy > 2 * CHANCE, accuracy

    # logits x 0: every language equally likely, whatever the weights, and nothing to learn.
    line = re.search(r"^\s+return self\.fc\(.*\)$", original, re.M)
    assert line, "the edit's anchor: the line that returns fc's logits"
    models.write_text(original[:line.end()] + EDIT + original[line.end():])
    _, seconds = wait_for(lambda: abs(live.classify() - CHANCE) < 1e-3, "classify answering uniformly")
    print(f"\nthe edit reached classify {seconds:.1f} s after the save")
    assert EDIT.strip() in live.code_panel()
    accuracy, statuses = live.train()
    assert abs(accuracy - CHANCE) < 0.02, (accuracy, statuses)

    # An edit that does not compile: told, and the last working code (x 0) still answers.
    models.write_text(original + "\ndef broken(:\n")
    message, _ = wait_for(live.problem, "the page telling the syntax error")
    assert "rnn_demo/models.py" in message and "line" in message, message
    assert abs(live.classify() - CHANCE) < 1e-3
    time.sleep(3)  # Gradio's watcher has tried the broken edit: a save during its reload would go unseen

    models.write_text(original)  # undo: the shipped model answers as before, and training learns again
    wait_for(lambda: live.classify() > 0.9, "classify recovering")
    assert live.problem() == "" and EDIT.strip() not in live.code_panel()
    accuracy, _ = live.train()
    assert accuracy > 2 * CHANCE, accuracy
