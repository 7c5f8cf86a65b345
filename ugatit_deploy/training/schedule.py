"""The official learning-rate schedule: constant, then linear decay to 0 over the second half."""

from __future__ import annotations


def learning_rate(step: int, base_lr: float, iterations: int, decay: bool) -> float:
    """LR used at ``step`` (1-based). Official: from step iterations//2 + 1 on, each step subtracts
    base_lr / (iterations // 2), reaching 0 at the last step. Computed in closed form so a resumed run
    gets exactly the LR of an uninterrupted one."""
    half = iterations // 2
    if not decay or step <= half or half == 0:
        return base_lr
    return max(0.0, base_lr - base_lr / half * (step - half))  # odd iteration counts would go below 0
