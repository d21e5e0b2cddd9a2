"""Rule-state storage: int128 pairs in int256 words (docs/storage.md).

Words are held as signed int256 Python ints, exactly as the public array getters return them.
Element 2k is the high half of word k, element 2k+1 the low half; an odd tail sits in the low half of
the last word, either as ``(0, x)`` (per-update writer) or sign-extended (whole-array packer).
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import PANIC_OUT_OF_BOUNDS, PANIC_OVERFLOW, Revert
from .int256 import INT128_MAX, INT128_MIN, MASK128, high_int128, low_int128, wrap


def pack_pair(a: int, b: int) -> int:
    """The word holding ``(a, b)``: "Overflow" if either is above int128, then "Underflow" if either is below."""
    if a > INT128_MAX or b > INT128_MAX:
        raise Revert("Overflow")
    if a < INT128_MIN or b < INT128_MIN:
        raise Revert("Underflow")
    return wrap((a << 128) | (b & MASK128))


def write_elements(words: Sequence[int], values: Sequence[int]) -> list[int]:
    """Per-update writer: overwrite words 0..⌈n/2⌉−1 of an existing array; an odd tail is stored as ``(0, x)``.

    Writing past the end of ``words`` reverts out of bounds (Panic(0x32)).
    """
    out = list(words)
    n = len(values)
    for k in range(n // 2):
        set_word(out, k, pack_pair(values[2 * k], values[2 * k + 1]))
    if n % 2:
        set_word(out, n // 2, pack_pair(0, values[-1]))
    return out


def write_elements_raw_tail(words: Sequence[int], values: Sequence[int]) -> list[int]:
    """Like :func:`write_elements`, but an odd tail is stored as the raw int256 value, unchecked.

    This is MinimumVariance's scalar-λ variance store (docs/storage.md, "silent wrap").
    """
    n = len(values)
    out = write_elements(words, values[: n - n % 2])
    if n % 2:
        set_word(out, n // 2, values[-1])
    return out


def pack_array(values: Sequence[int]) -> list[int]:
    """Whole-array packer: a fresh array of ⌈n/2⌉ words; an odd tail is stored sign-extended.

    Reverts, in this order: n = 0 -> "LEN0"; odd n: tail out of int128 range -> "Last array element
    overflow", then n = 1 -> Panic(0x11) (checked ``n − 2``); a pair out of range -> "Overflow"/"Underflow".
    """
    n = len(values)
    if n == 0:
        raise Revert("LEN0")
    if n % 2:
        tail = values[-1]
        if tail > INT128_MAX or tail < INT128_MIN:
            raise Revert("Last array element overflow")
        if n == 1:
            raise Revert(PANIC_OVERFLOW)
    out = [pack_pair(values[2 * k], values[2 * k + 1]) for k in range(n // 2)]
    if n % 2:
        out.append(tail)
    return out


def unpack(words: Sequence[int], n: int) -> list[int]:
    """Read n values: requires 2·len(words) ≥ n ("SRC!=TGT"), then a non-empty store (Panic(0x11)).

    For odd n the last value is the low half of the LAST stored word and the other words fill
    indices 0, 1, 2, ... in pairs; any pair landing past n−1 reverts out of bounds (Panic(0x32)).
    So a smaller n than stored can return other elements or revert, as on chain.
    """
    if 2 * len(words) < n:
        raise Revert("SRC!=TGT")
    if not words:
        raise Revert(PANIC_OVERFLOW)  # the contract computes len(words) − 1 checked
    out = [0] * n
    full = len(words)
    if n % 2:
        out[n - 1] = low_int128(words[-1])
        full -= 1
    for k in range(full):
        if 2 * k + 1 >= n:
            raise Revert(PANIC_OUT_OF_BOUNDS)
        out[2 * k] = high_int128(words[k])
        out[2 * k + 1] = low_int128(words[k])
    return out


def set_word(words: list[int], k: int, word: int) -> None:
    """``words[k] = word`` on an existing storage array (Panic(0x32) past its end)."""
    if k >= len(words):
        raise Revert(PANIC_OUT_OF_BOUNDS)
    words[k] = word
