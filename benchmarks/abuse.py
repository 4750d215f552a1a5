"""Hostile cases against a running app (issue 35's probe), each printed with what it tried, what the
server answered, the server's memory (itself and its workers) and another client's classify latency
while it ran. `python -m benchmarks.abuse --quick` (a few minutes on 2 cores; no long load test).

1. /train with the largest settings the API takes (bidirectional LSTM, hidden 512, 4 layers, embedding
   512, batch 2,048): refused by the memory budget before it starts.
2. A .zip of two-letter lines that inflates to 20 MB, uploaded into the Data tab (the page's own event):
   read up to the 50,000-row limit, the cut told.
3. Remember the first letter with 1,000 k values and 5 seeds (the page's event): refused.
4. A heavy training cancelled through the API mid-epoch: the server must not stall.
5. More trainings than the queue holds (RNN_NAMES_QUEUE_MAX=2, one training at a time): the rest
   refused at once with "The trainer is busy: ...".
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import threading
import time
import warnings
import zipfile

import httpx
from gradio_client import Client

from .common import ROOT, machine
from .gradio_http import API, Page, call
from .load_scenarios import TIMEOUT, together
from .servers import AppProcess

warnings.filterwarnings("ignore")
HUGE = {"arch": "bidirectional", "cell": "lstm", "hidden": 512, "layers": 4, "embedding": 512, "batch_size": 2048}
MIN_CASE_S = 3.0  # the bystander classifies at least this long around each case
HEAVY = {"arch": "bidirectional", "cell": "lstm", "hidden": 256, "layers": 2, "batch_size": 512, "epochs": 50}


class Bystander:
    """Another client classifying in a loop while a case runs: its latencies, in ms."""

    def __init__(self, url: str):
        self.url, self.ms, self.failed, self._stop = url, [], 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=TIMEOUT) as http:
            while not self._stop.is_set():
                start = time.perf_counter()
                try:
                    call(http, self.url, "classify", ["Nakamura"])
                    self.ms.append(1e3 * (time.perf_counter() - start))
                except (httpx.HTTPError, RuntimeError):
                    self.failed += 1
                self._stop.wait(0.2)

    def stop(self) -> str:
        self._stop.set()
        self._thread.join(timeout=120)
        if not self.ms:
            return "no classify answered"
        return (f"classify {len(self.ms)} calls, p50 {statistics.median(self.ms):,.0f} ms, max {max(self.ms):,.0f} ms"
                + (f", {self.failed} failed" if self.failed else ""))


def case(app: AppProcess, what: str, attack) -> None:
    """Run one attack with a bystander classifying; print what it tried, the answer, memory and latency."""
    before, began = app.memory_mb(), time.perf_counter()
    bystander = Bystander(app.url)
    try:
        answer = attack()
    except Exception as err:  # noqa: BLE001 - a refusal is an answer too
        answer = f"{type(err).__name__}: {err}"
    time.sleep(max(0.0, MIN_CASE_S - (time.perf_counter() - began)))  # a refusal is quick: the bystander still reads
    latency = bystander.stop()
    print(f"\n{what}\n  answer: {' '.join(str(answer).split())[:220]}\n  memory: {before:,.0f} MB before, peak "
          f"{app.peak_mb(began):,.0f} MB, {app.memory_mb():,.0f} MB after ({time.perf_counter() - began:.1f} s)"
          f"\n  others: {latency}", flush=True)


def page_event(page: Page, elem_id: str, trigger: str) -> int:
    """The fn index of the page's `trigger` event on the component with `elem_id`."""
    component = next(c["id"] for c in page.config["components"] if c.get("props", {}).get("elem_id") == elem_id)
    return next(d["id"] for d in page.config["dependencies"] if [component, trigger] in d["targets"])


def huge_training(url: str) -> str:
    with httpx.Client(timeout=TIMEOUT) as http:
        return call(http, url, "train", [None, HUGE])[1]


def zip_bomb(url: str, config: dict) -> str:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Bomb.txt", b"ab\n" * (20 * 2**20 // 3 - 1))  # just under the 20 MB unzipped limit
    with httpx.Client(timeout=TIMEOUT) as http:
        path = http.post(url + API + "upload", files={"files": ("bomb.zip", data.getvalue())}).json()[0]
        page = Page(http, url, config)
        event = page.run(page_event(page, "upload", "upload"),
                         [{"path": path, "orig_name": "bomb.zip", "meta": {"_type": "gradio.FileData"}}, None,
                          "replace the table"])
    shown = f"{event.outputs[2]} {event.outputs[3]}" if event.outputs else event.error
    return f"{len(data.getvalue()) / 1024:,.0f} KB zip -> {shown}"


def remember_many(url: str, config: dict) -> str:
    with httpx.Client(timeout=TIMEOUT) as http:
        page = Page(http, url, config)
        event = page.run(page_event(page, "remember-run", "click"), [",".join(["150"] * 1000), True, 5, None])
    return event.error or (event.outputs[1] if event.outputs else "no answer")


def cancel_heavy(url: str) -> str:
    client = Client(url, verbose=False)
    job = client.submit(None, HEAVY, api_name="/train")
    deadline = time.time() + 300
    while not any(str(out[1]).startswith("Epoch 1") for out in job.outputs()) and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(2)
    began = time.perf_counter()
    job.cancel()
    cancelled = time.perf_counter() - began
    time.sleep(8)  # a stall, if any, comes here (the bystander measures it)
    last = next((out[1] for out in reversed(job.outputs()) if isinstance(out[1], str)), "")
    return f"cancel returned in {cancelled:.2f} s; last status: {last[:80]}"


def flood(url: str, n: int) -> str:
    answers: list[str] = []

    def press(i: int) -> None:
        with httpx.Client(timeout=TIMEOUT) as http:
            try:
                answers.append(call(http, url, "train", [None, {"epochs": 3, "hidden": 16}])[1][:20])
            except RuntimeError as err:
                answers.append(str(err))

    together(n, press)
    busy = [a for a in answers if "The trainer is busy" in a]
    finished = sum(a.startswith("Finished") for a in answers)
    return f"{n} at once: {finished} finished, {len(busy)} refused at once; e.g. {busy[0][:160] if busy else ''}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.abuse", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small flood; the heavy cancel stays")
    args = parser.parse_args(argv)
    m = machine()
    print(f"Machine: {m['cpu']}, {m['cores']} cores; load average {m['load_average'][0]} at start")
    app = AppProcess(ROOT / "app.py", ROOT, timeout_s=400)
    try:
        config = httpx.get(app.url + "config", timeout=60).json()
        case(app, "1. /train with the largest settings the API takes " + str(HUGE), lambda: huge_training(app.url))
        case(app, "2. a zip of two-letter lines inflating to 20 MB, uploaded into the Data tab",
             lambda: zip_bomb(app.url, config))
        case(app, "3. Remember the first letter with 1,000 k values and 5 seeds", lambda: remember_many(app.url, config))
        case(app, "4. a heavy training cancelled mid-epoch " + str(HEAVY), lambda: cancel_heavy(app.url))
    finally:
        app.stop()
    os.environ.update(RNN_NAMES_QUEUE_MAX="2", RNN_NAMES_TRAININGS="1")
    app = AppProcess(ROOT / "app.py", ROOT, timeout_s=400)
    try:
        n = 6 if args.quick else 20
        case(app, f"5. {n} trainings at once, the queue bounded at 2 (RNN_NAMES_QUEUE_MAX=2, one training at a time)",
             lambda: flood(app.url, n))
    finally:
        app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
