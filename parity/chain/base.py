"""The Chain interface shared by every backend, plus ABI encoding/decoding helpers (cached per function)."""

from __future__ import annotations

import numbers
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Sequence

from eth_abi.abi import default_codec
from eth_abi.decoding import ContextFramesBytesIO
from eth_utils import keccak, to_checksum_address

from .errors import abi_signature, canonical_type, decode_revert_reason, error_selectors

GENESIS_TIMESTAMP = 1_700_000_000  # genesis block timestamp of the in-process backends (deterministic runs)
DEFAULT_TX_GAS = 15_000_000  # explicit gas limit of every transaction (no estimate_gas round trip)
_REGISTRY = default_codec._registry


@dataclass(frozen=True)
class Deployed:
    """A contract on a chain: checksum address, ABI and a display name."""

    address: str
    abi: list = field(hash=False)
    name: str


@dataclass(frozen=True)
class LogEntry:
    """One log: raw fields plus the event name and arguments when an ABI known to the chain matches."""

    address: str  # checksum
    topics: tuple  # 0x-hex 32-byte strings
    data: str  # 0x-hex
    event: str | None = None
    args: dict | None = field(default=None, hash=False)


@dataclass(frozen=True)
class TxResult:
    """Outcome of one mined transaction."""

    block_number: int
    timestamp: int
    gas_used: int
    return_value: Any
    logs: list = field(hash=False)


@lru_cache(maxsize=4096)
def _checksum(address: str) -> str:
    return to_checksum_address(address)


def _normalize(abi_type: str, value: Any, components: list | None = None) -> Any:
    """Arrays -> lists, addresses -> checksum, tuples (structs) -> tuples, recursively."""
    if abi_type.endswith("]"):
        inner = abi_type[: abi_type.rindex("[")]
        return [_normalize(inner, v, components) for v in value]
    if abi_type == "address":
        return _checksum(value)
    if abi_type == "tuple":
        return tuple(_normalize(c["type"], v, c.get("components")) for c, v in zip(components, value))
    return value


def _needs_normalize(params: list) -> bool:
    return any(p["type"].endswith("]") or p["type"] == "address" or p["type"].startswith("tuple") for p in params)


_CALLDATA_CACHE = 256  # cached calldata per function
_WORD = re.compile(r"(u?)int(\d+)(\[\])?")
BOOL_BITS = 0  # the layout's `bits` of a bool word (0 or 1, decoded as False / True)


def _word_layout(types: list[str]) -> tuple | None:
    """(signed, bits, is_array) per output when every output is a (u)intN, a (u)intN[] (intN only for
    N = 256) or a bool; None otherwise. Such outputs decode word by word (:func:`_decode_words`)."""
    layout = []
    for t in types:
        if t == "bool":
            layout.append((False, BOOL_BITS, False))
            continue
        m = _WORD.fullmatch(t)
        if m is None or (not m.group(1) and m.group(2) != "256"):
            return None
        layout.append((not m.group(1), int(m.group(2)), bool(m.group(3))))
    return tuple(layout)


def _struct_layout(outputs: list) -> tuple | None:
    """The word layout of a single struct output whose fields all have one (e.g. a pool's dynamic data)."""
    if len(outputs) != 1 or outputs[0]["type"] != "tuple":
        return None
    return _word_layout([canonical_type(c) for c in outputs[0]["components"]])


def _decode_struct(layout: tuple, output: bytes) -> tuple | None:
    """A single dynamic struct output (head: the offset 32) decoded word by word, or None (see _decode_words)."""
    if len(output) < 32 or int.from_bytes(output[:32], "big") != 32:
        return None
    values = _decode_words(layout, output[32:])
    return None if values is None else (values,)


def _decode_words(layout: tuple, output: bytes) -> tuple | None:
    """The outputs of a `_word_layout` as ints and lists of ints (what the ABI decoder gives, arrays as
    lists), or None for anything but well-formed output (out-of-range offsets or lengths, unaligned
    offsets, nonzero padding of a uintN): the ABI decoder then decodes it or raises its own error."""
    size = len(output)
    if size < 32 * len(layout):
        return None
    values = []
    for i, (signed, bits, is_array) in enumerate(layout):
        head = int.from_bytes(output[32 * i: 32 * i + 32], "big")
        if not is_array:
            value = _word_value(head, signed, bits)
            if value is None:
                return None
            values.append(value)
            continue
        if head % 32 or head + 32 > size:
            return None
        count = int.from_bytes(output[head: head + 32], "big")
        start = head + 32
        if count > (size - start) // 32:
            return None
        items = [_word_value(int.from_bytes(output[start + 32 * j: start + 32 * j + 32], "big"), signed, bits)
                 for j in range(count)]
        if None in items:
            return None
        values.append(items)
    return tuple(values)


def _word_value(word: int, signed: bool, bits: int) -> int | bool | None:
    if bits == BOOL_BITS:
        return bool(word) if word <= 1 else None
    if signed:
        return word - (1 << 256) if word >> 255 else word
    return word if bits == 256 or word >> bits == 0 else None


class FunctionCodec:
    """Selector, argument encoder and output decoder of one ABI function (built once, reused)."""

    def __init__(self, item: dict):
        self.name = item["name"]
        self.inputs = item.get("inputs", [])
        self.outputs = item.get("outputs", [])
        in_types = [canonical_type(p) for p in self.inputs]
        out_types = [canonical_type(p) for p in self.outputs]
        self.signature = abi_signature(item)
        self.selector = keccak(text=self.signature)[:4]
        self._encoder = _REGISTRY.get_tuple_encoder(*in_types)
        self._decoder = _REGISTRY.get_tuple_decoder(*out_types, strict=False)
        self._normalize = _needs_normalize(self.outputs)
        self._word_layout = _word_layout(out_types)
        self._struct_layout = None if self._word_layout else _struct_layout(self.outputs)
        self._calldata: dict[tuple, bytes] = {}  # calldata of argument tuples of plain ints and strings

    def encode(self, args: Sequence) -> bytes:
        """Calldata: selector + ABI-encoded arguments (cached for arguments that are all ints or strings,
        e.g. a getter's (pool, n): the same bytes every call)."""
        if len(args) != len(self.inputs):
            raise ValueError(
                f"args: {self.signature} takes {len(self.inputs)} arguments, got {len(args)}: {tuple(args)!r}"
            )
        args = tuple(args)
        if not all(type(a) is int or type(a) is str for a in args):
            return self.selector + self._encoder(args)
        data = self._calldata.get(args)
        if data is None:
            data = self.selector + self._encoder(args)
            if len(self._calldata) < _CALLDATA_CACHE:
                self._calldata[args] = data
        return data

    def decode(self, output: bytes) -> Any:
        """Decoded return value: None for no outputs, the value for one, a tuple for several."""
        if not self.outputs:
            return None
        if self._word_layout:
            values = _decode_words(self._word_layout, output)
        else:
            values = _decode_struct(self._struct_layout, output) if self._struct_layout else None
        if values is not None:
            return values[0] if len(values) == 1 else values
        values = self._decoder(ContextFramesBytesIO(output))
        if self._normalize:
            values = tuple(_normalize(p["type"], v, p.get("components")) for p, v in zip(self.outputs, values))
        return values[0] if len(values) == 1 else tuple(values)


def find_function(abi: list, fn: str) -> dict:
    """The ABI entry of function `fn` (a name, or a full signature for overloads)."""
    matches = [item for item in abi if item.get("type") == "function" and item["name"] == fn.split("(")[0]]
    if "(" in fn:
        matches = [m for m in matches if abi_signature(m) == fn]
    if not matches:
        raise ValueError(f"fn: no function {fn!r} in the contract ABI")
    if len(matches) > 1:
        sigs = [abi_signature(m) for m in matches]
        raise ValueError(f"fn: {fn!r} is overloaded; pass one of the full signatures {sigs}")
    return matches[0]


def encode_constructor(abi: list, bytecode: str, args: Sequence) -> bytes:
    """Creation code followed by the ABI-encoded constructor arguments."""
    if "__$" in bytecode:
        raise ValueError("artifact.bytecode: contains unlinked library placeholders (__$...$__); link it first")
    ctor = next((item for item in abi if item.get("type") == "constructor"), {"inputs": []})
    types = [canonical_type(p) for p in ctor["inputs"]]
    if len(args) != len(types):
        raise ValueError(f"ctor_args: the constructor takes {len(types)} arguments ({types}), got {len(args)}")
    code = bytes.fromhex(bytecode[2:] if bytecode.startswith("0x") else bytecode)
    return code + (_REGISTRY.get_tuple_encoder(*types)(tuple(args)) if types else b"")


class _EventCodec:
    """The split of one event's inputs into indexed and plain ones, with the plain tuple decoder built once."""

    def __init__(self, item: dict):
        self.item = item
        self.indexed = [p for p in item["inputs"] if p.get("indexed")]
        self.plain = [p for p in item["inputs"] if not p.get("indexed")]
        self.plain_decoder = _REGISTRY.get_tuple_decoder(*[canonical_type(p) for p in self.plain], strict=False)


class EventDecoder:
    """Decodes raw logs with every event of the ABIs registered on a chain."""

    def __init__(self):
        self._events: dict[bytes, _EventCodec] = {}

    def register(self, abi: list) -> None:
        for item in abi:
            if item.get("type") == "event" and not item.get("anonymous", False):
                topic = keccak(text=abi_signature(item))
                if topic not in self._events:
                    self._events[topic] = _EventCodec(item)

    def decode(self, address: str, topics: Sequence[bytes], data: bytes) -> LogEntry:
        topics = tuple(bytes(t) for t in topics)
        entry = dict(
            address=_checksum(address),
            topics=tuple("0x" + t.hex() for t in topics),
            data="0x" + bytes(data).hex(),
        )
        codec = self._events.get(topics[0]) if topics else None
        if codec is None or len(codec.indexed) != len(topics) - 1:
            return LogEntry(**entry)
        try:
            plain_values = codec.plain_decoder(ContextFramesBytesIO(bytes(data)))
            args = {}
            for p, t in zip(codec.indexed, topics[1:]):
                dynamic = p["type"] in ("string", "bytes") or p["type"].endswith("]") or p["type"].startswith("tuple")
                args[p["name"]] = "0x" + t.hex() if dynamic else _normalize(p["type"], default_codec.decode([p["type"]], t)[0])
            for p, v in zip(codec.plain, plain_values):
                args[p["name"]] = _normalize(p["type"], v, p.get("components"))
        except Exception:  # data does not match this event's layout: keep the raw log
            return LogEntry(**entry)
        ordered = {p["name"]: args[p["name"]] for p in codec.item["inputs"]}
        return LogEntry(**entry, event=codec.item["name"], args=ordered)


class Chain(ABC):
    """A chain the harness can deploy to, transact on (one tx per block) and call.

    ``accounts[0]`` is the default sender. Every ABI deployed or attached is registered, so reverts with
    custom errors and logs of known events are decoded.
    """

    name: str
    accounts: list[str]

    def __init__(self):
        self._codecs: dict[tuple, tuple[list, FunctionCodec]] = {}
        self._error_names: dict[bytes, str] = {}
        self._events = EventDecoder()

    # -- helpers shared by the backends --
    def register_abi(self, abi: list) -> None:
        """Make the custom errors and events of `abi` decodable on this chain."""
        self._error_names.update(error_selectors([abi]))
        self._events.register(abi)

    def codec(self, contract: Deployed, fn: str) -> FunctionCodec:
        """The cached FunctionCodec of `fn` on `contract`."""
        key = (contract.address, id(contract.abi), fn)
        hit = self._codecs.get(key)
        if hit is not None and hit[0] is contract.abi:
            return hit[1]
        codec = FunctionCodec(find_function(contract.abi, fn))
        self._codecs[key] = (contract.abi, codec)
        return codec

    def revert_reason(self, data: bytes) -> str:
        """Canonical reason of raw revert data, using every error of the registered ABIs."""
        return decode_revert_reason(data, self._error_names)

    def _sender(self, sender: str | None) -> str:
        return self.accounts[0] if sender is None else to_checksum_address(sender)

    def _check_timestamp(self, timestamp: int | None, latest: int) -> int:
        if timestamp is None:
            return latest + 1
        if isinstance(timestamp, bool) or not isinstance(timestamp, numbers.Integral):
            raise ValueError(f"timestamp: got {timestamp!r}, must be an int (seconds)")
        timestamp = int(timestamp)
        if timestamp <= latest:
            raise ValueError(
                f"timestamp: got {timestamp}, must be greater than the latest block's timestamp {latest}"
            )
        return timestamp

    # -- the interface --
    @abstractmethod
    def deploy(self, artifact, *ctor_args, sender=None, timestamp=None) -> Deployed:
        """Deploy `artifact` (needs .abi, .bytecode, .contract_name) in a new block; returns the contract."""

    @abstractmethod
    def transact(
        self, contract: Deployed, fn: str, args: Sequence, *, timestamp: int | None = None, sender=None
    ) -> TxResult:
        """Mine exactly one new block holding this transaction; a revert raises ContractRevert and mines nothing."""

    @abstractmethod
    def call(self, contract: Deployed, fn: str, args: Sequence = (), *, sender=None) -> Any:
        """Call `fn` on the latest state without a transaction (eth_call); returns the decoded output."""

    @abstractmethod
    def block_number(self) -> int:
        """Number of the latest mined block."""

    @abstractmethod
    def timestamp(self) -> int:
        """Timestamp of the latest mined block."""

    def attach(self, name: str, address: str, abi: list) -> Deployed:
        """A handle on a contract already deployed at `address`."""
        address = to_checksum_address(address)
        self.register_abi(abi)
        return Deployed(address=address, abi=abi, name=name)
