"""Take it home: `python -m rnn_demo export` writes a run as plain code, and that code, run where
rnn_demo cannot be imported, trains the very same run: the same validation figures to 4 decimals,
and predict.py gives the app's top language."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import torch

from rnn_demo.checkpoints import load_checkpoint, save_checkpoint
from rnn_demo.export.script import ExportError, export_run
from rnn_demo.predict import predict
from rnn_demo.train import TrainConfig, run_to_end, train

from conftest import ROOT

TINY = {"hidden_size": 8, "num_layers": 2, "epochs": 2, "batch_size": 32}
OPTIONS = {  # every option that changes the script, in three runs
    "stacked lstm, all options": dict(arch="stacked", cell="lstm", embedding=6, pooling="last+max", dropout=0.2,
                                      input_dropout=0.1, feature_dropout=0.1, weight_decay=0.01,
                                      label_smoothing=0.1, schedule="onecycle", average=0.9, balance=True),
    "manual gru, logit adjustment": dict(arch="manual", cell="gru", pooling="last+max", dropout=0.3,
                                         balance=True, balance_method="logit-adjust", balance_strength=0.5,
                                         keep_best="accuracy", label_smoothing=0.05, embedding=4),
    "bidirectional rnn, max-pooling": dict(arch="bidirectional", cell="rnn", pooling="last+max", dropout=0.2,
                                           feature_dropout=0.2, keep_best="macro", learning_rate=0.01),
}


@pytest.fixture(scope="module")
def small_table() -> pd.DataFrame:
    """The default table's first 20 names of each label: 18 labels, a second per epoch."""
    table = pd.read_csv(ROOT / "data" / "names.csv", dtype=str, keep_default_na=False)
    return table.groupby("label", sort=False).head(20).reset_index(drop=True)


def trained(table: pd.DataFrame, tmp_path: Path, stop=None, **settings):
    """A run trained by train() at one thread, through a checkpoint file as the app and CLI save it."""
    torch.set_num_threads(1)
    done = run_to_end(train(table, TrainConfig(**{**TINY, **settings}), stop=stop, device=torch.device("cpu")))
    return load_checkpoint(save_checkpoint(done.model, tmp_path / "run.safetensors"))


def run_outside(folder: Path, *args: str) -> str:
    """Run a script of the folder as a learner does, where rnn_demo cannot be imported; its stdout."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, *args], cwd=folder, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def assert_same_run(model, folder: Path) -> None:
    last = json.loads(run_outside(folder, "train.py").strip().splitlines()[-1])
    assert set(last) == {"val_accuracy", "val_macro_accuracy"}
    for key in last:
        assert abs(last[key] - model.record[key]) < 5e-5, (key, last[key], model.record[key])


def test_the_export_folder_cannot_import_the_project(tmp_path):
    result = subprocess.run([sys.executable, "-c", "import rnn_demo"], cwd=tmp_path, capture_output=True,
                            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert result.returncode != 0 and b"No module named 'rnn_demo'" in result.stderr


def test_the_default_run_reads_as_a_short_script_without_options(small_table, tmp_path):
    model = trained(small_table, tmp_path, epochs=1)
    files = export_run(model, small_table, tmp_path / "out")
    assert [f.name for f in files] == ["train.py", "predict.py", "train.ipynb", "names.csv", "model.safetensors",
                                       "README.md"] and all(f.is_file() for f in files)
    script = (tmp_path / "out" / "train.py").read_text()
    compile(script, "train.py", "exec")
    assert 180 <= len(script.splitlines()) <= 230
    assert "rnn_demo" not in script.replace("python -m rnn_demo export", "")
    for absent in ("EMBEDDING", "DROPOUT", "WEIGHT_DECAY", "OneCycleLR", "AveragedModel", "LABEL_SMOOTHING",
                   "BALANCE", "MAX_STEPS", "amax", "#if", "$"):
        assert absent not in script, absent
    for step in ("class NamesDataset(Dataset)", "def collate(", "DataLoader(", "nn.GRU(", "loss.backward()"):
        assert step in script
    notebook = nbformat.read(tmp_path / "out" / "train.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert "class Model(nn.Module)" in code and code.rstrip().endswith("main()") and "__file__" not in code
    names = pd.read_csv(tmp_path / "out" / "names.csv", dtype=str, keep_default_na=False)
    assert len(names) == len(small_table) and "python train.py" in (tmp_path / "out" / "README.md").read_text()


def test_options_appear_only_when_the_run_used_them(small_table, tmp_path):
    model = trained(small_table, tmp_path, epochs=1, **OPTIONS["stacked lstm, all options"])
    export_run(model, small_table, tmp_path / "out")
    script = (tmp_path / "out" / "train.py").read_text()
    compile(script, "train.py", "exec")
    for present in ("EMBEDDING = 6", "DROPOUT = 0.2", "WEIGHT_DECAY = 0.01", "OneCycleLR", "AveragedModel",
                    "LABEL_SMOOTHING = 0.1", "balanced_criterion", "amax", "nn.LSTM(", "macro accuracy"):
        assert present in script, present
    assert "LogitAdjustedLoss" not in script and "MAX_STEPS" not in script


def test_a_checkpoint_without_its_settings_or_with_another_table_is_refused(small_table, tmp_path):
    model = trained(small_table, tmp_path, epochs=1)
    edited = small_table.copy()
    edited.loc[0, "name"] = "zzyzx"
    with pytest.raises(ExportError, match="not the table"):
        export_run(model, edited, tmp_path / "out")
    del model.record["train_config"]
    with pytest.raises(ExportError, match="does not record its training settings"):
        export_run(model, small_table, tmp_path / "out")


def test_the_page_hands_over_the_trained_run_as_a_zip(small_table):
    from ui.export_panel import export_zip
    from ui.session import Session

    session = Session()
    assert export_zip(session)[0] is None  # the shipped model records no run of its own
    torch.set_num_threads(1)
    done = run_to_end(train(small_table, TrainConfig(**{**TINY, "epochs": 1})))
    session.use_model(done.model, "trained just now", done.val_table, done.train_table)
    path, note = export_zip(session)
    with zipfile.ZipFile(path) as archive:
        files = set(archive.namelist())
    assert {f"rnn-names-run/{name}" for name in ("train.py", "predict.py", "train.ipynb", "names.csv",
                                                  "model.safetensors", "README.md")} <= files
    assert note.startswith("Ready")


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["manual", "stacked", "bidirectional"])
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_the_exported_script_trains_the_same_run(small_table, tmp_path, arch, cell):
    model = trained(small_table, tmp_path, arch=arch, cell=cell)
    export_run(model, small_table, tmp_path / "out")
    assert_same_run(model, tmp_path / "out")


@pytest.mark.slow
@pytest.mark.parametrize("options", list(OPTIONS))
def test_the_exported_script_trains_the_same_run_with_options(small_table, tmp_path, options):
    model = trained(small_table, tmp_path, **OPTIONS[options])
    export_run(model, small_table, tmp_path / "out")
    assert_same_run(model, tmp_path / "out")


@pytest.mark.slow
def test_a_stopped_run_stops_at_the_same_step(small_table, tmp_path):
    """A run stopped midway (Stop, a time limit) is exported with the steps of its validated epochs (the
    unfinished one is dropped): the script stops there too."""
    calls = iter(range(10**6))  # 10 batches and one validation batch per epoch: 4 steps into epoch 2
    model = trained(small_table, tmp_path, stop=lambda: next(calls) >= 15, epochs=3, average=0.8)
    assert model.record["steps"] == 10 and model.record["epochs_run"] == 1
    export_run(model, small_table, tmp_path / "out")
    assert "MAX_STEPS = 10" in (tmp_path / "out" / "train.py").read_text()
    assert_same_run(model, tmp_path / "out")


@pytest.mark.slow
def test_the_notebook_trains_the_same_run(small_table, tmp_path):
    from nbclient import NotebookClient

    model = trained(small_table, tmp_path, arch="manual", cell="lstm", num_layers=1)
    export_run(model, small_table, tmp_path / "out")
    notebook = nbformat.read(tmp_path / "out" / "train.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path / "out")}}).execute()
    printed = "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)
    last = json.loads(printed.strip().splitlines()[-1])
    for key in last:
        assert abs(last[key] - model.record[key]) < 5e-5, (key, last[key], model.record[key])


@pytest.mark.slow
def test_predict_py_gives_the_apps_top_language(small_table, tmp_path):
    model = trained(small_table, tmp_path, arch="bidirectional", cell="gru", hidden_size=32, num_layers=1, epochs=15,
                    learning_rate=0.01)
    export_run(model, small_table, tmp_path / "out")
    names = ["Nakamura", "Dvořák", "O'Neill", "Schmidt", "Rossi", "Kowalski"]
    printed = run_outside(tmp_path / "out", "predict.py", *names).strip().splitlines()
    ours = [line.split(": ", 1)[1].split(" ")[0] for line in printed]
    assert ours == [top[0][0] for top in predict(model, names, k=3)]


def test_predict_py_refuses_what_the_app_refuses(small_table, tmp_path):
    model = trained(small_table, tmp_path, epochs=1)
    export_run(model, small_table, tmp_path / "out")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([sys.executable, "predict.py", "1234", "Nakamura", "x" * 200], cwd=tmp_path / "out", env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert [line.split(":")[0] for line in run.stdout.strip().splitlines()] == ["Nakamura"]
    assert "refused: name '1234' has no letters we can read" in run.stderr
    assert "characters long; the limit is" in run.stderr
