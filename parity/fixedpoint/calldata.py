"""Calldata as V1's decoder sees it: markers for malformed words, lazy reads, and a raw ABI encoder.

The rule contracts take ``calldata`` arguments (docs/malformed-inputs.md): the head (value words, top-level
array offsets and lengths, the list of inner offsets of ``parameters``) is checked at entry, but an inner
parameter array is checked only when it is read, and a ``uint64`` λ word only when it is read. Both failures
revert with empty data. The model receives ordinary Python lists plus two markers:

* :data:`MALFORMED` in place of an array: its offset word points outside the calldata (2^64 here);
* :class:`Dirty` in place of a value word: a 256-bit word outside its ABI type (a uint64 slot holding
  2^64 + x, an address word with high bits set).

:func:`encode_calculate_new_weights` and :func:`encode_valid_parameters` build the matching raw calldata
(without the 4-byte selector), so the same call can be sent to a chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .errors import Revert
from .int256 import at

WORD = 2**256
BAD_OFFSET = 2**64  # an offset far past the end of any calldata


class _Malformed:
    """An array whose offset word points outside the calldata (reading it reverts with empty data)."""

    def __repr__(self) -> str:
        return "MALFORMED"


MALFORMED = _Malformed()


@dataclass(frozen=True)
class Dirty:
    """A raw 256-bit value word outside its ABI type (reading it reverts with empty data)."""

    word: int

    def __post_init__(self):
        if not 0 <= self.word < WORD:
            raise ValueError(f"Dirty.word={self.word!r}: must be a 256-bit word in [0, 2^256)")


def row(parameters: Sequence, k: int) -> list[int]:
    """``parameters[k]`` of a calldata ``int256[][]``: Panic(0x32) past the end, empty revert if malformed."""
    value = at(parameters, k)
    if value is MALFORMED:
        raise Revert("")
    return value


def read_word(value) -> int:
    """A lazily validated value word: a :class:`Dirty` one reverts with empty data."""
    if isinstance(value, Dirty):
        raise Revert("")
    return value


# ---- raw ABI encoding ----------------------------------------------------------------------------------
def _word(value) -> bytes:
    raw = value.word if isinstance(value, Dirty) else int(value) % WORD
    return raw.to_bytes(32, "big")


def _address_word(pool) -> bytes:
    if isinstance(pool, Dirty):
        return _word(pool)
    return int(pool, 16).to_bytes(32, "big")


def _array(values) -> bytes:
    return _word(len(values)) + b"".join(_word(v) for v in values)


def _matrix(rows) -> bytes:
    head, tails, offset = [], [], 32 * len(rows)
    for r in rows:
        if r is MALFORMED:
            head.append(_word(BAD_OFFSET))
            continue
        head.append(_word(offset))
        tail = _array(r)
        tails.append(tail)
        offset += len(tail)
    return _word(len(rows)) + b"".join(head) + b"".join(tails)


def _encode(head_items: list) -> bytes:
    """ABI-encode a tuple: items are ("static", bytes32) or ("dynamic", tail bytes | MALFORMED)."""
    head, tails, offset = [], [], 32 * len(head_items)
    for kind, value in head_items:
        if kind == "static":
            head.append(value)
        elif value is MALFORMED:
            head.append(_word(BAD_OFFSET))
        else:
            head.append(_word(offset))
            tails.append(value)
            offset += len(value)
    return b"".join(head) + b"".join(tails)


def _dyn(value, encoder) -> tuple[str, object]:
    return ("dynamic", MALFORMED if value is MALFORMED else encoder(value))


def encode_calculate_new_weights(prev, data, pool, parameters, lambdas, epsilon_max, guard_rail) -> bytes:
    """The arguments of ``CalculateNewWeights`` as raw calldata (no selector), markers included."""
    return _encode([
        _dyn(prev, _array),
        _dyn(data, _array),
        ("static", _address_word(pool)),
        _dyn(parameters, _matrix),
        _dyn(lambdas, _array),
        ("static", _word(epsilon_max)),
        ("static", _word(guard_rail)),
    ])


def encode_valid_parameters(parameters) -> bytes:
    """The argument of ``validParameters`` as raw calldata (no selector), markers included."""
    return _encode([_dyn(parameters, _matrix)])
