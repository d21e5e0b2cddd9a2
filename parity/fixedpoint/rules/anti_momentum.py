"""AntiMomentumRule (docs/arithmetic.md §4): w̃ = FINISH(relative gradient, κ, −1)."""

from __future__ import annotations

from .momentum import MomentumModel


class AntiMomentumModel(MomentumModel):
    """Exact model of ``AntiMomentumRule`` (same parameters and state as Momentum, opposite sign)."""

    name = "AntiMomentum"
    sign = -1
