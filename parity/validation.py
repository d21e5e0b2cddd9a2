"""Checks of what users give the `parity` command, run before anything is computed or deployed.

Every check raises `InputError` with one line naming the input (flag or file and field), the value and
what is wrong; the command prints it and exits with code 2. See docs/bad-input.md.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, Sequence

MAX_INPUT_BYTES = 1 << 30  # 1 GiB: larger "price files" and "fixtures" are refused, not read into memory
MAX_JSON_DEPTH = 64


class InputError(ValueError):
    """Bad input: one line, exit code 2."""


# ---------------------------------------------------------------------------------------------- files


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


# ------------------------------------------------------------------------------------------ parameters


class _ReadTracker(dict):
    """A dict that remembers which keys were looked up (get, [], in)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


def unused_parameter_keys(pool, params: dict, run_fingerprint) -> list[str]:
    """Keys of `params` the pool never reads when resolving its parameters, initial weights and state."""
    import numpy as np

    from parity.pools.base import TFMMBasePool

    tracked = _ReadTracker(params)
    pool.chain_params(tracked, run_fingerprint)
    if hasattr(pool, "initial_weights"):
        pool.initial_weights(tracked, run_fingerprint)
    if isinstance(pool, TFMMBasePool):  # a plug-in pool's state hook takes the decoded on-chain values
        pool.get_initial_rule_state(np.ones(run_fingerprint.n_assets), tracked, run_fingerprint)
    return sorted(set(params) - tracked.read)


def drop_shadowing_defaults(pool, params: dict, given: set, run_fingerprint) -> None:
    """Remove (in place) default keys that hide a key the user gave for the same parameter, e.g. the
    default `width` when the user gave `sp_width` (the pool reads the first of the two it finds)."""
    unused = set(unused_parameter_keys(pool, params, run_fingerprint)) & given
    for key in [k for k in params if k not in given]:
        if not unused:
            return
        trial = {k: v for k, v in params.items() if k != key}
        try:
            now = set(unused_parameter_keys(pool, trial, run_fingerprint)) & given
        except ValueError:
            continue  # the default is needed
        if len(now) < len(unused):
            del params[key]
            unused = now


def check_parameter_keys(pool, params: dict, given: set, run_fingerprint, label: str = "--params") -> None:
    """InputError naming every key the user gave (`given`) that the rule does not use."""
    unused = [k for k in unused_parameter_keys(pool, params, run_fingerprint) if k in given]
    if unused:
        raise InputError(
            f"{label}: {', '.join(map(repr, unused))} {'is' if len(unused) == 1 else 'are'} not used by rule "
            f"{pool.rule} (unknown, misspelt or overridden by another key)"
        )


# ------------------------------------------------------------------------------------ other options


def check_tolerance_fields(tolerances: dict, contract: str, extra: Sequence[str] = ()) -> None:
    """InputError for a `--tolerance` field the rule's contract does not have (`extra`: the level's own
    fields, e.g. the pool level's stored weights and samples)."""
    from parity.harness.mapping import state_map_for

    fields = (*state_map_for(contract).keys, "weights", *extra)
    unknown = [f for f in tolerances if f not in fields]
    if unknown:
        raise InputError(f"--tolerance {unknown[0]}: {contract} has no field {unknown[0]!r}; its fields are "
                         f"{', '.join(fields)}")


def check_assets_spec(spec: str | None) -> None:
    """`--assets` must be ASCII: a count in 0-9 digits or column names separated by commas."""
    if spec is not None and not spec.isascii() and spec.strip().isdigit():
        raise InputError(f"--assets {spec!r}: write the number of assets with the digits 0-9")
    if spec is not None and not spec.strip():
        raise InputError("--assets: empty; give a number of assets or comma-separated column names")


def check_sender(chain, sender: str | None, backend: str) -> None:
    """On the in-process backends the sender must be one of the chain's accounts (it signs transactions)."""
    if sender is None or backend == "rpc":
        return
    from eth_utils import is_address, to_checksum_address

    if not is_address(sender):
        raise InputError(f"--sender {sender!r}: not an address (0x followed by 40 hex digits)")
    accounts = [to_checksum_address(a) for a in chain.accounts]
    if to_checksum_address(sender) not in accounts:
        raise InputError(f"--sender {sender}: not one of the {backend} chain's {len(accounts)} accounts "
                         f"({accounts[0]} … {accounts[-1]})")


# ------------------------------------------------------------------------------------------ one run


def check_run_inputs(pool, params: dict, fp, prices, names, *, blocks, burn_in, label: str, given=None) -> None:
    """Before deploying: every parameter key is used by the rule (defaults that hide a key the user gave,
    `given`, are dropped from `params` first), and the run's update prices are representable on chain
    (parity.chain_limits). `prices` holds every row; row 0 initialises."""
    import numpy as np

    from parity.chain_limits import check_prices_for_chain

    try:
        if given is not None:
            drop_shadowing_defaults(pool, params, set(given), fp)
        check_parameter_keys(pool, params, set(params), fp, "--params/flags")
        stride = max(int(fp.chunk_period) // int(fp.price_interval or fp.chunk_period), 1)
        update = np.asarray(prices, dtype=np.float64)[::stride]
        if blocks is not None:
            update = update[: burn_in + blocks + 1]
        check_prices_for_chain(pool, params, fp, update, names, label)
    except InputError:
        raise
    except ValueError as e:  # the pool's own parameter checks
        raise InputError(str(e)) from None
