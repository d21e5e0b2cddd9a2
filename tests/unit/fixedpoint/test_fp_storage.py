"""int128 pair storage (docs/storage.md): layouts, odd tails, range reverts, unpack quirks."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parity.fixedpoint import storage as stg
from parity.fixedpoint.errors import Revert
from parity.fixedpoint.int256 import INT128_MAX, INT128_MIN

E18 = 10**18


def reason(fn, *args):
    with pytest.raises(Revert) as exc:
        fn(*args)
    return exc.value.reason


def test_pair_layout_matches_b6_word():
    # rule vector B6 (docs/arithmetic.md §6): shortMovingAverages(pool, 0) holds (1050e18, 1.85e18)
    assert stg.pack_pair(1050 * E18, 185 * 10**16) == 357296485266985386636543337803356622028801850000000000000000
    assert stg.pack_array([1050 * E18, 185 * 10**16, 525 * 10**17])[1] == 52500000000000000000


def test_negative_values_two_complement():
    w = stg.pack_pair(-1, -2)
    assert w == -2  # high half all ones, low half 2^128 − 2
    assert w < 0 and (w >> 128) == -1 and (w & (2**128 - 1)) == 2**128 - 2
    assert stg.unpack([w], 2) == [-1, -2]


def test_odd_tail_forms():
    # per-update writer: (0, x) -> high half zero, even for negative x
    words = stg.write_elements([0, 0], [1, 2, -5])
    assert words[1] == 2**128 - 5
    # whole-array packer: sign extended
    packed = stg.pack_array([1, 2, -5])
    assert packed[1] == -5
    assert stg.unpack(words, 3) == stg.unpack(packed, 3) == [1, 2, -5]


def test_raw_tail_writer_wraps_on_read():
    big = 2**127 + 7  # outside int128: stored unchecked, read back as its low 128 bits
    words = stg.write_elements_raw_tail([0, 0], [1, 2, big])
    assert words[1] == big
    assert stg.unpack(words, 3) == [1, 2, big - 2**128]
    # the pairs are still range-checked
    assert reason(stg.write_elements_raw_tail, [0, 0], [big, 2, 3]) == "Overflow"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=INT128_MIN, max_value=INT128_MAX), min_size=2, max_size=9))
def test_round_trips(values):
    n = len(values)
    packed = stg.pack_array(values)
    assert len(packed) == (n + 1) // 2
    assert stg.unpack(packed, n) == values
    written = stg.write_elements([0] * ((n + 1) // 2), values)
    assert stg.unpack(written, n) == values
    for w in packed + written:
        assert -(2**255) <= w < 2**255


def test_range_reverts():
    assert reason(stg.pack_pair, INT128_MAX + 1, 0) == "Overflow"
    assert reason(stg.pack_pair, 0, INT128_MIN - 1) == "Underflow"
    assert stg.pack_pair(INT128_MAX, INT128_MIN) == (INT128_MAX << 128) | 2**127
    assert reason(stg.write_elements, [0, 0], [1, 2, INT128_MAX + 1]) == "Overflow"
    assert reason(stg.write_elements, [0, 0], [1, 2, INT128_MIN - 1]) == "Underflow"
    assert reason(stg.pack_array, [1, 2, INT128_MAX + 1]) == "Last array element overflow"
    assert reason(stg.pack_array, [1, 2, INT128_MIN - 1]) == "Last array element overflow"
    assert reason(stg.pack_array, [INT128_MAX + 1, 2]) == "Overflow"
    assert reason(stg.pack_array, []) == "LEN0"
    assert reason(stg.pack_array, [5]) == "Panic(0x11)"
    assert reason(stg.pack_array, [INT128_MAX + 1]) == "Last array element overflow"  # tail checked before n − 2
    assert reason(stg.pack_array, [INT128_MAX + 1, 0, INT128_MAX + 1]) == "Last array element overflow"
    # "Overflow" is checked on both halves before "Underflow"
    assert reason(stg.pack_pair, INT128_MIN - 1, INT128_MAX + 1) == "Overflow"


def test_unpack_preconditions():
    two = stg.pack_array([10, 20])
    assert reason(stg.unpack, two, 3) == "SRC!=TGT"
    assert reason(stg.unpack, [], 1) == "SRC!=TGT"
    assert stg.unpack(two, 1) == [20]  # a 2-asset store read with n = 1 returns [element 1]
    four = stg.pack_array([1, 2, 3, 4])
    assert reason(stg.unpack, four, 2) == "Panic(0x32)"  # too small an n with extra words
    assert stg.unpack(four, 3) == [1, 2, 4]
    assert reason(stg.unpack, [], 0) == "Panic(0x11)"  # an empty store read with n = 0: L − 1 underflows
    assert reason(stg.unpack, two, 0) == "Panic(0x32)"


def test_write_past_end_reverts():
    assert reason(stg.write_elements, [0], [1, 2, 3]) == "Panic(0x32)"
