"""FunctionCodec's fast paths give exactly what the ABI codec gives: cached calldata for int/str-only
arguments, and word-by-word decoding of (u)int, (u)int[] and bool outputs, also as the fields of one struct
output (a pool's dynamic data); anything malformed goes to eth_abi."""

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
    assert _word_layout(["int128"]) is None and _word_layout(["address"]) is None and _word_layout(["bool[]"]) is None


DYNAMIC_DATA = ["uint256[]", "uint256[]", "uint256", "bool", "bool", "bool", "int256[]", "int256[]", "uint40", "uint40"]


def test_struct_output_decodes_word_by_word_as_eth_abi():
    item = _item([])
    item["outputs"] = [{"name": "data", "type": "tuple", "components": [{"name": f"c{i}", "type": t}
                                                                        for i, t in enumerate(DYNAMIC_DATA)]}]
    codec = FunctionCodec(item)
    assert codec._struct_layout is not None
    rng = random.Random(3)
    struct = f"({','.join(DYNAMIC_DATA)})"
    for _ in range(100):
        values = ([rng.randint(0, 2**256 - 1) for _ in range(rng.randint(0, 8))], [rng.randint(0, 10**18)] * 3,
                  rng.randint(0, 10**30), rng.random() < 0.5, False, True,
                  [rng.randint(-(2**255), 2**255 - 1) for _ in range(8)], [0] * 8, rng.randint(0, 2**40 - 1), 7)
        data = abi_encode([struct], [values])
        expected = abi_decode([struct], data, strict=False)[0]
        got = codec.decode(data)
        assert got == tuple(list(v) if isinstance(v, tuple) else v for v in expected) and type(got[3]) is bool
    data = bytearray(abi_encode([struct], [values]))
    data[32 * 5 - 1] = 2  # the first bool field holds 2: not a bool, eth_abi decides (and refuses)
    with pytest.raises(Exception):
        codec.decode(bytes(data))


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
