"""The training queue through the real app (issue 35, point 5): with RNN_NAMES_QUEUE_MAX=2 and one
training at a time, six /train calls at once: three are let in (one runs, two wait) and finish, three
are refused at once with a clean error that says how many are ahead and when to try again. Before,
every call waited in Gradio's queue without end (and with the bound counting only jobs already
running, all six were let in)."""

import threading

import httpx
import pytest

from benchmarks.gradio_http import call
from benchmarks.load_scenarios import TIMEOUT, together

from app_server import AppServer

pytestmark = pytest.mark.slow


@pytest.mark.timeout(900)
def test_trainings_past_the_queue_bound_are_refused_at_once_with_the_wait():
    server = AppServer(RNN_NAMES_QUEUE_MAX="2", RNN_NAMES_TRAININGS="1")
    answers, lock = [], threading.Lock()

    def press(i: int) -> None:
        with httpx.Client(timeout=TIMEOUT) as http:
            try:
                answer = call(http, server.url, "train", [None, {"epochs": 10, "hidden": 16}])[1]
            except RuntimeError as err:
                answer = str(err)
        with lock:
            answers.append(answer)

    try:
        together(6, press)
    finally:
        log = server.stop()
    finished = [a for a in answers if a.startswith("Finished after 10 epochs")]
    busy = [a for a in answers if "The trainer is busy: 3 trainings are ahead; try again in about " in a]
    assert len(finished) == 3 and len(busy) == 3, answers
    assert "Traceback" not in log and log.count("refused: The trainer is busy") == 3
