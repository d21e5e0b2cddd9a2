// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "../base/GradientEstimator.sol";

/// @title DifferenceMomentumRule
/// @notice s_i = (ONE ⊘ p̄_i) ⊗ (s̄_i − p̄_i), w̃ = FINISH(s, κ, +1), with the pool λ driving the long
/// EWMA p̄ and params[1] the short EWMA s̄ (onchain-math §6.5). Inherits the gradient base but never
/// uses it, so getIntermediateGradientState reverts ("SRC!=TGT").
contract DifferenceMomentumRule is GradientEstimator {
    using PRBMathSD59x18 for int256;

    /// @notice s̄(t) per pool, raw packed words.
    mapping(address => int256[]) public shortMovingAverages;

    constructor(address _updateWeightRunner) UpdateRule(_updateWeightRunner, "DifferenceMomentum", false) {
        parameterDescriptions.push("Kappa: aggressiveness of the weight change, scalar or one per asset, non-zero, sum non-zero.");
        parameterDescriptions.push("Short lambda: memory of the short EWMA, scalar or one per asset, in [0, 1e18].");
    }

    function _getWeights(
        int256[] memory _prevWeights,
        int256[] memory _data,
        int256[][] memory _parameters,
        RuleContext memory _ctx
    ) internal override returns (int256[] memory) {
        uint256 n = _ctx.n;
        int256[] memory kappa = _parameters[0];
        int256[] memory shortLambda = new int256[](_parameters[1].length);
        for (uint256 i; i < shortLambda.length; ++i) {
            shortLambda[i] = int256(int128(_parameters[1][i]));
        }
        int256[] memory prevShort = _unpackArray(shortMovingAverages[_ctx.pool], n);
        int256[] memory newShort = _ewma(prevShort, _data, shortLambda, n);
        shortMovingAverages[_ctx.pool] = _packArray(newShort);
        int256[] memory signal = new int256[](n);
        for (uint256 i; i < n; ++i) {
            int256 ma = _ctx.movingAverages[i];
            signal[i] = ONE.div(ma).mul(newShort[i] - ma);
        }
        return _finish(_prevWeights, signal, kappa, false, n);
    }

    function _setInitialIntermediateValues(address _poolAddress, int256[] memory _values, uint256 _n)
        internal
        override
    {
        require(_values.length == _n, "Invalid initial values");
        shortMovingAverages[_poolAddress] = _packArray(_values);
    }

    function validParameters(int256[][] calldata _parameters) external pure override returns (bool) {
        if (_parameters.length != 2) {
            return false;
        }
        int256[] calldata shortLambda = _parameters[1];
        for (uint256 i; i < shortLambda.length; ++i) {
            if (shortLambda[i] < 0 || shortLambda[i] > ONE) {
                return false;
            }
        }
        int256[] calldata kappa = _parameters[0];
        if (kappa.length == 0) {
            return false;
        }
        int256 kappaSum;
        for (uint256 i; i < kappa.length; ++i) {
            if (kappa[i] == 0) {
                return false;
            }
            kappaSum += kappa[i];
        }
        return kappaSum != 0;
    }
}
