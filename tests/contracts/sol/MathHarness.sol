// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "@prb/math/contracts/PRBMathSD59x18.sol";
import "base/PowHelper.sol";
import "base/GuardRails.sol";

/// Test-only: exposes the PRBMath SD59x18 routines the rules use, the rules' _pow helper and the guard rails.
contract MathHarness is PowHelper, GuardRails {
    using PRBMathSD59x18 for int256;

    function mul(int256 x, int256 y) external pure returns (int256) { return x.mul(y); }
    function div(int256 x, int256 y) external pure returns (int256) { return x.div(y); }
    function log2(int256 x) external pure returns (int256) { return x.log2(); }
    function exp2(int256 x) external pure returns (int256) { return x.exp2(); }
    function exp(int256 x) external pure returns (int256) { return x.exp(); }
    function pow(int256 x, int256 y) external pure returns (int256) { return x.pow(y); }
    function sqrt(int256 x) external pure returns (int256) { return x.sqrt(); }
    function rulePow(int256 x, int256 y) external pure returns (int256) { return _pow(x, y); }

    function clampWeights(int256[] memory w, int256 g) external pure returns (int256[] memory) {
        return _clampWeights(w, g);
    }

    function guardWeights(int256[] memory w, int256[] memory prev, int256 eps, int256 g)
        external
        pure
        returns (int256[] memory)
    {
        return _guardQuantAMMWeights(w, prev, eps, g);
    }
}
