"""The benchmark's printed report: one table or line per measurement, then the targets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .plan import DEFAULT, TARGET_ACCURACY, Plan, key

if TYPE_CHECKING:
    from .bench import Figures


def _fmt(value, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def print_machine(r: Figures, plan: Plan) -> None:
    m = r.machine
    print(f"Machine: {m['cpu']}, {m['cores']} cores; torch {m['torch']} on {m['torch_threads']} thread(s) "
          f"(its default here: {m['torch_default_threads']}); python {m['python']}")
    print(f"  load average {m['load_average'][0]} at start; this run got {m['cpu_share']:.0%} of a core while "
          f"training on 1 thread (100% = nothing else running)")
    if m["cpu_share"] < 0.9:
        print("  The machine is busy: CPU-second figures hold, wall-clock figures (marked 'wall') are slowed.")
    print(f"Data: {r.data}, {r.names:,} names after cleaning; {'quick' if r.quick else 'full'} run, "
          f"medians of {plan.repeats}; timed in CPU seconds of this process unless marked 'wall'")


def print_throughput(r: Figures) -> None:
    default = key(DEFAULT.arch, DEFAULT.cell)
    print(f"Training throughput at the default settings (hidden {DEFAULT.hidden_size}, {DEFAULT.num_layers} layers, "
          f"batch {DEFAULT.batch_size}, Adam, clip {DEFAULT.clip:g})")
    print("  vs the tutorial's loop: same model size, one name at a time, backward and SGD step every name")
    print(f"  {'arch/cell':<20} {'threads':>7} {'batched names/s':>16} {'one at a time':>14} {'speedup':>8}")
    rows = [(k, "1", t) for k, t in r.throughput.items()]
    if r.two_threads:  # right below the 1-thread row of the default model
        rows.insert(1 + [row[0] for row in rows].index(default), (default, "2 wall", r.two_threads))
    for k, threads, t in rows:
        print(f"  {k:<20} {threads:>7} {t.train_names_per_s:>16,.0f} {t.one_at_a_time_names_per_s:>14,.0f} "
              f"{t.speedup:>7.1f}x")


def print_roofline(r: Figures) -> None:
    roof = r.roofline
    print(f"Roofline, {key(DEFAULT.arch, DEFAULT.cell)}: {roof.flop_per_name / 1e6:.1f} MFLOP of matrix products per "
          f"name (forward and backward); training reaches {roof.achieved_gflops:.1f} GFLOP/s, the same products "
          f"alone {roof.matmul_gflops:.1f}: {r.roofline_fraction:.0%} of the limit")
    p = r.prototype
    if p:
        model = p.model_names_per_s
        print("  prototype (benchmarks/lookup.py), same weights and logits, taking turns:")
        for what, rate, fraction in (("StackedRNN as in the app (nn.GRU, packed)", model, p.model_fraction),
                                     ("written out over the packed batch", p.loop_names_per_s, p.loop_fraction),
                                     ("... first layer's input: a row lookup", p.lookup_names_per_s,
                                      p.lookup_fraction)):
            print(f"    {what:<44} {rate:>7,.0f} names/s ({rate / model - 1:+5.0%})  {fraction:.0%} of the limit")
    f = r.eager_floor
    if f:
        print("  the most a step-by-step GRU reaches here (benchmarks/eager_floor.py), taking turns with the model:")
        print(f"    forward and backward by hand, no autograd    {f.floor_names_per_s:>7,.0f} names/s "
              f"({f.floor_names_per_s / f.model_names_per_s - 1:+5.0%})  {f.floor_fraction:.0%} of the limit")


def print_training(r: Figures, plan: Plan) -> None:
    print(f"Time to {TARGET_ACCURACY} validation accuracy, default settings, 85/15 split seed 0 "
          f"(from calling train(); validation runs at epoch ends, so at most one epoch late)")
    for k, t in r.time_to_accuracy.items():
        if t.seconds is None:
            print(f"  {k:<20} not reached in {plan.accuracy_budget_s:.0f} s wall (best {t.accuracy:.3f})")
        else:
            print(f"  {k:<20} {t.seconds:6.1f} s  ({t.wall_s:.1f} s wall), at the end of epoch {t.epoch}")
    o, i = r.overhead, r.inference
    print()
    print(f"Generator overhead: {o.overhead_pct:+.1f} %  (train() {o.generator_s:.2f} s vs a bare loop on the "
          f"same batches {o.bare_s:.2f} s; {o.names:,} names, {o.epochs} epoch(s), fastest of "
          f"{plan.overhead_repeats}); validating took {o.validation_pct:.1f} % on top of training")
    print(f"Inference (predict): one name {i.latency_ms:.2f} ms median ({i.latency_p95_ms:.2f} ms p95); "
          f"10,000 names in batches at {i.names_per_s:,.0f} names/s")
    print(f"Training in a fresh process: peak memory {_fmt(r.train_peak_rss_mb, 0)} MB")
    print("The app over HTTP (ready time, classify under load, memory): python -m benchmarks.load_test")


def print_report(r: Figures, plan: Plan) -> None:
    print_machine(r, plan)
    print()
    print_throughput(r)
    print_roofline(r)
    print()
    print_training(r, plan)
    print()
    print("Targets")
    for t in r.targets:
        met = {True: "met", False: "MISSED", None: "not measured"}[t.met]
        print(f"  {t.what:<44} {t.goal:>10}  {_fmt(t.value, 2):>8}  {met}")
    print(f"\n({r.seconds:.0f} s in all)")
