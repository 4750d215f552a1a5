"""The best a step-by-step (eager) GRU could do here: the stacked GRU's training step with its
forward and backward written by hand, no autograd, the fewest operations per letter we found.

It does the same matrix products as the roofline's limit (benchmarks/roofline.py) plus only the
gate arithmetic a GRU cannot skip: 5 operations per letter and layer forward, about 15 backward,
each on a (b, H) or (b, 3H) block of the names still reading. Its fraction of the limit is what
any eager implementation of the model tops out at on this core, before autograd's bookkeeping,
packing's or the optimizer's. Not a model: tests/test_bench.py checks its gradients against
autograd's through nn.GRU.

Shapes: B batch, N letters in a packed batch (time-major, longest names first), V alphabet,
H hidden, C classes; b the names still reading at a letter.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass

import torch
from torch.nn.utils.rnn import pack_padded_sequence

from rnn_demo.data import NamesDataset
from rnn_demo.models import StackedRNN, build_model
from rnn_demo.train import TrainConfig

from .lookup import last_letters, layer_weights
from .plan import Plan, timed_rate
from .roofline import Limit, first_batches, roofline_of, take_turns, training_rate


def layer_forward(x: torch.Tensor, batch_sizes: list[int], w_ih, w_hh, b_ih, b_hh):
    """One GRU layer over a packed batch: x (N, In) -> outputs (N, H), and what backward needs."""
    H = w_hh.shape[1]
    gi = torch.addmm(b_ih, x, w_ih.t())  # (N, 3H): every letter's input projection at once
    out = x.new_empty(x.shape[0], H)
    h, saved, start = x.new_zeros(batch_sizes[0], H), [], 0
    for b in batch_sizes:
        h, g = h[:b], gi[start:start + b]  # the b names still reading (longest first)
        gh = torch.addmm(b_hh, h, w_hh.t())  # (b, 3H)
        rz = torch.sigmoid(g[:, :2 * H] + gh[:, :2 * H])  # reset | update gates
        n = torch.tanh(torch.addcmul(g[:, 2 * H:], rz[:, :H], gh[:, 2 * H:]))
        h_new = out[start:start + b]
        torch.lerp(n, h, rz[:, H:], out=h_new)  # n + z (h - n), as nn.GRU
        saved.append((start, h, rz, n, gh[:, 2 * H:]))
        h, start = h_new, start + b
    return out, saved


def layer_backward(x: torch.Tensor, d_out: torch.Tensor, saved, w_ih, w_hh, grads: list, need_dx: bool):
    """Gradients of one layer from those of its outputs d_out (N, H): adds to grads
    [w_ih, w_hh, b_ih, b_hh] and returns the gradient of its input x, or None."""
    H = w_hh.shape[1]
    d_gi = x.new_empty(x.shape[0], 3 * H)  # (N, 3H), each letter's slice written once
    dh = x.new_zeros(saved[0][1].shape[0], H)  # (B, H): from the next letter back to this one
    for start, h, rz, n, gh_n in reversed(saved):
        b = h.shape[0]
        r, z = rz[:, :H], rz[:, H:]
        d = dh[:b] + d_out[start:start + b]  # (b, H)
        d_n = torch.ops.aten.tanh_backward(d - d * z, n)  # through h = n + z (h - n), then tanh
        d_rz = torch.ops.aten.sigmoid_backward(torch.cat([d_n * gh_n, d * (h - n)], 1), rz)
        d_g = d_gi[start:start + b]
        torch.cat([d_rz, d_n], 1, out=d_g)  # gradient of the input projection
        d_gh = torch.cat([d_rz, d_n * r], 1)  # (b, 3H): gradient of h W_hh^T + b_hh
        grads[1].addmm_(d_gh.t(), h)
        grads[3].add_(d_gh.sum(0))
        dh[:b] = torch.addmm(d * z, d_gh, w_hh)
    grads[0].addmm_(d_gi.t(), x)
    grads[2].add_(d_gi.sum(0))
    return d_gi @ w_ih if need_dx else None


def packed_batch(padded: torch.Tensor, lengths: torch.Tensor, targets: torch.Tensor):
    """(letters (N, V), batch_sizes, where each name's last letter sits in them, targets in packed order)."""
    packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    return (packed.data, packed.batch_sizes.tolist(), last_letters(packed, lengths),
            targets[packed.sorted_indices])


def gradients(model: StackedRNN, batch) -> list[list[torch.Tensor]]:
    """One training step's gradients by hand (cross-entropy, mean over the batch):
    per layer [w_ih, w_hh, b_ih, b_hh], then [fc weight, fc bias]."""
    x, sizes, last, targets = batch
    layers = model.rnn.num_layers
    weights = [[w.detach() for w in layer_weights(model.rnn, layer)] for layer in range(layers)]
    inputs, saves = [x], []
    for layer in range(layers):
        out, saved = layer_forward(inputs[-1], sizes, *weights[layer])
        inputs.append(out)
        saves.append(saved)
    w_fc, b_fc = model.fc.weight.detach(), model.fc.bias.detach()
    features = inputs[-1][last]  # (B, H): each name's last state
    d_logits = torch.softmax(torch.addmm(b_fc, features, w_fc.t()), 1)  # (B, C)
    d_logits[torch.arange(len(targets)), targets] -= 1
    d_logits /= len(targets)
    d_out = torch.zeros_like(inputs[-1])
    d_out[last] = d_logits @ w_fc  # (B, H) into the letters the classifier read
    grads = [[torch.zeros_like(w) for w in layer] for layer in weights]
    for layer in reversed(range(layers)):
        w_ih, w_hh = weights[layer][:2]
        d_out = layer_backward(inputs[layer], d_out, saves[layer], w_ih, w_hh, grads[layer], layer > 0)
    return grads + [[d_logits.t() @ features, d_logits.sum(0)]]


@dataclass
class EagerFloor:
    """Names/s and fraction of the limit: the hand-written step against the app's model, taking turns."""

    model_names_per_s: float
    floor_names_per_s: float
    model_fraction: float
    floor_fraction: float


def measure_eager_floor(config: TrainConfig, train_set: NamesDataset, labels: list[str], plan: Plan) -> EagerFloor:
    """The hand-written step (its weights never change: its speed does not depend on them) and
    train()'s step on the config's model, on the same batches, each turn against the limit."""
    torch.manual_seed(config.seed)
    model = build_model(config.model_config(labels))
    batches, seconds = first_batches(config, train_set), plan.seconds_per_timing
    limit, packed = Limit(config, train_set, len(labels)), [packed_batch(*batch) for batch in batches]

    def step(batch) -> int:
        gradients(model, batch)
        return len(batch[3])

    def floor() -> float:
        return timed_rate(step, itertools.cycle(packed), seconds)

    floor()  # warm up
    model_rate, floor_rate, flops = take_turns([training_rate(config, labels, batches, seconds), floor,
                                                lambda: limit.rate(seconds)], max(5, plan.repeats))
    return EagerFloor(statistics.median(model_rate), statistics.median(floor_rate),
                      roofline_of(limit.flop_per_name, model_rate, flops).fraction,
                      roofline_of(limit.flop_per_name, floor_rate, flops).fraction)
