"""The baselines beside the model: by hand on tiny tables, and in the JSON of train and evaluate."""

import json
import math

import pandas as pd
import pytest

from rnn_demo.__main__ import main
from rnn_demo.baselines import MajorityBaseline, NgramBayes, compare, ngrams, recorded_split, score_baselines
from rnn_demo.data import split_table
from rnn_demo.evaluate import METRICS
from rnn_demo.files import load_table
from rnn_demo.train import TrainConfig, run_to_end, train

from conftest import ROOT

DEFAULT_TABLE = str(ROOT / "data" / "names.csv")


def test_ngrams_mark_the_start_and_the_end():
    assert ngrams("ab", 2) == ["a", "b", "^a", "ab", "b$"]
    assert "ski$" in ngrams("kowalski") and "^kow" in ngrams("kowalski")


def test_naive_bayes_scores_match_the_hand_computation():
    train_rows = pd.DataFrame({"name": ["ab", "cd"], "label": ["X", "Y"]})
    model = NgramBayes(train_rows, ["X", "Y"], n_max=2, alpha=1.0)
    # 10 distinct n-grams, 5 per label: P(g | X) = (1 + 1) / (5 + 10) for X's own, 1 / 15 for Y's.
    scores = model.scores(["ab", "zz"])
    assert scores[0, 0].item() == pytest.approx(math.log(0.5) + 5 * math.log(2 / 15), abs=1e-5)
    assert (scores[0, 0] - scores[0, 1]).item() == pytest.approx(5 * math.log(2), abs=1e-5)
    assert scores[1].tolist() == pytest.approx([math.log(0.5)] * 2)  # no known n-gram: the prior only


def test_majority_always_answers_the_biggest_training_label():
    train_rows = pd.DataFrame({"name": ["a", "b", "c", "d"], "label": ["X", "X", "X", "Y"]})
    scores = MajorityBaseline(train_rows, ["X", "Y"]).scores(["q", "r"])
    assert scores.argmax(1).tolist() == [0, 0]
    assert scores[0].exp().tolist() == pytest.approx([0.75, 0.25])


def test_baselines_on_a_separable_table(separable_table):
    table, report = load_table(separable_table)
    train_rows, val_rows = split_table(table, 0.2, 0)
    result = score_baselines(train_rows, val_rows, table, report.labels)
    assert result.scores["ngram"].accuracy == 1.0
    assert result.scores["majority"].accuracy == 0.5 and result.scores["majority"].macro_accuracy == 0.5
    assert result.seconds > 0  # measured and reported (a figure, not a threshold)


def test_compare_gives_the_model_and_both_baselines_on_the_same_names(separable_table):
    done = run_to_end(train(separable_table, TrainConfig(epochs=3, hidden_size=8, num_layers=1, batch_size=8)))
    comparison = compare(done.model, done.train_table, done.val_table)
    frame = comparison.frame()
    assert frame["classifier"].tolist() == ["model", "majority", "ngram"]
    assert set(frame["n"]) == {len(done.val_table)}
    assert comparison.model.accuracy == pytest.approx(done.val_accuracy)
    assert set(comparison.to_dict()["baselines"]["ngram"]) == {*METRICS, "n"}


def test_recorded_split_is_the_split_training_used(separable_table):
    done = run_to_end(train(separable_table, TrainConfig(epochs=1, hidden_size=8, num_layers=1, seed=3,
                                                         val_fraction=0.2)))
    table, _ = load_table(separable_table)
    train_rows, val_rows, words = recorded_split(done.model, table)
    assert val_rows.equals(done.val_table) and train_rows.equals(done.train_table)
    assert "seed 3" in words and "20%" in words


def test_evaluate_json_reports_the_model_and_the_baselines_with_the_same_keys(tmp_path, capsys):
    out = tmp_path / "m.safetensors"
    assert main(["train", "--data", DEFAULT_TABLE, "--hidden", "8", "--layers", "1", "--epochs", "1",
                 "--out", str(out), "--json"]) == 0
    trained = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert main(["evaluate", "--checkpoint", str(out), "--data", DEFAULT_TABLE, "--json"]) == 0
    evaluated = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    keys = {*METRICS, "n"}
    for result in (trained, evaluated):
        assert keys <= set(result)
        assert set(result["baselines"]) == {"majority", "ngram"}
        assert all(set(figures) == keys for figures in result["baselines"].values())
    # evaluate scores the same validation names train() held out: the same figures.
    assert evaluated["accuracy"] == pytest.approx(trained["val_accuracy"])
    assert evaluated["baselines"] == trained["baselines"]
    assert main(["evaluate", "--checkpoint", str(out), "--data", DEFAULT_TABLE, "--json", "--all-names"]) == 0
    everything = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert everything["n"] == 1798 and "baselines" not in everything
