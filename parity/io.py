"""Input files read safely, output files written whole or not at all and checked before a run starts.

`read_input_text` returns the UTF-8 text of a regular file of sane size and `parse_json_text` parses JSON
with one-line errors (syntax, nesting, NaN); both raise InputError naming the input (docs/bad-input.md).
`write_atomic` writes to a temporary file in the target's directory and renames it over the target, so a
failure (full disk, interrupt) leaves the previous file intact and no partial file behind.
`check_output_path` refuses, before any work is done, an output whose directory cannot be created or is not
writable, that is a directory, that has an unsupported extension, or that is one of the run's inputs.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable

from parity.errors import InputError

MAX_INPUT_BYTES = 1 << 30  # 1 GiB: larger "price files" and "fixtures" are refused, not read into memory
MAX_JSON_DEPTH = 64

# ------------------------------------------------------------------------------------------- inputs


def read_input_text(path, label: str, *, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of the regular file `path`; InputError (naming `label`) for anything else."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{label} {path}: file not found") from None
    except OSError as e:
        raise InputError(f"{label} {path}: cannot be read ({e.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{label} {path}: is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{label} {path}: is not a regular file (a device, pipe or socket)")
    if info.st_size > max_bytes:
        raise InputError(f"{label} {path}: {info.st_size} bytes, more than the {max_bytes} this input may have")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(f"{label} {path}: cannot be read ({e.strerror})") from None
    if b"\x00" in raw:
        raise InputError(f"{label} {path}: is a binary file (it contains NUL bytes), not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{label} {path}: not UTF-8 text (byte {e.start}: {e.reason})") from None


def json_depth(text: str) -> int:
    """The maximum nesting depth of brackets and braces in JSON `text`, outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_json_text(text: str, label: str, **kwargs) -> Any:
    """json.loads with one-line errors: syntax, nesting deeper than MAX_JSON_DEPTH, NaN/Infinity, huge ints."""

    def constant(name):
        raise InputError(f"{label}: non-finite number {name} is not allowed")

    kwargs.setdefault("parse_constant", constant)
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise InputError(f"{label}: JSON nested {depth} levels deep; at most {MAX_JSON_DEPTH} are allowed")
    try:
        return json.loads(text, **kwargs)
    except json.JSONDecodeError as e:
        raise InputError(f"{label}: not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except RecursionError:
        raise InputError(f"{label}: JSON nested too deeply") from None
    except ValueError as e:
        if isinstance(e, InputError):
            raise
        # e.g. an integer literal longer than Python's int-conversion limit (4300 digits)
        raise InputError(f"{label}: unreadable JSON value ({str(e).splitlines()[0]})") from None


def load_json_file(path, label: str) -> Any:
    """Read and parse a JSON input file (see `read_input_text`, `parse_json_text`)."""
    return parse_json_text(read_input_text(path, label), f"{label} {path}")


# ------------------------------------------------------------------------------------------ outputs

PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".svgz", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".eps", ".ps")


@contextmanager
def atomic_path(path, suffix: str | None = None):
    """Yield a temporary path next to `path`; on success it is renamed over `path`, on failure removed.

    `suffix` defaults to `path`'s own (writers such as matplotlib pick the format from it)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix if suffix is not None else path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, OSError) and e.errno is not None:
            raise OSError(e.errno, e.strerror, str(path)) from None  # name the output, not the temporary file
        raise


def write_atomic(path, data: str | bytes) -> Path:
    """Write `data` (text is UTF-8) to `path` through a temporary file and a rename; returns `path`."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _nearest_existing(directory: Path) -> Path:
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    return directory


def check_output_path(path, flag: str, *, inputs: Iterable = (), suffixes: tuple[str, ...] | None = None) -> Path:
    """`path` as a Path if it can be written; else InputError naming `flag`, the path and what is wrong.

    inputs: (label, path) pairs the output must not overwrite."""
    path = Path(path)
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise InputError(f"{flag} {path}: unsupported extension {path.suffix or '(none)'!r}; use one of {', '.join(suffixes)}")
    if path.is_dir():
        raise InputError(f"{flag} {path}: is a directory; give a file name")
    parent = _nearest_existing(path.parent)  # missing directories are created when the file is written
    if not parent.is_dir():
        raise InputError(f"{flag} {path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{flag} {path}: directory {parent} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{flag} {path}: the existing file is not writable")
    for label, other in inputs:
        if other is not None and _same_file(path, Path(other)):
            raise InputError(f"{flag} {path}: is the same file as {label}; it would overwrite an input")
    return path


def check_outputs(outputs: dict, inputs: dict) -> None:
    """Check every output {flag: path or None} (plots by extension) and that no two outputs coincide."""
    given = {flag: Path(p) for flag, p in outputs.items() if p is not None}
    pairs = list(inputs.items())
    for flag, path in given.items():
        check_output_path(path, flag, inputs=pairs, suffixes=PLOT_SUFFIXES if flag == "--plot" else None)
        pairs.append((flag, path))
