// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "../base/VarianceEstimator.sol";

/// @title MinimumVarianceRule
/// @notice Inverse-variance weights mixed with the previous weights (onchain-math §6.6):
/// π_i = ONE ⊘ σ²_i, w̃_i = (Λ_i ⊗ w_i(t-1)) + (((ONE − Λ_i) ⊗ π_i) ⊘ Σπ). σ² = 0 reverts.
contract MinimumVarianceRule is VarianceEstimator {
    using PRBMathSD59x18 for int256;

    constructor(address _updateWeightRunner) UpdateRule(_updateWeightRunner, "MinimumVariance", true) {
        parameterDescriptions.push("Mixing value: weight kept on the previous weights, scalar or one per asset, in [0, 1e18].");
    }

    function _getWeights(
        int256[] memory _prevWeights,
        int256[] memory _data,
        int256[][] memory _parameters,
        RuleContext memory _ctx
    ) internal override returns (int256[] memory w) {
        uint256 n = _ctx.n;
        int256[] memory mixing = _parameters[0];
        int256[] memory variance = _calculateQuantAMMVariance(_data, _ctx);
        int256[] memory precision = new int256[](n);
        int256 precisionSum;
        for (uint256 i; i < n; ++i) {
            precision[i] = ONE.div(variance[i]);
            precisionSum += precision[i];
        }
        w = new int256[](n);
        bool scalar = mixing.length == 1;
        for (uint256 i; i < n; ++i) {
            int256 m = scalar ? mixing[0] : mixing[i];
            w[i] = m.mul(_prevWeights[i]) + (ONE - m).mul(precision[i]).div(precisionSum);
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
