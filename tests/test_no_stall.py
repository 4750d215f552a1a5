"""Nothing stalls the server (issue 35, point 4): cancelling a heavy training through the API returns at
once on Gradio's event loop, while the worker ends the run in the background. Another client's classify
(and GET /gradio_api/info) keeps answering within 2 s all along. Before the fix the cancel waited on
the event loop for the worker to finish its batch and validate the epoch: 30-36 s of a frozen server."""

from __future__ import annotations

import threading
import time
import urllib.request
import warnings

import pytest
from gradio_client import Client

warnings.filterwarnings("ignore")
HEAVY = {"arch": "bidirectional", "cell": "lstm", "hidden": 256, "layers": 2, "batch_size": 512, "epochs": 50}


@pytest.mark.timeout(1500)  # a server start and an epoch on a shared machine
def test_cancelling_a_heavy_training_does_not_stall_others_classify(app_server):
    trainer, other = Client(app_server.url, verbose=False), Client(app_server.url, verbose=False)
    other.predict("Nakamura", api_name="/classify")  # its session is warm
    job = trainer.submit(None, HEAVY, api_name="/train")
    deadline = time.time() + 240
    while not any(str(out[1]).startswith("Epoch 1") for out in job.outputs()) and time.time() < deadline:
        time.sleep(0.2)
    assert time.time() < deadline, job.outputs()[-1:]
    time.sleep(3)  # well inside the epoch: its batches and its validation are still to come

    latencies, info, done = [], [], threading.Event()

    def classify_all_along():
        while not done.is_set():
            start = time.perf_counter()
            assert other.predict("Nakamura", api_name="/classify")["label"] == "Japanese"
            latencies.append(time.perf_counter() - start)
            start = time.perf_counter()
            urllib.request.urlopen(app_server.url + "gradio_api/info", timeout=60).read()
            info.append(time.perf_counter() - start)

    watcher = threading.Thread(target=classify_all_along)
    watcher.start()
    time.sleep(1)
    job.cancel()
    time.sleep(10)  # the stall, if any, comes here
    done.set()
    watcher.join(timeout=120)
    assert len(latencies) >= 5, latencies
    assert max(latencies) < 2.0, f"classify stalled: {[round(x, 2) for x in latencies]}"
    assert max(info) < 2.0, f"/gradio_api/info stalled: slowest {max(info):.1f} s"
