// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

/// @title Int128PairStorage
/// @notice Estimator state kept as two int128 halves per 256-bit word (docs/storage.md).
/// Element 2k is the high half of word k, element 2k+1 the low half. An odd tail lives in the low
/// half of the last word: the per-update writer stores it as (0, x), the whole-array packer stores
/// x sign-extended. Readers only look at the low half of that word.
abstract contract Int128PairStorage {
    int256 internal constant MAX128 = int256(type(int128).max);
    int256 internal constant MIN128 = int256(type(int128).min);
    uint256 internal constant PANIC_OVERFLOW = 0x11;
    uint256 internal constant PANIC_DIV_ZERO = 0x12;
    uint256 internal constant PANIC_OUT_OF_BOUNDS = 0x32;

    /// @dev Reverts with Panic(code), the data a checked-arithmetic or bounds failure produces.
    function _panic(uint256 code) internal pure {
        assembly ("memory-safe") {
            mstore(0x00, 0x4e487b71)
            mstore(0x20, code)
            revert(0x1c, 0x24)
        }
    }

    /// @dev One word holding (hi, lo): "Overflow" if either is above int128, then "Underflow".
    function _packPair(int256 hi, int256 lo) internal pure returns (int256) {
        require(hi <= MAX128 && lo <= MAX128, "Overflow");
        require(hi >= MIN128 && lo >= MIN128, "Underflow");
        return (hi << 128) | int256(uint256(uint128(int128(lo))));
    }

    /// @dev Whole-array packer: a fresh array of ceil(n/2) words, odd tail sign-extended. Checks, in
    /// order: n = 0 ("LEN0"); odd tail range; n = 1 (Panic(0x11)); the pairs, in order.
    function _packArray(int256[] memory values) internal pure returns (int256[] memory words) {
        uint256 n = values.length;
        require(n != 0, "LEN0");
        if (n % 2 == 0) {
            words = new int256[](n / 2);
            for (uint256 i; i < n; i += 2) {
                words[i / 2] = _packPair(values[i], values[i + 1]);
            }
        } else {
            int256 last = values[n - 1];
            require(last >= MIN128 && last <= MAX128, "Last array element overflow");
            if (n == 1) {
                _panic(PANIC_OVERFLOW);
            }
            words = new int256[](n / 2 + 1);
            for (uint256 i; i < n - 2; i += 2) {
                words[i / 2] = _packPair(values[i], values[i + 1]);
            }
            words[n / 2] = last;
        }
    }

    /// @dev Per-update writer into an existing storage array: pairs, then an odd tail as (0, x).
    function _writePairs(int256[] storage words, int256[] memory values, uint256 n) internal {
        uint256 k;
        for (uint256 i; i + 1 < n; i += 2) {
            words[k] = _packPair(values[i], values[i + 1]);
            ++k;
        }
        if (n % 2 == 1) {
            words[k] = _packPair(0, values[n - 1]);
        }
    }

    /// @dev Reads n values from L stored words: 2L < n gives "SRC!=TGT"; L = 0 gives Panic(0x11);
    /// any n other than 2L or 2L-1 overruns the result (Panic(0x32)). An odd n takes the low half
    /// of the last word.
    function _unpackArray(int256[] memory words, uint256 n) internal pure returns (int256[] memory values) {
        uint256 w = words.length;
        require(w * 2 >= n, "SRC!=TGT");
        if (w == 0) {
            _panic(PANIC_OVERFLOW);
        }
        values = new int256[](n);
        uint256 k;
        if (n % 2 == 0) {
            for (uint256 i; i < w; ++i) {
                values[k] = words[i] >> 128;
                values[k + 1] = int256(int128(words[i]));
                k += 2;
            }
        } else {
            for (uint256 i; i + 1 < w; ++i) {
                values[k] = words[i] >> 128;
                values[k + 1] = int256(int128(words[i]));
                k += 2;
            }
            values[n - 1] = int256(int128(words[w - 1]));
        }
    }
}
