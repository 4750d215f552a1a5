"""Step 8: from a names table to batches.

load_table reads and cleans data/names.csv; split_table keeps ~15% of every label for
validation. NamesDataset gives one (one-hot name (T, V), label index) pair per item; collate pads
a list of them into one batch (step 2), and a DataLoader draws shuffled batches every epoch.
Shapes: B batch, T letters of the longest name in the batch, V alphabet.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # find rnn_demo from anywhere

import torch
from torch.utils.data import DataLoader

from rnn_demo.data import NamesDataset, V, collate, make_loader, split_table
from rnn_demo.files import load_table

torch.manual_seed(0)

table, report = load_table(ROOT / "data" / "names.csv")
train_rows, val_rows = split_table(table, val_fraction=0.15, seed=0)
print(f"{report.rows} names, {len(report.labels)} labels; {len(train_rows)} train, {len(val_rows)} validation")
print(table.sample(3, random_state=0).to_string(index=False))
assert set(train_rows.index).isdisjoint(val_rows.index)

dataset = NamesDataset(train_rows, report.labels)
x, y = dataset[0]
print(f"dataset[0]: {dataset.names[0]!r} -> {tuple(x.shape)} (T, V), label {y} = {report.labels[y]!r}")
assert x.shape == (len(dataset.names[0]), V)

# The default collate stacks items, and names of different lengths do not stack.
try:
    next(iter(DataLoader(dataset, batch_size=4, shuffle=True)))
except RuntimeError as err:
    print(f"default collate: RuntimeError ({str(err).splitlines()[0][:60]}...)")
else:
    raise AssertionError("the default collate should refuse names of different lengths")

loader = DataLoader(dataset, batch_size=32, shuffle=True, collate_fn=collate)
padded, lengths, labels = next(iter(loader))
print(f"one batch: padded {tuple(padded.shape)} (B, T, V), lengths {tuple(lengths.shape)}, "
      f"labels {tuple(labels.shape)}")
print(f"  lengths {lengths[:8].tolist()}...  labels {labels[:8].tolist()}...")
assert padded.shape == (32, lengths.max(), V) and lengths.shape == labels.shape == (32,)
print(f"{len(loader)} batches per epoch")


def padding_share(batches) -> float:
    """Share of the (B, T) rows over an epoch that are padding, not letters."""
    rows = letters = 0
    for padded, lengths, _ in batches:
        rows += padded.shape[0] * padded.shape[1]
        letters += lengths.sum().item()
    return 1 - letters / rows


# make_loader(shuffle=True) batches names of similar length together: less padding to compute.
shuffled = padding_share(loader)
bucketed = padding_share(make_loader(dataset, 32, shuffle=True, seed=0))
print(f"padding per epoch: {shuffled:.0%} with plain shuffling, {bucketed:.0%} with make_loader's buckets")
assert bucketed < shuffled

print(f"OK 08: {len(dataset)} training names -> batches of {tuple(padded.shape)} (B, T, V)")
