"""The seven TFMM pools (both weight paths) and ``create_pool``."""

from parity.pools.anti_momentum import AntiMomentumPool
from parity.pools.base import TFMMBasePool, UnsupportedPathError
from parity.pools.difference_momentum import DifferenceMomentumPool
from parity.pools.index_market_cap import IndexMarketCapPool
from parity.pools.mean_reversion_channel import MeanReversionChannelPool
from parity.pools.min_variance import MinVariancePool
from parity.pools.momentum import MomentumPool
from parity.pools.power_channel import PowerChannelPool
from parity.float64 import guard_class, guarded

POOLS = {
    "momentum": MomentumPool,
    "anti_momentum": AntiMomentumPool,
    "power_channel": PowerChannelPool,
    "mean_reversion_channel": MeanReversionChannelPool,
    "difference_momentum": DifferenceMomentumPool,
    "min_variance": MinVariancePool,
    "index_market_cap": IndexMarketCapPool,
}

for _cls in (TFMMBasePool, *POOLS.values()):
    guard_class(_cls)  # float64 in every public pool method (parity.float64)


@guarded
def create_pool(rule: str) -> TFMMBasePool:
    """A new pool for the rule name users type (one of POOLS)."""
    if rule not in POOLS:
        raise ValueError(f"rule={rule!r}: unknown rule, must be one of {sorted(POOLS)}")
    return POOLS[rule]()


__all__ = ["POOLS", "create_pool", "TFMMBasePool", "UnsupportedPathError"]
