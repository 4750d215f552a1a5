"""The leakage and imbalance lessons, and the classic data uploaded as the tutorial ships it (a zip)."""

import zipfile

import pandas as pd
import pytest
import torch

from rnn_demo.data import clean_table
from rnn_demo.lesson.honest import (
    imbalance_lesson,
    leakage_lesson,
    leaky_split,
    logit_adjustment_curve,
    model_logit_curve,
    normalised_rows,
)
from rnn_demo.train import TrainConfig, run_to_end, train

try:  # the lead moved file reading out of data.py
    from rnn_demo.files import read_table
except ImportError:  # pragma: no cover
    from rnn_demo.data import read_table


def repeated_table() -> pd.DataFrame:
    """'Dup': 4 names listed 10 times each (like Arabic in the classic set); 'Uniq': 40 distinct names."""
    dup = [(name, "Dup") for name in ("Haddad", "Nader", "Asker", "Hakimi") for _ in range(10)]
    uniq = [(f"{a}{b}ski", "Uniq") for a in "kmnprstvwz" for b in "aeio"]
    return pd.DataFrame(dup + uniq, columns=["name", "label"])


def test_normalised_rows_keep_every_duplicate_and_merge_label_spellings():
    raw = pd.DataFrame({"name": ["Müller", "muller", "Weber", "Smith", "Jones"],
                        "label": ["German", "german ", "German", "English", "English"]})
    rows, report = normalised_rows(raw)
    assert rows.values.tolist() == [["muller", "German"], ["muller", "German"], ["weber", "German"],
                                    ["smith", "English"], ["jones", "English"]]
    assert report.duplicates_dropped == 1


def test_the_wrong_split_puts_repeated_names_on_both_sides():
    train_rows, val_rows = leaky_split(repeated_table(), 0.25, 0)
    dup_val = set(val_rows.loc[val_rows["label"] == "Dup", "name"])
    assert dup_val and dup_val <= set(train_rows["name"])  # every Dup validation name is a training name
    assert not train_rows.duplicated().any() and not val_rows.duplicated().any()


def test_leakage_lesson_shows_which_label_inflates():
    lesson = leakage_lesson(repeated_table(), val_fraction=0.25, seed=0)
    rows = lesson.per_label.set_index("label")
    assert rows.loc["Dup", "val_names_honest"] == 1 and rows.loc["Dup", "seen_in_training"] == 1.0
    assert rows.loc["Uniq", "seen_in_training"] == 0.0
    assert rows.loc["Dup", "accuracy_leaky"] == 1.0  # memory, not generalisation
    assert lesson.overall["split"].tolist() == ["honest", "leaky"]
    assert lesson.seconds > 0  # measured and reported (a figure, not a threshold)


def test_logit_adjustment_curve_by_hand():
    scores = torch.tensor([[2.5, 0.0], [1.2, 0.0], [1.0, 0.5], [0.0, 1.0]])  # two names of each label
    targets = torch.tensor([0, 0, 1, 1])
    log_prior = torch.tensor([0.0, -1.0])  # label 1 is e times rarer
    curve = logit_adjustment_curve(scores, targets, log_prior, (0, 1, 2))
    # 0: the third name goes to label 0. 1: +1 for label 1 puts it right. 2: +2 also takes the second name.
    assert curve["accuracy"].tolist() == pytest.approx([0.75, 1.0, 0.75])
    assert curve["macro_accuracy"].tolist() == pytest.approx([0.75, 1.0, 0.75])


def test_imbalance_lesson_counts_labels_and_scores_the_majority_baseline():
    table = pd.DataFrame({"name": [f"{a}{b}ov" for a in "bcdfghjklm" for b in "aeiou"] + ["tanaka", "suzuki",
                                                                                            "sato", "ito"],
                          "label": ["Russian"] * 50 + ["Japanese"] * 4})
    lesson = imbalance_lesson(table, val_fraction=0.25, seed=0)
    assert lesson.counts.values.tolist()[0][:2] == ["Russian", 50]
    assert lesson.counts["share"].sum() == pytest.approx(1.0)
    # Validation: 12 Russian, 1 Japanese; the majority baseline says Russian every time.
    assert lesson.majority.accuracy == pytest.approx(12 / 13) and lesson.majority.macro_accuracy == pytest.approx(0.5)
    assert lesson.curve["strength"].tolist()[0] == 0.0 and len(lesson.curve) == 7


def test_model_logit_curve_starts_at_the_models_own_accuracy(separable_table):
    done = run_to_end(train(separable_table, TrainConfig(epochs=2, hidden_size=8, num_layers=1, batch_size=8)))
    curve = model_logit_curve(done.model, done.train_table, done.val_table)
    assert curve.loc[0, "accuracy"] == pytest.approx(done.val_accuracy)


def test_the_classic_set_zipped_as_data_names_loads_with_its_duplicates_removed(classic_names, tmp_path):
    archive = tmp_path / "data.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for path in sorted(classic_names.glob("*.txt")):
            handle.write(path, f"data/names/{path.name}")
    raw = read_table(archive)
    table, report = clean_table(raw)
    assert len(report.counts) == 18 and report.rows_in == 20074
    assert report.duplicates_dropped == 2087 and report.rows == len(table) == 17987
    assert report.counts["Arabic"] == 108
    from ui import data_tab  # the Data tab's own handlers: upload, then the summary it shows

    uploaded = data_tab.load_upload(str(archive), raw.head(3), "replace the table")
    summary, notes, bars = data_tab.table_summary(uploaded)
    assert summary == "**20074 rows, 18 labels.** Ready to train." and "2087 exact duplicates will be skipped" in notes
    assert bars.set_index("label")["names"]["Arabic"] == 108


def test_on_the_classic_set_arabic_inflates_most(classic_names):
    lesson = leakage_lesson(read_table(classic_names))
    top = lesson.per_label.iloc[0]
    assert top["label"] == "Arabic" and top["seen_in_training"] == 1.0 and top["inflation"] > 0.3


def test_the_cli_switch_splits_before_removing_duplicates(tmp_path, capsys):
    import json

    from rnn_demo.__main__ import main

    data = tmp_path / "names.csv"
    repeated_table().to_csv(data, index=False)
    runs = {}
    for switch in ([], ["--split-before-dedup"]):
        args = ["train", "--data", str(data), "--hidden", "8", "--layers", "1", "--epochs", "1",
                "--val-fraction", "0.25", "--out", str(tmp_path / "m.safetensors"), "--json", *switch]
        assert main(args) == 0
        runs[bool(switch)] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert runs[False]["n"] == 11  # 1 of the 4 distinct Dup names, 10 of the 40 Uniq ones
    assert runs[True]["n"] > runs[False]["n"] and runs[True]["config"]["split_before_dedup"] is True


def test_a_copy_with_repeats_lists_a_share_of_the_names_again_and_leaks(default_table):
    from rnn_demo.lesson.honest import with_repeats
    copy = with_repeats(default_table, share=0.3, seed=0)
    repeated = copy.duplicated().sum()
    assert len(copy) > len(default_table) and 0.3 * len(default_table) <= repeated <= 0.3 * 3 * len(default_table)
    assert copy.drop_duplicates().reset_index(drop=True).equals(clean_table(default_table)[0])
    assert with_repeats(default_table, share=0.3, seed=0).equals(copy)  # deterministic
    lesson, own = leakage_lesson(copy), leakage_lesson(default_table)
    honest, leaky = lesson.overall["accuracy"]
    # The right order finds the table's own split, so its figure is the table's; the wrong one inflates.
    assert honest == own.overall["accuracy"][0] and own.seen_in_training == 0
    assert lesson.seen_in_training > 0.2 and leaky > honest + 0.1


def test_a_long_tailed_copy_keeps_the_biggest_label_and_shrinks_the_others(default_table):
    from rnn_demo.lesson.honest import long_tailed
    counts = long_tailed(default_table, ratio=0.75, smallest=4).value_counts("label").tolist()
    assert counts[0] == default_table.value_counts("label").iloc[0] and counts[-1] == 4
    assert counts == sorted(counts, reverse=True) and len(counts) == default_table["label"].nunique()
    assert long_tailed(default_table).value_counts("label").tolist()[:3] == [100, 75, 56]
    assert long_tailed(default_table).equals(long_tailed(default_table))  # deterministic


def test_on_the_long_tailed_copy_the_head_start_shows_and_the_curve_is_not_flat(default_table):
    from rnn_demo.lesson.honest import long_tailed
    flat = imbalance_lesson(default_table).curve
    assert flat["accuracy"].nunique() == 1  # balanced: nothing to take out, and accuracy is macro accuracy
    assert flat["macro_accuracy"].tolist() == pytest.approx(flat["accuracy"].tolist())
    lesson = imbalance_lesson(long_tailed(default_table), splits=10)
    assert lesson.majority.accuracy > 0.2 and lesson.majority.macro_accuracy == pytest.approx(1 / 18)
    start, equal = lesson.curve.iloc[0], lesson.curve.set_index("strength").loc[1.0]
    assert equal["macro_accuracy"] > start["macro_accuracy"] + 0.01  # the small languages gain
    assert equal["accuracy"] < start["accuracy"]  # the biggest one pays


def test_pooled_splits_score_each_splits_validation_names(default_table):
    one, three = imbalance_lesson(default_table), imbalance_lesson(default_table, splits=3)
    assert three.majority.n == 3 * one.majority.n
    assert imbalance_lesson(default_table, splits=1).curve.equals(one.curve)


def test_a_copy_of_a_bad_table_names_the_problem_in_the_tables_own_rows():
    from rnn_demo.data import DataError
    from rnn_demo.lesson.honest import long_tailed, with_repeats
    bad = pd.DataFrame({"Name": ["Abe", "Bob", None, "Dan"], "Label": ["A", "A", "B", "B"]})
    for make in (with_repeats, long_tailed):
        with pytest.raises(DataError, match="row 3: blank name$"):
            make(bad)
    capitals = pd.DataFrame({"Name": ["Abe", "Bob", "Cid", "Dan"], "Label": ["A", "A", "B", "b"]})
    assert set(long_tailed(capitals)["label"]) == {"A", "B"} and len(with_repeats(capitals)) >= 4
