"""quantammsim-style pools with faults in their own code, for the adapter's error reports (tests only)."""

from functools import partial

import jax

from quantammsim_standin import MomentumPool


class CrossCheckKeyError(MomentumPool):
    """Its scan step is Momentum's; its vectorized path reads a fingerprint key that does not exist."""

    @partial(jax.jit, static_argnums=(2,))
    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None):
        return prices[:: run_fingerprint["chunk_periodd"]]


@partial(jax.jit, static_argnums=(1,))
def _gradients(prices, run_fingerprint):
    return prices[:: run_fingerprint["chunk_period"]]


class PlainDictInside(MomentumPool):
    """Hands a plain dict copy of its fingerprint to a jitted helper (JAX refuses it as a static argument)."""

    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None):
        return _gradients(prices, dict(run_fingerprint))


class StepTypeError(MomentumPool):
    """Its scan step fails on the first update."""

    def calculate_rule_output_step(self, carry, price, params, run_fingerprint):
        return carry, price + "x"
