"""A trained model and its table -> the folder `python -m rnn_demo export` writes.

The code comes from the template files in templates/: `$name` is a value of the run, and lines
between `#if flag` and `#endif` (`#else` between) stay only when the run used that option, so the
script of a run shows only what that run did. `#include piece` puts another template in its place.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import fields
from pathlib import Path
from string import Template

import pandas as pd
from safetensors.torch import save_file

from .. import limits
from ..config import TrainConfig
from ..data import ALPHABET, clean_table
from ..models import NameClassifier
from ..train import table_sha256

TEMPLATES = Path(__file__).parent / "templates"
CELL_NAMES = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}
FILES = ("train.py", "predict.py", "train.ipynb", "names.csv", "model.safetensors", "README.md")


class ExportError(ValueError):
    """A model or table that cannot be written out as the same run."""


def run_config(model: NameClassifier) -> TrainConfig:
    """The TrainConfig the model was trained with, as its checkpoint records it."""
    recorded = model.record.get("train_config")
    if not isinstance(recorded, dict):
        raise ExportError("this checkpoint does not record its training settings (it was saved before they were "
                          "kept); train it again to export it")
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(recorded) - known)
    if unknown:
        raise ExportError(f"the checkpoint records settings this version does not know: {', '.join(unknown)}")
    config = TrainConfig(**recorded)  # checks every value again: a header may have been edited
    if config.split_before_dedup:
        raise ExportError("a run that split before dropping duplicates (the leakage lesson) is not exported")
    if config.model_config(model.labels) != model.config:
        raise ExportError("the checkpoint's training settings do not match its model")
    return config


def _flags(config: TrainConfig, stopped_early: bool) -> dict[str, bool]:
    return {
        "lstm": config.cell == "lstm",
        "embedding": config.embedding > 0,
        "max_pool": config.pooling == "last+max",
        "layer_dropout": config.dropout > 0 and config.num_layers > 1,
        "input_dropout": config.input_dropout > 0,
        "feature_dropout": config.feature_dropout > 0,
        "weight_decay": config.weight_decay > 0,
        "label_smoothing": config.label_smoothing > 0,
        "onecycle": config.schedule == "onecycle",
        "average": config.average > 0,
        "balance": config.balance,
        "balance_weights": config.balance and config.balance_method == "weights",
        "logit_adjust": config.balance and config.balance_method == "logit-adjust",
        "plain_loss": not config.balance,
        "max_steps": stopped_early,
    }


def _describe(config: TrainConfig) -> str:
    cell = CELL_NAMES[config.cell]
    layers = f"{config.num_layers}-layer " if config.num_layers > 1 else ""
    what = {"manual": f"a {layers}{cell}Cell loop written by hand", "stacked": f"a {layers}{cell}",
            "bidirectional": f"a bidirectional {layers}{cell}"}[config.arch]
    return f"{what}, hidden size {config.hidden_size}"


def _values(config: TrainConfig, metrics: dict) -> dict[str, str]:
    cell = CELL_NAMES[config.cell]
    pooled = 2 if config.pooling == "last+max" else 1
    sides = 2 if config.arch == "bidirectional" else 1
    features = pooled * sides
    values = {f.name: repr(getattr(config, f.name)) for f in fields(TrainConfig)}
    return {
        **values,
        "summary": _describe(config),
        "model_summary": _describe(config),
        "alphabet": repr(ALPHABET),
        "cell_class": cell + "Cell",
        "layer_class": cell,
        "features": "HIDDEN_SIZE" if features == 1 else f"{features} * HIDDEN_SIZE",
        "input_size": "EMBEDDING" if config.embedding else "V",
        "keep_best": "macro accuracy" if config.keep_best == "macro" else "accuracy",
        "keep_best_key": "macro_accuracy" if config.keep_best == "macro" else "accuracy",
        "max_steps": repr(metrics.get("steps")),
        "threads": repr(metrics.get("threads", 1)),
    }


def _lines(name: str, flags: dict[str, bool], values: dict[str, str]) -> list[str]:
    """A template file's lines with its #if blocks resolved and its #include pieces in place."""
    kept, keep = [], [True]  # keep[-1]: whether the lines here stay
    for line in (TEMPLATES / name).read_text(encoding="utf-8").splitlines():
        directive = line.strip()
        if directive.startswith("#if "):
            keep.append(keep[-1] and flags[directive[4:]])
        elif directive == "#else":
            keep[-1] = keep[-2] and not keep[-1]
        elif directive == "#endif":
            keep.pop()
        elif keep[-1] and directive.startswith("#include "):
            kept += _lines(Template(directive[9:]).substitute(values) + ".py.tmpl", flags, values)
        elif keep[-1]:
            kept.append(line)
    if len(keep) != 1:
        raise ValueError(f"{name}: an #if without its #endif")
    return kept


def render(name: str, flags: dict[str, bool], values: dict[str, str]) -> str:
    """A template file with its options resolved and the run's values filled in."""
    return Template("\n".join(_lines(name, flags, values))).substitute(values) + "\n"


def train_script(config: TrainConfig, metrics: dict) -> str:
    """train.py for this run."""
    steps_per_epoch = math.ceil(metrics.get("train_names", 0) / config.batch_size)
    stopped_early = metrics.get("steps", 0) < config.epochs * steps_per_epoch
    values = {**_values(config, metrics), "arch_name": config.arch}
    return render("train.py.tmpl", _flags(config, stopped_early), values)


def notebook(script: str) -> nbformat.NotebookNode:  # noqa: F821 (imported inside)
    """train.py as a notebook: its docstring, then one markdown heading and one code cell per section."""
    import nbformat  # here, not at the top: it costs the app's start-up ~1 s for a button few press
    docstring, body = re.match(r'"""(.*?)"""\n(.*)', script, re.DOTALL).groups()
    body = body.replace('Path(__file__).with_name(', 'Path(')  # a notebook has no __file__: names.csv beside it
    body = body.replace('if __name__ == "__main__":\n    main()', "main()")
    cells = [nbformat.v4.new_markdown_cell(docstring.strip().replace("`python train.py`", "Running the last cell"))]
    sections = re.split(r"^# -{20,}\n", body, flags=re.MULTILINE)  # the banners between sections
    cells.append(nbformat.v4.new_code_cell(sections[0].strip()))
    for section in sections[1:]:
        title, _, code = section.partition("\n")
        cells.append(nbformat.v4.new_markdown_cell("## " + title.lstrip("# ")))
        cells += [nbformat.v4.new_code_cell(part.strip()) for part in code.split("\n\n\n") if part.strip()]
    book = nbformat.v4.new_notebook(cells=cells)
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return book


def export_run(model: NameClassifier, raw: pd.DataFrame, out: str | Path) -> list[Path]:
    """Write the folder for a trained model and the table it trained on; returns the files written.

    Raises ExportError when the model does not record its run or the table is not the one it trained on."""
    config = run_config(model)
    table, _ = clean_table(raw)
    recorded = model.record.get("table_sha256")
    if recorded is not None and recorded != table_sha256(table):
        raise ExportError("this is not the table the model trained on (after cleaning, its names or labels differ)")
    if sorted(table["label"].unique()) != model.labels:
        raise ExportError("the table's labels are not the model's")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    script = train_script(config, model.record)
    (out / "train.py").write_text(script, encoding="utf-8")
    (out / "predict.py").write_text(render("predict.py.tmpl", {}, {"max_name_length": limits.MAX_NAME_LENGTH}),
                                    encoding="utf-8")
    import nbformat  # (see notebook)

    nbformat.write(notebook(script), out / "train.ipynb")
    table.to_csv(out / "names.csv", index=False)
    written = pd.read_csv(out / "names.csv", dtype=str, keep_default_na=False)
    if not written.equals(table):  # what train.py reads must be the table itself
        raise ExportError("names.csv does not read back as the table")
    tensors = {name: t.detach().cpu().contiguous() for name, t in model.state_dict().items()}
    save_file(tensors, str(out / "model.safetensors"), metadata={"labels": json.dumps(model.labels)})
    readme = render("README.md.tmpl", {}, {
        "title": f"Your run: {_describe(config)}", "summary": _describe(config), "rows": f"{len(table):,}",
        "n_labels": str(len(model.labels)), "threads": str(model.record.get("threads", 1)),
        "val_accuracy": f"{model.record.get('val_accuracy', math.nan):.4f}",
        "val_macro_accuracy": f"{model.record.get('val_macro_accuracy', math.nan):.4f}",
    })
    (out / "README.md").write_text(readme, encoding="utf-8")
    return [out / name for name in FILES]
