"""The trainer's line (serving/line.py), on a clock the test moves: bounded, first come first served, and
a waiting job's wait computed from the jobs ahead: a running one by its own pace, a waiting one by its
cost, each at most its time limit."""

import pytest

from rnn_demo import cost
from rnn_demo.train import TrainConfig
from serving.line import START_SECONDS, Busy, Line, queue_max


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_full_line_refuses_at_once_saying_how_many_are_ahead_and_when_to_try_again():
    clock = Clock()
    line = Line(slots=1, most_waiting=1, clock=clock)
    running = line.enter(cost=100.0)
    assert line.turn(running, timeout=0)
    waiting = line.enter(cost=50.0)
    assert not line.turn(waiting, timeout=0)  # the slot is taken
    clock.now = 10.0
    line.progress(running, 0.25)  # 10 s for a quarter: 30 s to go
    with pytest.raises(Busy) as refused:
        line.enter(cost=5.0)
    assert refused.value.ahead == 2
    assert str(refused.value) == "The trainer is busy: 2 trainings are ahead; try again in about 30 s."
    line.leave(running)  # it ended: the waiting one goes, a place frees up
    assert line.turn(waiting, timeout=0)
    assert line.turn(line.enter(cost=5.0), timeout=0) is False  # let in, behind the one that runs


def test_the_wait_adds_up_the_jobs_ahead_from_their_pace_costs_and_time_limits():
    clock = Clock()
    line = Line(slots=2, most_waiting=5, clock=clock)
    fast, slow = line.enter(cost=40.0), line.enter(cost=400.0, limit=60.0)
    assert line.turn(fast, 0) and line.turn(slow, 0)
    clock.now = 20.0
    line.progress(fast, 0.5)  # its pace: 20 s for half of a 40 s estimate, so 20 s more; pace 1.0
    # slow: no progress yet: its estimate (400 s), but its time limit ends it 40 s from now
    first = line.enter(cost=30.0)
    second = line.enter(cost=1000.0, limit=100.0)
    third = line.enter(cost=10.0)
    assert line.wait_of(first).ahead == 2
    assert line.wait_of(first).seconds == pytest.approx(20 + START_SECONDS)
    # first takes the slot that frees at 21 s and runs 30 s: free again at 52 s; the other frees at 41 s
    assert line.wait_of(second).seconds == pytest.approx(40 + START_SECONDS)
    # second runs its 100 s limit from 41 s: third waits for the slot free at 52 s
    assert line.wait_of(third).ahead == 4
    assert line.wait_of(third).seconds == pytest.approx(20 + 30 + 2 * START_SECONDS)


def test_the_pace_of_the_running_jobs_scales_the_costs_of_the_waiting_ones():
    clock = Clock()
    line = Line(slots=1, most_waiting=2, clock=clock)
    running = line.enter(cost=10.0)
    assert line.turn(running, 0)
    clock.now = 10.0
    line.progress(running, 0.5)  # twice as slow as estimated: 10 s more
    behind = line.enter(cost=10.0)
    last = line.enter(cost=1.0)
    assert line.wait_of(last).seconds == pytest.approx(10 + START_SECONDS + 2 * 10 + START_SECONDS)
    line.leave(behind)  # gave up: the one behind moves up
    assert line.wait_of(last).ahead == 1


def test_a_wait_longer_than_the_bound_is_refused_even_with_places_left():
    clock = Clock()
    line = Line(slots=1, most_waiting=10, clock=clock, most_seconds=100.0)
    running = line.enter(cost=60.0)
    assert line.turn(running, 0)
    line.enter(cost=60.0)  # waits 61 s: let in
    with pytest.raises(Busy) as refused:
        line.enter(cost=1.0)  # would wait 61 + 61 s
    assert str(refused.value) == "The trainer is busy: 2 trainings are ahead; try again in about 20 s."
    clock.now = 30.0
    line.progress(running, 0.5)  # the line moved on: 30 + 1 + 61 s now
    assert not line.turn(line.enter(cost=1.0), 0)  # let in


def test_the_line_bound_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("RNN_NAMES_QUEUE_MAX", "3")
    assert queue_max() == 3 and Line(slots=2).places == 5
    monkeypatch.setenv("RNN_NAMES_QUEUE_MAX", "lots")
    with pytest.raises(ValueError, match="whole number"):
        queue_max()
    monkeypatch.setenv("RNN_NAMES_QUEUE_WAIT_S", "120")
    assert Line(slots=2, most_waiting=1).most_seconds == 120


def test_a_training_costs_more_with_more_epochs_rows_and_a_bigger_network(default_table):
    small = TrainConfig(epochs=2, hidden_size=32, num_layers=1)
    assert cost.train_seconds(TrainConfig(epochs=4, hidden_size=32, num_layers=1), default_table) == \
        pytest.approx(2 * cost.train_seconds(small, default_table))
    assert cost.train_seconds(small, default_table.iloc[:500]) < cost.train_seconds(small, default_table)
    big = TrainConfig(epochs=2, hidden_size=256, num_layers=3, arch="bidirectional", cell="lstm")
    assert cost.train_seconds(big, default_table) > 5 * cost.train_seconds(small, default_table)


@pytest.fixture
def full_line(monkeypatch):
    """The app's line with every slot running a long job and no place to wait."""
    from serving.line import Ticket
    from ui import train_panel

    line = train_panel.POOL.line
    monkeypatch.setattr(line, "most_waiting", 0)
    jobs = [Ticket(cost=120.0, limit=300.0, started=line.clock()) for _ in range(line.slots)]
    monkeypatch.setattr(line, "running", jobs)
    monkeypatch.setattr(line, "waiting", [])  # (another test's training may still be ending)
    monkeypatch.setattr(line, "pace", 1.0)  # (and earlier jobs taught the line this machine's pace)
    monkeypatch.setattr(line, "starting", lambda: None)  # the first worker warm
    return train_panel


def test_a_train_pressed_when_the_line_is_full_says_busy_in_the_status_line(full_line):
    from ui.session import Session
    from ui.share_url import URL_KEYS

    session = Session()
    outputs = list(full_line.train_in_page(list(URL_KEYS))(session))
    assert len(outputs) == 1
    status = outputs[0][1]
    assert status.startswith(f"⚠ The trainer is busy: {full_line.POOL.line.slots} training")
    assert "try again in about 120 s." in status and "Nothing was trained" in status  # 120 s left + 1 s start
    assert not session.training.locked()  # it may press again


def test_a_train_call_when_the_line_is_full_gets_a_clean_error(full_line):
    import gradio as gr

    from ui.session import Session

    with pytest.raises(gr.Error, match=r"The trainer is busy: \d trainings? (is|are) ahead; try again in about"):
        list(full_line.train_from_api(Session(), None, {"epochs": 2}))


def test_an_experiment_past_its_time_limit_is_ended_with_a_message_and_the_next_one_runs():
    import gradio as gr
    import pandas as pd

    from ui import in_worker
    from ui.session import DEFAULT_TABLE

    many = pd.concat([DEFAULT_TABLE] * 20, ignore_index=True)  # ~36,000 rows: seconds of n-gram work
    with pytest.raises(gr.Error, match="longer than its 0.5 s limit"):
        in_worker.call("leakage_lesson", many, rows=len(many), limit=0.5)
    lesson = in_worker.call("leakage_lesson", DEFAULT_TABLE, rows=len(DEFAULT_TABLE))  # a fresh worker
    assert set(lesson.overall["split"]) == {"honest", "leaky"}


def test_a_waiting_job_waits_only_what_its_caller_did_not(full_line, default_table):
    """A waiting job's next step returns at once when its caller paused between steps (an async caller
    could then hold no thread while it waits); a caller that does not pause is paced here."""
    import time

    from serving.line import Waiting

    line = full_line.POOL.line
    line.most_waiting = 1
    job = full_line.POOL.train(default_table, TrainConfig(epochs=1), heartbeat=0.25)
    assert isinstance(next(job), Waiting) and len(line.waiting) == 1
    time.sleep(0.5)  # the caller's pause, outside
    began = time.monotonic()
    assert isinstance(next(job), Waiting)
    assert time.monotonic() - began < 0.1
    began = time.monotonic()
    assert isinstance(next(job), Waiting)  # no pause outside: the heartbeat's wait is here
    assert time.monotonic() - began >= 0.2
    job.close()
    assert line.waiting == []  # its place given back


def test_jobs_let_in_at_once_before_any_runs_count_against_the_bound():
    line = Line(slots=1, most_waiting=2, clock=Clock())
    for _ in range(3):
        line.enter(cost=1.0)  # none has had its first step: all still waiting
    with pytest.raises(Busy, match="3 trainings are ahead"):
        line.enter(cost=1.0)
