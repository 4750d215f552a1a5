"""Load test: N clients train different tables while M classify calls run, against a running app.

    python app.py &                      # or any URL of the app
    python tools/load_test.py --url http://127.0.0.1:7860/ --trainers 5 --classifies 50

Every trainer must get back only its own labels; every call must succeed. Prints a summary line
and exits 1 if anything went wrong. (tests/test_concurrency.py runs the same check, smaller.)
"""

import argparse
import statistics
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

from gradio_client import Client

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


if __name__ == "__main__":
    sys.exit(main())
