"""parity: lockstep verification of a JAX TFMM simulator against the on-chain QuantAMM rules."""

import jax

# Every array in parity is float64; this must run before any array is created.
jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"
