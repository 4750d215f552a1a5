"""Names table -> clean table -> tensors.

Shapes: B batch, T time (letters), V alphabet size.

    "Müller"  --normalise_name-->  "muller"  --encode_name-->  (T,) letter indices
              --one_hot-->  (T, V)  --collate (pad_sequence)-->  (B, T, V) + lengths (B,)
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import pandas as pd
import torch
from anyascii import anyascii
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, Sampler

from . import limits

LETTERS = "abcdefghijklmnopqrstuvwxyz"
UNKNOWN = "?"  # one explicit symbol for anything we cannot read (digits, emoji, ...)
ALPHABET = LETTERS + " '-." + UNKNOWN
V = len(ALPHABET)  # 31
LETTER_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


class DataError(ValueError):
    """A names table (or a name) we cannot use; `problems` lists every reason found."""

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        shown = "; ".join(self.problems[:5])
        more = len(self.problems) - 5
        super().__init__(shown + (f" (and {more} more problems)" if more > 0 else ""))


# ---------------------------------------------------------------------------------------------
# One name


def normalise_name(name: str) -> str:
    """Lower-case ASCII spelling of a name: 'Łukasiewicz' -> 'lukasiewicz', '4ever' -> '?ever'."""
    out = []
    for ch in unicodedata.normalize("NFKC", str(name)):
        category = unicodedata.category(ch)
        if ch.isspace():
            out.append(" ")
        elif category.startswith("M") or category == "Cf":
            # A stray combining accent (the letter it belonged to is already out), or an invisible
            # format mark: right-to-left marks, zero-width joiners, soft hyphens.
            continue
        elif category.startswith("L") or category in ("Pd", "Pi", "Pf"):
            # anyascii also handles letters that do not decompose (ł, ß, ø, Đ) and other scripts.
            # It writes the Arabic/Hebrew ayin as '`': we spell that with an apostrophe.
            for t in anyascii(ch).lower().replace("`", "'"):
                out.append(t if t in LETTER_INDEX else UNKNOWN)
        else:
            low = ch.lower()
            # Digits, emoji, symbols: UNKNOWN, never silently another letter.
            out.append(low if low in LETTER_INDEX and low != UNKNOWN else UNKNOWN)
    return " ".join("".join(out).split())  # strip and collapse runs of spaces


def check_name(name: str, where: str = "") -> str:
    """Normalise a name and refuse one we cannot classify (no letters, too long)."""
    prefix = f"{where}: " if where else ""
    text = "" if name is None else str(name).strip()
    if not text:
        raise DataError(f"{prefix}blank name")
    shown = text if len(text) <= 30 else text[:27] + "..."
    length = len(text)
    if length <= 20 * limits.MAX_NAME_LENGTH:  # a huge paste is refused without normalising it
        clean = normalise_name(text)
        if not any(ch in LETTERS for ch in clean):
            raise DataError(f"{prefix}name {shown!r} has no letters we can read")
        length = len(clean)
    if length > limits.MAX_NAME_LENGTH:
        raise DataError(f"{prefix}name {shown!r} is {length} characters long; the limit is {limits.MAX_NAME_LENGTH}")
    return clean


def encode_name(clean_name: str) -> torch.Tensor:
    """Letter indices of a normalised name: (T,) int64."""
    return torch.tensor([LETTER_INDEX.get(ch, LETTER_INDEX[UNKNOWN]) for ch in clean_name])


def one_hot(clean_name: str) -> torch.Tensor:
    """A normalised name as a one-hot matrix: (T, V) float32, one row per letter."""
    return torch.nn.functional.one_hot(encode_name(clean_name), V).float()


# ---------------------------------------------------------------------------------------------
# Validating a table


@dataclass
class TableReport:
    """What cleaning found: kept rows, labels and their counts, dropped duplicates, ambiguity."""

    rows_in: int
    rows: int
    counts: dict[str, int] = field(default_factory=dict)  # label -> names, labels sorted
    duplicates_dropped: int = 0  # exact (name, label) repeats after normalising
    ambiguous_names: int = 0  # names kept under two or more labels
    merged_labels: dict[str, str] = field(default_factory=dict)  # 'german' -> 'German'

    @property
    def labels(self) -> list[str]:
        return list(self.counts)


def _cell(value) -> str:
    """A table cell as text; a missing value (None, NaN, pd.NA, NaT) is blank, not 'nan'."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return str(value)


def _check_shape(raw: pd.DataFrame) -> list[str]:
    """The table's column keys (stripped, lower case); DataError for missing or doubled name/label
    columns and for no rows or too many."""
    keys = [str(c).strip().lower() for c in raw.columns]
    missing = [c for c in ("name", "label") if c not in keys]
    if missing:
        found = [repr(str(c)) for c in raw.columns[:5]] + (["..."] if len(keys) > 5 else [])
        raise DataError(f"missing column {' and '.join(map(repr, missing))} (found: {', '.join(found) or 'none'})")
    doubled = [c for c in ("name", "label") if keys.count(c) > 1]
    if doubled:
        raise DataError(f"the table has {keys.count(doubled[0])} columns called {doubled[0]!r}; keep one")
    if len(raw) == 0:
        raise DataError("the table has no rows")
    if len(raw) > limits.MAX_ROWS:
        raise DataError(f"the table has {len(raw):,} rows; the limit is {limits.MAX_ROWS:,}")
    return keys


def clean_table(raw: pd.DataFrame) -> tuple[pd.DataFrame, TableReport]:
    """Validate and normalise a raw table -> (table with normalised names, report).

    Raises DataError listing every problem found, each with its row (1 = first data row).
    """
    keys = _check_shape(raw)
    problems, names, labels = [], [], []
    for row, (name, label) in enumerate(
        zip(raw.iloc[:, keys.index("name")].map(_cell), raw.iloc[:, keys.index("label")].map(_cell)), start=1
    ):
        label = " ".join(label.split())
        if not label:
            problems.append(f"row {row}: blank label")
        elif len(label) > limits.MAX_LABEL_LENGTH:
            problems.append(f"row {row}: label is longer than {limits.MAX_LABEL_LENGTH} characters")
        elif any(unicodedata.category(ch) in ("Cc", "Cs") for ch in label):  # NUL, lone surrogates, ...
            problems.append(f"row {row}: label {label.encode('utf-8', 'backslashreplace').decode()!r} has a "
                            "control or invalid character")
        try:
            names.append(check_name(name, f"row {row}"))
        except DataError as err:
            problems.extend(err.problems)
            names.append("")
        labels.append(label)
    if problems:
        raise DataError(problems)

    # 'german' and 'German ' are one label: keep the most common spelling.
    spellings = pd.Series(labels).value_counts()
    canonical: dict[str, str] = {}
    for spelling in spellings.index:  # most common first
        canonical.setdefault(spelling.lower(), spelling)
    merged = {s: canonical[s.lower()] for s in spellings.index if canonical[s.lower()] != s}
    table = pd.DataFrame({"name": names, "label": [canonical[s.lower()] for s in labels]})

    before = len(table)
    table = table.drop_duplicates().reset_index(drop=True)
    counts = table["label"].value_counts()
    counts = {label: int(counts[label]) for label in sorted(counts.index)}
    if len(counts) < 2:
        problems.append(f"the table needs at least 2 labels; it has {len(counts)} ({', '.join(counts)})")
    if len(counts) > limits.MAX_LABELS:
        problems.append(f"the table has {len(counts)} labels; the limit is {limits.MAX_LABELS}")
    problems += [f"label {lab!r} has only {n} name; each label needs at least 2"
                 for lab, n in counts.items() if n < 2]
    if problems:
        raise DataError(problems)
    report = TableReport(
        rows_in=len(raw),
        rows=len(table),
        counts=counts,
        duplicates_dropped=before - len(table),
        ambiguous_names=int((table.groupby("name")["label"].nunique() > 1).sum()),
        merged_labels=merged,
    )
    return table, report


def split_table(table: pd.DataFrame, val_fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified, seeded split: each label keeps ~val_fraction of its names for validation
    (at least 1, and at least 1 left for training)."""
    generator = torch.Generator().manual_seed(seed)
    train_rows, val_rows = [], []
    for label in sorted(table["label"].unique()):
        rows = table.index[table["label"] == label].tolist()
        order = torch.randperm(len(rows), generator=generator).tolist()
        n_val = min(max(1, round(len(rows) * val_fraction)), len(rows) - 1)
        val_rows += [rows[i] for i in order[:n_val]]
        train_rows += [rows[i] for i in order[n_val:]]
    return table.loc[sorted(train_rows)], table.loc[sorted(val_rows)]


@dataclass
class Split:
    """One training's names: the table cleaned once and cut once into training and validation rows
    (rnn_demo.train.split_for); the worker, the report and the views all use this one."""

    train_rows: pd.DataFrame
    val_rows: pd.DataFrame
    report: TableReport  # what cleaning found; report.labels are the model's labels


# ---------------------------------------------------------------------------------------------
# Dataset, collate, DataLoader


class NamesDataset(Dataset):
    """Clean table -> items (one-hot name (T, V), label index)."""

    def __init__(self, table: pd.DataFrame, labels: list[str]):
        label_index = {label: i for i, label in enumerate(labels)}
        unknown = sorted(set(table["label"]) - set(label_index))
        if unknown:
            raise DataError(f"labels unknown to the model: {', '.join(unknown)}")
        self.names = table["name"].tolist()
        self.letters = [encode_name(n) for n in self.names]  # encode once, not every epoch
        self.targets = [label_index[label] for label in table["label"]]

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return torch.nn.functional.one_hot(self.letters[i], V).float(), self.targets[i]


def collate(batch: list[tuple[torch.Tensor, int]]):
    """Pad a list of (T_i, V) names to one (B, T, V) tensor; lengths say where each name ends.

    lengths stays on the CPU: pack_padded_sequence wants CPU lengths.
    """
    names, targets = zip(*batch)
    padded = pad_sequence(names, batch_first=True)  # (B, T_max, V), zeros after each name
    lengths = torch.tensor([len(n) for n in names])  # (B,)
    return padded, lengths, torch.tensor(targets)  # labels (B,)


class BucketSampler(Sampler):
    """Batches of names of similar length, in random order.

    Shuffle, cut into pools of 50 batches, sort each pool by length, cut into batches, shuffle
    the batches: a batch's padding (and the manual loop's wasted steps) shrinks, randomness stays.
    """

    def __init__(self, lengths: list[int], batch_size: int, generator: torch.Generator):
        self.lengths, self.batch_size, self.generator = lengths, batch_size, generator

    def __iter__(self):
        order = torch.randperm(len(self.lengths), generator=self.generator).tolist()
        pool = self.batch_size * 50
        batches = []
        for start in range(0, len(order), pool):
            chunk = sorted(order[start:start + pool], key=self.lengths.__getitem__)
            batches += [chunk[i:i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        for i in torch.randperm(len(batches), generator=self.generator).tolist():
            yield batches[i]

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)


def make_loader(dataset: NamesDataset, batch_size: int, shuffle: bool = False, seed: int = 0) -> DataLoader:
    """A DataLoader of (padded (B, T, V), lengths (B,), labels (B,)) batches.

    No worker processes: on a 2-core machine they cost more than one-hot encoding does.
    """
    if shuffle:
        sampler = BucketSampler([len(x) for x in dataset.letters], batch_size,
                                torch.Generator().manual_seed(seed))
        return DataLoader(dataset, batch_sampler=sampler, collate_fn=collate)
    return DataLoader(dataset, batch_size=batch_size, collate_fn=collate)


def validation_batches(rows: pd.DataFrame, labels: list[str], batch_size: int = 512) -> list:
    """The validation names as (padded, lengths, labels) batches, encoded once for every epoch.

    Sorted by length, each batch pads only to its own longest name (the manual loop then takes fewer
    steps); the order of the names changes no validation figure."""
    by_length = NamesDataset(rows.iloc[rows["name"].str.len().argsort(kind="stable")], labels)
    batches = []
    for start in range(0, len(by_length), batch_size):
        letters = by_length.letters[start:start + batch_size]
        # What collate gives, one-hot encoded in one call: padding is the extra symbol V, then dropped.
        index = pad_sequence(letters, batch_first=True, padding_value=V)  # (B, T)
        padded = torch.nn.functional.one_hot(index, V + 1)[..., :V].float()  # (B, T, V), zeros after each name
        lengths = torch.tensor([len(x) for x in letters])  # (B,)
        batches.append((padded, lengths, torch.tensor(by_length.targets[start:start + batch_size])))
    return batches


# The wrong order, for the leakage lesson (rnn_demo/lesson/honest.py) and --split-before-dedup.
def normalised_rows(raw: pd.DataFrame) -> tuple[pd.DataFrame, TableReport]:
    """The raw table's rows, names normalised and labels merged as clean_table does, but with every
    exact duplicate kept (what a careless pipeline trains on). Raises DataError for a bad table."""
    _, report = clean_table(raw)  # validates, and gives the canonical spelling of each label
    canonical = {label.lower(): label for label in report.labels}
    columns = {str(c).strip().lower(): c for c in raw.columns}
    names = [check_name(n) for n in raw[columns["name"]].astype(str)]
    labels = [canonical[" ".join(str(label).split()).lower()] for label in raw[columns["label"]]]
    return pd.DataFrame({"name": names, "label": labels}), report


def leaky_split(raw: pd.DataFrame, val_fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The wrong order: split the raw lines, then drop duplicates within each side. A name listed
    twice can land in training and in validation."""
    rows, _ = normalised_rows(raw)
    train_rows, val_rows = split_table(rows, val_fraction, seed)
    return train_rows.drop_duplicates(), val_rows.drop_duplicates()
