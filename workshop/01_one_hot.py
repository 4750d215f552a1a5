"""Step 1: a name becomes a (T, V) one-hot matrix.

Normalise the spelling first ("Müller" -> "muller"), then give each letter a row of V zeros
with a single 1 at the letter's place in the alphabet. Shapes: T letters, V alphabet size.
"""

import string
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find rnn_demo from anywhere

import torch

from rnn_demo.data import ALPHABET, LETTER_INDEX, UNKNOWN, V, normalise_name, one_hot

raw = "Müller"
clean = normalise_name(raw)
print(f"alphabet ({V} symbols): {ALPHABET!r}")
print(f"{raw!r} -> normalise_name -> {clean!r}")
assert clean == "muller"

# One letter: V zeros and a 1 at its index.
m = torch.zeros(V)
m[ALPHABET.index("m")] = 1
print(f"'m' -> index {ALPHABET.index('m')} -> {m.int().tolist()}")

# A whole name: one such row per letter.
by_hand = torch.zeros(len(clean), V)  # (T, V)
for t, letter in enumerate(clean):
    by_hand[t, ALPHABET.index(letter)] = 1
print(f"{clean!r} -> one-hot {tuple(by_hand.shape)} (T, V); the 1 of each row sits at",
      by_hand.argmax(dim=1).tolist())
assert by_hand.shape == (len(clean), V)
assert (by_hand.sum(dim=1) == 1).all()  # exactly one 1 per letter
assert torch.equal(by_hand, one_hot(clean))  # same as the package's one_hot

# A digit is not a letter: normalising turns it into the one UNKNOWN symbol.
digit = normalise_name("4ever")
print(f"'4ever' -> {digit!r}; {UNKNOWN!r} is index {LETTER_INDEX[UNKNOWN]}")
assert digit == UNKNOWN + "ever"
assert one_hot(digit)[0].argmax().item() == LETTER_INDEX[UNKNOWN]

# Why not str.find? It returns -1 for a missing symbol, and row[-1] = 1 silently sets the LAST
# column: with the classic tutorial's alphabet, '4ever' would read as "'ever".
tutorial_alphabet = string.ascii_letters + " .,;'"
missing = tutorial_alphabet.find("4")
print(f"tutorial alphabet .find('4') = {missing} -> column {missing} is {tutorial_alphabet[missing]!r}")
assert missing == -1 and tutorial_alphabet[missing] == "'"
# (In our alphabet -1 would land on UNKNOWN only because it happens to be last; we look it up
# by name instead, so adding a symbol to the alphabet cannot change what a digit means.)

print(f"OK 01: {raw!r} is a ({len(clean)}, {V}) one-hot; unknown symbols map to {UNKNOWN!r}")
