// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "../base/GradientEstimator.sol";

/// @title PowerChannelRule
/// @notice s_i = sign(r_i) ⊗ _pow(|r_i|, q_i), w̃ = FINISH(s, κ, +1) (docs/arithmetic.md). The
/// estimator runs before any parameter is read.
contract PowerChannelRule is GradientEstimator {
    using PRBMathSD59x18 for int256;

    constructor(address _updateWeightRunner) UpdateRule(_updateWeightRunner, "PowerChannel", false) {
        parameterDescriptions.push("Kappa: Kappa dictates the aggressiveness of response to a signal change");
        parameterDescriptions.push("Q: Q dictates the harshness of the channel boundry");
        parameterDescriptions.push(
            "Use raw price: 0 = use moving average, 1 = use raw price to be used as the denominator"
        );
        parameterDescriptions.push(
            "Lambda: Lambda dictates the estimator weighting and price smoothing for a given period of time"
        );
    }

    function _getWeights(
        int256[] memory _prevWeights,
        int256[] memory _data,
        int256[][] calldata _parameters,
        RuleContext memory _ctx
    ) internal override returns (int256[] memory) {
        int256[] memory gradient = _calculateQuantAMMGradient(_data, _ctx);
        int256[] calldata kappa = _parameters[0];
        bool useRawPrice = _parameters.length > 2 && _parameters[2][0] == ONE;
        bool scalarQ = _parameters[1].length == 1;
        int256 q = _parameters[1][0];
        int256[] memory signal = new int256[](_ctx.n);
        int256 total;
        for (uint256 i; i < _ctx.n; ++i) {
            if (!scalarQ) {
                q = _parameters[1][i];
            }
            int256 r = _relative(useRawPrice ? _data[i] : _ctx.movingAverages[i], gradient[i]);
            int256 sign = r >= 0 ? ONE : -ONE;
            signal[i] = sign.mul(_pow(r.abs(), q));
            total = _accumulate(total, signal[i], kappa, i);
        }
        return _finish(_prevWeights, signal, kappa, false, _ctx.n, total);
    }

    function validParameters(int256[][] calldata _parameters) external pure override returns (bool) {
        uint256 len = _parameters.length;
        if (!(len == 2 || (len == 3 && _parameters[2].length == 1))) {
            return false;
        }
        uint256 k = _parameters[0].length;
        if (k == 0) {
            return false;
        }
        uint256 qLength = _parameters[1].length;
        if (!((k == 1 && qLength == 1) || qLength == k)) {
            return false;
        }
        if (!_allPositive(_parameters[0])) {
            return false;
        }
        for (uint256 i; i < qLength; ++i) {
            if (_parameters[1][i] <= ONE) {
                return false;
            }
        }
        if (len == 3 && !_isFlag(_parameters[2][0])) {
            return false;
        }
        return true;
    }
}
