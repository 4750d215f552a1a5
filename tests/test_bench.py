"""The benchmark runs end to end on a tiny table, so it cannot rot; no timing thresholds here."""

import json
import math
import subprocess
import sys

import pandas as pd

from conftest import ROOT


def figures(result: dict):
    """Every figure the benchmark reports, as (name, value)."""
    for group in ("train_names_per_s", "one_at_a_time_names_per_s", "speedup_vs_one_at_a_time", "time_to_accuracy_s"):
        for config, value in result[group].items():
            yield f"{group}[{config}]", value
    for threads, row in result["threads"].items():
        for name, value in row.items():
            yield f"threads[{threads}].{name}", value
    for name in ("predict_latency_ms", "predict_latency_p95_ms", "predict_names_per_s", "train_peak_rss_mb"):
        yield name, result[name]


def test_quick_bench_on_a_tiny_table_prints_a_table_and_json(tmp_path):
    # Three labels told apart by their endings: the default model passes 0.75 accuracy in a few epochs.
    rows = [(f"{a}{b}{ending}", label) for a in "bdgklmnprt" for b in "aeiou"
            for ending, label in (("ski", "Polish"), ("moto", "Japanese"), ("son", "English"))]
    table = tmp_path / "tiny.csv"
    pd.DataFrame(rows, columns=["name", "label"]).to_csv(table, index=False)

    run = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--quick", "--no-app", "--json", "--data", str(table)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    result = json.loads(lines[-1])

    assert "Training throughput" in run.stdout and "Targets" in run.stdout and "app: skipped (--no-app)" in run.stdout
    assert 0 < result["roofline_fraction"] <= 1.5 and "Roofline" in run.stdout
    for key in ("machine", "roofline_fraction", "train_names_per_s", "speedup_vs_one_at_a_time", "time_to_accuracy_s",
                "generator_overhead_pct", "predict_latency_ms", "predict_names_per_s", "train_peak_rss_mb", "targets"):
        assert key in result
    assert result["app"] is None and result["app_skipped"] == "--no-app"
    assert "stacked/gru" in result["speedup_vs_one_at_a_time"] and set(result["threads"]) == {"1", "2"}
    for name, value in figures(result):
        assert isinstance(value, (int, float)) and math.isfinite(value) and value > 0, f"{name} = {value}"
    # A difference of two timings: finite, but noise may put it a little below zero.
    assert math.isfinite(result["generator_overhead_pct"])
    assert result["machine"]["cores"] >= 1 and result["machine"]["torch_threads"] == 1


def test_bench_refuses_a_missing_table():
    run = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--quick", "--data", "no/such/folder"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "no names table at no/such/folder" in run.stderr
