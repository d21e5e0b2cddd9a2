"""Exact integer model of the on-chain arithmetic: PRBMath v2.5.0 SD59x18, rule storage, guard rails, rules."""

from .errors import Revert
from .guard import clamp_weights, guard_weights, normalize_weight_updates
from .rules import MODELS, RuleModel, make_model
from .sd59x18 import ONE, abs_, div, exp, exp2, from_int, log2, mul, pow, qpow, sqrt

__all__ = [
    "MODELS",
    "ONE",
    "Revert",
    "RuleModel",
    "abs_",
    "clamp_weights",
    "div",
    "exp",
    "exp2",
    "from_int",
    "guard_weights",
    "log2",
    "make_model",
    "mul",
    "normalize_weight_updates",
    "pow",
    "qpow",
    "sqrt",
]
