// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "../base/VarianceEstimator.sol";

/// @title MinimumVarianceRule
/// @notice Inverse-variance weights mixed with the previous weights (docs/arithmetic.md):
/// π_i = ONE ⊘ σ²_i, w̃_i = (Λ_i ⊗ w_i(t-1)) + (((ONE − Λ_i) ⊗ π_i) ⊘ Σπ). σ² = 0 reverts. The
/// estimator runs before the parameters are read.
contract MinimumVarianceRule is VarianceEstimator {
    using PRBMathSD59x18 for int256;

    constructor(address _updateWeightRunner) UpdateRule(_updateWeightRunner, "MinimumVariance", true) {
        parameterDescriptions.push(
            unicode"Mixing Lambda (Λ): Mixing Lambda controls how the weight smoothing is done."
        );
    }

    function _getWeights(
        int256[] memory _prevWeights,
        int256[] memory _data,
        int256[][] calldata _parameters,
        RuleContext memory _ctx
    ) internal override returns (int256[] memory w) {
        uint256 n = _ctx.n;
        int256[] memory variance = _calculateQuantAMMVariance(_data, _ctx);
        int256[] calldata mixing = _parameters[0];
        bool scalar = mixing.length == 1;
        int256 m;
        int256 oneMinus;
        if (scalar) {
            m = mixing[0];
            oneMinus = ONE - m;
        }
        int256[] memory scaledPrecision = new int256[](n);
        int256 precisionSum;
        for (uint256 i; i < n; ++i) {
            if (!scalar) {
                m = mixing[i];
                oneMinus = ONE - m;
            }
            int256 precision = ONE.div(variance[i]);
            precisionSum += precision;
            scaledPrecision[i] = oneMinus.mul(precision);
        }
        w = _mix(_prevWeights, scaledPrecision, precisionSum, mixing);
    }

    /// @dev w̃_i = (Λ_i ⊗ prev_i) + (u_i ⊘ D).
    function _mix(
        int256[] memory prevWeights,
        int256[] memory scaledPrecision,
        int256 precisionSum,
        int256[] calldata mixing
    ) internal pure returns (int256[] memory w) {
        uint256 n = prevWeights.length;
        w = new int256[](n);
        for (uint256 i; i < n; ++i) {
            int256 m = mixing.length == 1 ? mixing[0] : mixing[i];
            // One expression on purpose: legacy divides before it multiplies, via-IR the other way round.
            w[i] = m.mul(prevWeights[i]) + scaledPrecision[i].div(precisionSum);
        }
    }

    function validParameters(int256[][] calldata _parameters) external pure override returns (bool) {
        if (_parameters.length != 1 || _parameters[0].length == 0) {
            return false;
        }
        for (uint256 i; i < _parameters[0].length; ++i) {
            if (_parameters[0][i] < 0 || _parameters[0][i] > ONE) {
                return false;
            }
        }
        return true;
    }
}
