"""Chain errors and the canonical decoding of revert data.

Canonical reason strings (shared with the exact integer model):
``Error(string)`` -> the string; ``Panic(uint256)`` -> ``"Panic(0x11)"``; a custom error -> its name;
empty revert data -> ``""``. Revert data that matches none of these -> ``"0x"`` + its hex.
"""

from __future__ import annotations

from typing import Iterable

from eth_abi import decode as abi_decode
from eth_utils import keccak

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")
PANIC_SELECTOR = bytes.fromhex("4e487b71")


class ChainError(Exception):
    """A chain backend failed for a reason other than a contract revert (wraps the library's exception)."""


class ContractRevert(ChainError):
    """A contract call or transaction reverted.

    ``reason`` is the canonical reason string, ``function`` the called function (or "constructor"),
    ``block`` the block it was executed in (for calls: the latest block), ``inputs`` the call arguments,
    ``backend`` the chain backend name, ``data`` the raw revert data.
    """

    def __init__(self, reason: str, function: str, block: int | None, inputs: tuple, backend: str, data: bytes = b""):
        self.reason = reason
        self.function = function
        self.block = block
        self.inputs = tuple(inputs)
        self.backend = backend
        self.data = bytes(data)
        super().__init__(reason, function, block, self.inputs, backend)

    def __str__(self) -> str:
        return (
            f"{self.function}{_short_inputs(self.inputs)} reverted at block {self.block} "
            f"on {self.backend}: reason {self.reason!r}"
        )


class ContractHalt(ChainError):
    """Execution halted without revert data semantics (out of gas, invalid opcode, ...)."""

    def __init__(self, reason: str, function: str, block: int | None, inputs: tuple, backend: str):
        self.reason = reason
        self.function = function
        self.block = block
        self.inputs = tuple(inputs)
        self.backend = backend
        super().__init__(reason, function, block, self.inputs, backend)

    def __str__(self) -> str:
        return (
            f"{self.function}{_short_inputs(self.inputs)} halted at block {self.block} "
            f"on {self.backend}: {self.reason}"
        )


def _short_inputs(inputs: tuple, limit: int = 400) -> str:
    text = repr(tuple(inputs))
    return text if len(text) <= limit else text[: limit - 5] + " ...)"


def canonical_type(param: dict) -> str:
    """ABI type string of one ABI parameter, tuples expanded (for selectors)."""
    t = param["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(canonical_type(c) for c in param["components"]) + ")" + t[len("tuple"):]
    return t


def abi_signature(item: dict) -> str:
    """``name(type1,type2,...)`` of an ABI function, event or error (what its selector/topic hashes)."""
    return f"{item['name']}({','.join(canonical_type(p) for p in item.get('inputs', []))})"


def error_selectors(abis: Iterable[list]) -> dict[bytes, str]:
    """4-byte selector -> error name for every custom error in the given ABIs."""
    out: dict[bytes, str] = {}
    for abi in abis:
        for item in abi:
            if item.get("type") == "error":
                out[keccak(text=abi_signature(item))[:4]] = item["name"]
    return out


def decode_revert_reason(data: bytes, selectors: dict[bytes, str]) -> str:
    """Canonical reason string of raw revert data (see module docstring)."""
    data = bytes(data)
    if not data:
        return ""
    head, body = data[:4], data[4:]
    if head == ERROR_STRING_SELECTOR:
        try:
            return abi_decode(["string"], body)[0]
        except Exception:
            return "0x" + data.hex()
    if head == PANIC_SELECTOR and len(body) == 32:
        return f"Panic(0x{int.from_bytes(body, 'big'):02x})"
    name = selectors.get(head)
    return name if name is not None else "0x" + data.hex()
