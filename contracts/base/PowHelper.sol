// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "@prb/math/contracts/PRBMathSD59x18.sol";

/// @title PowHelper
/// @notice The rules' own power helper (docs/arithmetic.md §1): y == 0 gives ONE for any x, x == 0 gives 0,
/// otherwise exp2(y * log2(x)); a negative base reverts inside log2.
abstract contract PowHelper {
    using PRBMathSD59x18 for int256;

    function _pow(int256 x, int256 y) internal pure returns (int256) {
        if (y == 0) {
            return 1e18;
        }
        if (x == 0) {
            return 0;
        }
        return y.mul(x.log2()).exp2();
    }
}
