// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "@prb/math/contracts/PRBMathSD59x18.sol";
import "./UpdateRule.sol";

/// @title GradientEstimator
/// @notice Running gradient state a(t) and gradient g(t) (onchain-math §5.1):
/// a(t) = (λ ⊗ a(t-1)) + ((p - p̄(t)) ⊘ (ONE - λ)), g = (pow(ONE - λ, 3) ⊘ λ) ⊗ a(t).
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

    /// @dev Updates the stored a(t) and returns g(t), using the new moving average.
    function _calculateQuantAMMGradient(int256[] memory _data, RuleContext memory _ctx)
        internal
        returns (int256[] memory gradient)
    {
        uint256 n = _ctx.n;
        int256[] memory a = _unpackArray(intermediateGradientStates[_ctx.pool], n);
        gradient = new int256[](n);
        if (_ctx.lambda.length == 1) {
            int256 l = _ctx.lambda[0];
            int256 oml = ONE - l;
            int256 c = oml.pow(THREE).div(l);
            for (uint256 i; i < n; ++i) {
                a[i] = l.mul(a[i]) + (_data[i] - _ctx.movingAverages[i]).div(oml);
                gradient[i] = c.mul(a[i]);
            }
        } else {
            for (uint256 i; i < n; ++i) {
                int256 l = _ctx.lambda[i];
                int256 oml = ONE - l;
                int256 c = oml.pow(THREE).div(l);
                a[i] = l.mul(a[i]) + (_data[i] - _ctx.movingAverages[i]).div(oml);
                gradient[i] = c.mul(a[i]);
            }
        }
        _writePairs(intermediateGradientStates[_ctx.pool], a, n);
    }

    /// @dev r_i = (ONE ⊘ d_i) ⊗ g_i with d = raw price or new moving average (reciprocal truncated first).
    function _relativeGradient(
        int256[] memory _data,
        RuleContext memory _ctx,
        int256[] memory _gradient,
        bool _useRawPrice
    ) internal pure returns (int256[] memory r) {
        r = new int256[](_ctx.n);
        for (uint256 i; i < _ctx.n; ++i) {
            int256 d = _useRawPrice ? _data[i] : _ctx.movingAverages[i];
            r[i] = ONE.div(d).mul(_gradient[i]);
        }
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
