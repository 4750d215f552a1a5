"""Training measurements: throughput batched and one name at a time, time to accuracy, the
generator's overhead, inference, memory."""

from __future__ import annotations

import gc
import itertools
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
from torch import nn

from rnn_demo.data import NamesDataset, make_loader, split_table
from rnn_demo.files import load_table
from rnn_demo.models import CELLS, ModelConfig, build_model
from rnn_demo.predict import predict
from rnn_demo.train import BatchEvent, EpochEvent, TrainConfig, train

from .common import ROOT, percentile
from .plan import CPU, DEFAULT, TARGET_ACCURACY, Plan, cpu_clock, timed_rate

# ---------------------------------------------------------------------------------------------
# Training throughput: batched (what train() does per step) against one name at a time


def batched_trainer(config: TrainConfig, labels: list[str], model: nn.Module | None = None) -> Callable[[tuple], int]:
    """train()'s step without events, stop checks or validation: batch -> names used. On the
    config's model, freshly built, unless another is given."""
    torch.manual_seed(config.seed)
    model = (model or build_model(config.model_config(labels))).train()
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


@dataclass
class Throughput:
    """Training names/s of one configuration, batched and the tutorial's way."""

    train_names_per_s: float  # batched, as train() does
    one_at_a_time_names_per_s: float  # one name, backward and SGD step every name
    speedup: float  # median of the per-turn ratios: information, not a target


def throughput(config: TrainConfig, train_set: NamesDataset, labels: list[str], plan: Plan,
               clock: Callable[[], float] = cpu_clock) -> Throughput:
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
    return Throughput(statistics.median(fast), statistics.median(slow),
                      statistics.median(f / s for f, s in zip(fast, slow)))


# ---------------------------------------------------------------------------------------------
# Time to accuracy and generator overhead


@dataclass
class TimeToAccuracy:
    """When validation accuracy first reached the target (None: not within the budget)."""

    seconds: float | None  # CPU seconds of this process from calling train()
    wall_s: float | None
    epoch: int | None
    accuracy: float  # the best validation accuracy seen


def time_to_accuracy(table, config: TrainConfig, budget_s: float) -> TimeToAccuracy:
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
                return TimeToAccuracy(seconds, wall, event.epoch, best)
    return TimeToAccuracy(None, None, None, best)


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


@dataclass
class Overhead:
    """train() (events, stop checks, validation) against a bare loop on the same batches."""

    overhead_pct: float  # train() in all (validation included), over the bare loop
    validation_pct: float  # validating, on top of training (measured inside one run)
    bare_s: float
    generator_s: float
    names: int
    epochs: int


def generator_overhead(table, plan: Plan) -> Overhead:
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
    return Overhead(100 * (generator_s / min(bare) - 1), 100 * validating_s / (generator_s - validating_s),
                    min(bare), generator_s, len(sample), config.epochs)


# ---------------------------------------------------------------------------------------------
# Inference and memory


@dataclass
class Inference:
    latency_ms: float  # predict() of one name, median
    latency_p95_ms: float
    names_per_s: float  # 10,000 names in batches


def inference(table, labels: list[str], plan: Plan) -> Inference:
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
    return Inference(1e3 * statistics.median(latencies), 1e3 * percentile(latencies, 0.95), statistics.median(rates))


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
