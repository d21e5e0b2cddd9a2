"""float64 wherever parity computes, not only where it is first imported.

`parity/__init__.py` turns on ``jax_enable_x64`` globally, but that only helps when that file runs. It
does not run when ``import parity`` resolves to another directory called ``parity``: under pytest's
default import mode, ``tests/`` is put on ``sys.path``, and when the repository root is not on it (the
``pytest`` console script that tox runs; ``python -m pytest`` puts it there), ``tests/parity/`` (no
``__init__.py``) wins as a namespace package. The editable install's finder then loads the submodules
(``parity.cli``, ``parity.pools``, ...) without ever executing ``parity/__init__.py``, so the process
computes in float32 (docs/float64.md). A caller can also turn x64 off for its thread with
``jax.enable_x64(False)``.

So every public entry point is wrapped by :func:`guarded`, which runs it under ``jax.enable_x64(True)``
(the thread-local setting, which beats both the global flag and a caller's context), and
:func:`guard_class` does the same for every public method of a pool class. ``ENTRY_POINTS`` lists the
guarded functions; the test suite checks that each one computes in float64 with x64 switched off.
"""

from __future__ import annotations

import functools
import inspect

import jax

MARK = "__parity_float64__"

# dotted names of the functions users call; each is wrapped by `guarded` (pools: `guard_class`)
ENTRY_POINTS = (
    "parity.cli.main",
    "parity.runners.do_run_on_historic_data",
    "parity.fixtures.record",
    "parity.fixtures.replay",
    "parity.fixtures.validate",
    "parity.fixtures.load_fixture",
    "parity.harness.driver.run_lockstep",
    "parity.harness.driver.run_pool_lockstep",
    "parity.fixtures.record_pool",
    "parity.fixtures.replay_pool",
    "parity.drift.drift_report",
    "parity.sweep.session.run_chunk",
    "parity.pools.create_pool",
)


def enable() -> None:
    """Turn float64 on for the whole process (the global flag)."""
    jax.config.update("jax_enable_x64", True)


def is_on() -> bool:
    """Whether arrays created here and now would be float64 (global flag and this thread's override)."""
    return bool(jax.config.jax_enable_x64)


def guarded(func):
    """`func` run with float64 on in the calling thread, whatever the global flag or the caller says."""
    if getattr(func, MARK, False):
        return func

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with jax.enable_x64(True):
            return func(*args, **kwargs)

    setattr(wrapper, MARK, True)
    return wrapper


def guard_class(cls) -> type:
    """Wrap every public method defined on `cls` itself (not inherited) with `guarded`; returns `cls`."""
    for name, attr in list(vars(cls).items()):
        if name.startswith("_"):
            continue
        if isinstance(attr, (staticmethod, classmethod)):
            setattr(cls, name, type(attr)(guarded(attr.__func__)))
        elif inspect.isfunction(attr):
            setattr(cls, name, guarded(attr))
    return cls


enable()
