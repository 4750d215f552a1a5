"""Numbers that reproduce: the quality benchmark's JSON, its runs repeat exactly, `train --threads`
gives the same figures twice, and the benchmark trains exactly README's commands."""

import json
import re
import shlex
import subprocess
import sys

import pandas as pd
import pytest

from benchmarks import quality
from rnn_demo.__main__ import build_parser, main
from rnn_demo.checkpoints import load_checkpoint

from conftest import ROOT

FIGURES = {"accuracy", "macro_accuracy", "ngram_accuracy", "ngram_macro_accuracy"}
# What a run measures of its own time, not of the model: left out when two runs are compared.
TIMINGS = {"seconds", "names_per_second", "baselines_seconds", "checkpoint"}


@pytest.fixture
def tiny_csv(tmp_path):
    """Three labels told apart by their endings, 50 names each: a run trains in a second."""
    rows = [(f"{a}{b}{ending}", label) for a in "bdgklmnprt" for b in "aeiou"
            for ending, label in (("ski", "Polish"), ("moto", "Japanese"), ("son", "English"))]
    path = tmp_path / "tiny.csv"
    pd.DataFrame(rows, columns=["name", "label"]).to_csv(path, index=False)
    return path


def run_quality(*args):
    run = subprocess.run([sys.executable, "-m", "benchmarks.quality", *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr
    return run.stdout, json.loads(run.stdout.strip().splitlines()[-1])


def without_seconds(result: dict) -> dict:
    return {name: {k: v for k, v in config.items() if k != "seconds"} for name, config in result["configs"].items()}


def test_quick_quality_prints_its_table_and_json_and_repeats_exactly(tiny_csv):
    stdout, first = run_quality("--quick", "--data", str(tiny_csv), "--jobs", "2", "--json")
    assert set(first) == {"seeds", "threads", "configs"}
    assert first["seeds"] == [0, 1] and first["threads"] == 1
    assert set(first["configs"]) == {"best", "balanced", "default_table"}
    for name, config in first["configs"].items():
        assert set(config) == FIGURES | {"seconds"}, name
        for key in FIGURES:
            assert set(config[key]) == {"mean", "sd"} and 0 <= config[key]["mean"] <= 1 and config[key]["sd"] >= 0
        assert config["seconds"] > 0
    assert "1 thread(s) per training" in stdout and "| default_table | RNN |" in stdout and "| n-gram |" in stdout
    # One job at a time this time: how many run at once changes no figure, only the seconds.
    _, second = run_quality("--quick", "--data", str(tiny_csv), "--json")
    assert without_seconds(second) == without_seconds(first)


def test_quality_refuses_an_unknown_config_in_one_line():
    run = subprocess.run([sys.executable, "-m", "benchmarks.quality", "--configs", "fastest"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 2 and run.stderr.strip() == "error: unknown config fastest"


def train_json(capsys, table, out, *extra) -> dict:
    code = main(["train", "--data", str(table), "--hidden", "16", "--epochs", "2", "--out", str(out), "--json",
                 *extra])
    assert code == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_train_with_one_thread_twice_gives_identical_figures(tmp_path, tiny_csv, capsys):
    first = train_json(capsys, tiny_csv, tmp_path / "a.safetensors", "--threads", "1")
    second = train_json(capsys, tiny_csv, tmp_path / "b.safetensors", "--threads", "1")
    assert first["threads"] == 1 and load_checkpoint(tmp_path / "a.safetensors").record["threads"] == 1
    assert {k: v for k, v in first.items() if k not in TIMINGS} == {k: v for k, v in second.items() if k not in TIMINGS}
    # The figures are the model's, not constants: another seed splits and starts differently.
    other = train_json(capsys, tiny_csv, tmp_path / "c.safetensors", "--threads", "1", "--seed", "3")
    assert other["train_loss"] != first["train_loss"]


def test_train_refuses_zero_threads_in_one_line(capsys):
    assert main(["train", "--data", "data/names.csv", "--threads", "0", "--out", "x.safetensors"]) == 2
    assert capsys.readouterr().err.strip() == "error: argument --threads: must be a whole number >= 1, not 0"


def readme_block(marker: str) -> str:
    """The command in the fenced bash block directly under a README marker line."""
    text = (ROOT / "README.md").read_text()
    found = re.search(rf"<!-- {marker} -->\n```bash\n(.+?)\n```", text, re.DOTALL)
    assert found, f"README has no bash block under <!-- {marker} -->"
    return found.group(1).strip()


@pytest.mark.parametrize("name", ["best", "balanced"])
def test_the_benchmark_trains_exactly_readmes_command(name):
    words = shlex.split(readme_block(f"{name}-command"))
    assert words[:4] == ["python", "-m", "rnn_demo", "train"]
    table, arguments = quality.CONFIGS[name]
    benchmark = ["train", "--data", str(table), *shlex.split(arguments), "--out", "x", "--json"]
    readme = build_parser().parse_args(words[3:])
    assert readme.data == "../shared/data/names" and table == ROOT.parent / "shared" / "data" / "names"
    assert {**vars(build_parser().parse_args(benchmark)), "data": "", "out": ""} == \
        {**vars(readme), "data": "", "out": ""}


def test_readmes_quality_command_is_the_benchmark():
    words = shlex.split(readme_block("quality-command"))
    assert words[:3] == ["python", "-m", "benchmarks.quality"]
    args = quality.build_parser().parse_args(words[3:])
    assert args.seeds >= 3 and args.threads == 1 and args.json and not args.quick
