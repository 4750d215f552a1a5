"""Many users at once, against a real server: queued trainings, parallel classify, cancelling, memory."""

import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import psutil
from gradio_client import Client

from conftest import two_label_table

warnings.filterwarnings("ignore")


def test_five_trainings_and_fifty_classifies_at_once_each_get_their_own_labels(app_server):
    labels = [(f"Left{i}", f"Right{i}") for i in range(5)]
    clients = [Client(app_server.url, verbose=False) for _ in labels]
    results, errors = {}, []

    def train(i):
        try:
            final = clients[i].submit(two_label_table(*labels[i]), {"epochs": 3, "hidden": 16}, api_name="/train").result(timeout=300)
            answer = clients[i].predict("Kimoto", api_name="/classify")
            results[i] = (final[1], {c["label"] for c in answer["confidences"]})
        except Exception as err:  # collected and asserted below
            errors.append(repr(err))

    def classify(name):
        return Client(app_server.url, verbose=False).predict(name, api_name="/classify")["label"]

    threads = [threading.Thread(target=train, args=(i,)) for i in range(5)]
    [t.start() for t in threads]
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(classify, ["Nakamura"] * 50))
    [t.join() for t in threads]
    assert errors == []
    assert answers == ["Japanese"] * 50  # fresh sessions: the default model answers
    for i, (status, seen) in results.items():
        assert status.startswith("Finished") and seen == set(labels[i])


def test_cancelling_a_client_mid_training_stops_the_work_on_the_server(app_server):
    server = psutil.Process(app_server.process.pid)
    client = Client(app_server.url, verbose=False)
    job = client.submit(None, {"epochs": 100}, api_name="/train")
    while len(job.outputs()) < 3:
        time.sleep(0.05)

    def cpu_seconds(over: float) -> float:
        """CPU used by the server and its training workers over the next `over` seconds."""
        processes = [server, *server.children(recursive=True)]
        start = sum(sum(p.cpu_times()[:2]) for p in processes)
        time.sleep(over)
        return sum(sum(p.cpu_times()[:2]) for p in processes) - start

    busy = cpu_seconds(2.0)
    job.cancel()
    time.sleep(1.5)  # the current step (at most ~0.25 s of batches) finishes, then nothing runs
    idle = cpu_seconds(2.0)
    assert busy > 0.8, f"training should keep a core busy, used {busy:.2f} s of CPU in 2 s"
    assert idle < 0.4, f"after cancelling, the server still used {idle:.2f} s of CPU in 2 s"


def test_memory_after_20_trainings_is_close_to_after_2(app_server):
    server = psutil.Process(app_server.process.pid)

    def train_once(i):
        Client(app_server.url, verbose=False).submit(two_label_table(f"A{i}", f"B{i}"), {"epochs": 1, "hidden": 16}, api_name="/train").result(timeout=120)

    for i in range(2):
        train_once(i)
    after_2 = server.memory_info().rss
    for i in range(2, 20):
        train_once(i)
    after_20 = server.memory_info().rss
    growth_mb = (after_20 - after_2) / 2**20
    print(f"\nserver RSS after 2 trainings {after_2 / 2**20:.0f} MB, after 20 {after_20 / 2**20:.0f} MB")
    assert growth_mb < 60, f"RSS grew {growth_mb:.0f} MB over 18 more trainings"
