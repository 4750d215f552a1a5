import pickle

import pytest
import torch

from rnn_demo.checkpoints import DEFAULT_CHECKPOINT, CheckpointError, load_checkpoint, save_checkpoint
from rnn_demo.models import ARCHITECTURES, ModelConfig, build_model
from rnn_demo.predict import predict

from payload import Payload

NAMES = ["Nakamura", "Kowalski", "O'Brien"]


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_round_trip_gives_identical_predictions(tmp_path, arch):
    torch.manual_seed(0)
    model = build_model(ModelConfig(labels=["A", "B", "C"], arch=arch, cell="lstm", hidden_size=8)).eval()
    model.record = {"val_accuracy": 0.5}
    path = save_checkpoint(model, tmp_path / "m.safetensors")
    loaded = load_checkpoint(path)
    assert loaded.config == model.config and loaded.record == {"val_accuracy": 0.5}
    assert predict(loaded, NAMES, 3) == predict(model, NAMES, 3)


def test_random_bytes_and_truncated_files_are_refused(tmp_path):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(CheckpointError, match="not an rnn-names checkpoint"):
        load_checkpoint(junk)
    model = build_model(ModelConfig(labels=["A", "B"], hidden_size=8))
    good = save_checkpoint(model, tmp_path / "good.safetensors").read_bytes()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(good[: len(good) // 2])
    with pytest.raises(CheckpointError, match="not an rnn-names checkpoint"):
        load_checkpoint(cut)


def test_a_pickle_with_a_payload_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    for suffix in (".safetensors", ".pt"):
        raw, saved = tmp_path / f"raw{suffix}", tmp_path / f"torch{suffix}"
        with open(raw, "wb") as handle:
            pickle.dump(Payload(str(marker)), handle)
        torch.save({"weights": Payload(str(marker))}, saved)
        for path in (raw, saved):
            with pytest.raises(CheckpointError, match="not an rnn-names checkpoint"):
                load_checkpoint(path)
    assert not marker.exists()


def test_a_foreign_safetensors_file_is_refused(tmp_path):
    from safetensors.torch import save_file
    path = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(path), metadata={"format": "pt"})
    with pytest.raises(CheckpointError, match="not an rnn-names checkpoint"):
        load_checkpoint(path)


def test_weights_that_do_not_fit_the_config_are_refused(tmp_path):
    from safetensors import safe_open
    from safetensors.torch import save_file
    model = build_model(ModelConfig(labels=["A", "B"], hidden_size=8))
    path = save_checkpoint(model, tmp_path / "m.safetensors")
    with safe_open(str(path), "pt") as handle:
        metadata = handle.metadata()
    metadata["config"] = metadata["config"].replace('"hidden_size": 8', '"hidden_size": 9')
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path), metadata=metadata)
    with pytest.raises(CheckpointError, match="do not fit"):
        load_checkpoint(path)


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    import rnn_demo.checkpoints as checkpoints
    path = tmp_path / "m.safetensors"
    first = build_model(ModelConfig(labels=["A", "B"], hidden_size=8))
    save_checkpoint(first, path)
    before = path.read_bytes()

    def crash(tensors, filename, metadata):
        with open(filename, "wb") as handle:
            handle.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoints, "save_file", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(build_model(ModelConfig(labels=["A", "B"], hidden_size=16)), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]  # no temporary file left


def test_shipped_default_checkpoint_is_small_and_loads():
    assert DEFAULT_CHECKPOINT.stat().st_size < 2_000_000
    model = load_checkpoint()
    assert len(model.labels) == 18
    assert predict(model, ["Nakamura"], 1)[0][0][0] == "Japanese"


def test_the_options_round_trip_and_a_file_without_them_still_loads(tmp_path):
    import json

    from safetensors import safe_open
    from safetensors.torch import save_file

    torch.manual_seed(0)
    config = ModelConfig(labels=["A", "B", "C"], arch="bidirectional", cell="gru", hidden_size=8, num_layers=1,
                         embedding=4, pooling="last+max", feature_dropout=0.3)
    model = build_model(config).eval()
    loaded = load_checkpoint(save_checkpoint(model, tmp_path / "m.safetensors"))
    assert loaded.config == config and predict(loaded, NAMES, 3) == predict(model, NAMES, 3)
    # A file written before the options existed: its config has none of the new keys.
    with safe_open(str(DEFAULT_CHECKPOINT), framework="pt") as handle:
        metadata, tensors = handle.metadata(), {k: handle.get_tensor(k) for k in handle.keys()}
    old = json.loads(metadata["config"])
    for key in ("embedding", "pooling", "feature_dropout"):
        old.pop(key, None)
    save_file(tensors, str(tmp_path / "old.safetensors"), metadata={**metadata, "config": json.dumps(old)})
    old = load_checkpoint(tmp_path / "old.safetensors").config
    assert (old.embedding, old.pooling) == (0, "last")  # written before the options: one-hot, last state


@pytest.mark.parametrize("key, value, message", [
    ("embedding", "64", "embedding size must be between 0 and 512, not 64"),
    ("feature_dropout", "0.3", "feature dropout must be between 0 and 0.9, not 0.3"),
    ("pooling", "mean", "pooling 'mean' is not one of"),
])
def test_a_bad_option_in_a_checkpoint_header_is_refused(tmp_path, key, value, message):
    import json

    from safetensors.torch import save_file

    model = build_model(ModelConfig(labels=["A", "B"], hidden_size=4))
    config = {**model.config.to_dict(), key: value}
    tensors = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(tmp_path / "bad.safetensors"),
              metadata={"format": "rnn-names-checkpoint", "version": "1", "config": json.dumps(config)})
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(tmp_path / "bad.safetensors")
