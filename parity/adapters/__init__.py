"""Plug-in pools: load any importable pool for the harness (``parity verify --pool package.module:Class``).

``load_pool(spec, rule_contract)`` imports ``package.module`` (the current directory is searched first, as
``python -m`` does), takes ``Class`` (dotted attributes allowed) and instantiates it with no arguments if
it is a class. An object that satisfies the harness :class:`~parity.adapters.protocol.Pool` protocol is used
as it is; an object with quantammsim's pool interface (``get_initial_rule_state`` and
``calculate_rule_output_step``, or ``calculate_rule_outputs``) is wrapped in
:class:`~parity.adapters.quantammsim.QuantammsimPool` (``path`` picks how it is verified). An exception
raised by the user's module or class while importing or instantiating it is reported on one line, and so is
any exception its methods raise later (parity.adapters.quarantine, the one wrapper of users' code).
"""

from __future__ import annotations

import importlib
import os
import sys

from parity.adapters.errors import PoolCodeError, one_line
from parity.adapters.protocol import Pool, VectorizedCheck, missing_methods
from parity.adapters.quantammsim import QuantammsimPool
from parity.adapters.quarantine import quarantine

__all__ = ["Pool", "PoolCodeError", "VectorizedCheck", "QuantammsimPool", "load_pool", "import_object"]


def import_object(spec: str):
    """The object named ``package.module:attr`` (attr may be dotted)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"--pool {spec!r}: must be package.module:Class")
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"--pool {spec!r}: cannot import {module_name!r} ({exc})") from None
    except Exception as exc:  # the user's module failed while it was imported
        raise ValueError(f"--pool {spec!r}: importing {module_name!r} raised {type(exc).__name__}: "
                         f"{one_line(exc)}") from None
    finally:
        if added:
            sys.path.remove(cwd)
    obj = module
    for part in attr.split("."):
        try:
            found = hasattr(obj, part)
        except Exception as exc:  # a property or module __getattr__ of the user's that raises
            raise ValueError(f"--pool {spec!r}: reading {part!r} raised {type(exc).__name__}: {one_line(exc)}") from None
        if not found:
            raise ValueError(f"--pool {spec!r}: module {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


def _quantammsim_style(obj) -> bool:
    scan = all(callable(getattr(obj, m, None)) for m in ("calculate_rule_output_step", "get_initial_rule_state"))
    return scan or callable(getattr(obj, "calculate_rule_outputs", None))


def load_pool(spec: str, rule_contract: str | None = None, path: str = "auto"):
    """(pool object for the harness, rule contract name) from ``package.module:Class``; ``path`` ("auto",
    "scan", "vectorized") is how a quantammsim-style pool is verified (parity.adapters.quantammsim)."""
    obj = import_object(spec)
    if isinstance(obj, type):
        try:
            obj = obj()
        except Exception as exc:  # the class's own __init__ (or missing arguments)
            raise ValueError(f"--pool {spec!r}: cannot instantiate {obj.__name__} without arguments "
                             f"({type(exc).__name__}: {one_line(exc)})") from None
    try:
        missing = missing_methods(obj, Pool)
        contract = rule_contract or getattr(obj, "chain_rule", None)
        quantammsim_style = _quantammsim_style(obj)
    except Exception as exc:  # a property of the user's that raises
        raise ValueError(f"--pool {spec!r}: reading {type(obj).__name__}'s attributes raised {type(exc).__name__}: "
                         f"{one_line(exc)}") from None
    if not missing:
        if contract is None:
            raise ValueError(f"--pool {spec!r}: the pool names no chain_rule: give --rule-contract (e.g. MomentumRule)")
        if path != "auto":
            raise ValueError(f"--pool {spec!r}: path={path!r} applies to a quantammsim-style pool; this one is a "
                             "harness Pool (verified through its own calculate_coarse_weight_step)")
        return quarantine(obj), contract
    if quantammsim_style:
        if rule_contract is None:
            raise ValueError(f"--pool {spec!r}: a quantammsim-style pool needs --rule-contract (e.g. MomentumRule)")
        return QuantammsimPool(obj, rule_contract, path=path), rule_contract  # it quarantines the wrapped pool
    raise ValueError(f"--pool {spec!r}: {type(obj).__name__} is neither a harness Pool (missing "
                     f"{', '.join(missing_methods(obj, Pool))}) nor a quantammsim-style pool "
                     "(get_initial_rule_state and calculate_rule_output_step, or calculate_rule_outputs)")
