"""Named intermediate values of one update ("probes"), recorded only while `parity explain` asks for them.

The simulator (parity.estimators, parity.pools, parity.weights) and the integer model (parity.fixedpoint)
pass the values of their named operations through :func:`probe`, which returns its argument unchanged.
Outside :func:`recording` a probe costs one function call and one list test; under ``jax.jit`` it runs
at trace time only and adds nothing to the compiled function. Inside ``with recording() as rec:`` every probe
appends its value(s) to ``rec.values[name]`` in call order (a per-asset value called once per asset
ends up as one list of n values); a recording sees only its own thread's probes. Values must be concrete:
run the JAX step eagerly (``jax.disable_jit()``) while recording.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

import numpy as np

_ACTIVE: list["Recording"] = []  # recordings in progress, any thread; empty: a probe only returns its value
_LOCK = threading.Lock()


class Recording:
    """The values probed while it was active: name -> flat list (Python ints stay ints, arrays become floats)."""

    def __init__(self):
        self.values: dict[str, list] = {}
        self.thread = threading.get_ident()

    def add(self, name: str, value) -> None:
        out = self.values.setdefault(name, [])
        if isinstance(value, (list, tuple)):
            out.extend(value)
        elif isinstance(value, int):
            out.append(value)
        else:
            try:
                arr = np.asarray(value, dtype=np.float64)
            except Exception as e:  # a jit tracer: the step was not run eagerly
                raise RuntimeError(f"probe {name!r} got a non-concrete value ({type(value).__name__}); "
                                   "run the step under jax.disable_jit() while recording") from e
            out.extend(float(x) for x in arr.ravel())


def probe(name: str, value):
    """Record ``value`` under ``name`` when a recording is active; always return ``value`` unchanged."""
    if _ACTIVE:
        _record(name, value)
    return value


def _record(name: str, value) -> None:
    me = threading.get_ident()
    for rec in reversed(_ACTIVE):  # the innermost recording of this thread
        if rec.thread == me:
            rec.add(name, value)
            return


@contextmanager
def recording() -> Iterator[Recording]:
    """Record every probe this thread calls in this context (other threads' probes are not recorded)."""
    rec = Recording()
    with _LOCK:
        _ACTIVE.append(rec)
    try:
        yield rec
    finally:
        with _LOCK:
            _ACTIVE.remove(rec)
