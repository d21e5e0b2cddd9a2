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


PROFILES = ("legacy", "via-ir")


def make_model(rule: str, update_weight_runner: str, *, compiler_profile: str = "legacy") -> RuleModel:
    """A fresh model of the contract for user rule name ``rule``, deployed with ``update_weight_runner``,
    as built by ``compiler_profile`` ("legacy", or "via-ir": two operand orders differ on malformed input)."""
    try:
        cls = MODELS[rule]
    except KeyError:
        raise ValueError(f"rule={rule!r}: no on-chain rule model; expected one of {sorted(MODELS)}") from None
    if compiler_profile not in PROFILES:
        raise ValueError(f"compiler_profile={compiler_profile!r}: must be one of {', '.join(PROFILES)}")
    model = cls(update_weight_runner)
    model.via_ir = compiler_profile == "via-ir"
    return model


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
