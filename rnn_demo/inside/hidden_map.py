"""A map of the hidden states: every validation name's final state (what the classifier reads),
projected to 2-D with PCA; a typed name placed on it with its nearest training names.

Shapes: N names, B batch, T letters, V alphabet, F features the classifier reads (H, or 2H when
bidirectional), C classes.

    train_rows, val_rows = training_split(table, config)
    view = hidden_map(model, val_rows)                 # view.points: name, label, x, y
    index = index_names(model, train_rows)             # once per model
    placed = place_name(model, view, index, "Kowalski")  # x, y and 5 nearest training names

While training, `take_snapshot(event.model, inputs, epoch, previous)` keeps one small map per epoch.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from rnn_demo.data import DataError, check_name, collate, one_hot
from rnn_demo.inside.cells import evaluating
from rnn_demo.models import NameClassifier
from rnn_demo.train import TrainConfig, split_for

BATCH = 512  # names run through the model at once
NEIGHBOURS = 5


def training_split(table: pd.DataFrame, config: TrainConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (training, validation) rows train() makes of this table with this config (split_for), so a
    map can be drawn while that training runs. Raises DataError."""
    split = split_for(table, config)
    return split.train_rows, split.val_rows


@torch.no_grad()
def final_states(model: NameClassifier, names: list[str]) -> torch.Tensor:
    """What the classifier reads for each normalised name: (N, F), in the order given.

    Read with a hook on model.fc, so it is exactly the classifier's input for every architecture."""
    captured = []
    hook = model.fc.register_forward_hook(lambda module, args, output: captured.append(args[0].detach()))
    device = next(model.parameters()).device
    try:
        with evaluating(model):
            for start in range(0, len(names), BATCH):
                padded, lengths, _ = collate([(one_hot(name), 0) for name in names[start:start + BATCH]])
                model(padded.to(device), lengths)
    finally:
        hook.remove()
    return torch.cat(captured).cpu() if captured else torch.zeros(0, model.fc.in_features)


def principal_axes(states: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, tuple[float, float]]:
    """PCA of (N, F) states: mean (F,), axes (F, 2), share of the variance along each axis."""
    mean = states.mean(dim=0)
    centred = states - mean
    # pca_lowrank is randomised: a fixed seed, in a forked random state, gives the same map every
    # time and leaves the training's random numbers (dropout) as they were.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        _, s, v = torch.pca_lowrank(centred, q=min(6, *centred.shape), center=False, niter=4)
    axes = v[:, :2]  # (F, 2)
    axes = axes * axes.gather(0, axes.abs().argmax(dim=0, keepdim=True)).sign()  # largest loading positive: no flips
    total = centred.pow(2).sum().clamp_min(1e-12)
    share = (s[:2].pow(2) / total).tolist() + [0.0] * (2 - len(s[:2]))
    return mean, axes, (share[0], share[1])


@dataclass
class HiddenMap:
    """Validation names placed by their final hidden state, projected on two principal axes."""

    points: pd.DataFrame  # name, label, x, y: one row per validation name, in the table's order
    mean: torch.Tensor  # (F,) the states' centre
    axes: torch.Tensor  # (F, 2) the two principal directions
    explained: tuple[float, float]  # share of the states' variance along x and along y
    note: str

    def project(self, states: torch.Tensor) -> torch.Tensor:
        """(N, F) states -> (N, 2) map coordinates."""
        return (states - self.mean) @ self.axes


def hidden_map(model: NameClassifier, val_rows: pd.DataFrame) -> HiddenMap:
    """The 2-D PCA map of the final hidden state of every name in val_rows (columns name, label)."""
    if len(val_rows) < 2:
        raise DataError("a map needs at least 2 names")
    names = [check_name(name) for name in val_rows["name"]]
    states = final_states(model, names)  # (N, F)
    mean, axes, explained = principal_axes(states)
    xy = (states - mean) @ axes  # (N, 2)
    points = pd.DataFrame({"name": names, "label": val_rows["label"].tolist(),
                           "x": xy[:, 0].tolist(), "y": xy[:, 1].tolist()})
    note = (f"Each dot is a validation name's final hidden state ({states.shape[1]} numbers) seen from the two "
            f"directions along which those states vary most: {explained[0]:.0%} and {explained[1]:.0%} of the "
            "variance. Names the model finds alike sit close.")
    return HiddenMap(points, mean, axes, explained, note)


@dataclass
class NameIndex:
    """Training names with their final states, for nearest-neighbour look-ups (build once per model)."""

    names: list[str]
    labels: list[str]
    states: torch.Tensor  # (N, F)


def index_names(model: NameClassifier, rows: pd.DataFrame) -> NameIndex:
    """Final states of every name in rows (columns name, label), usually the training names."""
    names = [check_name(name) for name in rows["name"]]
    return NameIndex(names, rows["label"].tolist(), final_states(model, names))


@dataclass
class Placement:
    """A typed name on the map, and its nearest training names in the full hidden space."""

    name: str  # normalised
    guess: str  # the model's most likely label
    x: float
    y: float
    neighbours: pd.DataFrame  # name, label, distance (full hidden space), x, y; nearest first


def place_name(model: NameClassifier, view: HiddenMap, index: NameIndex, name: str,
               k: int = NEIGHBOURS) -> Placement:
    """Put a name on the map and find its k nearest names of the index (Euclidean, all F numbers,
    not the 2-D picture, where far names can look close). Raises DataError for a bad name."""
    clean = check_name(name)
    state = final_states(model, [clean])  # (1, F)
    if state.shape[1] != index.states.shape[1] or state.shape[1] != view.mean.shape[0]:
        raise ValueError("the map or the index was made with another model: rebuild them for this one")
    # Exact differences, not cdist's faster |a|² + |b|² - 2ab, whose rounding puts a name ~1e-4 from itself.
    distance = torch.cdist(state, index.states, compute_mode="donot_use_mm_for_euclid_dist")[0]  # (N,)
    nearest = distance.topk(min(k, len(index.names)), largest=False).indices  # (k,) nearest first
    xy = view.project(index.states[nearest])  # (k, 2)
    neighbours = pd.DataFrame({
        "name": [index.names[i] for i in nearest.tolist()], "label": [index.labels[i] for i in nearest.tolist()],
        "distance": distance[nearest].tolist(), "x": xy[:, 0].tolist(), "y": xy[:, 1].tolist(),
    })
    point = view.project(state)[0]
    guess = model.labels[int(model.fc(state.to(model.fc.weight.device)).argmax())]
    return Placement(clean, guess, point[0].item(), point[1].item(), neighbours)


# ---------------------------------------------------------------------------------------------
# One snapshot per epoch

SNAPSHOT_BYTES_PER_NAME = 8  # x and y as float32


@dataclass
class MapSnapshot:
    """The map after one epoch: 2-D points only, SNAPSHOT_BYTES_PER_NAME bytes per name (2,700
    validation names of the classic set: 21.6 KB an epoch, 4.3 MB for 200 epochs)."""

    epoch: int
    xy: torch.Tensor  # (N, 2) float32, in the order of the names the snapshots were taken on
    explained: tuple[float, float]


def take_snapshot(model: NameClassifier, names: list[str], epoch: int,
                  previous: MapSnapshot | None = None) -> MapSnapshot:
    """The map of normalised `names` for the model as it is now (e.g. EpochEvent.model).

    Each epoch gets its own PCA; it is then turned (or mirrored) to lie as close as it can to the
    previous epoch's map, so a slider over the epochs shows the clusters move, not the axes flip."""
    states = final_states(model, names)  # (N, F); leaves the model in the mode it was in
    mean, axes, explained = principal_axes(states)
    xy = (states - mean) @ axes  # (N, 2)
    if previous is not None and previous.xy.shape == xy.shape:
        # Orthogonal Procrustes: the rotation or reflection R (2, 2) that brings xy nearest previous.
        u, _, vh = torch.linalg.svd(xy.T @ previous.xy)
        xy = xy @ (u @ vh)
    return MapSnapshot(epoch, xy.float().contiguous(), explained)


def snapshot_points(snapshot: MapSnapshot, rows: pd.DataFrame) -> pd.DataFrame:
    """A snapshot as the map's table: name, label, x, y, epoch (rows: the names it was taken on)."""
    return pd.DataFrame({"name": rows["name"].tolist(), "label": rows["label"].tolist(),
                         "x": snapshot.xy[:, 0].tolist(), "y": snapshot.xy[:, 1].tolist(),
                         "epoch": snapshot.epoch})


def nearest_on_map(points: pd.DataFrame, x: float, y: float) -> str:
    """The name of `points` (columns name, x, y) drawn nearest to (x, y)."""
    return points["name"].iloc[int(((points["x"] - x) ** 2 + (points["y"] - y) ** 2).argmin())]


def neighbours_in_snapshot(snapshot: MapSnapshot, rows: pd.DataFrame, anchor: str, k: int = NEIGHBOURS) -> pd.DataFrame:
    """The k names drawn nearest `anchor` (one of `rows`' names) on an epoch's map, anchor first:
    who its neighbours were at that epoch (2-D distances: a snapshot keeps no more)."""
    points = snapshot_points(snapshot, rows)
    here = points[points["name"] == anchor]
    if here.empty:
        raise DataError(f"{anchor!r} is not one of the names the map was taken on")
    distance = ((points["x"] - here["x"].iloc[0]) ** 2 + (points["y"] - here["y"].iloc[0]) ** 2) ** 0.5
    nearest = points.assign(distance=distance).nsmallest(k + 1, "distance")
    return nearest[["name", "label", "distance", "x", "y"]].reset_index(drop=True)
