"""Step 9: training.

Each step: logits for a batch, cross-entropy loss against the true labels, gradients by
backward(), clip them (an RNN's gradient can explode through a long name), one Adam step. After
each epoch, accuracy on the validation names the model never trains on. rnn_demo.train.train is
this same loop as a generator of progress events (the app plots them), so with the same seed it
gives the same numbers. predict then gives each name's top labels.
Shapes: B batch, T letters, V alphabet, C classes.
"""

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # find rnn_demo from anywhere

import torch
from torch import nn

from rnn_demo.data import NamesDataset, make_loader, split_table
from rnn_demo.files import load_table
from rnn_demo.models import ModelConfig, build_model
from rnn_demo.predict import predict
from rnn_demo.train import DoneEvent, EpochEvent, TrainConfig, train

torch.set_num_threads(1)  # tiny batches: a second thread costs more than it saves
SEED, EPOCHS, BATCH_SIZE, LEARNING_RATE = 0, 3, 32, 1e-2

table, report = load_table(ROOT / "data" / "names.csv")
labels = report.labels
train_rows, val_rows = split_table(table, val_fraction=0.15, seed=SEED)
train_loader = make_loader(NamesDataset(train_rows, labels), BATCH_SIZE, shuffle=True, seed=SEED)
val_loader = make_loader(NamesDataset(val_rows, labels), batch_size=512)

torch.manual_seed(SEED)  # the initial weights
model = build_model(ModelConfig(labels=labels, arch="stacked", cell="gru", hidden_size=64, num_layers=1))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
print(f"{len(labels)} labels: guessing gives loss ln(C) = {math.log(len(labels)):.2f} "
      f"and accuracy 1/C = {1 / len(labels):.0%}")

print("-- by hand")
by_hand = []  # (mean train loss, val accuracy) per epoch
for epoch in range(1, EPOCHS + 1):
    model.train()
    losses = []
    for padded, lengths, targets in train_loader:
        loss = criterion(model(padded, lengths), targets)  # logits (B, C) vs targets (B,)
        optimizer.zero_grad()  # gradients add up: clear the last step's
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        losses.append(loss.item())
    model.eval()  # no dropout while measuring
    correct = 0
    with torch.no_grad():
        for padded, lengths, targets in val_loader:
            correct += (model(padded, lengths).argmax(dim=1) == targets).sum().item()
    by_hand.append((sum(losses) / len(losses), correct / len(val_rows)))
    print(f"epoch {epoch}/{EPOCHS}: train loss {by_hand[-1][0]:.3f}, val accuracy {by_hand[-1][1]:.1%}")
assert by_hand[-1][0] < math.log(len(labels)) - 1  # the loss fell well below guessing
assert by_hand[-1][1] > 4 / len(labels)  # far better than guessing

print("-- with rnn_demo.train.train")
config = TrainConfig(arch="stacked", cell="gru", hidden_size=64, num_layers=1, epochs=EPOCHS,
                     batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE, clip=1.0, seed=SEED)
with_train = []
for event in train(table, config):  # a BatchEvent after every step; we print only the epochs
    if isinstance(event, EpochEvent):
        with_train.append((event.train_loss, event.val_accuracy))
        print(f"epoch {event.epoch}/{event.epochs}: train loss {event.train_loss:.3f}, "
              f"val accuracy {event.val_accuracy:.1%}  ({event.seconds:.1f} s)")
    elif isinstance(event, DoneEvent):
        done = event
assert done.epochs_run == EPOCHS
for (hand_loss, hand_accuracy), (loss, accuracy) in zip(by_hand, with_train, strict=True):
    assert math.isclose(hand_loss, loss, rel_tol=1e-4) and math.isclose(hand_accuracy, accuracy, rel_tol=1e-4)

names = ["Nakamura", "Dvořák", "O'Brien", "Schmidt"]
for name, top in zip(names, predict(done.model, names, k=3)):
    print(f"{name:>9}: " + ", ".join(f"{label} {p:.0%}" for label, p in top))

print(f"OK 09: the hand loop and train() agree over {EPOCHS} epochs; val accuracy "
      f"{done.val_accuracy:.0%} vs {1 / len(labels):.0%} by guessing")
