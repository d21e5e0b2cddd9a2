// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "./GradientEstimator.sol";

/// @title MomentumBase
/// @notice Momentum and AntiMomentum (onchain-math §6.1–6.2): parameters [κ] or [κ, [useRawPrice]];
/// w̃ = FINISH(r, κ, ±1) with r the relative gradient.
abstract contract MomentumBase is GradientEstimator {
    bool private immutable anti;

    constructor(bool _anti) {
        anti = _anti;
    }

    function _getWeights(
        int256[] memory _prevWeights,
        int256[] memory _data,
        int256[][] memory _parameters,
        RuleContext memory _ctx
    ) internal override returns (int256[] memory) {
        int256[] memory kappa = _parameters[0];
        bool useRawPrice = _parameters.length > 1 && _parameters[1][0] == ONE;
        int256[] memory gradient = _calculateQuantAMMGradient(_data, _ctx);
        int256[] memory r = _relativeGradient(_data, _ctx, gradient, useRawPrice);
        return _finish(_prevWeights, r, kappa, anti, _ctx.n);
    }

    function validParameters(int256[][] calldata _parameters) external pure override returns (bool) {
        uint256 len = _parameters.length;
        if (!(len == 1 || (len == 2 && _parameters[1].length == 1))) {
            return false;
        }
        if (!_nonEmptyPositive(_parameters[0])) {
            return false;
        }
        if (len == 2 && !_isFlag(_parameters[1][0])) {
            return false;
        }
        return true;
    }
}
