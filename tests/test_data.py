import zipfile

import pandas as pd
import pytest
from torch.utils.data import DataLoader

from rnn_demo.data import (
    ALPHABET,
    UNKNOWN,
    DataError,
    NamesDataset,
    V,
    check_name,
    clean_table,
    collate,
    encode_name,
    make_loader,
    normalise_name,
    one_hot,
    split_table,
)
from rnn_demo.files import load_table, read_table


@pytest.mark.parametrize("raw, expected", [
    ("  Müller ", "muller"), ("Łukasiewicz", "lukasiewicz"), ("Groß", "gross"), ("Søndergaard", "sondergaard"),
    ("Đặng", "dang"), ("O’Brien", "o'brien"), ("van  der   Berg", "van der berg"), ("Smith-Jones", "smith-jones"),
    ("Иванов", "ivanov"), ("St. John", "st. john"),
])
def test_normalise_transliterates_to_our_alphabet(raw, expected):
    assert normalise_name(raw) == expected


def test_unknown_characters_become_the_unknown_symbol_not_a_letter():
    # The classic bug: ALPHABET.find('4') == -1, and index -1 is the last letter.
    assert normalise_name("Ab4c😀") == "ab" + UNKNOWN + "c" + UNKNOWN
    index = encode_name(normalise_name("a4"))
    assert index.tolist() == [ALPHABET.index("a"), ALPHABET.index(UNKNOWN)]
    assert ALPHABET.index(UNKNOWN) == V - 1 and ALPHABET[-2] != UNKNOWN


def test_one_hot_shape_and_rows():
    x = one_hot("abc")
    assert x.shape == (3, V)
    assert x.sum(1).tolist() == [1, 1, 1]
    assert x[1, ALPHABET.index("b")] == 1


@pytest.mark.parametrize("name, message", [
    ("", "blank name"), ("   ", "blank name"), ("1234", "has no letters"), ("😀😀", "has no letters"),
    ("a" * 41, "the limit is 40"),
])
def test_check_name_refuses_what_cannot_be_classified(name, message):
    with pytest.raises(DataError, match=message):
        check_name(name)


def _table(rows):
    return pd.DataFrame(rows, columns=["name", "label"])


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame(columns=["name", "label"]), "no rows"),
    (pd.DataFrame({"name": ["a"], "lang": ["x"]}), "missing column 'label'"),
    (_table([("Anna", "A"), ("", "A"), ("Bob", "B"), ("Bill", "B")]), "row 2: blank name"),
    (_table([("Anna", "A"), ("Ada", "A")]), "at least 2 labels"),
    (_table([("Anna", "A"), ("Ada", "A"), ("Bob", "B")]), "label 'B' has only 1 name"),
    (_table([("Anna", "A"), ("Ada", "A"), ("Bob", "B"), ("b" * 50, "B")]), "row 4: name .* the limit is 40"),
    (_table([("Anna", "A"), ("Ada", "A"), ("Bob", "B"), ("Bill", " ")]), "row 4: blank label"),
])
def test_clean_table_errors_name_the_problem_and_row(frame, message):
    with pytest.raises(DataError, match=message):
        clean_table(frame)


def test_duplicates_dropped_and_ambiguity_kept_and_counted():
    table, report = clean_table(_table([
        ("Anna", "A"), ("anna", "A"), ("Ada", "A"), ("Bob", "B"), ("Bill", "B"), ("Ada", "B"),
    ]))
    assert report.duplicates_dropped == 1  # "anna" == "Anna" after normalising
    assert report.ambiguous_names == 1  # "ada" under A and B
    assert report.counts == {"A": 2, "B": 3}
    assert len(table) == 5


def test_labels_differing_only_in_case_or_spaces_are_merged():
    table, report = clean_table(_table([
        ("Anna", "German"), ("Ada", "German"), ("Bea", "german "), ("Bob", "English"), ("Bill", "English"),
    ]))
    assert report.labels == ["English", "German"]
    assert report.merged_labels == {"german": "German"}


def test_split_is_stratified_and_seeded(default_table):
    table, report = clean_table(default_table)
    train_a, val_a = split_table(table, 0.15, seed=0)
    train_b, val_b = split_table(table, 0.15, seed=0)
    _, val_c = split_table(table, 0.15, seed=1)
    assert val_a.index.tolist() == val_b.index.tolist()
    assert val_a.index.tolist() != val_c.index.tolist()
    assert set(train_a.index).isdisjoint(val_a.index) and len(train_a) + len(val_a) == len(table)
    per_label = val_a["label"].value_counts()
    for label, n in report.counts.items():
        assert per_label[label] == round(n * 0.15)


def test_collate_pads_and_reports_lengths():
    dataset = NamesDataset(_table([("ab", "A"), ("abcd", "B"), ("a", "A")]), ["A", "B"])
    padded, lengths, labels = next(iter(DataLoader(dataset, batch_size=3, collate_fn=collate)))
    assert padded.shape == (3, 4, V)
    assert lengths.tolist() == [2, 4, 1]
    assert labels.tolist() == [0, 1, 0]
    assert padded[0, 2:].abs().sum() == 0  # padding is all zeros
    assert padded[1].sum() == 4


@pytest.mark.parametrize("batch_size", [8, 64])
def test_shuffled_loader_covers_every_name_once_per_epoch(default_table, batch_size):
    # At batch size 8 a pool holds 400 names and the 1,798 names make 5 pools: a sampler that sorted
    # each pool's positions (0..399) instead of its names' indices would train on 400 names only.
    table, report = clean_table(default_table)
    dataset = NamesDataset(table, report.labels)
    loader = make_loader(dataset, batch_size, shuffle=True, seed=0)
    epochs = [[i for batch in loader.batch_sampler for i in batch] for _ in range(2)]
    for seen in epochs:
        assert sorted(seen) == list(range(len(dataset)))
    assert epochs[0] != epochs[1]  # a new order each epoch
    assert sum(len(labels) for _, _, labels in loader) == len(dataset)
    assert len(loader) == -(-len(dataset) // batch_size)


def test_default_table_has_18_languages_with_80_names_each(default_table):
    table, report = clean_table(default_table)
    assert len(report.counts) >= 18
    assert min(report.counts.values()) >= 80
    assert report.duplicates_dropped == 0


# --- loaders -------------------------------------------------------------------------------------

def test_load_csv_folder_zip_and_dataframe_agree(tmp_path):
    rows = {"Polish": ["Nowak", "Wójcik"], "Czech": ["Dvořák", "Novák"]}
    folder = tmp_path / "names"
    folder.mkdir()
    for label, names in rows.items():
        (folder / f"{label}.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    archive = tmp_path / "names.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for label, names in rows.items():
            z.writestr(f"names/{label}.txt", "\n".join(names))
    csv = tmp_path / "names.csv"
    frame = pd.DataFrame([(n, l) for l, ns in rows.items() for n in ns], columns=["name", "label"])
    frame.to_csv(csv, index=False)
    tables = [load_table(s)[0].sort_values("name").reset_index(drop=True) for s in (folder, archive, csv, frame)]
    for table in tables[1:]:
        pd.testing.assert_frame_equal(table, tables[0])
    assert sorted(tables[0]["name"]) == ["dvorak", "novak", "nowak", "wojcik"]


def test_csv_in_latin1_and_with_bom(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,label\nMüller,German\nGroß,German\nDupont,French\nLefèvre,French\n".encode("latin-1"))
    bom = tmp_path / "bom.csv"
    bom.write_bytes("name,label\nMüller,German\nGroß,German\nDupont,French\nLefèvre,French\n".encode("utf-8-sig"))
    for path in (latin, bom):
        table, report = load_table(path)
        assert table["name"].tolist()[:2] == ["muller", "gross"]
        assert report.labels == ["French", "German"]


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"\x00\x01\x02\x03binary\x00", "not a text file"),
    (b"first,second\n1,2\n", "missing column"),
    (b'name,label\n"unclosed,German\nx,y\n', "not a readable CSV"),
])
def test_bad_csv_gives_a_data_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        load_table(path)


def test_a_single_txt_list_takes_its_label_from_the_file_name(tmp_path):
    path = tmp_path / "Greek.txt"
    path.write_text("Papadopoulos\nNikolaidis\n")
    assert read_table(path).to_dict("list") == {"name": ["Papadopoulos", "Nikolaidis"], "label": ["Greek", "Greek"]}


def test_load_classic_set(classic_names):
    table, report = load_table(classic_names)
    assert len(report.counts) == 18
    assert report.rows_in == 20074 and report.duplicates_dropped > 0
    assert report.counts["Russian"] > 9000


@pytest.mark.parametrize("label", ["Nul\x00", "Bad\udcff", "Bell\x07"])
def test_a_label_with_a_control_or_lone_surrogate_character_is_refused_with_its_row(label):
    table = pd.DataFrame({"name": ["Kowalski", "Nowak", "Tanaka", "Sato"], "label": ["Polish", "Polish", label, label]})
    with pytest.raises(DataError, match="row 3: label .* has a control or invalid character"):
        clean_table(table)
