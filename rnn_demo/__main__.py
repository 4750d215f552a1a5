"""Command line: python -m rnn_demo {train,predict,evaluate,export,remember-first,intervene} ...

Bad input exits with status 2 and one line `error: ...` on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, fields

import torch
from tqdm import tqdm

from .checkpoints import DEFAULT_CHECKPOINT, CheckpointError, load_checkpoint, save_checkpoint
from .data import DataError
from .evaluate import evaluate
from .inside import intervene_cli, remember_first_cli
from .predict import parse_names, predict
from .settings import SETTINGS
from .train import BatchEvent, DoneEvent, EpochEvent, TrainConfig, TrainingError, train

# One thread by default, whatever the machine: the same command then gives the same figures on a
# 1-core and a 16-core machine (and on 64-name batches a second thread saves little).
DEFAULT_THREADS = 1


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage + message; we want one clean line
        raise UsageError(message)


# Argument types only parse; TrainConfig checks the ranges and its message lists them.
def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None


def _positive_int(text: str) -> int:
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, not {text}")
    return value


def build_parser() -> Parser:
    parser = Parser(prog="python -m rnn_demo", description="Classify surnames by language with an RNN.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    t = commands.add_parser("train", help="train a model on a names table and save it")
    t.add_argument("--data", required=True, help="a .csv (name,label), a folder or .zip of <Label>.txt files")
    _add_config_flags(t)
    t.add_argument("--threads", type=_positive_int, default=DEFAULT_THREADS,
                   help="CPU threads torch trains with (default %(default)s). Figures are reproducible at a fixed "
                        "thread count; another count sums in another order and moves them by ~0.003")
    t.add_argument("--out", required=True, help="checkpoint file to write (.safetensors)")
    t.add_argument("--json", action="store_true", help="last stdout line: one JSON object of results")

    p = commands.add_parser("predict", help="top-k languages for names")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT))
    p.add_argument("--top-k", type=_positive_int, default=3)
    p.add_argument("--json", action="store_true", help="one JSON object per name per line")

    e = commands.add_parser("evaluate", help="accuracy of a checkpoint on a names table")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--data", required=True)
    e.add_argument("--json", action="store_true")
    e.add_argument("--all-names", action="store_true",
                   help="score every name of the table (one the model never trained on), without baselines; "
                        "default: the validation split the model's training used, beside baselines")

    x = commands.add_parser("export", help="write a trained run as code: train.py, predict.py, a notebook, "
                                           "names.csv and the weights")
    x.add_argument("--checkpoint", required=True, help="a checkpoint written by `train` or the app")
    x.add_argument("--data", required=True, help="the table it trained on (as for train)")
    x.add_argument("--out", required=True, help="folder to write")

    remember_first_cli.add_parser(commands)
    intervene_cli.add_parser(commands)
    return parser


def _add_config_flags(t) -> None:
    """One flag per setting (settings.py), its default and help the setting's; argparse keeps each value
    under its field's name, so run_train builds the config by name."""
    for setting in SETTINGS:
        explained = setting.sentence + (f" Default: {setting.auto}." if setting.auto else "")
        explained = explained.replace("%", "%%")  # argparse formats %
        if setting.kind is bool:
            t.add_argument(setting.cli_flag, dest=setting.field, action="store_true", help=explained)
        elif setting.choices:
            t.add_argument(setting.cli_flag, dest=setting.field, choices=setting.choices, default=setting.default,
                           help=explained)
        else:
            kind = _whole_number if setting.kind is int else _number
            t.add_argument(setting.cli_flag, dest=setting.field, type=kind, default=setting.default, help=explained)


def run_train(args) -> None:
    from .baselines import compare
    from .data import clean_table
    from .files import read_table

    config = TrainConfig(**{field.name: getattr(args, field.name) for field in fields(TrainConfig)})
    raw = read_table(args.data)
    _, report = clean_table(raw)  # a bad table fails here, before the progress bar
    torch.set_num_threads(args.threads)
    bar = tqdm(total=None, unit="batch", file=sys.stderr, dynamic_ncols=True)
    try:
        for event in train(raw, config):  # raw: --split-before-dedup needs the duplicates
            if isinstance(event, BatchEvent):
                bar.total = event.steps_per_epoch * event.epochs
                bar.update(1)
                bar.set_postfix(epoch=f"{event.epoch}/{event.epochs}", loss=f"{event.loss:.3f}")
            elif isinstance(event, EpochEvent):
                bar.write(
                    f"epoch {event.epoch}/{event.epochs}  train loss {event.train_loss:.3f}  "
                    f"val loss {event.val_loss:.3f}  val acc {event.val_accuracy:.3f}  "
                    f"macro {event.val_macro_accuracy:.3f}  {event.names_per_second:,.0f} names/s",
                    file=sys.stderr,
                )
            elif isinstance(event, DoneEvent):
                done = event
    finally:
        bar.close()  # before any error line, so the two never share a line
    done.model.record["threads"] = args.threads  # saved in the checkpoint's header with the other figures
    save_checkpoint(done.model, args.out)
    summary = {
        "val_accuracy": done.val_accuracy,
        "val_macro_accuracy": done.val_macro_accuracy,
        "train_loss": done.train_loss,
        "epochs": done.epochs_run,
        "best_epoch": done.best_epoch,
        "seconds": round(done.seconds, 3),
        "names_per_second": round(done.names_per_second, 1),
        "labels": len(report.counts),
        "names": report.rows,
        "checkpoint": str(args.out),
        "config": asdict(config),
        "threads": args.threads,
        # The same figures as `evaluate`, with the baselines trained on the same training names.
        **compare(done.model, done.train_table, done.val_table).to_dict(),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"saved {args.out}: validation accuracy {done.val_accuracy:.3f}, "
              f"macro accuracy {done.val_macro_accuracy:.3f} (best epoch {done.best_epoch})")


def run_predict(args) -> None:
    model = load_checkpoint(args.checkpoint)
    names = parse_names(args.names)
    for name, top in zip(names, predict(model, names, args.top_k)):
        if args.json:
            print(json.dumps({"name": name, "predictions": [{"label": l, "probability": p} for l, p in top]}))
        else:
            print(f"{name}: " + ", ".join(f"{label} {p:.1%}" for label, p in top))


def run_evaluate(args) -> None:
    from .baselines import recorded_split, score_baselines
    from .files import load_table

    model = load_checkpoint(args.checkpoint)
    table, _ = load_table(args.data)
    extra = {"scored_on": "every name of the table"}
    if args.all_names:
        result = evaluate(model, table)
    else:  # the names the model's training held out, beside baselines trained on the rest
        train_rows, val_rows, extra["scored_on"] = recorded_split(model, table)
        result = evaluate(model, val_rows, whole_table=table, already_clean=True)
        baselines = score_baselines(train_rows, val_rows, table, model.labels)
        extra["baselines"] = {name: s.to_dict() for name, s in baselines.scores.items()}
    if args.json:
        print(json.dumps({
            **result.scores.to_dict(),
            "per_label": result.per_label,
            "confusion": {"labels": list(result.confusion.columns), "matrix": result.confusion.values.tolist()},
            **extra,
        }))
    else:
        print(f"accuracy {result.accuracy:.3f}  macro accuracy {result.macro_accuracy:.3f}  ({result.n} names, "
              f"{extra['scored_on']})")
        for name, s in extra.get("baselines", {}).items():
            print(f"  baseline {name:<9} accuracy {s['accuracy']:.3f}  macro accuracy {s['macro_accuracy']:.3f}")
        for label, accuracy in result.per_label.items():
            print(f"  {label:<14} {accuracy:.3f}")


def run_export(args) -> None:
    from .export.script import export_run
    from .files import read_table

    for path in export_run(load_checkpoint(args.checkpoint), read_table(args.data), args.out):
        print(path)


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        {"train": run_train, "predict": run_predict, "evaluate": run_evaluate, "export": run_export,
         "remember-first": remember_first_cli.run, "intervene": intervene_cli.run}[args.command](args)
    except (UsageError, DataError, CheckpointError, TrainingError, ValueError, OSError) as err:
        message = " ".join(str(err).split()) or type(err).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    torch.set_num_threads(min(torch.get_num_threads(), 2))  # predict, evaluate; train sets its own --threads
    sys.exit(main())
