// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "../base/GradientEstimator.sol";

/// @title PowerChannelRule
/// @notice s_i = sign(r_i) ⊗ _pow(|r_i|, q_i), w̃ = FINISH(s, κ, +1) (onchain-math §6.3).
contract PowerChannelRule is GradientEstimator {
    using PRBMathSD59x18 for int256;

    constructor(address _updateWeightRunner) UpdateRule(_updateWeightRunner, "PowerChannel", false) {
        parameterDescriptions.push("Kappa: aggressiveness of the weight change, scalar or one per asset, > 0.");
        parameterDescriptions.push("Q: exponent applied to the relative gradient, scalar or one per asset, > 1.");
        parameterDescriptions.push("Use raw price: 1e18 divides the gradient by the price, 0 by the moving average.");
    }

    function _getWeights(
        int256[] memory _prevWeights,
        int256[] memory _data,
        int256[][] memory _parameters,
        RuleContext memory _ctx
    ) internal override returns (int256[] memory) {
        int256[] memory kappa = _parameters[0];
        int256[] memory q = _parameters[1];
        bool useRawPrice = _parameters.length > 2 && _parameters[2][0] == ONE;
        int256[] memory gradient = _calculateQuantAMMGradient(_data, _ctx);
        int256[] memory r = _relativeGradient(_data, _ctx, gradient, useRawPrice);
        int256[] memory signal = new int256[](_ctx.n);
        for (uint256 i; i < _ctx.n; ++i) {
            int256 sign = r[i] >= 0 ? ONE : -ONE;
            int256 qi = q.length == 1 ? q[0] : q[i];
            signal[i] = sign.mul(_pow(r[i].abs(), qi));
        }
        return _finish(_prevWeights, signal, kappa, false, _ctx.n);
    }

    function validParameters(int256[][] calldata _parameters) external pure override returns (bool) {
        uint256 len = _parameters.length;
        if (!(len == 2 || (len == 3 && _parameters[2].length == 1))) {
            return false;
        }
        int256[] calldata kappa = _parameters[0];
        int256[] calldata q = _parameters[1];
        if (!((kappa.length == 1 && q.length == 1) || q.length == kappa.length)) {
            return false;
        }
        if (!_nonEmptyPositive(kappa)) {
            return false;
        }
        for (uint256 i; i < q.length; ++i) {
            if (q[i] <= ONE) {
                return false;
            }
        }
        if (len == 3 && !_isFlag(_parameters[2][0])) {
            return false;
        }
        return true;
    }
}
