"""Save and load a trained model as one safetensors file.

The file holds the weights plus, in its JSON header, everything needed to rebuild and use the
model: the model config (labels in logit order, alphabet), metrics and a format version.
safetensors holds only tensors and strings: loading a file can never run code from it (unlike
pickle, which torch.save uses).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from . import limits
from .data import ALPHABET
from .models import ModelConfig, NameClassifier, build_model

FORMAT = "rnn-names-checkpoint"
VERSION = "1"
DEFAULT_CHECKPOINT = Path(__file__).resolve().parent.parent / "checkpoints" / "default.safetensors"


class CheckpointError(ValueError):
    """A file that is not a checkpoint we can use."""


def save_checkpoint(model: NameClassifier, path: str | Path) -> Path:
    """Write model to path atomically: a crash midway leaves any previous file intact."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "config": json.dumps(model.config.to_dict()),
        "metrics": json.dumps(model.record),
    }
    tensors = {name: t.detach().cpu().contiguous() for name, t in model.state_dict().items()}
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        save_file(tensors, str(temporary), metadata=metadata)
        os.replace(temporary, path)  # atomic on POSIX: readers see the old file or the new one
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _read_config(text: str) -> ModelConfig:
    """The model config in a checkpoint's header. A visitor may have written it: check types and
    sizes before anything is built from it (a million labels would allocate gigabytes)."""
    fields = json.loads(text)
    if not isinstance(fields, dict):
        raise ValueError("it is not a JSON object")
    labels = fields.get("labels")
    if not (isinstance(labels, list) and all(isinstance(label, str) for label in labels)):
        raise ValueError("labels must be a list of strings")
    if len(labels) > limits.MAX_LABELS:
        raise ValueError(f"it has {len(labels)} labels; the limit is {limits.MAX_LABELS}")
    # Fields added later (embedding, pooling, feature_dropout, input_dropout) may be absent: older
    # files still load with their defaults. ModelConfig checks each value's type and range (settings.py).
    return ModelConfig(**fields)


def load_checkpoint(path: str | Path = DEFAULT_CHECKPOINT) -> NameClassifier:
    """Rebuild a model from a checkpoint file; raises CheckpointError for anything else."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no such checkpoint file: {path}")
    size = path.stat().st_size
    if size > limits.MAX_CHECKPOINT_BYTES:
        raise CheckpointError(
            f"{path.name} is {size / 2**20:.1f} MB, over the {limits.MAX_CHECKPOINT_BYTES // 2**20} MB limit"
        )
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    except Exception:  # safetensors raises its own error types for any malformed file
        raise CheckpointError(f"{path.name} is not an rnn-names checkpoint (not a safetensors file)") from None
    if metadata.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is a safetensors file, but not an rnn-names checkpoint")
    if metadata.get("version") != VERSION:
        raise CheckpointError(f"{path.name} has checkpoint version {metadata.get('version')!r}; we read {VERSION!r}")
    try:
        config = _read_config(metadata["config"])
        metrics = json.loads(metadata.get("metrics", "{}"))
    except (KeyError, TypeError, ValueError, RecursionError) as err:  # deep JSON: RecursionError
        raise CheckpointError(f"{path.name} has a broken model config: {err}") from None
    if config.alphabet != ALPHABET:
        shown = repr(config.alphabet)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise CheckpointError(f"{path.name} was trained with another alphabet ({shown})")
    model = build_model(config)
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError:
        raise CheckpointError(f"{path.name}: its weights do not fit its own model config") from None
    if not all(torch.isfinite(t).all() for t in tensors.values()):
        raise CheckpointError(f"{path.name} holds weights that are not finite numbers")
    model.record = metrics if isinstance(metrics, dict) else {}
    return model.eval()
