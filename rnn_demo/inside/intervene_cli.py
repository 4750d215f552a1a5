"""`python -m rnn_demo intervene`: change a trained model and measure what breaks.

    python -m rnn_demo intervene --checkpoint checkpoints/default.safetensors --knock-out 3,7 --json
    python -m rnn_demo intervene --checkpoint CKPT --clamp z=1@2 --names Kowalski Nakamura
    python -m rnn_demo intervene --checkpoint CKPT --scale-recurrent 0.5

Scored on the validation split of --data that the checkpoint's training used (data/names.csv by
default). With --json the last stdout line is one object: {"before": {"accuracy", "per_label"},
"after": {...}, "distinct_predictions_after": n, "names": {name: ...}, ...}. A value the model cannot
take (a unit out of range, a gate the cell lacks) exits 2 with a message listing what is valid.
"""

from __future__ import annotations

import argparse
import json

from rnn_demo.inside.gradients import LONG_NAMES
from rnn_demo.inside.intervene import NOT_CORRELATION, SCALES, compare, name_effect, parse_intervention, scale_effect

DEFAULT_NAMES = ("Kowalski", "Nakamura")


def _factor(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number from {SCALES[0]:g} to {SCALES[1]:g}, not {text!r}") from None


def add_parser(commands) -> None:
    """Register the intervene subcommand on the CLI's subparsers."""
    from rnn_demo.report import DEFAULT_TABLE_PATH

    i = commands.add_parser("intervene", help="knock out units, clamp a gate or scale W_hh, and score the result")
    i.add_argument("--checkpoint", required=True, help="a checkpoint written by `train` or the app")
    i.add_argument("--data", default=str(DEFAULT_TABLE_PATH),
                   help="the table it trained on; scored on its validation split (default data/names.csv)")
    what = i.add_mutually_exclusive_group(required=True)
    what.add_argument("--knock-out", metavar="UNITS",
                      help="units held at 0 at every step: '3,7', '0-9', '→5', 'layer:unit', 'all' (last layer by default)")
    what.add_argument("--clamp", metavar="GATE=VALUE[@LETTER]",
                      help="a gate forced to VALUE from LETTER (1-based) on, e.g. z=1@2, f=0; 'LAYER:z=1' for one layer")
    what.add_argument("--scale-recurrent", type=_factor, metavar="F",
                      help=f"every W_hh times F ({SCALES[0]:g}-{SCALES[1]:g})")
    i.add_argument("--names", nargs="+", default=list(DEFAULT_NAMES), metavar="NAME",
                   help="names shown letter by letter before and after")
    i.add_argument("--json", action="store_true", help="last stdout line: one JSON object")


def run(args) -> None:
    from rnn_demo.baselines import recorded_split
    from rnn_demo.checkpoints import load_checkpoint
    from rnn_demo.files import load_table

    model = load_checkpoint(args.checkpoint)
    change = parse_intervention(model, args.knock_out, args.clamp, args.scale_recurrent)
    table, _ = load_table(args.data)
    _, val_rows, scored_on = recorded_split(model, table)
    outcome = compare(model, val_rows, change)
    names = {effect.name: effect for effect in (name_effect(model, n, change) for n in args.names)}
    result = {**outcome.to_dict(), "names": {n: e.to_dict() for n, e in names.items()},
              "intervention": change.describe(), "scored_on": scored_on, "n": outcome.n}
    if args.scale_recurrent is not None:
        scale = scale_effect(model, change.scale, list(LONG_NAMES[:2]))
        result["largest_singular_value"] = {"before": scale.sigma[0], "after": scale.sigma[1]}
        result["gradient_reach"] = {"before": scale.reach[0], "after": scale.reach[1]}
    if args.json:
        print(json.dumps(result))
        return
    print(outcome.summary())
    print(NOT_CORRELATION)
    print(outcome.per_label.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    for effect in names.values():
        (lb, pb), (la, pa) = effect.answer
        print(f"{effect.name}: {lb} {pb:.0%} → {la} {pa:.0%}")
    if "gradient_reach" in result:
        print(f"σ_max(W_hh) {result['largest_singular_value']['before']} → {result['largest_singular_value']['after']}; "
              f"‖∂h_T/∂h_t‖ above 1 % for {scale.reach[0]} → {scale.reach[1]} letters back")
