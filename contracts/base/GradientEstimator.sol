// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "@prb/math/contracts/PRBMathSD59x18.sol";
import "./UpdateRule.sol";

/// @title GradientEstimator
/// @notice Running gradient state a(t) and gradient g(t) (docs/arithmetic.md):
/// a(t) = (λ ⊗ a(t-1)) + ((p - p̄(t)) ⊘ (ONE - λ)), g = (pow(ONE - λ, 3) ⊘ λ) ⊗ a(t).
/// Each pair of a(t) is stored as soon as it is computed (docs/malformed-inputs.md gives the order).
abstract contract GradientEstimator is UpdateRule {
    using PRBMathSD59x18 for int256;

    int256 private constant THREE = 3e18;

    mapping(address => int256[]) internal intermediateGradientStates;

    /// @notice a(t) of a pool, unpacked for `numberOfAssets` assets.
    function getIntermediateGradientState(address poolAddress, uint256 numberOfAssets)
        external
        view
        returns (int256[] memory)
    {
        return _unpackArray(intermediateGradientStates[poolAddress], numberOfAssets);
    }

    /// @dev c = pow(ONE - λ, 3) ⊘ λ.
    function _mulFactor(int256 l) internal pure returns (int256) {
        return (ONE - l).pow(THREE).div(l);
    }

    /// @dev ((p - p̄) ⊘ (ONE - λ)), the new term of a(t); faults in order: the difference, the division.
    function _gradientQuotient(int256 l, int256 price, int256 movingAverage) internal pure returns (int256) {
        int256 diff = price - movingAverage;
        return diff.div(ONE - l);
    }

    /// @dev Updates the stored a(t) and returns g(t), using the new moving average. Scalar λ: c once,
    /// then per pair a_i, g_i, a_i+1, g_i+1, store; an odd tail is stored before its g. Vector λ: c_i
    /// before each a_i, and the odd tail is stored after its g.
    function _calculateQuantAMMGradient(int256[] memory _data, RuleContext memory _ctx)
        internal
        returns (int256[] memory gradient)
    {
        uint256 n = _ctx.n;
        int256[] storage store = intermediateGradientStates[_ctx.pool];
        int256[] memory a = _unpackArray(store, n);
        gradient = new int256[](n);
        bool scalar = _ctx.lambda.length == 1;
        int256 c;
        if (scalar) {
            c = _mulFactor(_ctx.lambda[0]);
        }
        for (uint256 i; i < n; ++i) {
            int256 l = scalar ? _ctx.lambda[0] : _ctx.lambda[i];
            if (!scalar) {
                c = _mulFactor(l);
            }
            int256 quotient = _gradientQuotient(l, _data[i], _ctx.movingAverages[i]);
            a[i] = l.mul(a[i]) + quotient; // λ ⊗ a cannot fail; then the checked sum
            bool tail = i % 2 == 0 && i + 1 == n;
            if (tail && scalar) {
                store[i / 2] = _packPair(0, a[i]);
            }
            gradient[i] = c.mul(a[i]);
            if (i % 2 == 1) {
                store[i / 2] = _packPair(a[i - 1], a[i]);
            } else if (tail && !scalar) {
                store[i / 2] = _packPair(0, a[i]);
            }
        }
    }

    /// @dev r = (ONE ⊘ d) ⊗ g (reciprocal truncated first).
    function _relative(int256 d, int256 g) internal pure returns (int256) {
        return ONE.div(d).mul(g);
    }

    function _setInitialIntermediateValues(address _poolAddress, int256[] memory _values, uint256 _n)
        internal
        virtual
        override
    {
        uint256 stored = intermediateGradientStates[_poolAddress].length;
        require(
            _values.length == _n &&
                (stored == 0 || (_n % 2 == 0 && stored == _n / 2) || (_n % 2 == 1 && stored == _n / 2 + 1)),
            "Invalid set gradient"
        );
        intermediateGradientStates[_poolAddress] = _packArray(_values);
    }
}
