"""Revert signalling for the exact integer model, in the canonical reason form shared with the EVM side."""

from __future__ import annotations

PANIC_OVERFLOW = "Panic(0x11)"
PANIC_DIV_ZERO = "Panic(0x12)"
PANIC_OUT_OF_BOUNDS = "Panic(0x32)"


class Revert(Exception):
    """An EVM revert. ``reason`` is canonical: an Error(string) text, ``"Panic(0x11)"``, a custom error name or ``""``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    def __repr__(self) -> str:
        return f"Revert({self.reason!r})"


def panic(code: int) -> Revert:
    """The Revert for ``Panic(uint256 code)``."""
    return Revert(f"Panic(0x{code:02x})")
