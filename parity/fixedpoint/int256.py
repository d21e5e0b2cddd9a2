"""Solidity 0.8 integer semantics: checked and unchecked int256 arithmetic, int128 views, array indexing."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import PANIC_DIV_ZERO, PANIC_OUT_OF_BOUNDS, PANIC_OVERFLOW, Revert

INT256_MAX = 2**255 - 1
INT256_MIN = -(2**255)
INT128_MAX = 2**127 - 1
INT128_MIN = -(2**127)
UINT64_MAX = 2**64 - 1
UINT256_MAX = 2**256 - 1
MASK128 = 2**128 - 1


def checked(v: int) -> int:
    """``v`` if it fits int256, else Panic(0x11) (the result of a checked + or −)."""
    if v > INT256_MAX or v < INT256_MIN:
        raise Revert(PANIC_OVERFLOW)
    return v


def add(a: int, b: int) -> int:
    """Checked int256 ``a + b``."""
    return checked(a + b)


def sub(a: int, b: int) -> int:
    """Checked int256 ``a − b``."""
    return checked(a - b)


def neg(a: int) -> int:
    """Checked unary minus (``-MIN`` overflows)."""
    return checked(-a)


def wrap(v: int) -> int:
    """Reduce ``v`` modulo 2^256 into int256 (unchecked arithmetic)."""
    v &= UINT256_MAX
    return v - 2**256 if v > INT256_MAX else v


def tdiv(a: int, b: int) -> int:
    """Checked Solidity signed division: truncates toward zero; b = 0 -> Panic(0x12); MIN / −1 -> Panic(0x11)."""
    if b == 0:
        raise Revert(PANIC_DIV_ZERO)
    q = abs(a) // abs(b)
    return checked(-q if (a < 0) != (b < 0) else q)


def low_int128(word: int) -> int:
    """The low 128 bits of ``word`` read as a two's-complement int128."""
    v = word & MASK128
    return v - 2**128 if v > INT128_MAX else v


def high_int128(word: int) -> int:
    """Arithmetic ``int256(word) >> 128``."""
    return wrap(word) >> 128


def at(values: Sequence[int], i: int) -> int:
    """``values[i]`` with Solidity bounds checking (Panic(0x32))."""
    if i < 0 or i >= len(values):
        raise Revert(PANIC_OUT_OF_BOUNDS)
    return values[i]
