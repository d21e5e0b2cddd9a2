"""A user's pool in quarantine: whatever its code raises becomes one line, and a non-finite result is named.

``quarantine(obj)`` wraps every method of the user's object (on the instance, so ``isinstance`` and the
class name are unchanged) so that any exception raised while one runs, however deep in the user's code,
becomes a :class:`~parity.adapters.errors.PoolCodeError` naming the class, the method the harness called,
the frame of the user's source and the first line of the message (parity.adapters.errors). Calls from one
of the pool's methods to another are converted once, at the outermost call. ``NotImplementedError`` passes
through: it is how a pool says it has no such path (the harness then skips that check).

``check_finite(pool, values)`` raises a PoolCodeError when the values a quarantined pool's step returned
hold NaN or infinity, naming the class, its step method and the field and asset; the lockstep adds the
block (parity.harness.lockstep.session). The harness compiles a pool's step once and runs it many times:
an error raised while the compiled step runs (e.g. from a callback into the user's Python) is outside the
method's own call, so the harness passes it through ``user_code_error`` too.
"""

from __future__ import annotations

import functools
import logging
import threading
from contextlib import contextmanager

import numpy as np

from parity.adapters.errors import PoolCodeError, pool_code_error

_CALLS = threading.local()  # depth of quarantined calls on this thread: only the outermost converts


def _guarded(owner, name: str, method):
    @functools.wraps(method)
    def call(*args, **kwargs):
        depth = getattr(_CALLS, "depth", 0)
        if depth:
            return method(*args, **kwargs)
        _CALLS.depth = 1
        try:
            return method(*args, **kwargs)
        except (PoolCodeError, NotImplementedError):
            raise
        except Exception as exc:  # the user's code: report it, whatever it raised
            raise pool_code_error(owner, name, exc) from None
        finally:
            _CALLS.depth = 0

    return call


def _method_names(obj) -> list[str]:
    names = []
    for name in dir(type(obj)):
        if name.startswith("__") or isinstance(getattr(type(obj), name, None), property):
            continue
        if callable(getattr(obj, name, None)):
            names.append(name)
    return names


class _Proxy:
    """Stands in for a user's object whose instance cannot take attributes (``__slots__``)."""

    def __init__(self, obj):
        object.__setattr__(self, "_parity_wrapped", obj)

    def __getattr__(self, name):
        value = getattr(self._parity_wrapped, name)
        if callable(value) and not name.startswith("__"):
            return _guarded(self._parity_wrapped, name, value)
        return value


def quarantine(obj, step: str = "calculate_coarse_weight_step"):
    """`obj` with every method guarded (see the module docstring); `step` is the method whose values
    check_finite names. Returns `obj` itself, or a proxy when its instance takes no attributes."""
    try:
        for name in _method_names(obj):
            object.__setattr__(obj, name, _guarded(obj, name, getattr(obj, name)))
        object.__setattr__(obj, "_parity_user_step", (obj, step))
        return obj
    except (AttributeError, TypeError):
        proxy = _Proxy(obj)
        object.__setattr__(proxy, "_parity_user_step", (obj, step))
        return proxy


def user_step(pool) -> tuple[object, str] | None:
    """(the user's object, its step method) when `pool` is, or wraps (``pool.pool``), a quarantined pool."""
    for candidate in (pool, getattr(pool, "pool", None)):
        found = getattr(candidate, "_parity_user_step", None) if candidate is not None else None
        if found is not None:
            return found
    return None


def user_code_error(pool, exc: Exception) -> Exception:
    """The exception to raise for `exc`, raised while running `pool`'s compiled step: a PoolCodeError naming
    the user's class and step when `pool` is a quarantined user's pool, else `exc` itself."""
    step = user_step(pool)
    if step is None or isinstance(exc, (PoolCodeError, NotImplementedError)):
        return exc
    message = str(pool_code_error(step[0], step[1], exc))  # JAX quotes a callback's traceback header: drop it
    return PoolCodeError(message.replace(" Traceback (most recent call last):", ""))


@contextmanager
def quiet_callbacks(pool):
    """While a quarantined user's pool runs: JAX's own log of a failing callback (a traceback on stderr) is
    held back; the failure itself reaches the caller as one line (user_code_error)."""
    if user_step(pool) is None:
        yield
        return
    log = logging.getLogger("jax._src.callback")
    level, log.level = log.level, logging.CRITICAL + 1
    try:
        yield
    finally:
        log.level = level


def check_finite(pool, values: dict) -> None:
    """PoolCodeError naming the first field and asset of `values` ({field: array}) that is NaN or infinite,
    when `pool` is a quarantined user's pool (parity's own pools are not checked here)."""
    step = user_step(pool)
    if step is None:
        return
    for field, v in values.items():
        arr = np.asarray(v, dtype=np.float64).reshape(-1)
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            i = int(bad[0])
            raise PoolCodeError(f"{type(step[0]).__name__}.{step[1]} returned {arr[i]} in {field}[{i}] (the pool's step must give "
                                "finite values)")
