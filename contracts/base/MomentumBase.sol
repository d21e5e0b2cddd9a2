// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "./GradientEstimator.sol";

/// @title MomentumBase
/// @notice Momentum and AntiMomentum (docs/arithmetic.md): parameters [κ] or [κ, [useRawPrice]];
/// w̃ = FINISH(r, κ, ±1) with r the relative gradient. Reads κ and the flag before the estimator.
abstract contract MomentumBase is GradientEstimator {
    bool private immutable anti;

    constructor(bool _anti) {
        anti = _anti;
    }

    function _getWeights(
        int256[] memory _prevWeights,
        int256[] memory _data,
        int256[][] calldata _parameters,
        RuleContext memory _ctx
    ) internal override returns (int256[] memory) {
        int256[] calldata kappa = _parameters[0];
        bool useRawPrice = _parameters.length > 1 && _parameters[1][0] == ONE;
        int256[] memory gradient = _calculateQuantAMMGradient(_data, _ctx);
        int256[] memory r = new int256[](_ctx.n);
        int256 total;
        for (uint256 i; i < _ctx.n; ++i) {
            r[i] = _relative(useRawPrice ? _data[i] : _ctx.movingAverages[i], gradient[i]);
            total = _accumulate(total, r[i], kappa, i);
        }
        return _finish(_prevWeights, r, kappa, anti, _ctx.n, total);
    }

    /// @dev κ's length is tested as a uint16 (65,536 entries read as 0), as V1 does.
    function validParameters(int256[][] calldata _parameters) external pure override returns (bool) {
        uint256 len = _parameters.length;
        if (!(len == 1 || (len == 2 && _parameters[1].length == 1))) {
            return false;
        }
        if (uint16(_parameters[0].length) == 0 || !_allPositive(_parameters[0])) {
            return false;
        }
        if (len == 2 && !_isFlag(_parameters[1][0])) {
            return false;
        }
        return true;
    }
}
