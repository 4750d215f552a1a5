"""What goes wrong without packing, masking and a careful encoding: three classic mistakes
reproduced on the same weights, so the app can show each one's effect in numbers.

Shapes: B batch, T time (letters), V alphabet, H hidden, C classes.
"""

from __future__ import annotations

import unicodedata

import torch

from rnn_demo.data import ALPHABET, UNKNOWN, check_name
from rnn_demo.models import BidirectionalRNN, ManualRNN, NameClassifier
from rnn_demo.predict import model_batch

WHY = {
    "packing": "Packing stops each name's recurrence at its own last letter, so the padding added "
               "for longer names never touches its state: a name gets the same answer alone or in any batch.",
    "bidirectional": "The backward direction reads right to left, so it has seen the whole name only "
                     "after the FIRST letter (h_n); at the last step it has read just the last letter.",
    "unknown": "An explicit unknown symbol gives every unreadable character its own column; str.find "
               "returns -1 for it instead, and index -1 silently marks whatever symbol sits in the last column.",
}

# The tutorial's alphabet had no unknown symbol. Ours ends with UNKNOWN, so there index -1 would land
# on '?' by luck and hide the bug: the buggy encoder uses the alphabet without it, as the tutorial did.
KNOWN = ALPHABET.replace(UNKNOWN, "")
FIND_BUG_NOTE = (
    f"Our alphabet's last column is the unknown symbol {UNKNOWN!r}, where index -1 would land by luck; "
    f"to show the tutorial's bug we encode with the alphabet without it, whose last symbol is {KNOWN[-1]!r}."
)




def _manual_without_masking(model: ManualRNN, padded: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The manual loop with no `alive` mask: every name keeps stepping through the padding.
    padded (B, T, V or E): what layer 0 reads. Returns the last state (B, H) and every top state (B, T, H)."""
    B = padded.shape[0]
    lstm = model.config.cell == "lstm"
    zeros = padded.new_zeros(B, model.config.hidden_size)  # (B, H)
    h, c = [zeros] * len(model.cells), [zeros] * len(model.cells)
    tops = []
    for t in range(padded.shape[1]):
        x = padded[:, t]  # (B, V): all zeros once a name has ended, yet the cell still updates h
        for i, cell in enumerate(model.cells):
            if i > 0:
                x = model.dropout(x)
            if lstm:
                h[i], c[i] = cell(x, (h[i], c[i]))
            else:
                h[i] = cell(x, h[i])
            x = h[i]
        tops.append(h[-1])
    return h[-1], torch.stack(tops, dim=1)


@torch.no_grad()
def logits_without_packing(model: NameClassifier, padded: torch.Tensor,
                           lengths: torch.Tensor) -> torch.Tensor:
    """Logits (B, C) read after the last PADDED step, as if nobody told the RNN where names end.

    `lengths` is taken to match model(padded, lengths) and ignored on purpose: that is the mistake.
    """
    model.eval()
    inputs = model.inputs(padded)  # (B, T, V), or (B, T, E) through an embedding (padding stays zero)
    everything = torch.full_like(lengths, padded.shape[1])  # 'last+max' pooling also reads the padding
    if isinstance(model, ManualRNN):
        return model.to_logits(*_manual_without_masking(model, inputs), everything)
    out, _ = model.rnn(inputs)  # (B, T, H) or (B, T, 2H): a plain tensor, so every name runs T steps
    if isinstance(model, BidirectionalRNN):
        H = model.config.hidden_size
        # Forward after the padding that follows the name; backward after the padding it read first.
        return model.to_logits(torch.cat([out[:, -1, :H], out[:, 0, H:]], dim=1), out, everything)
    return model.to_logits(out[:, -1], out, everything)


@torch.no_grad()
def padding_effect(model: NameClassifier, name: str, others: list[str]) -> dict:
    """A name's top label and its probability alone, and in a batch with other names, packed or not."""
    model.eval()
    clean = check_name(name)
    batch = model_batch(model, [clean] + [check_name(other) for other in others])  # the name is row 0
    alone = model(*model_batch(model, [clean])).softmax(dim=1)[0]  # (C,)
    label = int(alone.argmax())
    unpacked = logits_without_packing(model, *batch).softmax(dim=1)[0]  # (C,)
    return {
        "name": clean,
        "label": model.labels[label],
        "padding_steps": batch[0].shape[1] - len(clean),  # zero steps the name gets in the batch
        "alone": alone[label].item(),
        "in_batch_packed": model(*batch).softmax(dim=1)[0, label].item(),
        "in_batch_unpacked": unpacked[label].item(),
        "label_unpacked": model.labels[int(unpacked.argmax())],  # its top label once padding reached it
        "unpacked_top": unpacked.max().item(),
        "why": WHY["packing"],
    }


@torch.no_grad()
def logits_reading_backward_at_last_step(model: NameClassifier, padded: torch.Tensor,
                                         lengths: torch.Tensor) -> torch.Tensor:
    """Logits (B, C) of a bidirectional model fed both halves at the last letter: the classic mistake."""
    if not isinstance(model, BidirectionalRNN):
        raise ValueError(f"reading the backward half at the last step is a mistake only a bidirectional model "
                         f"can make; this model is {model.config.arch!r}")
    model.eval()
    states = model.hidden_states(padded, lengths)  # (B, T, 2H)
    last = states[torch.arange(len(lengths)), lengths - 1]  # (B, 2H): the backward half has seen 1 letter
    return model.to_logits(last, states, lengths)


@torch.no_grad()
def backward_reading_effect(model: NameClassifier, name: str) -> dict:
    """A bidirectional model's top label and probability read the right way (h_n) and the wrong way."""
    model.eval()
    batch = model_batch(model, [check_name(name)])
    right = model(*batch).softmax(dim=1)[0]  # (C,)
    wrong = logits_reading_backward_at_last_step(model, *batch).softmax(dim=1)[0]  # (C,)
    label = int(right.argmax())
    return {
        "label": model.labels[label],
        "right": right[label].item(),
        "wrong": wrong[label].item(),
        "label_wrong": model.labels[int(wrong.argmax())],
        "why": WHY["bidirectional"],
    }


def encode_with_find_bug(name: str) -> torch.Tensor:
    """A name one-hot encoded as the old tutorial did, with KNOWN.find(ch): (T, V) float32."""
    check_name(name)  # refuse what we would refuse; the bug is in the encoding, not the checks
    # Lower-cased after NFKC only: no transliteration, so 'ł', 'é' and '4' are unknown to this encoder.
    raw = " ".join(unicodedata.normalize("NFKC", str(name)).lower().split())
    tensor = torch.zeros(len(raw), len(KNOWN))  # (T, V-1): the tutorial's alphabet
    for t, ch in enumerate(raw):
        tensor[t][KNOWN.find(ch)] = 1  # find gives -1 for an unknown character: the LAST column, '.'
    return torch.nn.functional.pad(tensor, (0, 1))  # (T, V): the UNKNOWN column (our last) stays empty


def _decode(encoded: torch.Tensor) -> str:
    """(T, V) one-hot -> the string of the symbols it marks."""
    return "".join(ALPHABET[i] for i in encoded.argmax(dim=1).tolist())


@torch.no_grad()
def unknown_character_effect(model: NameClassifier, name: str) -> dict:
    """Top label and probability for a name encoded our way and the tutorial's buggy way."""
    model.eval()
    clean = check_name(name)
    buggy = encode_with_find_bug(name)  # (T, V)
    device = next(model.parameters()).device
    ours_p = model(*model_batch(model, [clean])).softmax(dim=1)[0]  # (C,)
    buggy_p = model(buggy[None].to(device), torch.tensor([len(buggy)])).softmax(dim=1)[0]  # (C,)
    return {
        "encoded_ours": clean,
        "encoded_buggy": _decode(buggy),
        "label_ours": model.labels[int(ours_p.argmax())],
        "probability_ours": ours_p.max().item(),
        "label_buggy": model.labels[int(buggy_p.argmax())],
        "probability_buggy": buggy_p.max().item(),
        "why": WHY["unknown"],
        "note": FIND_BUG_NOTE,
    }
