"""Three ways to read a name with a recurrent network; one interface for all.

Shapes: B batch, T time (letters), V alphabet, H hidden size, C classes (labels).

    forward(padded (B, T, V), lengths (B,)) -> logits (B, C)
    hidden_states(padded, lengths) -> (B, T, H) per-letter states of the top layer
                                      ((B, T, 2H) for the bidirectional model: forward | backward)

- ManualRNN:        an explicit loop over letters with nn.RNNCell (or GRUCell / LSTMCell).
- StackedRNN:       nn.RNN with num_layers layers, fed a packed sequence.
- BidirectionalRNN: nn.RNN(bidirectional=True), fed a packed sequence.

Options every architecture shares (Architecture; a sentence on each in settings.py): an embedding in place
of the one-hot input, max-pooling over all states beside the final state, dropout before the
final linear layer. They change what the network reads and what the classifier sees, not how the
recurrence runs (packing stays).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from . import settings
from .data import ALPHABET

ARCHITECTURES = settings.BY_FIELD["arch"].choices  # manual | stacked | bidirectional
CELLS = {  # name -> (one-step cell, whole-sequence layer)
    "rnn": (nn.RNNCell, nn.RNN),
    "gru": (nn.GRUCell, nn.GRU),
    "lstm": (nn.LSTMCell, nn.LSTM),
}
assert tuple(CELLS) == settings.BY_FIELD["cell"].choices


@dataclass
@settings.declared(model=True)
class Architecture:
    """What the network is, whatever it learns: its fields are the settings marked `model` in
    settings.py (arch, cell, hidden_size, num_layers, dropout, embedding, pooling, feature_dropout,
    input_dropout). TrainConfig (how to train it) and ModelConfig (it with its labels, saved in every
    checkpoint) both build on it."""

    def __post_init__(self):
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> list[str]:
        """What is wrong with the settings, one phrase each (empty: all fine)."""
        return settings.problems(self, model=True)


@dataclass(kw_only=True)
class ModelConfig(Architecture):
    """Everything needed to rebuild a model: its architecture and its labels; saved in every checkpoint."""

    labels: list[str]  # class names, in the order of the logits
    alphabet: str = ALPHABET  # letter i of a name is one-hot at position alphabet.index(letter)

    def problems(self) -> list[str]:
        problems = super().problems()
        if len(self.labels) < 2 or len(set(self.labels)) != len(self.labels):
            problems.append("a model needs at least 2 distinct labels")
        return problems

    def to_dict(self) -> dict:
        return asdict(self)


class NameClassifier(nn.Module):
    """Base class: holds the config, the optional letter embedding and the final linear layer
    from features to logits."""

    def __init__(self, config: ModelConfig, feature_size: int):
        super().__init__()
        self.config = config
        # What its training recorded: validation figures, the split, the settings, the table's hash
        # (saved in the checkpoint header under "metrics", its name in files written before).
        self.record: dict = {}
        V = len(config.alphabet)
        # One-hot (B, T, V) @ W (V, E) picks row W[letter] for each letter: an embedding lookup.
        # No bias, so padding (all-zero rows) stays zero.
        self.embed = nn.Linear(V, config.embedding, bias=False) if config.embedding else None
        pooled = 2 if config.pooling == "last+max" else 1
        self.feature_dropout = nn.Dropout(config.feature_dropout)
        self.input_dropout = nn.Dropout(config.input_dropout)
        self.fc = nn.Linear(pooled * feature_size, len(config.labels))

    @property
    def input_size(self) -> int:
        """What the first recurrent layer reads per letter: E with an embedding, else V."""
        return self.config.embedding or len(self.config.alphabet)

    def inputs(self, padded: torch.Tensor) -> torch.Tensor:
        """(B, T, V) one-hot letters -> (B, T, E) embedded letters (unchanged without embedding),
        with input dropout in training."""
        return self.input_dropout(padded if self.embed is None else self.embed(padded))

    def to_logits(self, last: torch.Tensor, states: torch.Tensor | None, lengths: torch.Tensor) -> torch.Tensor:
        """Features -> logits (B, C). last (B, F): the state after the whole name; states (B, T, F):
        every letter's state, needed only for pooling 'last+max'."""
        if self.config.pooling == "last+max":
            real = torch.arange(states.shape[1], device=states.device) < lengths.to(states.device)[:, None]
            # Max over each name's own letters: padding is -inf, so it never wins.
            pooled = states.masked_fill(~real[:, :, None], float("-inf")).amax(dim=1)  # (B, F)
            last = torch.cat([last, pooled], dim=1)  # (B, 2F)
        return self.fc(self.feature_dropout(last))

    @property
    def labels(self) -> list[str]:
        return self.config.labels

    def _between_layers(self) -> float:
        return self.config.dropout if self.config.num_layers > 1 else 0.0


class ManualRNN(NameClassifier):
    """One cell per layer, stepped by hand over the letters."""

    def __init__(self, config: ModelConfig):
        super().__init__(config, config.hidden_size)
        cell_class = CELLS[config.cell][0]
        In, H = self.input_size, config.hidden_size  # In: what a letter is to the first layer (V, or E embedded)
        self.cells = nn.ModuleList(cell_class(In if i == 0 else H, H) for i in range(config.num_layers))
        self.dropout = nn.Dropout(self._between_layers())

    def hidden_states(self, padded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        padded = self.inputs(padded)  # (B, T, In): In is V, or E with an embedding
        B, T, _ = padded.shape
        H = self.config.hidden_size
        lstm = self.config.cell == "lstm"
        h = [padded.new_zeros(B, H) for _ in self.cells]  # one (B, H) state per layer
        c = [padded.new_zeros(B, H) for _ in self.cells]  # LSTM cell states (unused otherwise)
        alive = torch.arange(T, device=padded.device) < lengths.to(padded.device)[:, None]  # (B, T)
        states = []
        for t in range(T):
            x = padded[:, t]  # (B, In): letter t of every name (zeros once a name has ended)
            keep = alive[:, t:t + 1]  # (B, 1): True while name b still has letters
            for i, cell in enumerate(self.cells):
                if i > 0:
                    x = self.dropout(x)
                if lstm:
                    h_new, c_new = cell(x, (h[i], c[i]))
                    c[i] = torch.where(keep, c_new, c[i])
                else:
                    h_new = cell(x, h[i])
                # A finished name keeps its last real state: padding steps must not update it.
                h[i] = torch.where(keep, h_new, h[i])
                x = h[i]
            states.append(h[-1] * keep)  # zeros past the end, like pad_packed_sequence
        return torch.stack(states, dim=1)  # (B, T, H)

    def forward(self, padded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        states = self.hidden_states(padded, lengths)  # (B, T, H)
        last = states[torch.arange(len(lengths)), lengths - 1]  # (B, H) after each last letter
        return self.to_logits(last, states, lengths)


class StackedRNN(NameClassifier):
    """nn.RNN with num_layers layers over a packed batch."""

    def __init__(self, config: ModelConfig):
        super().__init__(config, config.hidden_size)
        layer_class = CELLS[config.cell][1]
        self.rnn = layer_class(self.input_size, config.hidden_size, config.num_layers,
                               batch_first=True, dropout=self._between_layers())

    def hidden_states(self, padded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        # Packing makes the RNN stop at each name's last letter instead of running on over
        # padding. enforce_sorted=False: PyTorch sorts by length and restores our order after.
        packed = pack_padded_sequence(self.inputs(padded), lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        states, _ = pad_packed_sequence(out, batch_first=True, total_length=padded.shape[1])
        return states  # (B, T, H), zeros after each name's end

    def forward(self, padded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        states = self.hidden_states(padded, lengths)  # (B, T, H)
        last = states[torch.arange(len(lengths)), lengths - 1]  # (B, H) after each last letter
        return self.to_logits(last, states, lengths)


class BidirectionalRNN(NameClassifier):
    """A forward and a backward nn.RNN over a packed batch; the classifier reads both ends."""

    def __init__(self, config: ModelConfig):
        super().__init__(config, 2 * config.hidden_size)
        layer_class = CELLS[config.cell][1]
        self.rnn = layer_class(self.input_size, config.hidden_size, config.num_layers,
                               batch_first=True, dropout=self._between_layers(), bidirectional=True)

    def _run(self, padded: torch.Tensor, lengths: torch.Tensor):
        packed = pack_padded_sequence(self.inputs(padded), lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h_n = self.rnn(packed)
        return out, (h_n[0] if self.config.cell == "lstm" else h_n)  # LSTM returns (h_n, c_n)

    def hidden_states(self, padded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        out, _ = self._run(padded, lengths)
        states, _ = pad_packed_sequence(out, batch_first=True, total_length=padded.shape[1])
        return states  # (B, T, 2H): [..., :H] read left to right, [..., H:] right to left

    def forward(self, padded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        out, h_n = self._run(padded, lengths)  # h_n (layers * 2, B, H), already in our batch order
        # Top layer: h_n[-2] is the forward direction after the last letter, h_n[-1] the backward
        # direction after the FIRST letter (it reads right to left). Not output[lengths-1][H:]:
        # at that step the backward direction has seen only the last letter.
        both = torch.cat([h_n[-2], h_n[-1]], dim=1)  # (B, 2H)
        states = None
        if self.config.pooling == "last+max":
            states, _ = pad_packed_sequence(out, batch_first=True)  # (B, T, 2H)
        return self.to_logits(both, states, lengths)


MODEL_CLASSES = {"manual": ManualRNN, "stacked": StackedRNN, "bidirectional": BidirectionalRNN}


def build_model(config: ModelConfig) -> NameClassifier:
    """A fresh, randomly initialised model for a config."""
    return MODEL_CLASSES[config.arch](config)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
