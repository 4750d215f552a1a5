"""An embedding is one-hot times a matrix: the numbers of the options' "See it" view."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from rnn_demo.data import ALPHABET, check_name, one_hot


@dataclass
class EmbeddingLookup:
    name: str  # normalised
    one_hot: torch.Tensor  # (T, V)
    matrix: torch.Tensor  # (V, E): the embedding's weights, one row per symbol of the alphabet
    product: torch.Tensor  # (T, E): one_hot @ matrix
    rows: torch.Tensor  # (T, E): matrix[index of each letter]
    indices: list[int]  # each letter's column in the one-hot, i.e. its row in the matrix


def embedding_lookup(name: str, size: int = 4, seed: int = 0) -> EmbeddingLookup:
    """A name one-hot encoded, times a random (V, E) matrix, beside the rows picked by index: equal,
    because each one-hot row has a single 1. Raises DataError for a name without letters."""
    clean = check_name(name)
    x = one_hot(clean)  # (T, V)
    W = torch.randn(len(ALPHABET), size, generator=torch.Generator().manual_seed(seed))  # (V, E)
    indices = x.argmax(dim=1).tolist()
    return EmbeddingLookup(clean, x, W, x @ W, W[indices], indices)
