"""What training minimises and how it steps, with its options: the loss (cross-entropy; label
smoothing, balancing), the optimiser (Adam; AdamW with weight decay), and what acts after each step
(the learning-rate schedule, the moving average of the weights). train() builds each in one line.

Shapes: C classes.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import TrainConfig


class LogitAdjustedLoss(nn.Module):
    """Cross-entropy on logits + tau * log(prior): in the loss, each label starts with the head start
    its share of the names gives it, so the logits themselves must learn what the prior does not
    (Menon et al. 2021). Predictions use the plain logits."""

    def __init__(self, log_prior: torch.Tensor, label_smoothing: float, tau: float = 1.0):
        super().__init__()
        self.register_buffer("shift", tau * log_prior)  # (C,)
        self.loss = nn.CrossEntropyLoss(label_smoothing=label_smoothing)

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return self.loss(logits + self.shift, targets)


def make_criterion(config: TrainConfig, counts: list[int], device: torch.device) -> nn.Module:
    """The loss: cross-entropy, with label smoothing, and with balancing by weights or logit adjustment."""
    counts = torch.tensor(counts, dtype=torch.float)  # (C,) names per label
    share = counts / counts.sum()
    strength = config.balance_strength
    if config.balance and config.balance_method == "logit-adjust":
        return LogitAdjustedLoss(share.log(), config.label_smoothing, strength).to(device)
    weights = None
    if config.balance:
        # Weight each label by (1 / its share) ** strength, scaled so the mean weight over the names
        # is 1: at strength 1 every label weighs as much in the loss as any other.
        weights = share ** -strength
        weights = (weights * counts.sum() / (weights * counts).sum()).to(device)
    return nn.CrossEntropyLoss(weight=weights, label_smoothing=config.label_smoothing)


def make_optimizer(model: nn.Module, config: TrainConfig, device: torch.device) -> torch.optim.Optimizer:
    """Adam, or AdamW when the run sets a weight decay."""
    # fused: one kernel updates every parameter, instead of a loop over them (a third of the step's time on a CPU).
    fused = device.type in ("cpu", "cuda")
    if config.weight_decay:
        return torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay,
                                 fused=fused)
    return torch.optim.Adam(model.parameters(), lr=config.learning_rate, fused=fused)


class AfterStep:
    """The options that act after each optimiser step: the 'onecycle' learning-rate schedule and the
    moving average of the weights. With both off (the defaults) it does nothing."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, config: TrainConfig, steps_per_epoch: int):
        self.model = model
        self.scheduler = None  # one step per batch
        if config.schedule == "onecycle":
            self.scheduler = torch.optim.lr_scheduler.OneCycleLR(
                optimizer, max_lr=config.learning_rate, total_steps=config.epochs * steps_per_epoch, pct_start=0.3)
        self.averaged = None
        if config.average:
            # After each step: average = decay * average + (1 - decay) * weights (buffers: none to average).
            self.averaged = torch.optim.swa_utils.AveragedModel(
                model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(config.average))

    def __call__(self) -> None:
        if self.scheduler is not None:
            self.scheduler.step()
        if self.averaged is not None:
            self.averaged.update_parameters(self.model)

    def weights(self) -> nn.Module:
        """The weights that validation scores and training keeps: the moving average when there is one."""
        return self.model if self.averaged is None else self.averaged.module
