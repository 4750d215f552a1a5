"""How near the arithmetic limit of this core a batched training step runs (the roofline).

The limit is the same matrix products that a step of nn.GRU / nn.RNN / nn.LSTM does over a packed
batch, in the same sizes, timed back to back with nothing else in between: per layer and
direction, the input projection of all letters at once, then at each time step t the hidden
product of the B_t names still reading (packing shrinks the batch as names end), and in backward
the same products transposed for the gradients of the inputs and of the weights. Achieved is the
FLOP of those products per name times the names/s that training reaches. Their ratio says how
much of a step is arithmetic: the rest is the per-step gate arithmetic, packing's bookkeeping and
the overhead of launching many small operations one letter after another.

Shapes: B batch, N letters in a packed batch (= sum of lengths), V alphabet, H hidden, G gates x H.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from rnn_demo.data import NamesDataset, make_loader
from rnn_demo.train import TrainConfig

from .plan import Plan, cpu_clock, timed_rate
from .training import batched_trainer

GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # weight blocks per cell
SAMPLE_BATCHES = 50  # real batches that training and the limit are timed on


@dataclass
class Roofline:
    """Achieved FLOP/s of batched training against the same matrix products alone."""

    flop_per_name: float  # of the step's matrix products, forward and backward
    achieved_gflops: float  # flop_per_name x names/s of batched training
    matmul_gflops: float  # the same products, timed alone on this core
    fraction: float  # achieved / matmul


def step_products(config: TrainConfig, lengths: list[int], V: int, C: int,
                  input_lookup: bool = False) -> list[tuple[int, int, int]]:
    """(m, k, n) of every matrix product (m, k) x (k, n) that one training step on a packed batch
    of names of these lengths does. input_lookup: the first layer reads rows instead of (N, V) x (V, G)."""
    H, G, B = config.hidden_size, GATES[config.cell] * config.hidden_size, len(lengths)
    directions = 2 if config.arch == "bidirectional" else 1
    N = sum(lengths)
    batch_sizes = [sum(length > t for length in lengths) for t in range(max(lengths))]  # B_t
    products = []
    for layer in range(config.num_layers):
        width = V if layer == 0 else H * directions  # the layer's input size
        for _ in range(directions):
            if not (layer == 0 and input_lookup):
                products.append((N, width, G))  # forward: input projection of all letters at once
                products.append((G, N, width))  # backward: gradient of W_ih
            if layer > 0:
                products.append((N, G, width))  # backward: gradient of the layer's input
            for b in batch_sizes:
                products += [(b, H, G), (b, G, H), (G, b, H)]  # forward h W_hh; backward dh, dW_hh
    feature = H * directions
    products += [(B, feature, C), (B, C, feature), (C, B, feature)]  # the final linear layer
    return products


def flop(products: list[tuple[int, int, int]]) -> int:
    return sum(2 * m * k * n for m, k, n in products)


def first_batches(config: TrainConfig, train_set: NamesDataset, count: int = SAMPLE_BATCHES) -> list:
    """The first real batches, as train() draws them: (padded (B, T, V), lengths (B,), targets (B,))."""
    loader = make_loader(train_set, config.batch_size, shuffle=True, seed=config.seed)
    return list(itertools.islice(loader, count))


class Limit:
    """The matrix products of one model's training steps on a table's first batches, made once."""

    def __init__(self, config: TrainConfig, train_set: NamesDataset, n_classes: int, input_lookup: bool = False):
        V = train_set[0][0].shape[1]
        lengths = [batch[1].tolist() for batch in first_batches(config, train_set)]
        self.products = [p for batch in lengths for p in step_products(config, batch, V, n_classes, input_lookup)]
        self.flop_per_name = flop(self.products) / sum(len(batch) for batch in lengths)
        shapes = {shape: (torch.randn(shape[0], shape[1]), torch.randn(shape[1], shape[2])) for shape in self.products}
        self._operands = [shapes[shape] for shape in self.products]  # one pair per shape: as in a step, warm in cache

    def rate(self, seconds: float) -> float:
        """FLOP/s of the products timed back to back, for at least `seconds` (CPU)."""
        for a, b in self._operands[:50]:  # warm up
            torch.mm(a, b)
        total, rounds, start = flop(self.products), 0, cpu_clock()
        while rounds == 0 or cpu_clock() - start < seconds:
            for a, b in self._operands:
                torch.mm(a, b)
            rounds += 1
        return rounds * total / (cpu_clock() - start)


def take_turns(rates: list[Callable[[], float]], repeats: int) -> list[list[float]]:
    """Call each rate in turn, `repeats` rounds: a busy spell of the machine hits all of them alike."""
    rows: list[list[float]] = [[] for _ in rates]
    for _ in range(repeats):
        for rate, row in zip(rates, rows):
            row.append(rate())
    return rows


def roofline_of(flop_per_name: float, names_per_s: list[float], limit_flops: list[float]) -> Roofline:
    """Medians of turns taken together; the fraction is the median of each turn's own ratio."""
    fractions = [n * flop_per_name / limit for n, limit in zip(names_per_s, limit_flops)]
    return Roofline(flop_per_name, statistics.median(names_per_s) * flop_per_name / 1e9,
                    statistics.median(limit_flops) / 1e9, statistics.median(fractions))


def training_rate(config: TrainConfig, labels: list[str], batches: list, seconds: float,
                  model: nn.Module | None = None) -> Callable[[], float]:
    """A timer of batched training names/s on these batches (warmed up once)."""
    step = batched_trainer(config, labels, model)
    timed_rate(step, itertools.cycle(batches), 0.05)  # warm up: first calls allocate
    return lambda: timed_rate(step, itertools.cycle(batches), seconds)


def measure_roofline(config: TrainConfig, train_set: NamesDataset, labels: list[str], plan: Plan) -> Roofline:
    """Batched training of the config's model and the same products alone, taking turns."""
    limit = Limit(config, train_set, len(labels))
    train = training_rate(config, labels, first_batches(config, train_set), plan.seconds_per_timing)
    names, flops = take_turns([train, lambda: limit.rate(plan.seconds_per_timing)], plan.repeats)
    return roofline_of(limit.flop_per_name, names, flops)
