"""A failure inside a plug-in pool's own code, reported on one line with the pool's frame and message.

``pool_code_error(pool, method, exc)`` turns any exception raised while calling ``pool.method`` into a
:class:`PoolCodeError` (a ValueError: bad input, exit 2 at the command line) whose message names the pool
class, the method, the innermost frame of the pool's own source (its top-level package, or its module
file) and the first line of the original message: JAX's multi-line messages and dumps of the arguments
are cut to one line. When the call failed before any of the pool's lines ran (e.g. JAX refusing an
argument of a jitted method), the frame is the method's definition.
"""

from __future__ import annotations

import inspect
import os
import sys

MAX_MESSAGE = 240


class PoolCodeError(ValueError):
    """A plug-in pool's own code raised; the message is one line (pool, method, frame, original message)."""


def _source_root(pool) -> str | None:
    """The directory of the pool's top-level package, or its module's file (a top-level module)."""
    module = sys.modules.get(type(pool).__module__)
    top = sys.modules.get(type(pool).__module__.split(".")[0])
    for candidate in (top, module):
        path = getattr(candidate, "__file__", None)
        if path:
            path = os.path.realpath(path)
            return os.path.dirname(path) if os.path.basename(path) == "__init__.py" else path
    return None


def _pool_frame(pool, method: str, exc: BaseException) -> str:
    root = _source_root(pool)
    tb, found = exc.__traceback__, None
    while tb is not None:
        name = os.path.realpath(tb.tb_frame.f_code.co_filename)
        if root is not None and (name == root or name.startswith(root + os.sep)):
            found = (name, tb.tb_lineno, tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    if found is None:
        func = inspect.unwrap(getattr(type(pool), method, None) or (lambda: None))
        try:
            found = (inspect.getsourcefile(func), inspect.getsourcelines(func)[1], method)
        except (OSError, TypeError):
            return "(no source)"
    file, line, func = found
    rel = os.path.relpath(file)
    return f"{file if rel.startswith('..') else rel}:{line} in {func}"


def _elide_dumps(text: str, longest: int = 40) -> str:
    """``{…}`` for every brace-enclosed dump longer than ``longest`` characters (e.g. a dict JAX printed)."""
    out, i = [], 0
    while i < len(text):
        if text[i] != "{":
            out.append(text[i])
            i += 1
            continue
        depth, j = 0, i
        while j < len(text):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                break
            j += 1
        if j - i + 1 > longest:
            out.append("{…}")
        else:
            out.append(text[i : j + 1])
        i = j + 1
    return "".join(out)


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """A message on one line: its first non-empty line (long brace-enclosed dumps elided), followed by its last
    line when that is a short conclusion (JAX's "TypeError: unhashable type: 'dict'"), cut to ``limit``."""
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip() and not ln.startswith("-----")]
    if not lines:
        return ""
    first = _elide_dumps(lines[0])
    if len(lines) > 1 and len(lines[-1]) < 100 and not lines[-1].startswith("For simplicity, JAX"):
        first = f"{first} {_elide_dumps(lines[-1])}"
    return first if len(first) <= limit else first[: limit - 1] + "…"


def pool_code_error(pool, method: str, exc: BaseException) -> PoolCodeError:
    """A PoolCodeError for ``exc`` raised inside ``pool.method``."""
    where = _pool_frame(pool, method, exc)
    return PoolCodeError(f"{type(pool).__name__}.{method} failed at {where}: {type(exc).__name__}: {one_line(exc)}")
