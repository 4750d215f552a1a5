"""The README's first command, as a newcomer runs it: in a fresh virtualenv with requirements.txt alone,
`python app.py` starts and classifies a name over HTTP, then the CLI trains one epoch and exports it.
Run by .ci/run with that venv's python (stdlib only here: nothing of the dev requirements may help).

A package the app or the CLI imports but requirements.txt lacks fails here, where the test suite, run with
the dev requirements, cannot see it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def classify(url: str, name: str) -> dict:
    """POST /gradio_api/call/classify, then read the event stream to its 'complete' line."""
    request = urllib.request.Request(url + "gradio_api/call/classify", data=json.dumps({"data": [name]}).encode(),
                                     headers={"Content-Type": "application/json"})
    event_id = json.load(urllib.request.urlopen(request, timeout=30))["event_id"]
    stream = urllib.request.urlopen(f"{url}gradio_api/call/classify/{event_id}", timeout=60).read().decode()
    lines = stream.splitlines()
    for kind, data in zip(lines, lines[1:]):
        if kind == "event: complete":
            return json.loads(data.removeprefix("data: "))[0]
    raise AssertionError(f"classify gave no result: {stream[-500:]}")


def start_app() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    log = tempfile.TemporaryFile("w+")  # not a pipe: the training worker inherits it and may outlive a read
    started = time.perf_counter()
    app = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, text=True, stdout=log, stderr=log)

    def output() -> str:
        log.seek(0)
        return log.read()[-3000:]

    try:
        while True:
            if app.poll() is not None:
                raise AssertionError(f"python app.py exited {app.returncode}:\n{output()}")
            if time.perf_counter() - started > 300:
                raise AssertionError(f"python app.py did not answer within 300 s:\n{output()}")
            try:
                urllib.request.urlopen(url + "config", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        print(f"python app.py answered after {time.perf_counter() - started:.1f} s")
        top = classify(url, "Nakamura")
        print(f"classify('Nakamura') -> {top['label']}")
        assert top["label"] == "Japanese", top
    finally:
        app.terminate()
        app.wait(timeout=60)
    assert app.returncode == 0, f"python app.py ended with {app.returncode} on SIGTERM:\n{output()}"
    assert "Traceback" not in output(), output()


def run(*args: str) -> None:
    print("+ python -m rnn_demo " + " ".join(args), flush=True)
    subprocess.run([sys.executable, "-m", "rnn_demo", *args], cwd=ROOT, check=True)


def main() -> None:
    start_app()
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = Path(tmp) / "model.safetensors"
        run("train", "--data", "data/names.csv", "--epochs", "1", "--hidden", "16", "--out", str(checkpoint))
        run("export", "--checkpoint", str(checkpoint), "--data", "data/names.csv", "--out", str(Path(tmp) / "run"))
        exported = sorted(p.name for p in (Path(tmp) / "run").iterdir())
        print(f"exported: {', '.join(exported)}")
        assert {"train.py", "predict.py", "train.ipynb"} <= set(exported), exported
    print("fresh install: the app starts and classifies, the CLI trains and exports")


if __name__ == "__main__":
    main()
