"""Training measurements: throughput batched and one name at a time, time to accuracy, the
generator's overhead, how near the arithmetic limit a step runs (roofline), inference, memory."""

from __future__ import annotations

import gc
import itertools
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from typing import Callable

import torch
from torch import nn

from rnn_demo.data import NamesDataset, make_loader, split_table
from rnn_demo.files import load_table
from rnn_demo.models import CELLS, ModelConfig, build_model
from rnn_demo.predict import predict
from rnn_demo.train import BatchEvent, EpochEvent, TrainConfig, train

from .plan import CPU, DEFAULT, ROOT, TARGET_ACCURACY, Plan, cpu_clock, percentile, timed_rate

# ---------------------------------------------------------------------------------------------
# Training throughput: batched (what train() does per step) against one name at a time


def batched_trainer(config: TrainConfig, labels: list[str]) -> Callable[[tuple], int]:
    """train()'s step without events, stop checks or validation: batch -> names used."""
    torch.manual_seed(config.seed)
    model = build_model(config.model_config(labels)).train()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, fused=True)

    def step(batch) -> int:
        padded, lengths, targets = batch  # (B, T, V), (B,), (B,)
        loss = criterion(model(padded, lengths), targets)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        return len(targets)

    return step


class OneNameRNN(nn.Module):
    """The tutorial's model, same size as ours: it reads one name (T, 1, V), never a batch.

    "manual" steps one cell per layer through the letters in Python, as the tutorial does;
    "stacked" and "bidirectional" hand the whole name to nn.RNN / nn.GRU / nn.LSTM.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        V, H, layers = len(config.alphabet), config.hidden_size, config.num_layers
        self.arch, self.lstm = config.arch, config.cell == "lstm"
        cell_class, layer_class = CELLS[config.cell]
        if self.arch == "manual":
            self.cells = nn.ModuleList(cell_class(V if i == 0 else H, H) for i in range(layers))
        else:
            self.rnn = layer_class(V, H, layers, bidirectional=self.arch == "bidirectional")
        self.fc = nn.Linear(2 * H if self.arch == "bidirectional" else H, len(config.labels))

    def forward(self, letters: torch.Tensor) -> torch.Tensor:  # (T, 1, V) -> (1, C)
        if self.arch == "manual":
            states = [None] * len(self.cells)
            for x in letters:  # (1, V): one letter
                for i, cell in enumerate(self.cells):
                    states[i] = cell(x, states[i])
                    x = states[i][0] if self.lstm else states[i]  # (1, H)
            return self.fc(x)
        _, h_n = self.rnn(letters)  # (layers * directions, 1, H)
        h_n = h_n[0] if self.lstm else h_n
        last = torch.cat([h_n[-2], h_n[-1]], dim=1) if self.arch == "bidirectional" else h_n[-1]
        return self.fc(last)


def one_name_trainer(config: TrainConfig, labels: list[str]) -> Callable[[tuple], int]:
    """The tutorial's training step: one name, backward, and a plain SGD update, every name."""
    torch.manual_seed(config.seed)
    model = OneNameRNN(config.model_config(labels)).train()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.005)  # the tutorial's p -= lr * grad

    def step(item) -> int:
        letters, target = item  # (T, V) one-hot, label index
        loss = criterion(model(letters.unsqueeze(1)), torch.tensor([target]))  # (T, 1, V) -> (1, C)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return 1

    return step


def throughput(config: TrainConfig, train_set: NamesDataset, labels: list[str], plan: Plan,
               clock: Callable[[], float] = cpu_clock) -> dict:
    """Names/s batched and one at a time, taking turns; speedup is the median of the per-turn ratios."""
    batched, one = batched_trainer(config, labels), one_name_trainer(config, labels)

    def batches():  # the same bucketed batches every turn (same seed)
        return itertools.cycle(make_loader(train_set, config.batch_size, shuffle=True, seed=config.seed))

    def names():  # the same names in the same order every turn
        return (train_set[i] for i in itertools.cycle(range(len(train_set))))

    timed_rate(batched, batches(), 0.05)  # warm up: first calls allocate
    timed_rate(one, names(), 0.05)
    fast, slow = [], []
    for _ in range(plan.repeats):
        fast.append(timed_rate(batched, batches(), plan.seconds_per_timing, clock))
        slow.append(timed_rate(one, names(), plan.seconds_per_timing, clock))
    return {
        "train_names_per_s": statistics.median(fast),
        "one_at_a_time_names_per_s": statistics.median(slow),
        "speedup": statistics.median(f / s for f, s in zip(fast, slow)),
    }


# ---------------------------------------------------------------------------------------------
# Time to accuracy and generator overhead


def time_to_accuracy(table, config: TrainConfig, budget_s: float) -> dict:
    """CPU seconds (and wall-clock seconds) from calling train() to the first EpochEvent with
    val_accuracy >= the target.

    Validation runs once per epoch, so the crossing is seen only at an epoch's end: the figure
    is an upper bound, at most one epoch late.
    """
    start, wall = cpu_clock(), time.perf_counter()
    best = 0.0
    events = train(table, replace(config, epochs=200, max_seconds=budget_s), device=CPU)
    for event in events:
        if isinstance(event, EpochEvent):
            best = max(best, event.val_accuracy)
            if event.val_accuracy >= TARGET_ACCURACY:
                seconds, wall = cpu_clock() - start, time.perf_counter() - wall
                events.close()
                return {"seconds": seconds, "wall_s": wall, "epoch": event.epoch, "accuracy": best}
    return {"seconds": None, "wall_s": None, "epoch": None, "accuracy": best}


def stratified_sample(table, fraction: float, seed: int = 0):
    if fraction >= 1:
        return table
    return table.groupby("label", group_keys=False).sample(frac=fraction, random_state=seed)


def bare_loop(table, config: TrainConfig) -> None:
    """What train() does minus events, stop checks and validation: same split, batches, model."""
    clean, report = load_table(table)
    train_rows, _ = split_table(clean, config.val_fraction, config.seed)
    loader = make_loader(NamesDataset(train_rows, report.labels), config.batch_size, shuffle=True, seed=config.seed)
    step = batched_trainer(config, report.labels)
    for _ in range(config.epochs):
        for batch in loader:
            step(batch)


def timed_train(table, config: TrainConfig) -> tuple[float, float]:
    """CPU seconds of a whole train() run, and of the part spent validating: from an epoch's last
    BatchEvent to its EpochEvent (and from the last epoch to the DoneEvent)."""
    gc.collect()
    start = last = cpu_clock()
    validating = 0.0
    for event in train(table, config, device=CPU):
        now = cpu_clock()
        if not isinstance(event, BatchEvent):
            validating += now - last
        last = now
    return cpu_clock() - start, validating


def timed_bare_loop(table, config: TrainConfig) -> float:
    gc.collect()
    start = cpu_clock()
    bare_loop(table, config)
    return cpu_clock() - start


def generator_overhead(table, plan: Plan) -> dict:
    """train() against bare_loop on the same batches, taking turns."""
    config = replace(DEFAULT, epochs=plan.overhead_epochs)
    sample = stratified_sample(table, plan.overhead_fraction) if len(table) * plan.overhead_fraction > 2000 else table
    warm_up = replace(config, epochs=1)
    timed_bare_loop(stratified_sample(table, 0.03), warm_up)  # the first run of each pays one-off costs
    timed_train(stratified_sample(table, 0.03), warm_up)
    bare, generator = [], []
    for turn in range(plan.overhead_repeats):
        if turn % 2:  # alternate which goes first
            generator.append(timed_train(sample, config))
        bare.append(timed_bare_loop(sample, config))
        if not turn % 2:
            generator.append(timed_train(sample, config))
    # The fastest of each: other programs can only add to a run's time, and the difference of two
    # medians would carry the noise of both.
    generator_s, validating_s = min(generator)
    return {
        "overhead_pct": 100 * (generator_s / min(bare) - 1),
        "validation_pct": 100 * validating_s / (generator_s - validating_s),  # measured inside one run
        "bare_s": min(bare),
        "generator_s": generator_s,
        "names": len(sample),
        "epochs": config.epochs,
    }


# ---------------------------------------------------------------------------------------------
# Inference and memory


def inference(table, labels: list[str], plan: Plan) -> dict:
    """One name at a time in-process, and 10,000 names in batches, through predict()."""
    torch.manual_seed(0)
    model = build_model(DEFAULT.model_config(labels)).eval()  # the default model; weights do not matter
    predict(model, ["Nakamura"])  # warm up
    latencies = []
    for _ in range(plan.latency_calls):
        start = cpu_clock()
        predict(model, ["Nakamura"])
        latencies.append(cpu_clock() - start)
    names = list(itertools.islice(itertools.cycle(table["name"].tolist()), 10_000))
    rates = []
    for _ in range(plan.repeats):
        start = cpu_clock()
        predict(model, names)
        rates.append(len(names) / (cpu_clock() - start))
    return {
        "latency_ms": 1e3 * statistics.median(latencies),
        "latency_p95_ms": 1e3 * percentile(latencies, 0.95),
        "names_per_s": statistics.median(rates),
    }


TRAIN_FOR_RSS = """
import resource, sys, torch
from rnn_demo.train import TrainConfig, run_to_end, train
torch.set_num_threads(1)
run_to_end(train(sys.argv[1], TrainConfig(max_seconds=float(sys.argv[2])), device=torch.device("cpu")))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
"""


def training_peak_rss_mb(data: str, seconds: float) -> float:
    """Peak resident memory of a fresh process that imports torch and trains the default model."""
    run = subprocess.run([sys.executable, "-c", TRAIN_FOR_RSS, data, str(seconds)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "training failed")
    return int(run.stdout.split()[-1]) / 1024




# ---------------------------------------------------------------------------------------------
# Roofline: how near a batched training step runs to the arithmetic limit of this core

GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # weight blocks per cell: each a (in + H) x H product a step


def flop_per_name(config: TrainConfig, mean_length: float, n_classes: int, V: int) -> float:
    """Multiply-adds x 2 of one name's forward and backward pass (backward ~ 2x forward)."""
    H, gates = config.hidden_size, GATES[config.cell]
    directions = 2 if config.arch == "bidirectional" else 1
    per_step = sum(2 * gates * H * ((V if layer == 0 else H * directions) + H) * directions
                   for layer in range(config.num_layers))
    forward = mean_length * per_step + 2 * H * directions * n_classes
    return 3 * forward


def matmul_flops(config: TrainConfig, plan: Plan) -> float:
    """FLOP/s of the step's own matrix product, (B, 2H) x (2H, gates*H), on this core."""
    H, B = config.hidden_size, config.batch_size
    a, w = torch.randn(B, 2 * H), torch.randn(2 * H, GATES[config.cell] * H)
    torch.mm(a, w)  # warm up
    calls, start = 0, cpu_clock()
    while cpu_clock() - start < plan.seconds_per_timing:
        torch.mm(a, w)
        calls += 1
    return calls * 2 * B * 2 * H * GATES[config.cell] * H / (cpu_clock() - start)


def roofline(config: TrainConfig, train_set: NamesDataset, n_classes: int, names_per_s: float,
             plan: Plan) -> dict:
    """Achieved FLOP/s of batched training against a matrix multiply of the same shapes."""
    mean_length = sum(len(name) for name in train_set.names) / len(train_set)
    achieved = names_per_s * flop_per_name(config, mean_length, n_classes, train_set[0][0].shape[1])
    limit = matmul_flops(config, plan)
    return {"achieved_gflops": achieved / 1e9, "matmul_gflops": limit / 1e9, "fraction": achieved / limit}
