"""The class-activation-map attention shared by the generator and the discriminator."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


def class_activation_map(
    x: torch.Tensor,
    gap_fc: nn.Module,
    gmp_fc: nn.Module,
    gap_weight: torch.Tensor,
    gmp_weight: torch.Tensor,
    conv1x1: nn.Module,
    activation: Callable[[torch.Tensor], torch.Tensor],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return ``(attended x, cam_logit, heatmap)``.

    The logits come from ``gap_fc`` / ``gmp_fc`` on the global average / max pool; the channels are
    re-weighted with ``gap_weight`` / ``gmp_weight`` (1 x C), the logit layers' weight vectors.
    cam_logit is B x 2 (gap, gmp); heatmap the channel sum of the result, B x 1 x H x W.
    """
    gap_logit = gap_fc(F.adaptive_avg_pool2d(x, 1).flatten(1))
    gmp_logit = gmp_fc(F.adaptive_max_pool2d(x, 1).flatten(1))
    weighted = torch.cat([x * gap_weight[:, :, None, None], x * gmp_weight[:, :, None, None]], dim=1)
    x = activation(conv1x1(weighted))
    return x, torch.cat([gap_logit, gmp_logit], dim=1), x.sum(dim=1, keepdim=True)
