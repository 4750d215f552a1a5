"""The app through a launched server and gradio_client: each Client is its own browser session."""

import threading
import time
import warnings

import pytest
from gradio_client import Client

from rnn_demo.checkpoints import load_checkpoint
from rnn_demo.predict import predict

from conftest import two_label_table

warnings.filterwarnings("ignore")


def client(server) -> Client:
    return Client(server.url, verbose=False)


def loss_points(plot: dict, series: str = "train loss (smoothed)") -> list[float]:
    return [row[1] for row in plot["data"] if row[2] == series and row[1] is not None]


def test_classify_before_training_returns_the_default_models_top_5(app_server):
    result = client(app_server).predict("Nakamura", api_name="/classify")
    expected = predict(load_checkpoint(), ["Nakamura"], k=5)[0]
    assert result["label"] == expected[0][0] == "Japanese"
    assert [c["label"] for c in result["confidences"]] == [label for label, _ in expected]
    assert [c["confidence"] for c in result["confidences"]] == pytest.approx([p for _, p in expected], abs=1e-5)


def test_a_training_stream_yields_loss_points_that_fall(app_server):
    outputs = list(client(app_server).submit(None, {"epochs": 4}, api_name="/train"))
    assert len(outputs) >= 3  # streamed, not one final answer
    plot, status = outputs[-1][0], outputs[-1][1]
    assert plot["columns"] == ["epoch", "value", "series"]
    losses = loss_points(plot)
    assert len(losses) >= 10 and losses[-1] < losses[0] - 0.3
    accuracy = loss_points(plot, "validation accuracy")
    assert len(accuracy) == 4 and all(0 <= a <= 1 for a in accuracy)
    assert status.startswith("Finished after 4 epochs")


def test_stop_ends_training_early_and_the_session_still_classifies(app_server):
    c = client(app_server)
    job = c.submit(two_label_table("Alpha", "Beta"), {"epochs": 100}, api_name="/train")
    while len(job.outputs()) < 3:
        time.sleep(0.05)
    stopped_at = time.perf_counter()
    c.predict(api_name="/stop")
    final = job.result(timeout=30)
    print(f"\nStop took effect {time.perf_counter() - stopped_at:.2f} s after /stop")  # a figure, not a threshold
    assert final[1].startswith(("Stopped after", "Stopped in epoch")), final[1]
    answer = c.predict("Kaski", api_name="/classify")
    assert {x["label"] for x in answer["confidences"]} == {"Alpha", "Beta"}


@pytest.mark.parametrize("rows, message", [
    ([], "no rows"),
    ([["Anna", "A"], ["Ada", "A"], ["Alma", "A"]], "at least 2 labels"),
])
def test_a_bad_table_gets_a_clear_error(app_server, rows, message):
    with pytest.raises(Exception, match=message):
        client(app_server).predict({"headers": ["name", "label"], "data": rows}, {}, api_name="/train")


@pytest.mark.parametrize("name, message", [("", "type a name"), ("12345", "no letters"), ("x" * 10_000, "limit is 40")])
def test_a_bad_name_gets_a_clear_error(app_server, name, message):
    with pytest.raises(Exception, match=message):
        client(app_server).predict(name, api_name="/classify")


def test_two_clients_training_at_once_each_get_only_their_own_labels(app_server):
    clients = {("Alpha", "Beta"): client(app_server), ("Gamma", "Delta"): client(app_server)}
    finals = {}

    def run(labels, c):
        finals[labels] = c.submit(two_label_table(*labels), {"epochs": 6, "hidden": 16}, api_name="/train").result(timeout=120)

    threads = [threading.Thread(target=run, args=item) for item in clients.items()]
    [t.start() for t in threads]
    [t.join() for t in threads]
    for labels, c in clients.items():
        assert f"labels: {', '.join(sorted(labels))}" in finals[labels][1]
        answer = c.predict("Tamoto", api_name="/classify")
        assert {x["label"] for x in answer["confidences"]} == set(labels)


def test_a_cancel_after_an_epoch_keeps_the_best_model_like_stop_does(app_server):
    c = client(app_server)
    job = c.submit(two_label_table("Gauche", "Droite"), {"epochs": 100, "hidden": 16, "batch_size": 8}, api_name="/train")
    deadline = time.time() + 60
    while not any("validation accuracy" in out[1] for out in job.outputs()) and time.time() < deadline:
        time.sleep(0.05)
    job.cancel()
    time.sleep(1.5)  # the worker ends its batch and hands the best model back
    answer = c.predict("Kaski", api_name="/classify")
    assert {x["label"] for x in answer["confidences"]} == {"Gauche", "Droite"}


def test_a_cancel_before_any_epoch_keeps_the_previous_model(app_server):
    c = client(app_server)
    job = c.submit(None, {"epochs": 5, "hidden": 256, "batch_size": 8}, api_name="/train")  # a first epoch of many seconds
    while len(job.outputs()) < 2:
        time.sleep(0.05)
    job.cancel()
    time.sleep(1.5)
    assert c.predict("Nakamura", api_name="/classify")["label"] == "Japanese"
    assert len(c.predict("Nakamura", api_name="/classify")["confidences"]) == 5


def test_the_stronger_options_train_through_the_api_and_a_bad_one_is_named(app_server):
    c = client(app_server)
    final = c.predict(two_label_table("Alpha", "Beta"), {"epochs": 3, "hidden": 16, "embedding": 8, "pooling": "last+max", "input_dropout": 0.1, "feature_dropout": 0.2, "average": 0.9, "balance": True, "balance_method": "logit-adjust", "balance_strength": 0.5, "keep_best": "accuracy"}, api_name="/train")
    assert final[1].startswith("Finished after 3 epochs")
    assert "hidden 16, 2 layer(s), embedding 8, pooling last+max, 2 labels" in final[2]
    with pytest.raises(Exception, match=r"weight averaging decay must be between 0 and 0.999, not 1.5"):
        c.predict(two_label_table("Alpha", "Beta"), {"epochs": 1, "average": 1.5}, api_name="/train")
