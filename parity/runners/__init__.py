"""The historic runner: ``do_run_on_historic_data`` (parity.runners.jax_runners, quantammsim's module path)
and the value model of its reserves (parity.runners.value)."""

from parity.runners.jax_runners import _as_fingerprint, do_run_on_historic_data  # noqa: F401
from parity.runners.value import fine_reserves, zero_fee_reserves  # noqa: F401

__all__ = ["do_run_on_historic_data", "fine_reserves", "zero_fee_reserves"]
