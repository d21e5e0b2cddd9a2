// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

/// @title Int128PairStorage
/// @notice Estimator state kept as two int128 halves per 256-bit word (onchain-math §2.1).
/// Element 2k is the high half of word k, element 2k+1 the low half. An odd tail lives in the low
/// half of the last word: the per-update writer stores it as (0, x), the whole-array packer stores
/// x sign-extended. Readers only look at the low half of that word.
abstract contract Int128PairStorage {
    int256 internal constant MAX128 = int256(type(int128).max);
    int256 internal constant MIN128 = int256(type(int128).min);

    /// @dev One word holding (hi, lo); both must fit int128.
    function _packPair(int256 hi, int256 lo) internal pure returns (int256) {
        require(hi <= MAX128 && lo <= MAX128, "Overflow");
        require(hi >= MIN128 && lo >= MIN128, "Underflow");
        return (hi << 128) | int256(uint256(uint128(int128(lo))));
    }

    /// @dev Whole-array packer: a fresh array of ceil(n/2) words, odd tail sign-extended.
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
            words = new int256[](n / 2 + 1);
            // Checked on purpose: n == 1 reverts with Panic(0x11), like the deployed packer.
            uint256 pairedEnd = n - 2;
            for (uint256 i; i < pairedEnd; i += 2) {
                words[i / 2] = _packPair(values[i], values[i + 1]);
            }
            words[n / 2] = last;
        }
    }

    /// @dev Per-update writer into an existing storage array: pairs, then an odd tail as (0, x).
    function _writePairs(int256[] storage words, int256[] memory values, uint256 n) internal {
        _writePairs(words, values, n, false);
    }

    /// @dev As above; with `rawTail` an odd tail is stored as the raw int256 word without a range check
    /// (MinimumVariance with a scalar lambda: the value silently wraps on the next read).
    function _writePairs(int256[] storage words, int256[] memory values, uint256 n, bool rawTail) internal {
        uint256 k;
        for (uint256 i; i + 1 < n; i += 2) {
            words[k] = _packPair(values[i], values[i + 1]);
            ++k;
        }
        if (n % 2 == 1) {
            words[k] = rawTail ? values[n - 1] : _packPair(0, values[n - 1]);
        }
    }

    /// @dev Reads n values. Iterates over the stored words, so a store with more words than n needs
    /// reverts out of bounds for even n, and an odd n takes the low half of the last word.
    function _unpackArray(int256[] memory words, uint256 n) internal pure returns (int256[] memory values) {
        uint256 w = words.length;
        require(w * 2 >= n, "SRC!=TGT");
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
