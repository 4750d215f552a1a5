"""Load test: N clients train different tables while M classify calls run, against a running app.

    python app.py &                      # or any URL of the app
    python -m benchmarks.load_test --url http://127.0.0.1:7860/ --trainers 5 --classifies 50

Every trainer must get back only its own labels; every call must succeed. Prints a summary line
and exits 1 if anything went wrong. (tests/test_concurrency.py runs the same check, smaller.)
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from gradio_client import Client

from .plan import ROOT, Plan, percentile

warnings.filterwarnings("ignore")


def table(a: str, b: str) -> dict:
    rows = [[f"{x}{y}ski", a] for x in "kmnpr" for y in "aeiou"] + [[f"{x}{y}moto", b] for x in "kstnh" for y in "aeiou"]
    return {"headers": ["name", "label"], "data": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860/")
    parser.add_argument("--trainers", type=int, default=5)
    parser.add_argument("--classifies", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    problems, train_seconds, classify_seconds = [], [], []

    def trainer(i: int) -> None:
        labels = {f"Left{i}", f"Right{i}"}
        client, start = Client(args.url, verbose=False), time.perf_counter()
        try:
            client.submit(table=table(*sorted(labels)), epochs=args.epochs, hidden=16, api_name="/train").result()
            seen = {c["label"] for c in client.predict("Kimoto", api_name="/classify")["confidences"]}
            if seen != labels:
                problems.append(f"trainer {i} got labels {sorted(seen)}")
        except Exception as err:  # every failure is counted, none stops the test
            problems.append(f"trainer {i}: {err}")
        train_seconds.append(time.perf_counter() - start)

    def classify(_) -> None:
        start = time.perf_counter()
        try:
            Client(args.url, verbose=False).predict("Nakamura", api_name="/classify")
        except Exception as err:
            problems.append(f"classify: {err}")
        classify_seconds.append(time.perf_counter() - start)

    threads = [threading.Thread(target=trainer, args=(i,)) for i in range(args.trainers)]
    [t.start() for t in threads]
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(classify, range(args.classifies)))
    [t.join() for t in threads]
    print(f"{args.trainers} trainings: {statistics.median(train_seconds):.1f} s median, {max(train_seconds):.1f} s max; "
          f"{args.classifies} classifies: {statistics.median(classify_seconds) * 1000:.0f} ms median; "
          f"{len(problems)} problems")
    for problem in problems:
        print("  " + problem)
    return 1 if problems else 0



# ---------------------------------------------------------------------------------------------
# The app over HTTP


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss_while(pid: int, busy: Callable[[], bool]) -> float:
    """Sample the resident memory of a process and its children (the training workers) every
    20 ms while busy() holds; peak in MB."""
    import psutil

    process, peak = psutil.Process(pid), 0
    while busy():
        try:
            peak = max(peak, sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]))
        except psutil.NoSuchProcess:  # a worker came or went while we counted
            pass
        time.sleep(0.02)
    return peak / 2**20


def _first_answer(process: subprocess.Popen, url: str, log, start: float) -> Client:
    """Wait until the app answers a first /classify (import, build the Blocks, launch, answer)."""
    while True:
        if process.poll() is not None:
            log.seek(0)
            last = (log.read().strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"app.py exited with status {process.returncode}: {last}")
        if time.perf_counter() - start > 120:
            raise RuntimeError("app.py did not answer within 120 s")
        try:
            client = Client(url, verbose=False)
            client.predict("Nakamura", api_name="/classify")
            return client
        except Exception:  # not listening yet
            time.sleep(0.05)


def app_figures(plan: Plan) -> dict:
    """Start app.py, time its first /classify answer, then 200 more (client and raw HTTP), then
    watch its memory while it trains the default table with the default settings."""
    import httpx
    import psutil

    app = ROOT / "app.py"
    if not app.is_file():
        raise RuntimeError(f"no {app.name}")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port),
               GRADIO_ANALYTICS_ENABLED="False")
    log = tempfile.TemporaryFile("w+")  # a file, not a pipe: a full pipe would stall the app
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(app)], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        client = _first_answer(process, url, log, start)
        ready_s = time.perf_counter() - start
        used = psutil.Process(process.pid).cpu_times()
        ready_cpu_s = used.user + used.system  # the app's own CPU seconds: what an idle machine would take

        def client_call():
            client.predict("Nakamura", api_name="/classify")

        def http_call():  # Gradio's REST API: POST the input, then read the answer's event stream
            event = http.post(f"{url}gradio_api/call/classify", json={"data": ["Nakamura"]}).json()["event_id"]
            answer = http.get(f"{url}gradio_api/call/classify/{event}").text
            if "event: complete" not in answer:
                raise RuntimeError(f"/classify answered {answer[-200:]!r}")

        with httpx.Client(timeout=30) as http:
            figures = {"ready_s": ready_s, "ready_cpu_s": ready_cpu_s}
            for name, call in (("client", client_call), ("http", http_call)):
                call()
                times = []
                for _ in range(plan.http_calls):
                    t = time.perf_counter()
                    call()
                    times.append(time.perf_counter() - t)
                figures[f"classify_{name}_ms"] = 1e3 * statistics.median(times)
                figures[f"classify_{name}_p95_ms"] = 1e3 * percentile(times, 0.95)

        figures["idle_rss_mb"] = psutil.Process(process.pid).memory_info().rss / 2**20
        # Train the default table with the default settings; --quick stops it after a few seconds
        # (memory peaks in the first epoch) through the app's own Stop.
        job, began = client.submit(api_name="/train"), time.perf_counter()

        def training() -> bool:
            return not job.done() and time.perf_counter() - began < plan.app_train_seconds

        figures["training_peak_rss_mb"] = _peak_rss_while(process.pid, training)
        if not job.done():
            client.predict(api_name="/stop")
        job.result(timeout=60)  # raises if training failed
        return figures
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


if __name__ == "__main__":
    sys.exit(main())
