"""Index by market cap (no on-chain rule; docs/architecture.md, Weights and timing), float64 — a weight rule.

``additional_oracle_input`` holds MARKET CAPS (T, n), one row per price row (not supplies: multiply
supplies by prices before calling). target = mcap/Σmcap at each update, w̃ = α·w_prev + (1−α)·target,
then the same on-chain guard rails. Alignment: the update at chunk k reads the market caps of chunk k's
own row, exactly as the price-based pools read that chunk's price; its weights are ramped in from bout
row (k − s_c)·stride on, so there is no look-ahead (quantammsim uses the previous chunk; we keep the
alignment of the other pools so that scan and vectorized paths and all rules line up).

Parameters: ``mixing`` (α) | ``memory_days_2`` (λ(days)) | σ(``logit_lamb`` + ``logit_delta_lamb``,
delta default 0), seed-style values capped at λ(max_memory_days). No estimator state (empty carry).
"""

import jax.numpy as jnp
import numpy as np

from parity.pools.base import TFMMBasePool
from parity.pools.common import check_values, is_concrete, resolve_lamb


def market_cap_target(market_caps):
    """mcap/Σmcap over the last axis."""
    return market_caps / jnp.sum(market_caps, axis=-1, keepdims=True)


class IndexMarketCapPool(TFMMBasePool):
    """Market-cap index with α blending and on-chain guard rails, both paths."""

    rule = "index_market_cap"
    chain_rule = None
    chain_keys = ("mixing",)
    rule_outputs_are_weights = True
    carry_keys = ()
    needs_oracle_input = True

    def _resolve(self, params, run_fingerprint):
        mixing, _ = resolve_lamb(
            params, run_fingerprint, chain_key="mixing", logit_keys=("logit_lamb", "logit_delta_lamb"),
            days_key="memory_days_2", rule=self.rule,
        )
        return {"mixing": mixing}

    def _checks(self, cp, n):
        check_values(cp, self.rule, [("mixing", lambda a: (a >= 0) & (a <= 1), "0 <= mixing <= 1")])

    def _init_state(self, initial_price, cp, params):
        return {}

    def _market_caps(self, oracle):
        if oracle is None:
            raise ValueError(f"pool {self.rule!r} needs additional_oracle_input (market caps); got None")
        if is_concrete(oracle):
            arr = np.asarray(oracle)
            bad = ~(np.isfinite(arr) & (arr > 0))
            if bad.any():
                at = tuple(int(i) for i in np.argwhere(bad)[0])
                raise ValueError(f"{self.rule}: additional_oracle_input (market caps of the updates) entry {list(at)} "
                                 f"= {float(arr[at])!r}: every value must be finite and > 0")
        return oracle

    def _rule_step(self, carry, price, cp, oracle_row):
        return carry, market_cap_target(self._market_caps(oracle_row))

    def _rule_series(self, carry0, prices, cp, oracle):
        return market_cap_target(self._market_caps(oracle)), {}
