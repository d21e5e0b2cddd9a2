"""Inputs that name a node and what is on it: a JSON-RPC URL, an address, a block number. Each check raises
InputError with one line naming the flag, the value and the rule it broke (docs/bad-input.md)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from parity.errors import InputError

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_DECIMAL = re.compile(r"[0-9]+")
MAX_BLOCK = 2**63 - 1


def check_rpc_url(url, flag: str = "--rpc-url") -> str:
    """An http(s) URL with a host."""
    if not isinstance(url, str) or not url:
        raise InputError(f"{flag}: missing (give the node's JSON-RPC URL, e.g. http://127.0.0.1:8545)")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InputError(f"{flag} {url!r}: not an http(s):// JSON-RPC URL (e.g. http://127.0.0.1:8545)")
    try:
        parsed.port  # noqa: B018  (raises ValueError for a port that is not a number in 0..65535)
    except ValueError as e:
        raise InputError(f"{flag} {url!r}: {e}") from None
    return url


def check_address(value, flag: str) -> str:
    """A 20-byte 0x-hex address, returned checksummed; a mixed-case one must carry a valid EIP-55 checksum."""
    from eth_utils import to_checksum_address

    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise InputError(f"{flag} {value!r}: not an address (0x followed by 40 hex digits)")
    checksummed = to_checksum_address(value)
    if value[2:] not in (value[2:].lower(), value[2:].upper()) and value != checksummed:
        raise InputError(f"{flag} {value}: wrong EIP-55 checksum (did you mean {checksummed}?)")
    return checksummed


def check_block(value, flag: str) -> int | None:
    """A block number (decimal, ≥ 0), or None when not given."""
    if value is None:
        return None
    text = str(value).strip()
    if not _DECIMAL.fullmatch(text) or int(text) > MAX_BLOCK:
        raise InputError(f"{flag} {value!r}: not a block number (a decimal integer ≥ 0)")
    return int(text)


def check_block_range(lo: int | None, hi: int | None) -> None:
    if lo is not None and hi is not None and lo > hi:
        raise InputError(f"--from-block {lo}: after --to-block {hi} (an empty range)")


def check_positive(value, flag: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise InputError(f"{flag} {value!r}: must be an integer in 1..{maximum}")
    return value
