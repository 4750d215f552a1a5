"""How fast the demo trains and answers, all measured in one run on this machine.

    python -m rnn_demo.bench              # every architecture x cell; a few minutes on 2 cores
    python -m rnn_demo.bench --quick      # under a minute: fewer configurations, shorter timings
    python -m rnn_demo.bench --json       # ... and one JSON object with every figure as the last line
    python -m rnn_demo.bench --no-app     # skip starting app.py

What is measured (torch runs 1 thread, as in the app, unless a row says otherwise):
- training throughput (names/s) of each architecture x cell at the default settings, against the
  original tutorial's way to train: one name at a time, no batching, same model size
  (--quick: each architecture with the default cell, and each cell of the default architecture);
- seconds until validation accuracy first reaches 0.75 (stratified 85/15 split, seed 0), for each
  architecture and the stacked rnn (--quick: the default model only);
- the overhead of the train() generator (events, stop checks, validation) over a bare loop;
- inference: one name in-process, 10,000 names in batches, and /classify through the running app;
- the app: seconds from process start to the first answer, peak memory while it trains.

In-process timings count the CPU seconds of this process: with torch on 1 thread that is the
wall-clock time of an idle machine, and programs running alongside hardly move it. The app and
the 2-thread row are timed by the wall clock. Each figure is a median of repeats (the overhead:
the fastest run of each kind), and the two loops of a ratio take turns. The targets printed
beside the figures are goals, not tests.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

import torch
from torch import nn

from .data import NamesDataset, make_loader, split_table
from .files import load_table
from .models import ARCHITECTURES, CELLS, ModelConfig, build_model
from .predict import predict
from .train import BatchEvent, EpochEvent, TrainConfig, train

ROOT = Path(__file__).resolve().parent.parent
CLASSIC_NAMES = ROOT.parent / "shared" / "data" / "names"
CPU = torch.device("cpu")
TARGET_ACCURACY = 0.75
DEFAULT = TrainConfig()  # the app's default settings: every configuration below varies arch and cell only
# The plain rnn cell at the default 3e-3 learning rate keeps overshooting (~47 s to 0.75 on the classic
# set); at 1e-3 it is steady. Timed with that one change.
PLAIN_RNN = ("stacked", "rnn", 1e-3)


@dataclass
class Plan:
    """How long each measurement runs: --quick trades configurations and repeats for time."""

    configs: list[tuple[str, str]]  # (arch, cell) rows of the throughput table
    seconds_per_timing: float  # each timed loop runs at least this long
    repeats: int  # timings per figure; the median is reported
    accuracy_configs: list[tuple[str, str, float]]  # (arch, cell, learning rate)
    accuracy_budget_s: float  # give up on reaching the target accuracy after this long
    overhead_fraction: float  # share of the table (stratified) for the overhead runs
    overhead_epochs: int
    overhead_repeats: int
    latency_calls: int
    http_calls: int
    rss_train_seconds: float  # a fresh process trains this long
    app_train_seconds: float  # the app trains this long before Stop (full: to the end)


def make_plan(quick: bool) -> Plan:
    default = (DEFAULT.arch, DEFAULT.cell)
    if quick:  # each architecture with the default cell, each cell with the default architecture
        configs = [(arch, DEFAULT.cell) for arch in ARCHITECTURES]
        configs += [(DEFAULT.arch, cell) for cell in CELLS if cell != DEFAULT.cell]
        return Plan(configs, seconds_per_timing=0.3, repeats=3, accuracy_configs=[(*default, DEFAULT.learning_rate),
                                                                                   PLAIN_RNN], accuracy_budget_s=30,
                    overhead_fraction=0.3, overhead_epochs=1, overhead_repeats=3, latency_calls=100,
                    http_calls=100, rss_train_seconds=1.5, app_train_seconds=3)
    configs = [(arch, cell) for arch in ARCHITECTURES for cell in CELLS]
    accuracy = [(arch, DEFAULT.cell, DEFAULT.learning_rate) for arch in ARCHITECTURES] + [PLAIN_RNN]
    return Plan(configs, seconds_per_timing=1.0, repeats=5, accuracy_configs=accuracy, accuracy_budget_s=90,
                overhead_fraction=1.0, overhead_epochs=2, overhead_repeats=3, latency_calls=500,
                http_calls=200, rss_train_seconds=4.0, app_train_seconds=300)


# ---------------------------------------------------------------------------------------------
# Timing helpers


def cpu_clock() -> float:
    """CPU seconds used by this process. With torch on 1 thread this is the time an idle machine
    would show, and other programs running alongside do not inflate it (wall-clock time on a
    shared 2-core machine swings by 2x and more). Timings across processes, and with 2 threads,
    use wall-clock time (time.perf_counter)."""
    return time.process_time()


def timed_rate(step: Callable[[object], int], items: Iterable, min_seconds: float,
               clock: Callable[[], float] = cpu_clock) -> float:
    """Names per second: feed items to step (which returns how many names it used) for at least
    min_seconds, at least one item."""
    names, start = 0, clock()
    for item in items:
        names += step(item)
        if clock() - start >= min_seconds:
            break
    return names / (clock() - start)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


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
# The app over HTTP


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss_while(pid: int, busy: Callable[[], bool]) -> float:
    """Sample a process's resident memory every 20 ms while busy() holds; peak in MB."""
    import psutil

    process, peak = psutil.Process(pid), 0
    while busy():
        peak = max(peak, process.memory_info().rss)
        time.sleep(0.02)
    return peak / 2**20


def app_figures(plan: Plan) -> dict:
    """Start app.py, time its first /classify answer, then 200 more (client and raw HTTP), then
    watch its memory while it trains the default table with the default settings."""
    import httpx
    import psutil
    from gradio_client import Client

    app = ROOT / "app.py"
    if not app.is_file():
        raise RuntimeError(f"no {app.name}")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port),
               GRADIO_ANALYTICS_ENABLED="False")
    log = tempfile.TemporaryFile("w+")  # a file, not a pipe: a full pipe would stall the app
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(app)], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        while True:  # until the first answer: import, build the Blocks, launch, answer
            if process.poll() is not None:
                log.seek(0)
                last = (log.read().strip().splitlines() or ["no output"])[-1]
                raise RuntimeError(f"app.py exited with status {process.returncode}: {last}")
            if time.perf_counter() - start > 120:
                raise RuntimeError("app.py did not answer within 120 s")
            try:
                client = Client(url, verbose=False)
                client.predict("Nakamura", api_name="/classify")
                break
            except Exception:  # not listening yet
                time.sleep(0.05)
        ready_s = time.perf_counter() - start
        used = psutil.Process(process.pid).cpu_times()
        ready_cpu_s = used.user + used.system  # the app's own CPU seconds: what an idle machine would take

        def client_call():
            client.predict("Nakamura", api_name="/classify")

        def http_call():  # Gradio's REST API: POST the input, then read the answer's event stream
            event = http.post(f"{url}gradio_api/call/classify", json={"data": ["Nakamura"]}).json()["event_id"]
            answer = http.get(f"{url}gradio_api/call/classify/{event}").text
            if "event: complete" not in answer:
                raise RuntimeError(f"/classify answered {answer[-200:]!r}")

        with httpx.Client(timeout=30) as http:
            figures = {"ready_s": ready_s, "ready_cpu_s": ready_cpu_s}
            for name, call in (("client", client_call), ("http", http_call)):
                call()
                times = []
                for _ in range(plan.http_calls):
                    t = time.perf_counter()
                    call()
                    times.append(time.perf_counter() - t)
                figures[f"classify_{name}_ms"] = 1e3 * statistics.median(times)
                figures[f"classify_{name}_p95_ms"] = 1e3 * percentile(times, 0.95)

        figures["idle_rss_mb"] = psutil.Process(process.pid).memory_info().rss / 2**20
        # Train the default table with the default settings; --quick stops it after a few seconds
        # (memory peaks in the first epoch) through the app's own Stop.
        job, began = client.submit(api_name="/train"), time.perf_counter()

        def training() -> bool:
            return not job.done() and time.perf_counter() - began < plan.app_train_seconds

        figures["training_peak_rss_mb"] = _peak_rss_while(process.pid, training)
        if not job.done():
            client.predict(api_name="/stop")
        job.result(timeout=60)  # raises if training failed
        return figures
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# ---------------------------------------------------------------------------------------------
# Report


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def key(arch: str, cell: str, learning_rate: float = DEFAULT.learning_rate) -> str:
    return f"{arch}/{cell}" + ("" if learning_rate == DEFAULT.learning_rate else f" lr {learning_rate:g}")


def targets(result: dict) -> list[dict]:
    """(what, goal, figure, met) for every target the issue sets; missing figures are skipped."""
    default = key(DEFAULT.arch, DEFAULT.cell)
    rows = [
        ("batched training vs one name at a time", ">= 30x", result["speedup_vs_one_at_a_time"].get(default), 30, ">="),
        ("stacked reaches 0.75 val accuracy", "<= 10 s", result["time_to_accuracy_s"].get(default), 10, "<="),
        ("stacked, plain rnn cell, lr 1e-3, to 0.75", "<= 10 s", result["time_to_accuracy_s"].get(key(*PLAIN_RNN)),
         10, "<="),
        ("generator overhead", "<= 5 %", result["generator_overhead_pct"], 5, "<="),
        ("predict one name in-process", "<= 2 ms", result["predict_latency_ms"], 2, "<="),
    ]
    app = result.get("app") or {}
    rows += [
        ("classify over HTTP (gradio_client)", "<= 20 ms", app.get("classify_client_ms"), 20, "<="),
        ("classify over HTTP (REST)", "<= 20 ms", app.get("classify_http_ms"), 20, "<="),
        ("app ready", "<= 6 s", app.get("ready_s"), 6, "<="),
    ]
    memory = app.get("training_peak_rss_mb", result.get("train_peak_rss_mb"))
    rows.append(("peak memory while training" + (" (app)" if app else ""), "<= 700 MB", memory, 700, "<="))
    return [
        {"what": what, "goal": goal, "value": value,
         "met": None if value is None else (value >= limit if op == ">=" else value <= limit)}
        for what, goal, value, limit, op in rows
    ]


def _fmt(value, unit: str = "", digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def print_report(r: dict, plan: Plan) -> None:
    m = r["machine"]
    print(f"Machine: {m['cpu']}, {m['cores']} cores; torch {m['torch']} on {m['torch_threads']} thread(s) "
          f"(its default here: {m['torch_default_threads']}); python {m['python']}")
    print(f"  load average {m['load_average'][0]} at start; this run got {m['cpu_share']:.0%} of a core while "
          f"training on 1 thread (100% = nothing else running)")
    if m["cpu_share"] < 0.9:
        print("  The machine is busy: CPU-second figures hold, wall-clock figures (marked 'wall') are slowed.")
    print(f"Data: {r['data']}, {r['names']:,} names after cleaning; {'quick' if r['quick'] else 'full'} run, "
          f"medians of {plan.repeats}; timed in CPU seconds of this process unless marked 'wall'")
    print()
    print(f"Training throughput at the default settings (hidden {DEFAULT.hidden_size}, {DEFAULT.num_layers} layers, "
          f"batch {DEFAULT.batch_size}, Adam, clip {DEFAULT.clip:g})")
    print("  vs the tutorial's loop: same model size, one name at a time, backward and SGD step every name")
    print(f"  {'arch/cell':<20} {'threads':>7} {'batched names/s':>16} {'one at a time':>14} {'speedup':>8}")
    rows = [(k, "1", r["train_names_per_s"][k], r["one_at_a_time_names_per_s"][k], r["speedup_vs_one_at_a_time"][k])
            for k in r["train_names_per_s"]]
    two = r["threads"].get("2")
    if two:  # right below the 1-thread row of the default model
        at = 1 + [row[0] for row in rows].index(key(DEFAULT.arch, DEFAULT.cell))
        rows.insert(at, (key(DEFAULT.arch, DEFAULT.cell), "2 wall", two["train_names_per_s"],
                         two["one_at_a_time_names_per_s"], two["speedup"]))
    for k, threads, fast, slow, speedup in rows:
        print(f"  {k:<20} {threads:>7} {fast:>16,.0f} {slow:>14,.0f} {speedup:>7.1f}x")
    print()
    print(f"Time to {TARGET_ACCURACY} validation accuracy, default settings, 85/15 split seed 0 "
          f"(from calling train(); validation runs at epoch ends, so at most one epoch late)")
    for k, t in r["time_to_accuracy"].items():
        if t["seconds"] is None:
            print(f"  {k:<20} not reached in {plan.accuracy_budget_s:.0f} s wall (best {t['accuracy']:.3f})")
        else:
            print(f"  {k:<20} {t['seconds']:6.1f} s  ({t['wall_s']:.1f} s wall), at the end of epoch {t['epoch']}")
    o = r["overhead"]
    print()
    print(f"Generator overhead: {o['overhead_pct']:+.1f} %  (train() {o['generator_s']:.2f} s vs a bare loop on the "
          f"same batches {o['bare_s']:.2f} s; {o['names']:,} names, {o['epochs']} epoch(s), fastest of "
          f"{plan.overhead_repeats}); validating took {o['validation_pct']:.1f} % on top of training")
    print(f"Inference (predict): one name {r['predict_latency_ms']:.2f} ms median "
          f"({r['predict_latency_p95_ms']:.2f} ms p95); 10,000 names in batches at {r['predict_names_per_s']:,.0f} names/s")
    print(f"Training in a fresh process: peak memory {_fmt(r.get('train_peak_rss_mb'), ' MB', 0)}")
    app = r.get("app")
    if app:
        print(f"App (wall): ready {app['ready_s']:.1f} s after start (the app process used {app['ready_cpu_s']:.1f} "
              f"CPU s by then); /classify over HTTP, {plan.http_calls} calls each: "
              f"gradio_client {app['classify_client_ms']:.1f} ms median ({app['classify_client_p95_ms']:.1f} p95), "
              f"REST {app['classify_http_ms']:.1f} ms ({app['classify_http_p95_ms']:.1f} p95)")
        print(f"  memory {app['idle_rss_mb']:.0f} MB idle, {app['training_peak_rss_mb']:.0f} MB at most while "
              f"training the default table")
    else:
        print(f"app: skipped ({r['app_skipped']})")
    print()
    print("Targets")
    for t in r["targets"]:
        met = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        print(f"  {t['what']:<42} {t['goal']:>10}  {_fmt(t['value']):>8}  {met}")
    print(f"\n({r['seconds']:.0f} s in all)")


# ---------------------------------------------------------------------------------------------
# Main


def run(data: str, quick: bool, with_app: bool, log: Callable[[str], None]) -> dict:
    plan = make_plan(quick)
    default_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the app trains each session with one thread
    result = {"quick": quick, "data": str(data), "machine": machine()}
    result["machine"]["torch_default_threads"] = default_threads
    begin = time.perf_counter()
    table, report = load_table(data)
    train_rows, _ = split_table(table, DEFAULT.val_fraction, DEFAULT.seed)
    train_set = NamesDataset(train_rows, report.labels)
    result["names"] = report.rows

    result.update(train_names_per_s={}, one_at_a_time_names_per_s={}, speedup_vs_one_at_a_time={}, threads={})
    cpu, wall = cpu_clock(), time.perf_counter()
    for arch, cell in plan.configs:
        log(f"throughput {arch}/{cell}")
        figures = throughput(replace(DEFAULT, arch=arch, cell=cell), train_set, report.labels, plan)
        result["train_names_per_s"][key(arch, cell)] = figures["train_names_per_s"]
        result["one_at_a_time_names_per_s"][key(arch, cell)] = figures["one_at_a_time_names_per_s"]
        result["speedup_vs_one_at_a_time"][key(arch, cell)] = figures["speedup"]
        if (arch, cell) == (DEFAULT.arch, DEFAULT.cell):
            result["threads"]["1"] = figures
    result["machine"]["cpu_share"] = (cpu_clock() - cpu) / (time.perf_counter() - wall)  # < 1: others ran too
    log("throughput with 2 threads")
    torch.set_num_threads(2)
    result["threads"]["2"] = throughput(DEFAULT, train_set, report.labels, plan, clock=time.perf_counter)
    torch.set_num_threads(1)

    result["time_to_accuracy"] = {}
    for arch, cell, lr in plan.accuracy_configs:
        log(f"time to accuracy {key(arch, cell, lr)}")
        result["time_to_accuracy"][key(arch, cell, lr)] = time_to_accuracy(
            table, replace(DEFAULT, arch=arch, cell=cell, learning_rate=lr), plan.accuracy_budget_s)
    result["time_to_accuracy_s"] = {k: t["seconds"] for k, t in result["time_to_accuracy"].items()}

    log("generator overhead")
    result["overhead"] = generator_overhead(table, plan)
    result["generator_overhead_pct"] = result["overhead"]["overhead_pct"]

    log("inference")
    figures = inference(table, report.labels, plan)
    result.update(predict_latency_ms=figures["latency_ms"], predict_latency_p95_ms=figures["latency_p95_ms"],
                  predict_names_per_s=figures["names_per_s"])

    log("memory of a training run")
    result["train_peak_rss_mb"] = training_peak_rss_mb(str(data), plan.rss_train_seconds)

    result["app"], result["app_skipped"] = None, "--no-app"
    if with_app:
        log("app")
        try:
            result["app"], result["app_skipped"] = app_figures(plan), None
        except Exception as err:  # the app is optional here: say why and carry on
            result["app_skipped"] = " ".join(str(err).split())[:200] or type(err).__name__
    result["targets"] = targets(result)
    result["seconds"] = time.perf_counter() - begin
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnn_demo.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(CLASSIC_NAMES),
                        help="names table: a folder of <Label>.txt files, a .csv or a .zip (default: the classic set)")
    parser.add_argument("--quick", action="store_true", help="fewer configurations and shorter timings (< 1 min)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with every figure last")
    parser.add_argument("--no-app", action="store_true", help="do not start app.py")
    args = parser.parse_args(argv)
    if not Path(args.data).exists():
        parser.error(f"no names table at {args.data}; pass --data PATH (a folder of <Label>.txt files or a .csv)")
    plan = make_plan(args.quick)
    begin = time.perf_counter()
    result = run(args.data, args.quick, not args.no_app,
                 lambda what: print(f"[{time.perf_counter() - begin:5.1f} s] {what}", file=sys.stderr))
    print_report(result, plan)
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
