"""Exact integer model of the on-chain arithmetic: PRBMath v2.5.0 SD59x18, rule storage, guard rails, rules."""

from .errors import Revert
from .sd59x18 import ONE, div, exp, exp2, log2, mul, pow, qpow, sqrt

__all__ = ["ONE", "Revert", "div", "exp", "exp2", "log2", "mul", "pow", "qpow", "sqrt"]
