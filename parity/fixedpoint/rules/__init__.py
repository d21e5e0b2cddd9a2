"""Exact integer models of the six on-chain rule contracts, keyed by the user rule names."""

from __future__ import annotations

from .anti_momentum import AntiMomentumModel
from .base import RuleModel
from .channel_following import ChannelFollowingModel
from .difference_momentum import DifferenceMomentumModel
from .minimum_variance import MinimumVarianceModel
from .momentum import MomentumModel
from .power_channel import PowerChannelModel

MODELS: dict[str, type[RuleModel]] = {
    "momentum": MomentumModel,
    "anti_momentum": AntiMomentumModel,
    "power_channel": PowerChannelModel,
    "mean_reversion_channel": ChannelFollowingModel,
    "difference_momentum": DifferenceMomentumModel,
    "min_variance": MinimumVarianceModel,
}


def make_model(rule: str, update_weight_runner: str) -> RuleModel:
    """A fresh model of the contract for user rule name ``rule``, deployed with ``update_weight_runner``."""
    try:
        cls = MODELS[rule]
    except KeyError:
        raise ValueError(f"rule={rule!r}: no on-chain rule model; expected one of {sorted(MODELS)}") from None
    return cls(update_weight_runner)


__all__ = [
    "MODELS",
    "AntiMomentumModel",
    "ChannelFollowingModel",
    "DifferenceMomentumModel",
    "MinimumVarianceModel",
    "MomentumModel",
    "PowerChannelModel",
    "RuleModel",
    "make_model",
]
