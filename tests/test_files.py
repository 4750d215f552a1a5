"""Uploaded files: CSVs, zips and checkpoints that are broken, huge or hostile.

Each is refused with our own error (DataError / CheckpointError) naming the problem, and reading
one never writes a file: a zip is read in memory and a visitor-supplied name never becomes a path.
"""

import json
import os
import pickle
import tracemalloc
import zipfile
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from rnn_demo import limits
from rnn_demo.__main__ import main
from rnn_demo.checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from rnn_demo.data import DataError
from rnn_demo.files import load_table, read_table
from rnn_demo.models import ModelConfig, build_model
from rnn_demo.predict import predict

from payload import Payload

ROWS = "name,label\nMüller,German\nGroß,German\nDupont,French\nLefèvre,French\n"


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


# --- CSV uploads -------------------------------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    ("first,second\nMüller,German\n", r"missing column 'name' and 'label' \(found: 'first', 'second'\)"),
    ("name\nMüller\nGroß\n", "missing column 'label'"),
    ("Müller,German\nDupont,French\n", r"missing column 'name' and 'label' \(found: 'Müller', 'German'\)"),
    ("name;label\nMüller;German\n", r"found: 'name;label'"),  # a ;-separated file names itself
    ("name,label\nMüller,German,1850\nGroß,German\n", "not a readable CSV; row 1: 3 fields, but the header has 2"),
    ("name,label\nMüller\n", "row 1: 1 fields, but the header has 2"),
    ('name,label\n"Müller,German\n', r"not a readable CSV \(unexpected end of data\)"),
    ("name," * 100_000 + "label\n", "has 100001 columns; the limit is 20"),  # pandas: minutes
    ("", "is empty"),
    (" \n\t\n", "is empty"),
    ("\ufeff\n\u3000\n", "is empty"),  # a BOM and an ideographic space: blank after decoding
])
def test_bad_csv_uploads_name_the_problem(tmp_path, content, message):
    with pytest.raises(DataError, match=message):  # the column count is checked before pandas sees it
        load_table(_write(tmp_path / "names.csv", content))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"])
def test_csv_in_any_common_encoding_reads_the_same(tmp_path, encoding):
    path = _write(tmp_path / "names.csv", ROWS.encode(encoding))
    table, report = load_table(path)
    assert table["name"].tolist() == ["muller", "gross", "dupont", "lefevre"]
    assert report.labels == ["French", "German"]


def test_windows_1252_quotes_are_read_as_apostrophes(tmp_path):
    path = _write(tmp_path / "names.csv", "name,label\nO’Brien,Irish\nO’Neill,Irish\nDupont,French\nMartin,French\n"
                  .encode("cp1252"))
    assert load_table(path)[0]["name"].tolist()[:2] == ["o'brien", "o'neill"]  # not 'o?brien'


def test_a_tsv_is_split_on_tabs(tmp_path):
    path = _write(tmp_path / "names.tsv", ROWS.replace(",", "\t"))
    assert load_table(path)[1].counts == {"French": 2, "German": 2}


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,  # an image renamed .csv
    bytes(range(256)) * 40,
    ROWS.encode() * 100 + b"\x00\x01\x02\x03" * 500,  # text first, binary after the first 4 kB
    "name,label\n".encode("utf-16-le") * 3,  # UTF-16 without its BOM: NULs
])
def test_a_binary_file_renamed_csv_is_not_a_text_file(tmp_path, data):
    with pytest.raises(DataError, match="names.csv is not a text file"):
        load_table(_write(tmp_path / "names.csv", data))


@pytest.mark.parametrize("suffix", [".csv", ".txt", ".zip"])
def test_a_file_over_the_upload_limit_is_refused_before_it_is_read(tmp_path, suffix):
    path = tmp_path / f"big{suffix}"
    with open(path, "wb") as handle:
        handle.truncate(limits.MAX_UPLOAD_BYTES + 1)  # sparse: no 5 MB written
    with pytest.raises(DataError, match=f"big{suffix} is 5.0 MB, over the 5 MB limit"):
        load_table(path)


@pytest.mark.parametrize("source, message", [
    ("missing.csv", "no such file: missing.csv"),
    ("names.xlsx", r"unknown file type '.xlsx'; use .csv, .txt or .zip"),
    (None, "cannot read a names table from NoneType"),
    (b"name,label", "cannot read a names table from bytes"),
])
def test_sources_we_cannot_read(tmp_path, monkeypatch, source, message):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "names.xlsx", b"PK\x03\x04")
    with pytest.raises(DataError, match=message):
        read_table(source)


# --- zip uploads -------------------------------------------------------------------------------

def test_a_zip_with_nested_folders_takes_labels_from_base_names(tmp_path):
    path = _zip(tmp_path / "names.zip", {
        "data/names/Europe/German.txt": "Müller\nGroß\n",
        "data/names/Europe/French.TXT": "Dupont\nMartin\n",
        "data/names/Asia/Japanese.txt": "Nakamura\nSato\n",
        "data/": "",
    })
    assert load_table(path)[1].counts == {"French": 2, "German": 2, "Japanese": 2}


def test_a_zip_slip_writes_nothing_and_labels_come_from_base_names(tmp_path, monkeypatch):
    # A hostile zip names members outside any folder it might be extracted to.
    outside = tmp_path / "outside"
    work = tmp_path / "a" / "b" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)  # relative '../' paths would land inside tmp_path
    path = _zip(work / "upload.zip", {
        "../../Evil.txt": "Anna\nAda\n",
        f"{outside}/Absolute.txt": "Bob\nBill\n",
        "..\\..\\Windows.txt": "Carl\nCora\n",
        "names/../../../Up.txt": "Dora\nDan\n",
    })
    assert any(n.startswith("../") for n in zipfile.ZipFile(path).namelist())

    def never(*args, **kwargs):
        raise AssertionError("an upload must never be extracted to disk")

    monkeypatch.setattr(zipfile.ZipFile, "extract", never)
    monkeypatch.setattr(zipfile.ZipFile, "extractall", never)
    before = _files_under(tmp_path)
    table, report = load_table(path)
    assert report.labels == ["Absolute", "Evil", "Up", "Windows"]
    assert _files_under(tmp_path) == before and not outside.exists()


def test_a_zip_bomb_is_refused_quickly_without_inflating_it(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("German.txt", "w") as member:  # streamed: the test never holds 100 MB
            for _ in range(100):
                member.write(bytes(2**20))
    assert path.stat().st_size < limits.MAX_UPLOAD_BYTES  # ~100 kB: it passes the upload limit
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="bomb.zip inflates to more than 20 MB; is it a zip bomb?"):
            load_table(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20  # refused from its declared size: nothing inflated (memory, not time)


def _patch_headers(data: bytes, local: dict[int, bytes], central: dict[int, bytes]) -> bytes:
    """Overwrite fields of the first member's local header and central directory entry."""
    data = bytearray(data)
    for signature, fields in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        start = data.find(signature)
        for offset, value in fields.items():
            data[start + offset:start + offset + len(value)] = value
    return bytes(data)


def test_a_zip_bomb_that_lies_about_its_size_is_stopped_by_the_budget(tmp_path):
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("German.txt", "w") as member:
            for _ in range(100):
                member.write(b"Anna\n" * (2**20 // 5))
    small = (1000).to_bytes(4, "little")  # "I inflate to 1000 bytes"
    path.write_bytes(_patch_headers(path.read_bytes(), {22: small}, {24: small}))
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="liar.zip: member 'German.txt' cannot be read"):
            load_table(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20  # stopped at the inflation budget: 100 MB never reached memory


@pytest.mark.parametrize("local, central", [
    ({6: b"\x01"}, {8: b"\x01"}),  # flagged as encrypted
    ({8: b"\x63\x00"}, {10: b"\x63\x00"}),  # compression method 99 (AES): NotImplementedError
    ({30 + len("German.txt"): b"\xff\xff"}, {}),  # corrupt deflate data: zlib.error
])
def test_a_member_we_cannot_decompress_is_a_clean_error(tmp_path, local, central):
    good = _zip(tmp_path / "names.zip", {"German.txt": "Müller\nGroß\n" * 20}).read_bytes()
    path = _write(tmp_path / "names.zip", _patch_headers(good, local, central))
    with pytest.raises(DataError, match="names.zip: member 'German.txt' cannot be read"):
        load_table(path)


def test_a_binary_txt_member_is_a_clean_error_and_other_members_are_ignored(tmp_path):
    members = {"German.txt": "Müller\nGroß\n", "French.txt": "Dupont\nMartin\n",
               "README.md": "# names", "photo.png": b"\x89PNG\r\n\x1a\n\x00\x00",
               "nested.zip": b"PK\x03\x04\x00", "__MACOSX/._German.txt": b"\x00\x05\x16\x07", ".hidden.txt": "x"}
    assert load_table(_zip(tmp_path / "ok.zip", members))[1].counts == {"French": 2, "German": 2}
    members["Japanese.txt"] = bytes(range(256))
    with pytest.raises(DataError, match="bad.zip: Japanese.txt is not a text file"):
        load_table(_zip(tmp_path / "bad.zip", members))


@pytest.mark.parametrize("make, message", [
    (lambda p: _write(p, b"PK\x03\x04 not really a zip"), "names.zip is not a readable .zip file"),
    (lambda p: _write(p, _zip(p, {"German.txt": os.urandom(3000).hex()}).read_bytes()[:3000]),
     "names.zip is not a readable .zip file"),  # truncated: no central directory
    (lambda p: _zip(p, {"README.md": "no lists here"}), r"names.zip holds no <Label>.txt files"),
    (lambda p: _zip(p, {f"L{i}.txt": "Anna\nAda\n" for i in range(201)}), "holds 201 files; the limit is 200"),
    (lambda p: _zip(p, {"German.txt": "", "French.txt": "\n"}), "every .txt file in it is empty"),
])
def test_broken_zips_name_the_problem(tmp_path, make, message):
    with pytest.raises(DataError, match=message):
        load_table(make(tmp_path / "names.zip"))


def test_names_and_labels_that_look_like_paths_stay_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path / "names.csv", "name,label\n../../etc/passwd,/tmp/x\nAnna,/tmp/x\nBob,..\nBill,..\n")
    before = _files_under(tmp_path)
    table, report = load_table(path)
    assert report.labels == ["..", "/tmp/x"] and "..?..?etc?passwd" in table["name"].tolist()
    assert _files_under(tmp_path) == before


# --- checkpoints -------------------------------------------------------------------------------

@pytest.fixture
def small_model():
    torch.manual_seed(0)
    return build_model(ModelConfig(labels=["A", "B"], hidden_size=8, num_layers=1))


@pytest.mark.parametrize("make", [
    lambda p, good: _write(p, os.urandom(4096)),
    lambda p, good: _write(p, good[: len(good) // 2]),
    lambda p, good: _write(p, good[:7]),
    lambda p, good: _write(p, b""),
    lambda p, good: _write(p, ROWS),
    lambda p, good: _write(p, (10**12).to_bytes(8, "little") + b"{}"),  # header "a terabyte long"
    lambda p, good: torch.save({"w": torch.zeros(2)}, p) or p,  # a torch.save (pickle) file
], ids=["random", "truncated", "seven-bytes", "empty", "csv", "huge-header", "torch-save"])
def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path, small_model, make):
    good = save_checkpoint(small_model, tmp_path / "good.safetensors").read_bytes()
    with pytest.raises(CheckpointError, match="model.safetensors is not an rnn-names checkpoint"):
        load_checkpoint(make(tmp_path / "model.safetensors", good))


def test_a_checkpoint_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.safetensors"
    with open(path, "wb") as handle:
        handle.truncate(limits.MAX_CHECKPOINT_BYTES + 1)
    with pytest.raises(CheckpointError, match="big.safetensors is 20.0 MB, over the 20 MB limit"):
        load_checkpoint(path)


def test_another_alphabet_is_refused(tmp_path):
    model = build_model(ModelConfig(labels=["A", "B"], hidden_size=8, alphabet="abc"))
    path = save_checkpoint(model, tmp_path / "m.safetensors")
    with pytest.raises(CheckpointError, match="m.safetensors was trained with another alphabet \\('abc'\\)"):
        load_checkpoint(path)


def test_other_labels_and_architectures_are_valid_models(tmp_path):
    # Labels are text, never paths: saving writes the one file we asked for.
    labels = ["../../etc/passwd", "Ελληνικά", "名字", "C:\\x"]
    model = build_model(ModelConfig(labels=labels, arch="bidirectional", cell="lstm", hidden_size=8, num_layers=3))
    path = save_checkpoint(model, tmp_path / "m.safetensors")
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]
    loaded = load_checkpoint(path)
    assert loaded.labels == labels and loaded.config == model.config
    assert predict(loaded, ["Smith"], k=4)[0] == predict(model.eval(), ["Smith"], k=4)[0]


def _rewrite_config(path: Path, model, **changes) -> Path:
    with safe_open(str(path), "pt") as handle:
        metadata = handle.metadata()
    config = json.loads(metadata["config"])
    config.update(changes)
    metadata["config"] = json.dumps(config) if changes else "[" * 100_000  # no changes: deep JSON
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path), metadata=metadata)
    return path


@pytest.mark.parametrize("changes, message", [
    ({"hidden_size": 8.5}, "hidden size must be between 1 and 512, not 8.5"),
    ({"num_layers": True}, "layers must be between 1 and 4, not True"),
    ({"dropout": "high"}, "dropout must be between 0 and 0.9, not high"),
    ({"labels": "AB"}, "labels must be a list of strings"),
    ({"labels": [1, 2]}, "labels must be a list of strings"),
    ({"labels": [str(i) for i in range(10**6)]}, "it has 1000000 labels; the limit is 50"),
    ({"arch": "transformer"}, "architecture 'transformer' is not one of"),
    ({"extra": 1}, "unexpected keyword argument 'extra'"),
    ({}, "maximum recursion depth"),
])
def test_a_broken_config_is_refused_before_a_model_is_built(tmp_path, small_model, changes, message, monkeypatch):
    import rnn_demo.checkpoints

    path = _rewrite_config(save_checkpoint(small_model, tmp_path / "m.safetensors"), small_model, **changes)
    built = []  # a million labels would mean a 4 GB layer: no model may be built at all
    monkeypatch.setattr(rnn_demo.checkpoints, "build_model", lambda config: built.append(config))
    with pytest.raises(CheckpointError, match=f"m.safetensors has a broken model config: .*{message}"):
        load_checkpoint(path)
    assert built == []


def test_weights_that_are_not_finite_are_refused(tmp_path, small_model):
    with torch.no_grad():
        small_model.fc.weight[0, 0] = float("inf")
    with pytest.raises(CheckpointError, match="holds weights that are not finite numbers"):
        load_checkpoint(save_checkpoint(small_model, tmp_path / "m.safetensors"))


# --- the same through the CLI ------------------------------------------------------------------

@pytest.mark.parametrize("make_args, message", [
    (lambda tmp: ["train", "--data", str(_write(tmp / "x.csv", bytes(range(256)) * 8))], "x.csv is not a text file"),
    (lambda tmp: ["train", "--data", str(_zip(tmp / "x.zip", {"A.txt": bytes(2**20) * 30}))], "is it a zip bomb?"),
    (lambda tmp: ["predict", "--checkpoint", str(_write(tmp / "x.pt", pickle.dumps(Payload(str(tmp / "pwned"))))),
                  "Smith"], "x.pt is not an rnn-names checkpoint"),
    (lambda tmp: ["evaluate", "--checkpoint", str(_write(tmp / "x.safetensors", b"")), "--data", "data/names.csv"],
     "x.safetensors is not an rnn-names checkpoint"),
], ids=["binary-csv", "zip-bomb", "pickle", "empty-checkpoint"])
def test_cli_refuses_hostile_files_with_one_error_line(tmp_path, capsys, make_args, message):
    args = make_args(tmp_path)
    if args[0] == "train":
        args += ["--out", str(tmp_path / "m.safetensors")]
    assert main(args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "m.safetensors").exists()
