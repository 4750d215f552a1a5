"""Property-based tests: for ANY input, our functions return a valid result or raise our own error.

Hypothesis generates the inputs (every Unicode category, None, NaN, numbers, random bytes) and
shrinks a failure to the smallest input that shows it.
"""

import io
import math
import zipfile

import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnn_demo import limits
from rnn_demo.checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from rnn_demo.data import ALPHABET, LETTERS, DataError, check_name, clean_table, normalise_name
from rnn_demo.files import load_table
from rnn_demo.models import ModelConfig, build_model

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that includes the hard cases on purpose: accents, other scripts, emoji, controls, marks.
TEXT = st.text(st.characters(codec=None), max_size=60) | st.sampled_from(
    ["", " ", "\t\n", "Müller", "محمد", "\u200fכהן\u200f", "😀", "1234", "...", "a\u0308" * 30, "ǅ", "ﷺ"]
)


@FAST
@given(TEXT)
def test_normalise_name_never_raises_and_returns_only_alphabet_characters(name):
    clean = normalise_name(name)
    assert set(clean) <= set(ALPHABET)
    assert clean == clean.strip() and "  " not in clean
    assert normalise_name(clean) == clean  # normalising twice changes nothing


@FAST
@given(TEXT | st.text(max_size=2000))
def test_check_name_returns_a_valid_name_or_raises_data_error(name):
    try:
        clean = check_name(name)
    except DataError as err:
        assert str(err)  # a message, never an empty one
        return
    assert 1 <= len(clean) <= limits.MAX_NAME_LENGTH
    assert set(clean) <= set(ALPHABET)
    assert any(ch in LETTERS for ch in clean)


CELL = st.one_of(
    TEXT, st.none(), st.just(math.nan), st.just(pd.NA), st.integers(), st.floats(), st.booleans(),
    st.sampled_from(["German", "german ", " GERMAN", "French", "Anna", "Ada"]),
)


@FAST
@given(st.lists(st.tuples(CELL, CELL), max_size=12))
def test_clean_table_returns_a_valid_table_or_raises_data_error(rows):
    raw = pd.DataFrame(rows, columns=["name", "label"], dtype=object)
    try:
        table, report = clean_table(raw)
    except DataError as err:
        assert str(err)
        return
    assert list(table.columns) == ["name", "label"] and len(table) == report.rows
    for name in table["name"]:
        assert check_name(name) == name  # clean names stay clean
    counts = table["label"].value_counts()
    assert 2 <= len(counts) <= limits.MAX_LABELS and counts.min() >= 2
    assert report.counts == {label: int(counts[label]) for label in sorted(counts.index)}
    for label in report.labels:
        assert label == " ".join(label.split()) and 1 <= len(label) <= limits.MAX_LABEL_LENGTH


@pytest.fixture(scope="module")
def upload_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("uploads")


@FAST
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
       suffix=st.sampled_from([".csv", ".tsv", ".txt", ".zip"]))
def test_any_bytes_uploaded_load_as_a_table_or_raise_data_error(upload_dir, data, suffix):
    path = upload_dir / f"upload{suffix}"
    path.write_bytes(data)
    try:
        load_table(path)
    except DataError as err:
        assert str(err)


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("names/German.txt", "Müller\nSchmidt\nSchneider\n")
        archive.writestr("names/French.txt", "Dupont\nMartin\nBernard\n")
    return buffer.getvalue()


ZIP = _zip_bytes()


@FAST
@given(st.lists(st.tuples(st.integers(0, len(ZIP) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_a_corrupted_zip_loads_or_raises_data_error(upload_dir, changes):
    data = bytearray(ZIP)
    for position, value in changes:
        data[position] = value
    path = upload_dir / "corrupt.zip"
    path.write_bytes(bytes(data))
    try:
        load_table(path)
    except DataError as err:
        assert str(err)


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory) -> bytes:
    torch.manual_seed(0)
    model = build_model(ModelConfig(labels=["A", "B"], hidden_size=4, num_layers=1))
    return save_checkpoint(model, tmp_path_factory.mktemp("ckpt") / "m.safetensors").read_bytes()


@FAST
@given(data=st.data())
def test_a_corrupted_checkpoint_loads_or_raises_checkpoint_error(upload_dir, checkpoint_bytes, data):
    corrupt = bytearray(checkpoint_bytes)
    header = int.from_bytes(checkpoint_bytes[:8], "little") + 8  # flip bytes in the JSON header too
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, min(len(corrupt), header + 64) - 1))
        corrupt[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(corrupt)))
    path = upload_dir / "corrupt.safetensors"
    path.write_bytes(bytes(corrupt[:cut]))
    try:
        load_checkpoint(path)
    except CheckpointError as err:
        assert str(err)
