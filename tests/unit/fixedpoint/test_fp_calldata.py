"""Calldata markers and the raw encoder: well-formed calls encode exactly as the ABI does; markers put a
far offset or a raw word where they stand; the model reads them lazily."""

from __future__ import annotations

import pytest
from eth_abi import encode

from parity.fixedpoint.calldata import (
    BAD_OFFSET, MALFORMED, Dirty, encode_calculate_new_weights, encode_valid_parameters, read_word, row,
)
from parity.fixedpoint.errors import Revert

E = 10**18
POOL = "0x00000000000000000000000000000000000000b1"
TYPES = ["int256[]", "int256[]", "address", "int256[][]", "uint64[]", "uint64", "uint64"]


def words(raw: bytes) -> list[int]:
    return [int.from_bytes(raw[i:i + 32], "big") for i in range(0, len(raw), 32)]


@pytest.mark.parametrize("params", [[[E], [0]], [], [[]], [[E, -E], [1, 2, 3], []]])
def test_well_formed_encoding_equals_the_abi(params):
    args = ([E // 2, -E // 2], [E, 2 * E], POOL, params, [E // 2, 0], E // 10, E // 100)
    assert encode_calculate_new_weights(*args) == encode(TYPES, list(args))
    assert encode_valid_parameters(params) == encode(["int256[][]"], [params])


def test_markers_write_far_offsets_and_raw_words():
    raw = words(encode_calculate_new_weights([E], [E], Dirty(2**160 + 7), [[E], MALFORMED], [Dirty(2**64)], Dirty(2**70), 0))
    assert raw[2] == 2**160 + 7 and raw[5] == 2**70  # pool and ε head words
    params_at = raw[3] // 32
    assert raw[params_at] == 2 and raw[params_at + 2] == BAD_OFFSET  # two inner arrays, the second malformed
    lambdas_at = raw[4] // 32
    assert raw[lambdas_at:lambdas_at + 2] == [1, 2**64]
    top = words(encode_calculate_new_weights(MALFORMED, [E], POOL, [], [E], 0, 0))
    assert top[0] == BAD_OFFSET


def test_lazy_reads():
    params = [[E], MALFORMED]
    assert row(params, 0) == [E]
    with pytest.raises(Revert) as exc:
        row(params, 1)
    assert exc.value.reason == ""
    with pytest.raises(Revert) as exc:
        row(params, 2)
    assert exc.value.reason == "Panic(0x32)"
    assert read_word(5) == 5
    with pytest.raises(Revert):
        read_word(Dirty(2**64))
    with pytest.raises(ValueError, match=r"Dirty.word=-1"):
        Dirty(-1)
