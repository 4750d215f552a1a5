"""A prototype for the roofline: the stacked GRU written out over a packed batch, with the first
layer's input projection as a row lookup (a one-hot letter times W_ih is one row of W_ih^T).

It is measured against the app's StackedRNN on the same batches, and written out twice to tell
two changes apart: the same loop with the one-hot product (what a hand-written loop alone buys),
and with the lookup (what the lookup buys on top). Same weights, same logits: see
tests/test_bench.py. Not used by the app; rnn_demo/models.py stays as it is.

Shapes: B batch, T letters, V alphabet, N letters in a packed batch, H hidden, C classes.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

from rnn_demo.data import NamesDataset
from rnn_demo.models import StackedRNN, build_model
from rnn_demo.train import TrainConfig

from .plan import Plan
from .roofline import Limit, first_batches, roofline_of, take_turns, training_rate


def gru_over_packed(gi: torch.Tensor, batch_sizes: list[int], w_hh: torch.Tensor, b_hh: torch.Tensor) -> torch.Tensor:
    """One GRU layer over a packed batch, given the input projections gi (N, 3H) of all its letters
    (time-major, longest names first, as pack_padded_sequence lays them out); outputs (N, H)."""
    h = gi.new_zeros(batch_sizes[0], w_hh.shape[1])  # (B, H)
    outputs = []
    for gi_t, b in zip(gi.split(batch_sizes), batch_sizes):  # (b, 3H): letter t of the b names still reading
        h = h[:b]  # the names are sorted longest first: the first b still have a letter t
        gh = torch.addmm(b_hh, h, w_hh.t())  # (b, 3H)
        i_r, i_z, i_n = gi_t.chunk(3, 1)
        h_r, h_z, h_n = gh.chunk(3, 1)
        r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)  # reset and update gates
        n = torch.tanh(i_n + r * h_n)
        h = n + z * (h - n)  # (1 - z) n + z h, as nn.GRU
        outputs.append(h)
    # One cat: its backward hands each step its slice; nn.GRU's per-step narrow of gi instead
    # fills a zero (N, 3H) gradient at every step.
    return torch.cat(outputs)


def layer_weights(rnn: nn.GRU, layer: int) -> list[torch.Tensor]:
    """[W_ih, W_hh, b_ih, b_hh] of one layer of an nn.GRU."""
    return [getattr(rnn, f"{name}_l{layer}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def last_letters(packed: PackedSequence, lengths: torch.Tensor) -> torch.Tensor:
    """(B,) where each name's last letter sits in a packed batch's data, names in sorted order: letter
    t of sorted name j is at offset[t] + j."""
    offsets = torch.tensor([0] + packed.batch_sizes.tolist()[:-1]).cumsum(0)
    return offsets[lengths[packed.sorted_indices] - 1] + torch.arange(len(lengths))


class PackedGRU(nn.Module):
    """StackedRNN (cell "gru", dropout 0) written out; input_lookup reads rows of W_ih^T."""

    def __init__(self, model: StackedRNN, input_lookup: bool):
        super().__init__()
        self.rnn, self.fc, self.input_lookup = model.rnn, model.fc, input_lookup  # the same parameters

    def forward(self, padded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        rnn = self.rnn
        letters = padded.argmax(-1) if self.input_lookup else padded  # (B, T) indices or (B, T, V)
        packed = pack_padded_sequence(letters, lengths.cpu(), batch_first=True, enforce_sorted=False)
        batch_sizes = packed.batch_sizes.tolist()
        x = packed.data  # (N,) or (N, V)
        for layer in range(rnn.num_layers):
            w_ih, w_hh, b_ih, b_hh = layer_weights(rnn, layer)
            if layer == 0 and self.input_lookup:
                gi = nn.functional.embedding(x, w_ih.t()) + b_ih  # (N, 3H): one row per letter
            else:
                gi = torch.addmm(b_ih, x, w_ih.t())  # (N, 3H): all letters in one product
            x = gru_over_packed(gi, batch_sizes, w_hh, b_hh)  # (N, H)
        last = x[last_letters(packed, lengths)]  # (B, H): each name's last state, sorted order
        return self.fc(last[packed.unsorted_indices])  # (B, C) in the batch's order


# ---------------------------------------------------------------------------------------------
# What each change buys


@dataclass
class LookupPrototype:
    """Training names/s of the stacked GRU three ways, taking turns on the same batches, and each
    one's roofline fraction (against the products it does: the lookup does no (N, V) x (V, 3H))."""

    model_names_per_s: float  # the app's StackedRNN: nn.GRU over a packed batch
    loop_names_per_s: float  # the same model written out (gru_over_packed), one-hot product
    lookup_names_per_s: float  # ... and the first layer's input projection as a row lookup
    model_fraction: float
    loop_fraction: float
    lookup_fraction: float


def measure_prototype(config: TrainConfig, train_set: NamesDataset, labels: list[str], plan: Plan) -> LookupPrototype:
    """Names/s of the three and the limits of their products, all taking turns; medians."""
    def model() -> StackedRNN:
        torch.manual_seed(config.seed)
        return build_model(config.model_config(labels))

    batches, seconds = first_batches(config, train_set), plan.seconds_per_timing
    limit, lookup_limit = Limit(config, train_set, len(labels)), Limit(config, train_set, len(labels), True)
    timers = [training_rate(config, labels, batches, seconds, m)
              for m in (model(), PackedGRU(model(), False), PackedGRU(model(), True))]
    timers += [lambda: limit.rate(seconds), lambda: lookup_limit.rate(seconds)]
    # Five turns at least: three differences of a few percent need more than --quick's three.
    model_rate, loop_rate, lookup_rate, flops, lookup_flops = take_turns(timers, max(5, plan.repeats))
    return LookupPrototype(
        statistics.median(model_rate), statistics.median(loop_rate), statistics.median(lookup_rate),
        roofline_of(limit.flop_per_name, model_rate, flops).fraction,
        roofline_of(limit.flop_per_name, loop_rate, flops).fraction,
        roofline_of(lookup_limit.flop_per_name, lookup_rate, lookup_flops).fraction)
