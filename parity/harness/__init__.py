"""Lockstep parity harness: JAX scan path vs an on-chain rule, block by block.

    from parity.harness import run_lockstep, summary, write_json, plot_report
"""

from parity.harness.compare import FIELDS, default_tolerances, parse_tolerance
from parity.harness.driver import LockstepResult, SetupError, run_lockstep, run_pool_lockstep
from parity.harness.mapping import STATE_MAPS, StateField, StateMap, map_parameters
from parity.harness.plot import plot_report
from parity.harness.report import summary, to_dict, write_json

__all__ = [
    "FIELDS",
    "LockstepResult",
    "STATE_MAPS",
    "SetupError",
    "StateField",
    "StateMap",
    "default_tolerances",
    "map_parameters",
    "parse_tolerance",
    "plot_report",
    "run_lockstep",
    "run_pool_lockstep",
    "summary",
    "to_dict",
    "write_json",
]
