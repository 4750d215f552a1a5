"""The remember-the-first-letter experiment: its sequences carry their label in the first letter only,
it streams progress, stops when asked, opens the keep gate when asked, and checks its settings."""

import json
import math
import subprocess
import sys

import pytest
import torch

from rnn_demo.data import ALPHABET, LETTERS, V
from rnn_demo.inside.remember_first import (
    FIRST_LETTERS,
    MAX_K,
    RememberConfig,
    RememberProgress,
    RememberResult,
    RunDone,
    accuracy_long,
    gate_bias_note,
    logits,
    make_sequences,
    new_model,
    remember_first,
)
from rnn_demo.models import CELLS

from conftest import ROOT

TINY = dict(hidden_size=8, train_sequences=120, val_sequences=40, epochs=2, batch_size=40)


def test_sequences_are_a_first_letter_then_k_random_letters():
    letters, labels = make_sequences(200, 60, seed=0)  # longer than any name may be: built as tensors
    assert letters.shape == (200, 61) and labels.shape == (200,)
    first = [ALPHABET[i] for i in letters[:, 0].tolist()]
    assert first == [FIRST_LETTERS[i] for i in labels.tolist()]
    assert {ALPHABET[i] for i in letters[:, 1:].flatten().tolist()} == set(LETTERS)  # all 26, first letters too
    assert set(labels.tolist()) == set(range(len(FIRST_LETTERS)))
    again, _ = make_sequences(200, 60, seed=0)
    assert torch.equal(letters, again) and not torch.equal(letters, make_sequences(200, 60, seed=1)[0])


@pytest.mark.parametrize("cell", list(CELLS))
def test_logits_without_packing_equal_the_models_forward(cell):
    model = new_model(cell, RememberConfig(**TINY), seed=0).eval()
    letters, _ = make_sequences(5, 12, seed=0)
    x = torch.nn.functional.one_hot(letters, V).float()  # (B, T, V), all T long
    torch.testing.assert_close(logits(model, x), model(x, torch.full((5,), 13)))


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_gate_bias_opens_the_keep_gate_in_both_bias_vectors(cell):
    H = 8
    opened = new_model(cell, RememberConfig(**TINY, gate_bias=True), seed=0)
    plain = new_model(cell, RememberConfig(**TINY, gate_bias=False), seed=0)
    keep = slice(H, 2 * H)  # gru gates r, z, n: z is second; lstm gates i, f, g, o: f is second
    for name in ("bias_ih_l0", "bias_hh_l0"):
        assert torch.all(getattr(opened.rnn, name)[keep] == 2.0)  # RememberConfig.gate_bias_value
        assert not torch.all(getattr(plain.rnn, name)[keep] == 2.0)
        others = torch.cat([getattr(opened.rnn, name)[:H], getattr(opened.rnn, name)[2 * H:]])
        torch.testing.assert_close(others, torch.cat([getattr(plain.rnn, name)[:H], getattr(plain.rnn, name)[2 * H:]]))
    note = gate_bias_note(2.0)
    assert "forget gate" in note and "update gate" in note and "+2" in note and "0.98" in note


def test_experiment_streams_progress_and_averages_over_seeds():
    config = RememberConfig(ks=(2, 4), cells=("rnn", "lstm"), seeds=2, **TINY)
    events = list(remember_first(config))
    progress = [e for e in events if isinstance(e, RememberProgress)]
    runs = [e for e in events if isinstance(e, RunDone)]
    result = events[-1]
    assert isinstance(result, RememberResult) and not result.stopped
    assert len(progress) == 2 * 2 * 2 * 2 and len(runs) == 8  # ks × seeds × cells (× epochs)
    assert [(r.k, r.seed, r.cell) for r in runs[:3]] == [(2, 0, "rnn"), (2, 0, "lstm"), (2, 1, "rnn")]
    assert progress[-1].runs == 8 and progress[-1].runs_done == 7
    assert list(result.accuracy.index) == [2, 4] and list(result.accuracy.columns) == ["rnn", "lstm"]
    mean = result.runs[(result.runs.cell == "lstm") & (result.runs.k == 4)]["val_accuracy"].mean()
    assert result.accuracy.loc[4, "lstm"] == pytest.approx(mean)
    assert math.isnan(runs[0].accuracy.loc[4, "rnn"])  # the running table: k = 4 not trained yet
    assert len(accuracy_long(runs[0].accuracy)) == 1  # for a plot: what finished, one row per (k, cell)
    long = result.long()
    assert list(long.columns) == ["k", "cell", "accuracy"] and len(long) == 4


def test_an_easy_first_letter_is_learned():
    config = RememberConfig(ks=(2,), cells=("lstm",), seeds=1, hidden_size=16, train_sequences=600,
                            val_sequences=200, epochs=6, batch_size=32, learning_rate=1e-2)
    result = list(remember_first(config))[-1]
    assert result.accuracy.loc[2, "lstm"] >= 0.9  # chance is 0.25
    assert result.first_k_below("lstm") is None


def test_stop_ends_the_experiment_with_the_runs_that_finished():
    config = RememberConfig(ks=(2, 3), cells=("rnn", "gru"), seeds=1, **TINY)
    finished = []

    def stop() -> bool:
        return len(finished) >= 1

    for event in remember_first(config, stop=stop):
        if isinstance(event, RunDone):
            finished.append(event)
    assert event.stopped and len(event.runs) == 1
    assert event.accuracy.loc[2, "rnn"] == finished[0].val_accuracy
    assert event.accuracy.isna().sum().sum() == 3


@pytest.mark.parametrize("settings, message", [
    (dict(ks=(0,)), f"each k must be a whole number from 1 to {MAX_K}"),
    (dict(ks=(MAX_K + 1,)), "each k must be"),
    (dict(ks=()), "each k must be"),
    (dict(ks=(5.5,)), "each k must be"),
    (dict(cells=("rnn", "transformer")), "cells must be some of rnn, gru, lstm"),
    (dict(seeds=0), "seeds must be a whole number from 1 to"),
    (dict(hidden_size=0), "hidden size"),
    (dict(gate_bias_value=0), "gate bias must be above 0"),
    (dict(ks=(1, 2, 3, 4, 5, 6, 7)), "at most 6 k values, not 7"),
    (dict(time_limit=0), "time limit must be above 0 and at most 600 s"),
    (dict(time_limit=10_000), "time limit must be"),
])
def test_bad_settings_are_a_clear_value_error(settings, message):
    with pytest.raises(ValueError, match=message):
        RememberConfig(**settings)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "rnn_demo", "remember-first", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_prints_one_json_object_last():
    run = cli("--ks", "1,2", "--cells", "rnn,gru", "--no-gate-bias", "--seeds", "1", "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert set(summary) == {"ks", "accuracy", "spread", "seeds", "gate_bias", "stopped", "seconds"}
    assert summary["seeds"] == 1 and summary["stopped"] is False
    assert all(low <= high for pairs in summary["spread"].values() for low, high in pairs)
    assert summary["ks"] == [1, 2] and summary["gate_bias"] is False
    assert set(summary["accuracy"]) == {"rnn", "gru"} and all(len(v) == 2 for v in summary["accuracy"].values())
    assert all(0 <= a <= 1 for v in summary["accuracy"].values() for a in v)
    assert "k=2" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("args, message", [
    (["--ks", "5,x"], "error: argument --ks: must be whole numbers separated by commas"),
    (["--ks", "151"], "error: each k must be a whole number from 1 to 150"),
    (["--cells", "rnn,cnn"], "error: cells must be some of rnn, gru, lstm"),
    (["--seeds", "9"], "error: seeds must be a whole number from 1 to 5"),
    (["--ks", "1,2,3,4,5,6,7"], "error: at most 6 k values, not 7"),
    (["--time-limit", "9999"], "error: time limit must be above 0 and at most 600 s"),
])
def test_cli_bad_settings_exit_2_with_one_error_line(args, message):
    run = cli(*args)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), run.stderr


def test_the_time_limit_stops_the_experiment_and_says_what_finished():
    config = RememberConfig(ks=(2, 3), cells=("rnn", "gru"), seeds=1, **TINY, time_limit=1e-3)
    result = list(remember_first(config))[-1]
    assert result.stopped and result.timed_out and result.finished() == "" and result.spread().empty


def test_the_spread_is_each_cells_range_over_seeds_and_a_stop_names_what_finished():
    config = RememberConfig(ks=(2, 3), cells=("rnn", "gru"), seeds=2, **TINY)
    done = []
    for event in remember_first(config, stop=lambda: len(done) >= 3):
        if isinstance(event, RunDone):
            done.append(event)
    spread = event.spread()
    assert event.stopped and not event.timed_out
    rnn = spread[(spread.cell == "rnn") & (spread.k == 2)].iloc[0]
    assert rnn.seeds == 2 and rnn.low == min(done[0].val_accuracy, done[2].val_accuracy) <= rnn["mean"] <= rnn.high
    assert event.finished() == "k = 2 (rnn, gru)"


def test_the_default_run_shows_the_lesson():
    """The defaults, as the page and the CLI run them: the plain rnn falls at the largest k, gru and lstm hold."""
    torch.set_num_threads(1)
    result = list(remember_first(RememberConfig(time_limit=600)))[-1]  # the lesson, not the speed, on a busy CI
    assert not result.stopped
    first, last = RememberConfig.ks[0], RememberConfig.ks[-1]
    assert (result.accuracy.loc[first] > 0.95).all()  # every cell learns a short k
    assert result.accuracy.loc[last, "rnn"] < 0.75  # chance is 0.25
    assert result.accuracy.loc[last, "gru"] > 0.9 and result.accuracy.loc[last, "lstm"] > 0.9
