"""The benchmark and the load test run end to end on tiny sizes, so they cannot rot; no timing
thresholds here: only that they run, print their tables and carry their figures in the JSON."""

import json
import math
import subprocess
import sys

import pandas as pd
import torch

from benchmarks.eager_floor import gradients, packed_batch
from benchmarks.lookup import PackedGRU
from benchmarks.roofline import flop, step_products
from rnn_demo.data import collate, normalise_name, one_hot
from rnn_demo.models import ModelConfig, build_model
from rnn_demo.train import TrainConfig

from conftest import ROOT


def test_quick_bench_on_a_tiny_table_prints_its_tables_and_json(tmp_path):
    # Three labels told apart by their endings: the default model passes 0.75 accuracy in a few epochs.
    rows = [(f"{a}{b}{ending}", label) for a in "bdgklmnprt" for b in "aeiou"
            for ending, label in (("ski", "Polish"), ("moto", "Japanese"), ("son", "English"))]
    table = tmp_path / "tiny.csv"
    pd.DataFrame(rows, columns=["name", "label"]).to_csv(table, index=False)

    run = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--quick", "--json", "--data", str(table)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])

    for heading in ("Training throughput", "Roofline", "prototype", "Time to 0.75", "Generator overhead", "Targets"):
        assert heading in run.stdout
    for name in ("roofline_fraction", "generator_overhead_pct", "speedup_vs_one_at_a_time", "train_peak_rss_mb"):
        assert isinstance(result[name], float) and math.isfinite(result[name]), name
    assert 0 < result["roofline_fraction"] <= 1.5  # a ratio of two timings: near 1 at most, noise aside
    assert result["speedup_vs_one_at_a_time"] > 0
    assert set(result["roofline"]) == {"flop_per_name", "achieved_gflops", "matmul_gflops", "fraction"}
    assert set(result["prototype"]) >= {"model_names_per_s", "loop_names_per_s", "lookup_names_per_s"}
    assert 0 < result["eager_floor"]["floor_fraction"] <= 1.5 and "no autograd" in run.stdout
    assert "stacked/gru" in result["throughput"] and result["two_threads"]["train_names_per_s"] > 0
    assert result["time_to_accuracy"]["stacked/gru"]["accuracy"] >= 0.75
    # The roofline fraction is information beside the eager floor (issue 24), not a target.
    targets = {t["what"] for t in result["targets"]}
    assert "generator overhead" in targets and "training FLOP/s vs the same products alone" not in targets
    assert result["machine"]["cores"] >= 1 and result["machine"]["torch_threads"] == 1


def test_bench_refuses_a_missing_table():
    run = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--quick", "--data", "no/such/folder"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "no names table at no/such/folder" in run.stderr


def test_the_written_out_gru_with_a_row_lookup_gives_the_models_logits():
    labels = ["Japanese", "Polish", "English"]
    torch.manual_seed(0)
    model = build_model(ModelConfig(labels=labels, arch="stacked", cell="gru", hidden_size=16, num_layers=2))
    names = ["Nakamura", "Kowalski", "Li", "Smith"]  # different lengths: packing sorts and restores them
    padded, lengths, _ = collate([(one_hot(normalise_name(name)), 0) for name in names])  # (B, T, V), (B,)
    expected = model(padded, lengths)
    for input_lookup in (False, True):
        assert torch.allclose(PackedGRU(model, input_lookup)(padded, lengths), expected, atol=1e-6)


def test_the_eager_floor_computes_the_gradients_autograd_does_through_nn_gru():
    # The floor is only a floor if it does the whole step: every parameter's gradient, by hand.
    labels = ["Japanese", "Polish", "English"]
    torch.manual_seed(0)
    model = build_model(ModelConfig(labels=labels, arch="stacked", cell="gru", hidden_size=16, num_layers=2))
    names = ["Nakamura", "Kowalski", "Li", "Smith", "Ng"]
    padded, lengths, _ = collate([(one_hot(normalise_name(name)), 0) for name in names])
    targets = torch.tensor([0, 1, 0, 2, 2])
    torch.nn.functional.cross_entropy(model(padded, lengths), targets).backward()
    by_hand = [g for layer in gradients(model, packed_batch(padded, lengths, targets)) for g in layer]
    rnn = model.rnn
    autograd = [getattr(rnn, f"{name}_l{layer}").grad for layer in range(2)
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    autograd += [model.fc.weight.grad, model.fc.bias.grad]
    assert [g.shape for g in by_hand] == [g.shape for g in autograd]
    for mine, theirs in zip(by_hand, autograd):
        assert theirs.abs().max() > 0 and torch.allclose(mine, theirs, atol=1e-6)


def test_the_roofline_counts_about_7_mflop_per_name_for_the_default_gru():
    # Names of 7 letters (the classic set's mean), batch 64: the "about 7 MFLOP per name".
    products = step_products(TrainConfig(), [7] * 64, V=31, C=18)
    assert 6e6 < flop(products) / 64 < 8e6
    # The lookup skips the first layer's (N, V) x (V, 3H) products, forward and backward.
    skipped = flop(products) - flop(step_products(TrainConfig(), [7] * 64, V=31, C=18, input_lookup=True))
    assert skipped == 2 * (2 * 64 * 7 * 31 * 3 * 128)


def test_quick_load_test_with_a_few_clients_reports_every_figure():
    run = subprocess.run([sys.executable, "-m", "benchmarks.load_test", "--quick", "--json", "--clients", "2",
                          "--names-each", "2", "--rounds", "2", "--sessions", "2", "--trainings", "3"],
                         cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    for heading in ("Classify under load", "echo-only Gradio app", "Page loads", "Queued trainings", "Memory"):
        assert heading in run.stdout
    for scenario in ("echo", "idle", "training"):
        assert result[scenario]["calls"] == 2 * 2 * 2 and result[scenario]["failed"] == 0  # clients x names x rounds
        assert result[scenario]["p50_ms"] > 0
    assert result["p50_ratio_training"] > 0 and result["p95_ratio_training"] > 0
    assert result["page_loads"]["working"] == 2
    assert result["queued"]["finished"] == 3 and result["queued"]["own_labels"] == 3
    assert result["app_ready_s"] > 0 and result["memory_training_peak_mb"] >= result["memory_idle_mb"] > 0
