// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "@prb/math/contracts/PRBMathSD59x18.sol";
import "./UpdateRule.sol";

/// @title VarianceEstimator
/// @notice Running variance state A(t) and σ²(t) (docs/arithmetic.md):
/// A(t) = (λ ⊗ A(t-1)) + (((p - p̄(t-1)) ⊗ (p - p̄(t))) ⊘ ONE), σ² = (ONE - λ) ⊗ A(t).
/// With a scalar λ and odd n the last A is stored as a raw word (no range check, wraps on read).
abstract contract VarianceEstimator is UpdateRule {
    using PRBMathSD59x18 for int256;

    mapping(address => int256[]) internal intermediateVarianceStates;

    /// @notice A(t) of a pool (the intermediate state, not σ²), unpacked for `numberOfAssets` assets.
    function getIntermediateVarianceState(address poolAddress, uint256 numberOfAssets)
        external
        view
        returns (int256[] memory)
    {
        return _unpackArray(intermediateVarianceStates[poolAddress], numberOfAssets);
    }

    /// @dev Needs ctx.movingAverages = [p̄(t) ; p̄(t-1)]. Updates the stored A(t), returns σ²(t).
    /// Order per pair: A_i, σ²_i, A_i+1, store, σ²_i+1; an odd tail: A, σ², store.
    function _calculateQuantAMMVariance(int256[] memory _data, RuleContext memory _ctx)
        internal
        returns (int256[] memory variance)
    {
        uint256 n = _ctx.n;
        int256[] storage store = intermediateVarianceStates[_ctx.pool];
        int256[] memory a = _unpackArray(store, n);
        variance = new int256[](n);
        bool scalar = _ctx.lambda.length == 1;
        for (uint256 i; i < n; ++i) {
            int256 l = scalar ? _ctx.lambda[0] : _ctx.lambda[i];
            int256 price = _data[i];
            int256 innovation = (price - _ctx.movingAverages[n + i]).mul(price - _ctx.movingAverages[i]);
            int256 scaledInnovation = innovation.div(ONE);
            a[i] = l.mul(a[i]) + scaledInnovation;
            if (i % 2 == 1) {
                store[i / 2] = _packPair(a[i - 1], a[i]);
                variance[i] = (ONE - l).mul(a[i]);
            } else {
                variance[i] = (ONE - l).mul(a[i]);
                if (i + 1 == n) {
                    store[i / 2] = scalar ? a[i] : _packPair(0, a[i]);
                }
            }
        }
    }

    function _setInitialIntermediateValues(address _poolAddress, int256[] memory _values, uint256 _n)
        internal
        virtual
        override
    {
        uint256 stored = intermediateVarianceStates[_poolAddress].length;
        require(
            _values.length == _n &&
                (stored == 0 || (_n % 2 == 0 && stored == _n / 2) || (_n % 2 == 1 && stored == _n / 2 + 1)),
            "Invalid set variance"
        );
        intermediateVarianceStates[_poolAddress] = _packArray(_values);
    }
}
