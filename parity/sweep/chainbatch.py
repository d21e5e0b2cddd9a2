"""The chain side of a batched sweep: many pools of one rule updated by one transaction per block.

contracts/tools/BatchCaller.sol is the rules' updateWeightRunner: every CalculateNewWeights reaches the rule
from the runner address, and the state getters are read back in the same transaction. Each call is isolated
(a low-level call per record): a revert in one pool is reported for that pool alone and that pool is left
out of later blocks.

Calldata is built from per-pool templates: CalculateNewWeights(prev, data, pool, parameters, lambdaStore, ε, g)
has fixed-length prev and data arrays, so only those 2n words change per block; prev is copied from the raw
return bytes of the previous block (the chain's own weights, never re-encoded).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parity.chain.base import FunctionCodec, find_function
from parity.harness.mapping import StateMap, unpack_words

WORD = 32
BATCH_GAS = 4_000_000_000  # one transaction carries every pool's update and getters
CALC = "CalculateNewWeights"
INIT = "initialisePoolRuleIntermediateValues"


def word(value: int) -> bytes:
    return int(value).to_bytes(WORD, "big", signed=True)


def words(values) -> bytes:
    return b"".join(int(v).to_bytes(WORD, "big", signed=True) for v in values)


def record(target: bytes, data: bytes) -> bytes:
    """One BatchCaller input record: target (20 bytes) | length (4 bytes) | call data."""
    return target + len(data).to_bytes(4, "big") + data


def pool_address(index: int) -> str:
    """Storage key of the index-th simulated pool of a chunk (the rules never call the pool)."""
    return "0x" + format(0xFA17E00000 + index, "040x")


@dataclass(frozen=True)
class Layout:
    """Where each value lives in one pool's slice of the batch output (byte offsets, fixed for a chunk)."""

    n: int
    size: int  # bytes per pool
    weights: int  # offset of the n weight words
    fields: dict  # key -> (offset, packed): n int256 words, or (n+1)//2 packed words one record each
    records: tuple  # offset of every record's success word

    @staticmethod
    def of(state_map: StateMap, n: int) -> "Layout":
        array_record = 2 * WORD + 2 * WORD + n * WORD  # ok | len | (offset | length | n words)
        pos, fields, records = array_record, {}, [0]
        for f in state_map.fields:
            if f.packed:
                fields[f.key] = (pos + 2 * WORD, True)  # each word record: ok | len | word
                records += [pos + k * 3 * WORD for k in range((n + 1) // 2)]
                pos += ((n + 1) // 2) * 3 * WORD
            else:
                fields[f.key] = (pos + 4 * WORD, False)
                records.append(pos)
                pos += array_record
        return Layout(n, pos, 4 * WORD, fields, tuple(records))


class PoolTemplate:
    """Per-pool calldata around the 2n words that change every block."""

    def __init__(self, rule_address: bytes, codec: FunctionCodec, address: str, mapped, w_wei, n: int, getters: bytes):
        args = (list(w_wei), [1] * n, address, mapped.parameters, mapped.lambda_store, mapped.epsilon_max, mapped.guard_rail)
        data = codec.encode(args)
        head = 4 + 7 * WORD
        prev_at, data_at = head + WORD, head + WORD + n * WORD + WORD
        if data[prev_at : prev_at + n * WORD] != words(w_wei) or data[data_at : data_at + n * WORD] != words([1] * n):
            raise AssertionError("CalculateNewWeights calldata layout is not the expected fixed-length one")
        header = rule_address + len(data).to_bytes(4, "big")
        self.pre = header + data[:prev_at]
        self.mid = data[prev_at + n * WORD : data_at]
        self.post = data[data_at + n * WORD :] + getters

    def calldata(self, prev: bytes, price: bytes) -> bytes:
        return b"".join((self.pre, prev, self.mid, price, self.post))


def getter_records(rule_address: bytes, codecs: dict, address: str, state_map: StateMap, n: int) -> bytes:
    out = []
    for f in state_map.fields:
        if f.packed:
            out += [record(rule_address, codecs[f.getter].encode((address, k))) for k in range((n + 1) // 2)]
        else:
            out.append(record(rule_address, codecs[f.getter].encode((address, n))))
    return b"".join(out)


def parse_records(out: bytes):
    """[(ok, return bytes)] of a raw BatchCaller output."""
    res, pos = [], 0
    while pos < len(out):
        ok = int.from_bytes(out[pos : pos + WORD], "big")
        size = int.from_bytes(out[pos + WORD : pos + 2 * WORD], "big")
        res.append((ok == 1, out[pos + 2 * WORD : pos + 2 * WORD + size]))
        pos += 2 * WORD + ((size + WORD - 1) // WORD) * WORD
    return res


def exact_state(raw: bytes, layout: Layout) -> tuple[list[int], dict]:
    """(weights, state) of one pool's output slice as exact ints."""
    n = layout.n

    def ints(at, count):
        return [int.from_bytes(raw[at + i * WORD : at + (i + 1) * WORD], "big", signed=True) for i in range(count)]

    state = {}
    for key, (at, packed) in layout.fields.items():
        if packed:
            ws = [int.from_bytes(raw[at + k * 3 * WORD : at + k * 3 * WORD + WORD], "big", signed=True) for k in range((n + 1) // 2)]
            state[key] = unpack_words(ws, n)
        else:
            state[key] = ints(at, n)
    return ints(layout.weights, n), state


def int128_parts(b16: np.ndarray):
    """(hi int64, lo uint64) of big-endian 16-byte two's-complement values (..., 16) uint8."""
    hi = np.ascontiguousarray(b16[..., :8]).view(">i8")[..., 0].astype(np.int64)
    lo = np.ascontiguousarray(b16[..., 8:]).view(">u8")[..., 0].astype(np.uint64)
    return hi, lo


def decode_field(block: np.ndarray, at: int, packed: bool, n: int):
    """(hi, lo) (B, P, n) of one field from stacked output slices (B, P, size) uint8."""
    if not packed:
        w = block[:, :, at : at + n * WORD].reshape(block.shape[0], block.shape[1], n, WORD)
        sign = np.where(w[..., 16:17] >= 128, 255, 0).astype(np.uint8)
        if not np.all(w[..., :16] == sign):
            raise ValueError("a chain value does not fit int128: the sweep decodes int128 state and weights only")
        return int128_parts(w[..., 16:])
    nw = (n + 1) // 2
    idx = np.concatenate([np.arange(at + k * 3 * WORD, at + k * 3 * WORD + WORD) for k in range(nw)])
    w = block[:, :, idx].reshape(block.shape[0], block.shape[1], nw, WORD)
    halves = []
    for k in range(nw):
        if 2 * k + 1 < n:
            halves.append(w[:, :, k, :16])
        halves.append(w[:, :, k, 16:])
    return int128_parts(np.stack(halves, axis=2))


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    t = 134217729.0 * a  # Veltkamp: 2^27 + 1
    hi = t - (t - a)
    return hi, a - hi


def _two_prod(a, b):
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def wei_diff(x: np.ndarray, hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """|x·1e18 − (hi·2^64 + lo)| in float64, accurate to a few ulp of the difference (or 1e-12 wei; error-free
    transformations: x·1e18 as a two-float product, the integer as four exact floats (hi split at bit 32
    when it needs more than 53 bits, lo in 32-bit halves), summed with TwoSum); the vectorised twin of
    parity.harness.mapping.wei_error for any int128."""
    with np.errstate(invalid="ignore", over="ignore"):
        p, e0 = _two_prod(np.asarray(x, dtype=np.float64), 1e18)
        hi = np.asarray(hi, dtype=np.int64)
        top = np.where(np.abs(hi) >= 2**53, hi >> np.int64(32), 0)  # hi = top·2^32 + rest, each exact in float64
        rest = hi - (top << np.int64(32))
        hi_hi = top.astype(np.float64) * 79228162514264337593543950336.0  # 2^96
        hi_lo = rest.astype(np.float64) * 18446744073709551616.0  # 2^64
        lo_hi = (lo >> np.uint64(32)).astype(np.float64) * 4294967296.0
        lo_lo = (lo & np.uint64(0xFFFFFFFF)).astype(np.float64)
        s, e1 = _two_sum(p, -hi_hi)
        s, e2 = _two_sum(s, -hi_lo)
        s, e3 = _two_sum(s, -lo_hi)
        s, e4 = _two_sum(s, -lo_lo)
        d = np.abs(s + (e0 + e1 + e2 + e3 + e4))
    return np.where(np.isfinite(x), d, np.inf)


def exact_int(hi, lo) -> int:
    return (int(hi) << 64) + int(lo)
