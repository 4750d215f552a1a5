"""Memory is budgeted before it is spent (issue 35, point 1): rnn_demo/cost.py estimates a training's
peak from its settings and its table; the estimate is measured against real peaks, and a training over
the budget is refused before it starts, naming what to lower."""

import json
import subprocess
import sys

import gradio as gr
import pytest

from rnn_demo import cost
from rnn_demo.config import TrainConfig
from rnn_demo.data import clean_table
from ui import train_panel
from ui.session import DEFAULT_TABLE, Session

from conftest import ROOT

TABLE, _ = clean_table(DEFAULT_TABLE)
PAGE_MAX = TrainConfig(arch="bidirectional", cell="lstm", hidden_size=512, num_layers=4, batch_size=512)


def test_the_page_s_biggest_training_is_refused_and_the_message_names_what_to_lower(monkeypatch):
    monkeypatch.delenv(cost.BUDGET_VARIABLE, raising=False)
    message = cost.check(PAGE_MAX, TABLE)
    assert "MB of memory" in message and "1,500 MB" in message and cost.BUDGET_VARIABLE in message
    assert "batch size 256" in message and "layers 2" in message  # each alone fits
    assert cost.check(TrainConfig(), TABLE) == ""  # the defaults fit many times over


def test_the_budget_follows_the_variable(monkeypatch):
    monkeypatch.setenv(cost.BUDGET_VARIABLE, "8000")
    assert cost.check(PAGE_MAX, TABLE) == ""
    monkeypatch.setenv(cost.BUDGET_VARIABLE, "lots")
    with pytest.raises(ValueError, match="whole number of megabytes"):
        cost.budget_bytes()


def test_a_longer_name_or_a_bigger_batch_needs_more():
    small = cost.estimate_bytes(TrainConfig(), 10, 18)
    assert cost.estimate_bytes(TrainConfig(), 20, 18) > small
    assert cost.estimate_bytes(TrainConfig(batch_size=128), 10, 18) > small


def test_an_over_budget_training_is_refused_before_it_starts_on_both_doors(monkeypatch):
    monkeypatch.setattr(train_panel, "POOL", None)  # never reached: no worker is asked
    settings = {"arch": "bidirectional", "cell": "lstm", "hidden": 512, "layers": 4, "batch_size": 512}
    with pytest.raises(gr.Error, match="Lower one of"):
        next(train_panel.train_from_api(Session(), None, settings))
    press = train_panel.train_in_page(list(settings))
    status = next(press(Session(), *settings.values()))[1]
    assert "Lower one of" in status and "Nothing was trained" in status


PEAK = """
import itertools, json, resource, sys
import pandas as pd, psutil, torch
torch.set_num_threads(1)
from rnn_demo.train import TrainConfig, train
from rnn_demo.data import clean_table
from rnn_demo.report import read_default_table
warm = pd.DataFrame({"name": ["ab", "ba", "abc", "cba"], "label": ["A", "B", "A", "B"]})
for _ in train(warm, TrainConfig(epochs=1, hidden_size=4, num_layers=1, batch_size=2, val_fraction=0.5)):
    pass  # as a worker's warm-up (serving/child.py)
table, _ = clean_table(read_default_table())
base = psutil.Process().memory_info().rss
calls = itertools.count()
for _ in train(table, TrainConfig(epochs=1, **json.loads(sys.argv[1])), stop=lambda: next(calls) >= 3):
    pass
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base))
"""


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("settings", [
    {"arch": "stacked", "cell": "gru", "hidden_size": 512, "num_layers": 2, "batch_size": 512},
    {"arch": "manual", "cell": "gru", "hidden_size": 256, "num_layers": 1, "batch_size": 512},
])
def test_the_estimate_is_above_the_real_peak_and_within_twice_it(settings):
    """Three batches of the default table in a fresh process after a worker's warm-up: the growth of its
    peak, on top of a warm worker (WORKER_BYTES), against the estimate."""
    grown = int(subprocess.run([sys.executable, "-c", PEAK, json.dumps(settings)], cwd=ROOT, check=True,
                               capture_output=True, text=True, timeout=1500).stdout.split()[-1])
    real = cost.WORKER_BYTES + grown
    estimate = cost.estimate_bytes(TrainConfig(**settings), cost.longest_name(TABLE), TABLE["label"].nunique())
    assert real <= estimate <= 2 * real, (real / cost.MB, estimate / cost.MB)
