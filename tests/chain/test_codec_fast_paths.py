"""FunctionCodec's fast paths give exactly what the ABI codec gives: cached calldata for int/str-only
arguments, and word-by-word decoding of (u)int and (u)int[] outputs (anything malformed goes to eth_abi)."""

import random

import pytest
from eth_abi import decode as abi_decode, encode as abi_encode

from parity.chain.base import FunctionCodec, _decode_words, _word_layout


def _item(outputs, inputs=("address", "uint256")):
    return {"type": "function", "name": "f", "inputs": [{"name": f"a{i}", "type": t} for i, t in enumerate(inputs)],
            "outputs": [{"name": f"o{i}", "type": t} for i, t in enumerate(outputs)]}


def _reference(types, data):
    values = abi_decode(types, data, strict=False)
    values = tuple(list(v) if isinstance(v, tuple) else v for v in values)
    return values[0] if len(values) == 1 else values


LAYOUTS = [["uint256[]"], ["int256[]"], ["int256[]", "int256[]", "uint40", "uint40"], ["uint256"], ["int256", "uint8[]"]]


@pytest.mark.parametrize("types", LAYOUTS)
def test_word_decoding_matches_eth_abi(types):
    rng = random.Random(5)
    codec = FunctionCodec(_item(types))
    assert codec._word_layout is not None
    for _ in range(200):
        values = []
        for t in types:
            bits, signed, array = int(t.strip("uint[]") or 256), t.startswith("int"), t.endswith("[]")
            lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
            draw = lambda: rng.choice([lo, hi, 0, rng.randint(lo, hi)])  # noqa: E731
            values.append([draw() for _ in range(rng.randint(0, 9))] if array else draw())
        data = abi_encode(types, values)
        assert codec.decode(data) == _reference(types, data)


def test_malformed_output_falls_back_to_eth_abi():
    layout = _word_layout(["uint40", "uint256[]"])
    good = abi_encode(["uint40", "uint256[]"], [7, [1, 2]])
    assert _decode_words(layout, good) == (7, [1, 2])
    dirty = (2**40).to_bytes(32, "big") + good[32:]  # nonzero padding above 40 bits
    bad_offset = good[:32] + (10**6).to_bytes(32, "big") + good[64:]
    too_long = good[:64] + (10**6).to_bytes(32, "big") + good[96:]
    for data in (dirty, bad_offset, too_long, good[:40]):
        assert _decode_words(layout, data) is None
    codec = FunctionCodec(_item(["uint40", "uint256[]"]))
    with pytest.raises(Exception):
        codec.decode(dirty)  # eth_abi's own padding error, as before


def test_other_outputs_keep_the_abi_decoder():
    assert _word_layout(["int128"]) is None and _word_layout(["address"]) is None and _word_layout(["bool"]) is None


def test_calldata_cache_is_exact_and_skips_other_types():
    codec = FunctionCodec(_item(["uint256"]))
    pool = "0x" + "ab" * 20
    first = codec.encode((pool, 3))
    assert first == codec.selector + abi_encode(["address", "uint256"], [pool, 3])
    assert codec.encode([pool, 3]) is first  # a list of the same plain values hits the cache
    codec.encode((pool, 1))
    with pytest.raises(Exception, match="bool"):  # True == 1 as a key, but a bool is never served from the cache
        codec.encode((pool, True))
    with pytest.raises(ValueError, match="takes 2 arguments"):
        codec.encode((pool,))
