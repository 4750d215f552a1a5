"""The server bounds a request before reading it, ends every idle session (an API client's too) and
leaves nothing of a visitor's on disk when it is stopped."""

from __future__ import annotations

import datetime
import http.client
import json
import signal
import time
import urllib.parse
import warnings
from pathlib import Path

import gradio as gr
import httpx
import psutil
import pytest
from gradio.state_holder import StateHolder
from gradio_client import Client

from rnn_demo.checkpoints import load_checkpoint
from rnn_demo.predict import predict
from rnn_demo.train import TrainConfig, train
from serving import asgi as serving
from ui.session import Session, free_session

from app_server import AppServer
from conftest import two_label_table

warnings.filterwarnings("ignore")
TTL = 2  # seconds a session of the short-lived server may sit idle


def post(url: str, path: str, body: bytes, chunked: bool = False) -> int:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Content-Type": "application/json"}
    try:
        if chunked:
            connection.request("POST", path, body=iter([body[i:i + 65536] for i in range(0, len(body), 65536)]),
                               headers=headers, encode_chunked=True)
        else:
            connection.request("POST", path, body=body, headers=headers)
        return connection.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        return 413  # refused before the body was all sent
    finally:
        connection.close()


def upload(url: str, content: bytes) -> list[str]:
    """A file through Gradio's own upload route; the paths of its copies in Gradio's cache."""
    response = httpx.post(f"{url}gradio_api/upload", files={"files": ("names.csv", content, "text/csv")}, timeout=30)
    response.raise_for_status()
    return response.json()


def test_a_body_over_the_limit_is_refused_before_it_is_read(app_server):
    huge = json.dumps({"data": ["x" * (20 * 1024 * 1024)]}).encode()
    server = psutil.Process(app_server.process.pid)
    before = server.memory_info().rss
    assert post(app_server.url, "/gradio_api/call/classify", huge) == 413
    assert post(app_server.url, "/gradio_api/call/classify", huge, chunked=True) == 413
    grown = (server.memory_info().rss - before) / 2**20
    print(f"\nserver memory after two 20 MB posts: {grown:+.1f} MB")
    assert grown < 15
    assert post(app_server.url, "/gradio_api/call/classify", json.dumps({"data": ["Nakamura"]}).encode()) == 200
    rows = b"name,label\n" + b"Nakamura,Japanese\n" * 50_000  # ~900 KB: over the JSON limit's share, under uploads'
    [copy] = upload(app_server.url, rows)
    assert Path(copy).read_bytes() == rows


def test_an_idle_session_ends_and_its_delete_callback_runs():
    freed = []
    with gr.Blocks() as demo:
        state = gr.State(list, delete_callback=freed.append)
    holder = StateHolder()
    holder.set_blocks(demo)
    holder["idle"][state._id].append("idle's value")
    holder["busy"][state._id].append("busy's value")
    holder.time_last_used["idle"] -= datetime.timedelta(seconds=61)
    assert serving.end_idle_sessions(holder, ttl=60, busy={"idle"}) == 0  # an event of its own queued or running
    assert serving.end_idle_sessions(holder, ttl=60) == 1
    assert freed == [["idle's value"]]
    assert "idle" not in holder and "busy" in holder
    assert serving.end_idle_sessions(holder, ttl=60) == 0  # busy's last use is recent
    assert holder["idle"][state._id] == []  # the ended session, back, starts afresh


class Log:
    """The server's output as it comes (AppServer writes it to a file)."""

    def __init__(self, server: AppServer):
        self.server = server

    def wait_for(self, text: str, timeout_s: float = 120) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [line for line in self.server.output().splitlines() if text in line]
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no {text!r} in the server's output: {self.server.output()[-2000:]}")


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory):
    """A server whose sessions end after TTL idle seconds, its temporary files under a folder of ours."""
    folder = tmp_path_factory.mktemp("server-tmp")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RNN_NAMES_SESSION_TTL", str(TTL))
        env.setenv("TMPDIR", str(folder))  # WORK_DIR and Gradio's cache go there
        # ui.session, imported by this process's tests, points GRADIO_TEMP_DIR into its own work folder:
        # a server started from here would take that for a Space owner's choice and work inside it.
        env.delenv("GRADIO_TEMP_DIR", raising=False)
        server = AppServer()
    server.log, server.tmp = Log(server), folder
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


def test_an_api_session_that_trained_ends_when_idle(short_lived):
    client = Client(short_lived.url, verbose=False)
    client.predict(two_label_table("Alpha", "Beta"), {"epochs": 2, "hidden": 16}, api_name="/train")
    trained = client.predict("Kaski", api_name="/classify")
    assert {c["label"] for c in trained["confidences"]} == {"Alpha", "Beta"}
    assert short_lived.log.wait_for("idle session(s) ended").startswith("1 ")  # this client's, nobody else's
    answer = client.predict("Kaski", api_name="/classify")  # the same client: a fresh session now
    assert answer["label"] == predict(load_checkpoint(), ["Kaski"], k=1)[0][0][0]
    assert "Alpha" not in {c["label"] for c in answer["confidences"]}
    client.close()


def test_a_sigterm_removes_the_visitors_files_and_gradios_cache(short_lived):
    [work_dir] = short_lived.tmp.glob("rnn-names-*")
    [copy] = upload(short_lived.url, b"name,label\nNakamura,Japanese\n")
    assert Path(copy).is_relative_to(short_lived.tmp) and Path(copy).exists()
    visitor = Client(short_lived.url, verbose=False)  # an open session: its heartbeat holds a connection
    short_lived.process.send_signal(signal.SIGTERM)
    short_lived.process.wait(timeout=30)  # it ends by itself
    assert not work_dir.exists()
    assert not Path(copy).exists()  # the server closed as demo.close() does, so Gradio's delete_cache ran
    short_lived.log.wait_for("Closing server")  # Gradio's own shutdown
    visitor.close()


def test_an_ended_session_leaves_no_files_and_no_model(separable_table):
    session = Session()
    (session.folder / "model.safetensors").write_bytes(b"weights")
    done = list(train(separable_table, TrainConfig(epochs=1, hidden_size=8)))[-1]
    session.use_model(done.model, "trained at 12:00:00")
    free_session(session)
    assert not session._folder.exists() and session.model is None and session.previous is None
    assert session.stop.is_set()  # a training still running ends at its next batch
