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


def make_model(rule: str, update_weight_runner: str, *, compiler_profile: str = "legacy") -> RuleModel:
    """A fresh model of the contract for user rule name ``rule``, deployed with ``update_weight_runner``,
    as built by ``compiler_profile`` (a profile of parity.chain.compile: its code generator decides the
    operand order of two malformed-input cases, docs/malformed-inputs.md)."""
    from parity.chain.compile import pipeline_of

    try:
        cls = MODELS[rule]
    except KeyError:
        raise ValueError(f"rule={rule!r}: no on-chain rule model; expected one of {sorted(MODELS)}") from None
    try:
        pipeline = pipeline_of(compiler_profile)
    except ValueError as e:
        raise ValueError(f"compiler_profile={compiler_profile!r}: {e}") from None
    model = cls(update_weight_runner)
    model.via_ir = pipeline == "via-ir"
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
