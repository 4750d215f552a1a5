"""Reading a names table from a file: a CSV, a <Label>.txt list, a folder or a .zip of them.

Uploads are untrusted: sizes are checked before reading, encodings are guessed safely, binary
files are refused, and nothing in a .zip is ever extracted to disk. Reading stops at the row limit
(and, in a .zip, at the label limit): what was cut is told in the table's `attrs["cut"]`.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from pathlib import Path

import pandas as pd

from . import limits
from .data import DataError, TableReport, clean_table

CHUNK_BYTES = 64 * 1024  # a .zip member is inflated this much at a time
CONTROLS = [chr(i) for i in range(32) if chr(i) not in "\t\n\r"]  # never in a text file


def _decode(data: bytes, what: str) -> str:
    """Bytes of an uploaded text file -> str: UTF-8 (with or without BOM), UTF-16 with a BOM,
    else Windows-1252, else Latin-1. Raises DataError for an empty or binary file."""
    if not data.strip():
        raise DataError(f"{what} is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        encodings = ["utf-16"]
    else:
        # Old Excel CSVs are Windows-1252 (a superset of Latin-1's letters: ’ – €); Latin-1
        # decodes every byte, so it comes last.
        encodings = ["utf-8-sig", "cp1252", "latin-1"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DataError(f"{what} is not a text file")
    # Binary files (images, zips renamed .csv) are full of NULs and other control characters.
    controls = sum(map(text.count, CONTROLS))
    if "\x00" in text or controls > len(text) // 20:
        raise DataError(f"{what} is not a text file")
    return text


def _read_limited(path: Path) -> bytes:
    size = path.stat().st_size
    if size > limits.MAX_UPLOAD_BYTES:
        raise DataError(
            f"{path.name} is {size / 2**20:.1f} MB, over the {limits.MAX_UPLOAD_BYTES // 2**20} MB limit"
        )
    return path.read_bytes()


def _csv_table(text: str, what: str, delimiter: str = ",") -> pd.DataFrame:
    """CSV text with a header row -> DataFrame of strings; every row must have the header's
    number of fields. The csv module, not pandas: pandas would quietly take a surplus first
    field as the index, and slows to minutes on a header of 100k columns."""
    rows, cut = [], ""
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True, strict=True)
        for row in reader:
            if not any(field.strip() for field in row):
                continue  # skip blank lines
            if len(rows) > limits.MAX_ROWS:  # the header and MAX_ROWS names read: stop here
                cut = f"only its first {limits.MAX_ROWS:,} rows were read (the limit)"
                break
            rows.append(row)
    except csv.Error as err:
        raise DataError(f"{what} is not a readable CSV ({err})") from None
    if not rows:
        raise DataError(f"{what} is empty")
    header, body = rows[0], rows[1:]
    if len(header) > limits.MAX_COLUMNS:
        raise DataError(f"{what} has {len(header)} columns; the limit is {limits.MAX_COLUMNS} (name, label, ...)")
    uneven = [f"row {i}: {len(row)} fields, but the header has {len(header)}"
              for i, row in enumerate(body, start=1) if len(row) != len(header)]
    if uneven:
        raise DataError([f"{what} is not a readable CSV"] + uneven)
    return _cut(pd.DataFrame(body, columns=header, dtype=object), cut)


def _cut(table: pd.DataFrame, note: str) -> pd.DataFrame:
    """The table, with what reading it left out (if anything) in attrs["cut"]."""
    if note:
        table.attrs["cut"] = note
    return table


def within_limits(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """A raw table (columns name and label, as the page or a kept copy holds it) cut to the limits: its
    first MAX_ROWS rows, the rows of its first MAX_LABELS labels, each name and label at most its
    length. The cut table and what was cut, as a phrase ('' when nothing was)."""
    cuts = []
    if len(table) > limits.MAX_ROWS:
        cuts.append(f"the last {len(table) - limits.MAX_ROWS:,} rows (the limit is {limits.MAX_ROWS:,} rows)")
        table = table.iloc[:limits.MAX_ROWS]
    labels = table["label"].astype(str).str.strip()
    first = labels.drop_duplicates()
    if len(first) > limits.MAX_LABELS:
        kept = labels.isin(set(first.iloc[:limits.MAX_LABELS]))
        cuts.append(f"the {int((~kept).sum()):,} rows of {len(first) - limits.MAX_LABELS:,} labels past the first "
                    f"{limits.MAX_LABELS} (the limit)")
        table = table[kept.to_numpy()]
    for column, most in (("name", limits.MAX_NAME_LENGTH), ("label", limits.MAX_LABEL_LENGTH)):
        text = table[column].astype(str)
        long = text.str.len() > most
        if long.any():
            cuts.append(f"{int(long.sum()):,} {column}s cut to {most} characters (the limit)")
            table = table.copy()
            table.loc[long.to_numpy(), column] = text[long].str[:most]  # only those: a blank cell stays blank
    return table.reset_index(drop=True), "; ".join(cuts)


def _lines_table(text: str, label: str, room: int = limits.MAX_ROWS) -> pd.DataFrame:
    """A <Label>.txt list, at most `room` names of it (attrs["cut"] says when there were more)."""
    names = []
    for line in io.StringIO(text):
        if line.strip():
            if len(names) == room:
                return _cut(pd.DataFrame({"name": names, "label": label}),
                            f"only the first {limits.MAX_ROWS:,} names were read (the limit)")
            names.append(line.strip())
    return pd.DataFrame({"name": names, "label": [label] * len(names)})


def _inflate(handle, size: int, names_left: int) -> tuple[bytes, bool]:
    """A member's bytes, inflated a chunk at a time: at most one byte more than its declared size (a
    bomb may lie about it), and no further than the names still allowed (then True, whole lines only)."""
    chunks, total, lines = [], 0, 0
    while total <= size:
        chunk = handle.read(min(CHUNK_BYTES, size + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total, lines = total + len(chunk), lines + chunk.count(b"\n")
        if lines > names_left:
            data = b"".join(chunks)
            return data[:data.rfind(b"\n") + 1], True
    return b"".join(chunks), False


def _zip_table(data: bytes, what: str) -> pd.DataFrame:
    """A .zip of <Label>.txt files. Nothing is extracted to disk: members are read in memory and
    only a member's base name becomes a label, so '../' paths cannot go anywhere."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except Exception:  # zipfile raises many types (BadZipFile, OSError, EOFError, ...) for junk
        raise DataError(f"{what} is not a readable .zip file") from None
    base = {m.filename: m.filename.replace("\\", "/").rsplit("/", 1)[-1] for m in members}
    texts = [
        m for m in members
        if base[m.filename].lower().endswith(".txt") and not base[m.filename].startswith(".")
        and "__MACOSX" not in m.filename
    ]
    if not texts:
        raise DataError(f"{what} holds no <Label>.txt files")
    if len(members) > limits.MAX_ZIP_MEMBERS:
        raise DataError(f"{what} holds {len(members)} files; the limit is {limits.MAX_ZIP_MEMBERS}")
    bomb = f"{what} inflates to more than {limits.MAX_UNZIPPED_BYTES // 2**20} MB; is it a zip bomb?"
    if sum(m.file_size for m in texts) > limits.MAX_UNZIPPED_BYTES:
        raise DataError(bomb)  # refused from the sizes it declares, before inflating a byte
    frames, rows, cut = [], 0, ""
    for member in texts:
        if rows >= limits.MAX_ROWS or len(frames) >= limits.MAX_LABELS:  # nothing more is inflated
            cut = (f"only {len(frames)} of its {len(texts)} files were read: the limits are {limits.MAX_ROWS:,} names "
                   f"and {limits.MAX_LABELS} labels")
            break
        # Inflate at most one byte more than the member declares: a bomb may lie about its size,
        # and reading no further keeps its real size out of memory.
        try:
            with archive.open(member) as handle:
                content, stopped = _inflate(handle, member.file_size, limits.MAX_ROWS - rows)
        except Exception:  # encrypted, corrupt (zlib.error), unknown compression, bad CRC, ...
            raise DataError(f"{what}: member {member.filename!r} cannot be read") from None
        if len(content) > member.file_size:
            raise DataError(bomb)
        if stopped:
            cut = f"reading stopped at the {limits.MAX_ROWS:,}-name limit"
        if content.strip():
            label = base[member.filename][:-len(".txt")]
            frame = _lines_table(_decode(content, f"{what}: {member.filename}"), label, limits.MAX_ROWS - rows)
            frames.append(frame)
            rows += len(frame)
            cut = cut or frame.attrs.get("cut", "")
    if not frames:
        raise DataError(f"{what}: every .txt file in it is empty")
    return _cut(pd.concat(frames, ignore_index=True), cut)


def read_table(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read a raw names table (columns name, label) from a DataFrame, a .csv with a header,
    a <Label>.txt list, a folder of <Label>.txt files or a .zip of them. Raises DataError."""
    if isinstance(source, pd.DataFrame):
        return source
    if not isinstance(source, (str, Path)):
        raise DataError(f"cannot read a names table from {type(source).__name__}; give a file or a DataFrame")
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.glob("*.txt") if not p.name.startswith("."))
        if not files:
            raise DataError(f"folder {path.name!r} holds no <Label>.txt files")
        return pd.concat(
            [_lines_table(_decode(_read_limited(p), p.name), p.stem) for p in files],
            ignore_index=True,
        )
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    data = _read_limited(path)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _zip_table(data, path.name)
    if suffix == ".txt":
        return _lines_table(_decode(data, path.name), path.stem)
    if suffix in (".csv", ".tsv", ""):
        return _csv_table(_decode(data, path.name), path.name, "\t" if suffix == ".tsv" else ",")
    raise DataError(f"{path.name}: unknown file type {suffix!r}; use .csv, .txt or .zip")


def load_table(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, TableReport]:
    """read_table + clean_table: any supported source -> (clean table, report)."""
    return clean_table(read_table(source))


def read_upload(source: str | Path) -> pd.DataFrame:
    """An uploaded file -> a raw table of exactly the columns name and label (as strings).

    Other columns of a CSV are dropped; header case and spaces do not matter ('Name ', 'LABEL').
    Raises DataError, with the missing-column message when name or label is absent."""
    table = read_table(source)
    columns = {str(c).strip().lower(): c for c in table.columns}
    if "name" not in columns or "label" not in columns:
        clean_table(table)  # raises the message that names the missing column
    cut = table.attrs.get("cut", "")
    table = table[[columns["name"], columns["label"]]].astype(str)
    table.columns = ["name", "label"]
    return _cut(table, cut)
