"""Bad tables, names and hyperparameters: each gives our own error with a message that names the
problem (DataError / ValueError in Python; exit 2 and one `error: ...` line from the CLI)."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from rnn_demo.__main__ import main
from rnn_demo.checkpoints import load_checkpoint
from rnn_demo.data import DataError, check_name, clean_table
from rnn_demo.files import load_table
from rnn_demo.predict import parse_names, predict
from rnn_demo.train import TrainConfig

from conftest import ROOT


def _table(rows):
    return pd.DataFrame(rows, columns=["name", "label"])


GOOD = [("Anna", "A"), ("Ada", "A"), ("Bob", "B"), ("Bill", "B")]


# --- tables ----------------------------------------------------------------------------------

@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame(), r"missing column 'name' and 'label' \(found: none\)"),
    (pd.DataFrame(columns=[f"c{i}" for i in range(1000)]), r"\(found: 'c0', 'c1', 'c2', 'c3', 'c4', \.\.\.\)$"),
    (pd.DataFrame(columns=["name", "label"]), "the table has no rows"),
    (_table([("Anna", "A"), ("Ada", "A"), ("Alma", "A")]), r"at least 2 labels; it has 1 \(A\)"),
    (_table(GOOD[:3]), "label 'B' has only 1 name; each label needs at least 2"),
    (_table(GOOD + [("  ", "B")]), "row 5: blank name"),
    (_table(GOOD + [("12345", "B")]), "row 5: name '12345' has no letters we can read"),
    (_table(GOOD + [("😀😀", "B")]), "row 5: name '😀😀' has no letters"),
    (_table(GOOD + [("?!.-'", "B")]), "row 5: name .* has no letters"),
    (_table(GOOD + [("x" * 500, "B")]), "row 5: name 'xxx.*' is 500 characters long; the limit is 40"),
    (_table(GOOD + [("Bea", "B" * 41)]), "row 5: label is longer than 40 characters"),
    (_table(GOOD * 25_000), "the table has 100,000 rows; the limit is 50,000"),
    (_table([(f"Ann{chr(97 + i % 26)}{chr(97 + i // 26)}", f"L{i // 2}") for i in range(102)]),
     "the table has 51 labels; the limit is 50"),
    (pd.DataFrame([["a", "b", "X"]], columns=["name", "Name ", "label"]), "2 columns called 'name'; keep one"),
])
def test_bad_tables_are_refused_with_a_message_naming_the_problem(frame, message):
    with pytest.raises(DataError, match=message):
        clean_table(frame)


def test_a_header_only_csv_has_no_rows(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("name,label\n")
    with pytest.raises(DataError, match="the table has no rows"):
        load_table(path)


def test_every_bad_row_is_listed_not_just_the_first():
    rows = GOOD + [("", "B")] * 7
    with pytest.raises(DataError, match=r"row 5: blank name; row 6: blank name.*\(and 2 more problems\)") as err:
        clean_table(_table(rows))
    assert [p.split(":")[0] for p in err.value.problems] == [f"row {i}" for i in range(5, 12)]


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, pd.NaT, np.float32("nan")])
def test_a_missing_cell_is_a_blank_name_not_the_word_nan(missing):
    frame = pd.DataFrame(GOOD + [(missing, "B")], columns=["name", "label"], dtype=object)
    with pytest.raises(DataError, match="row 5: blank name"):
        clean_table(frame)


def test_the_same_name_under_two_labels_is_kept_and_counted():
    table, report = clean_table(_table(GOOD + [("Anna", "B"), ("Bob", "A")]))
    assert report.ambiguous_names == 2
    assert sorted(table.loc[table["name"] == "anna", "label"]) == ["A", "B"]


def test_labels_with_odd_whitespace_or_case_are_merged_into_the_commonest_spelling():
    table, report = clean_table(_table([
        ("Müller", "German"), ("Schmidt", "German"), ("Weber", "german "), ("Fischer", " GERMAN\t"),
        ("Dupont", "French"), ("Martin", "  French  "),
    ]))
    assert report.labels == ["French", "German"] and report.counts == {"French": 2, "German": 4}
    assert report.merged_labels == {"german": "German", "GERMAN": "German"}


# --- names to classify -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model():
    return load_checkpoint()  # the shipped default: 18 languages


@pytest.mark.parametrize("name, message", [
    ("", "blank name"),
    (" \t\u3000 ", "blank name"),
    (None, "blank name"),
    ("x" * 10_000, "is 10000 characters long; the limit is 40"),
    ("😀 #1 ★ ∑", "has no letters we can read"),
    ("\u200f\u200e", "has no letters we can read"),  # only right-to-left / left-to-right marks
])
def test_names_that_cannot_be_classified_are_refused(model, name, message):
    with pytest.raises(DataError, match=message):
        check_name(name)
    with pytest.raises(DataError, match=message):
        predict(model, ["Smith", name])


def test_a_huge_paste_is_refused_without_normalising_it(monkeypatch):
    import rnn_demo.data

    normalised = []  # normalising a million letters would take ~1 s: it must not happen at all
    monkeypatch.setattr(rnn_demo.data, "normalise_name", lambda text: normalised.append(len(text)) or "")
    with pytest.raises(DataError, match="is 1000000 characters long; the limit is 40"):
        check_name("ä" * 1_000_000)
    assert normalised == []


@pytest.mark.parametrize("name, expected", [
    ("محمد", "mhmd"),  # Arabic writes no short vowels: Muhammad is m-h-m-d
    ("\u200fمحمد\u200f", "mhmd"),  # right-to-left marks are invisible, not unknown letters
    ("عبد الله", "'bd llh"),  # the ayin becomes an apostrophe, as in 'Abd
    ("כהן", "khhn"),  # Hebrew Kohen
    ("Иванов", "ivanov"),
    ("Smi\u00adth", "smith"),  # soft hyphen
])
def test_right_to_left_and_other_scripts_are_transliterated(model, name, expected):
    assert check_name(name) == expected
    top = predict(model, [name], k=3)[0]
    assert len(top) == 3 and all(label in model.labels and 0 <= p <= 1 for label, p in top)


def test_parse_names_skips_blank_lines_and_enforces_the_limit():
    assert parse_names("  Smith \n\n\tNakamura\n") == ["Smith", "Nakamura"]
    with pytest.raises(DataError, match="type a name first"):
        parse_names(" \n \n")
    with pytest.raises(DataError, match="type a name first"):
        parse_names(None)
    with pytest.raises(DataError, match="201 names; the limit is 200 at once"):
        parse_names("Smith\n" * 201)


def test_predict_refuses_one_string_instead_of_a_list(model):
    # A str is a sequence of letters: without this check, predict would classify 'S', 'm', ...
    with pytest.raises(DataError, match=r"a list of names, not one string: use \['Smith'\]"):
        predict(model, "Smith")


# --- hyperparameters ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, "epochs must be between 1 and 200, not 0"),
    ({"epochs": -3}, "epochs must be between 1 and 200, not -3"),
    ({"epochs": 10**6}, "epochs must be between 1 and 200, not 1000000"),
    ({"epochs": "ten"}, "epochs must be between 1 and 200, not ten"),
    ({"batch_size": 0}, "batch size must be between 1 and 2048, not 0"),
    ({"batch_size": 10**6}, "batch size must be between 1 and 2048"),
    ({"learning_rate": 0}, "learning rate must be above 0 and at most 1.0, not 0"),
    ({"learning_rate": -0.1}, "learning rate must be above 0 and at most 1.0, not -0.1"),
    ({"learning_rate": 1e9}, "learning rate must be above 0 and at most 1.0, not 1000000000.0"),
    ({"learning_rate": float("nan")}, "learning rate must be above 0 and at most 1.0, not nan"),
    ({"learning_rate": "fast"}, "learning rate must be above 0 and at most 1.0, not fast"),
    ({"hidden_size": 0}, "hidden size must be between 1 and 512, not 0"),
    ({"hidden_size": -8}, "hidden size must be between 1 and 512, not -8"),
    ({"hidden_size": 10**6}, "hidden size must be between 1 and 512, not 1000000"),
    ({"num_layers": 0}, "layers must be between 1 and 4, not 0"),
    ({"num_layers": 100}, "layers must be between 1 and 4, not 100"),
    ({"dropout": -0.5}, "dropout must be between 0 and 0.9, not -0.5"),
    ({"dropout": 1.0}, "dropout must be between 0 and 0.9, not 1.0"),
    ({"val_fraction": 0}, "validation fraction must be between 0.05 and 0.5, not 0"),
    ({"seed": -1}, "seed must be between 0 and 2147483647, not -1"), ({"seed": 2**64}, "seed must be between 0 and"),
    ({"arch": "cnn"}, "architecture 'cnn' is not one of manual, stacked, bidirectional"),
    ({"epochs": 0, "learning_rate": 1e9}, "epochs must be .*; learning rate must be"),  # all at once
])
def test_bad_hyperparameters_are_refused_with_the_valid_range(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


# Sizes of the wrong type: '<=' between int and str would raise TypeError, and 8.5 would pass a
# range check, then fail inside nn.GRU once training starts.
@pytest.mark.parametrize("kwargs, message", [
    ({"hidden_size": "big"}, "hidden size must be between 1 and 512, not big"),
    ({"hidden_size": 8.5}, "hidden size must be between 1 and 512, not 8.5"),
    ({"num_layers": None}, "layers must be between 1 and 4, not None"),
    ({"dropout": "some"}, "dropout must be between 0 and 0.9, not some"),
    ({"cell": ["gru"]}, r"cell \['gru'\] is not one of rnn, gru, lstm"),
])
def test_non_numeric_model_sizes_are_refused_with_the_valid_range(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


# --- the command line -------------------------------------------------------------------------

def _one_error_line(stderr: str, message: str):
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert message in lines[0] and "Traceback" not in stderr


@pytest.mark.parametrize("args, message", [
    (["train", "--data", "data/names.csv", "--epochs", "0"], "error: epochs must be between 1 and 200, not 0"),
    (["train", "--data", "data/names.csv", "--epochs", "1000000"], "epochs must be between 1 and 200"),
    (["train", "--data", "data/names.csv", "--hidden", "1000000"], "hidden size must be between 1 and 512"),
    (["train", "--data", "data/names.csv", "--hidden", "-4"], "hidden size must be between 1 and 512, not -4"),
    (["train", "--data", "data/names.csv", "--batch-size", "0"], "batch size must be between 1 and 2048, not 0"),
    (["train", "--data", "data/names.csv", "--lr", "0"], "learning rate must be above 0 and at most 1.0"),
    (["train", "--data", "data/names.csv", "--lr", "abc"], "argument --lr: must be a number, not 'abc'"),
    (["train", "--data", "data/names.csv", "--hidden", "big"], "argument --hidden: must be a whole number, not 'big'"),
    (["train", "--data", "data/names.csv", "--dropout", "1"], "dropout must be between 0 and 0.9, not 1.0"),
    (["predict", "   "], "error: blank name"),
    (["predict", "Smith", "#1"], "error: name '#1' has no letters we can read"),
])
def test_cli_bad_input_exits_2_with_one_error_line(capsys, tmp_path, args, message):
    if args[0] == "train":
        args = args + ["--out", str(tmp_path / "m.safetensors")]
    assert main(args) == 2
    captured = capsys.readouterr()
    _one_error_line(captured.err, message)
    assert captured.out == "" and not (tmp_path / "m.safetensors").exists()


def cli(*args):
    return subprocess.run([sys.executable, "-m", "rnn_demo", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("make_args, message", [
    (lambda tmp: ["train", "--data", "data/names.csv", "--epochs", "1000000", "--out", str(tmp / "m")],
     "error: epochs must be between 1 and 200, not 1000000"),
    (lambda tmp: ["predict", "x" * 10_000], "error: name 'xxxxxxxxxxxxxxxxxxxxxxxxxxx...' is 10000 characters long"),
    (lambda tmp: ["train", "--data", str(_write(tmp / "one.csv", "name,label\nAnna,A\nAda,A\n")),
                  "--out", str(tmp / "m")], "error: the table needs at least 2 labels; it has 1 (A)"),
    (lambda tmp: ["train", "--data", str(_write(tmp / "empty.csv", "")), "--out", str(tmp / "m")],
     "error: empty.csv is empty"),
], ids=["huge-epochs", "long-name", "one-label", "empty-file"])
def test_cli_subprocess_prints_one_error_line_and_no_traceback(tmp_path, make_args, message):
    run = cli(*make_args(tmp_path))
    assert run.returncode == 2
    _one_error_line(run.stderr, message)


def _write(path, text):
    path.write_text(text)
    return path
