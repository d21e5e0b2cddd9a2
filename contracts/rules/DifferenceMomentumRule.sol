// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "../base/GradientEstimator.sol";

/// @title DifferenceMomentumRule
/// @notice s_i = (ONE ⊘ p̄_i) ⊗ (s̄_i − p̄_i), w̃ = FINISH(s, κ, +1), with the pool λ driving the long
/// EWMA p̄ and params[1] the short EWMA s̄ (docs/arithmetic.md). Inherits the gradient base but never
/// uses it, so getIntermediateGradientState reverts.
contract DifferenceMomentumRule is GradientEstimator {
    using PRBMathSD59x18 for int256;

    /// @notice s̄(t) per pool, raw packed words.
    mapping(address => int256[]) public shortMovingAverages;

    constructor(address _updateWeightRunner) UpdateRule(_updateWeightRunner, "DifferenceMomentum", false) {
        parameterDescriptions.push(
            "Kappa: Kappa dictates the aggressiveness of the rule's response to a signal change (here, (EWMA_short - EWMA_long) / EWMA_long)"
        );
        parameterDescriptions.push(
            "Lambda Short: This Lambda dictates price smoothing for the short-memory moving average"
        );
        parameterDescriptions.push(
            "Lambda Long: This Lambda dictates price smoothing for the long-memory moving average"
        );
    }

    function _getWeights(
        int256[] memory _prevWeights,
        int256[] memory _data,
        int256[][] calldata _parameters,
        RuleContext memory _ctx
    ) internal override returns (int256[] memory) {
        uint256 n = _ctx.n;
        int256[] calldata kappa = _parameters[0];
        int256[] memory shortLambda = new int256[](_parameters[1].length);
        for (uint256 i; i < shortLambda.length; ++i) {
            shortLambda[i] = int256(int128(_parameters[1][i]));
        }
        int256[] memory prevShort = _unpackArray(shortMovingAverages[_ctx.pool], n);
        int256[] memory newShort = _ewma(prevShort, _data, shortLambda, n);
        shortMovingAverages[_ctx.pool] = _packArray(newShort);
        int256[] memory signal = new int256[](n);
        int256 total;
        for (uint256 i; i < n; ++i) {
            int256 ma = _ctx.movingAverages[i];
            int256 delta = newShort[i] - ma;
            signal[i] = ONE.div(ma).mul(delta);
            total = _accumulate(total, signal[i], kappa, i);
        }
        return _finish(_prevWeights, signal, kappa, false, n, total);
    }

    function _setInitialIntermediateValues(address _poolAddress, int256[] memory _values, uint256 _n)
        internal
        override
    {
        require(_values.length == _n, "Invalid initial values");
        shortMovingAverages[_poolAddress] = _packArray(_values);
    }

    /// @dev λs entries in [0, 1e18]; κ length tested as a uint16; κ scanned to its first zero with a
    /// checked sum (an overflow reverts); a zero sum is invalid.
    function validParameters(int256[][] calldata _parameters) external pure override returns (bool) {
        if (_parameters.length != 2) {
            return false;
        }
        int256[] calldata shortLambda = _parameters[1];
        for (uint256 i; i < shortLambda.length; ++i) {
            if (shortLambda[i] > MAX128 || shortLambda[i] < 0 || shortLambda[i] > ONE) {
                return false;
            }
        }
        int256[] calldata kappa = _parameters[0];
        bool ok = uint16(kappa.length) != 0;
        int256 kappaSum;
        for (uint256 i; i < kappa.length; ++i) {
            if (kappa[i] == 0) {
                ok = false;
                break;
            }
            kappaSum += kappa[i];
        }
        if (kappaSum == 0) {
            return false;
        }
        return ok;
    }
}
