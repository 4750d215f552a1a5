"""The command line, run as a learner would: a subprocess, exit codes, stdout JSON, stderr lines."""

import json
import subprocess
import sys

import pytest

from conftest import ROOT


def cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "rnn_demo", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_train_writes_a_checkpoint_and_prints_json(tmp_path):
    out = tmp_path / "m.safetensors"
    run = cli("train", "--data", "data/names.csv", "--hidden", "16", "--layers", "1", "--epochs", "2",
              "--batch-size", "128", "--balance", "--out", str(out), "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    for key in ("val_accuracy", "val_macro_accuracy", "train_loss", "epochs", "best_epoch", "seconds", "names_per_second"):
        assert key in summary
    assert summary["epochs"] == 2 and 0 <= summary["val_accuracy"] <= 1 and out.is_file()
    assert "epoch 2/2" in run.stderr and "Traceback" not in run.stderr

    evaluated = cli("evaluate", "--checkpoint", str(out), "--data", "data/names.csv", "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    result = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert set(result) >= {"accuracy", "macro_accuracy", "per_label", "confusion"}
    assert len(result["per_label"]) == 18 and len(result["confusion"]["matrix"]) == 18


def test_predict_with_the_shipped_default_prints_one_json_line_per_name():
    run = cli("predict", "--top-k", "3", "--json", "Nakamura", "Papadopoulos")
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.strip().splitlines()]
    assert [line["name"] for line in lines] == ["Nakamura", "Papadopoulos"]
    assert lines[0]["predictions"][0]["label"] == "Japanese"
    assert lines[1]["predictions"][0]["label"] == "Greek"
    probabilities = [p["probability"] for p in lines[0]["predictions"]]
    assert len(probabilities) == 3 and probabilities == sorted(probabilities, reverse=True)


@pytest.mark.parametrize("args, message", [
    (["train", "--data", "missing.csv", "--out", "x.safetensors"], "error: no such file: missing.csv"),
    (["train", "--data", "data/names.csv", "--arch", "cnn", "--out", "x"], "error: argument --arch: invalid choice"),
    (["train", "--data", "data/names.csv", "--lr", "1e9", "--out", "x"], "error: learning rate must be above 0"),
    (["train", "--data", "data/names.csv", "--epochs", "abc", "--out", "x"], "error: argument --epochs"),
    (["train", "--data", "data/names.csv", "--average", "1.5", "--out", "x"], "error: weight averaging decay must be between 0 and 0.999"),
    (["train", "--data", "data/names.csv", "--input-dropout", "2", "--out", "x"], "error: input dropout must be between 0 and 0.9"),
    (["train", "--data", "data/names.csv", "--keep-best", "loss", "--out", "x"], "error: argument --keep-best: invalid choice"),
    (["predict", "--checkpoint", "requirements.txt", "Smith"], "error: requirements.txt is not an rnn-names checkpoint"),
    (["predict", "12345"], "error: name '12345' has no letters"),
    (["evaluate", "--checkpoint", "checkpoints/default.safetensors", "--data", "requirements.txt"], "error: "),
    (["frobnicate"], "error: argument command: invalid choice"),
])
def test_bad_input_exits_2_with_one_error_line(args, message):
    run = cli(*args)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), run.stderr
    assert "Traceback" not in run.stderr


def test_malformed_csv_is_an_error_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text('name,label\n"open quote,German\n')
    run = cli("train", "--data", str(bad), "--out", str(tmp_path / "m"))
    assert run.returncode == 2 and run.stderr.startswith("error: bad.csv is not a readable CSV")
