"""Pure JAX estimators in the on-chain semantics (float64): each module has init / step / series.

Row alignment of every ``series``: row t is the state (or output) after consuming prices[t].
"""

from parity.estimators import ewma, gradient, variance
from parity.estimators.recurrence import linear_recurrence

__all__ = ["ewma", "gradient", "variance", "linear_recurrence"]
