"""parity: lockstep verification of a JAX TFMM simulator against the on-chain QuantAMM rules."""

import os
import sys

# Every array in parity is float64; this must hold before any array is created. jax reads JAX_ENABLE_X64
# when it is first imported; if it already was, the flag is switched now. jax itself is not imported here,
# so `import parity` stays light (the pytest plugin, parity.pytest_plugin, is loaded by every pytest run).
os.environ["JAX_ENABLE_X64"] = "1"
if "jax" in sys.modules:
    sys.modules["jax"].config.update("jax_enable_x64", True)

__version__ = "0.1.0"
