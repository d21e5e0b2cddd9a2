// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "../base/GradientEstimator.sol";

/// @title ChannelFollowingRule
/// @notice Mean reversion inside a channel of width W around zero relative gradient, trend following
/// outside it (docs/arithmetic.md). Parameters: κ, W, A, E, h, S, [useRawPrice]; κ's length alone
/// decides whether index 0 or index i of arrays [1]–[5] is used. Read order: docs/malformed-inputs.md.
contract ChannelFollowingRule is GradientEstimator {
    using PRBMathSD59x18 for int256;

    int256 private constant PI = 3141592653589793238;
    int256 private constant TWO = 2e18;
    int256 private constant THREE = 3e18;
    int256 private constant SIX = 6e18;

    constructor(address _updateWeightRunner) UpdateRule(_updateWeightRunner, "ChannelFollowing", false) {
        parameterDescriptions.push("Kappa: Kappa dictates the aggressiveness of response to a signal change.");
        parameterDescriptions.push("Width: Width parameter for the mean reversion channel.");
        parameterDescriptions.push("Amplitude: Amplitude of the mean reversion effect.");
        parameterDescriptions.push("Exponents: Exponents for the trend following portion.");
        parameterDescriptions.push(
            "Inverse Scaling: Scaling factor for channel portion. If set to max(exp(-x^2/2)sin(pi*x/3)) [=0.541519...] then the amplitude parameter directly controls the channel height."
        );
        parameterDescriptions.push(
            "Pre-exp Scaling: Scaling factor before exponentiation in the trend following portion."
        );
        parameterDescriptions.push(
            "Use raw price: 0 = use moving average, 1 = use raw price for denominator of price gradient."
        );
    }

    function _getWeights(
        int256[] memory _prevWeights,
        int256[] memory _data,
        int256[][] calldata _parameters,
        RuleContext memory _ctx
    ) internal override returns (int256[] memory) {
        uint256 kappaLength = _parameters[0].length;
        uint256 otherLengths; // reading each length validates arrays [1]..[5], in order, as V1 does
        for (uint256 k = 1; k < 6; ++k) {
            otherLengths += _parameters[k].length;
        }
        if (otherLengths == type(uint256).max) {
            _panic(PANIC_OVERFLOW); // unreachable (calldata is far shorter); keeps the reads above
        }
        bool useRawPrice = _parameters[6][0] == ONE;
        int256[] memory gradient = _calculateQuantAMMGradient(_data, _ctx);
        int256[] memory signal = new int256[](_ctx.n);
        for (uint256 i; i < _ctx.n; ++i) {
            signal[i] = _relative(useRawPrice ? _data[i] : _ctx.movingAverages[i], gradient[i]);
        }
        int256 total;
        for (uint256 i; i < _ctx.n; ++i) {
            signal[i] = _channelSignal(signal[i], _parameters, kappaLength == 1 ? 0 : i);
            total = _accumulate(total, signal[i], _parameters[0], i);
        }
        return _finish(_prevWeights, signal, _parameters[0], false, _ctx.n, total);
    }

    /// @dev s = −(A·env·(sc − sc³/6))/h + sign(x)·_pow(|x|/(2S), E)·(1 − env), env = exp(−x²/(2W²)),
    /// sc = πx/(3W), evaluated in exactly this operation order.
    function _channelSignal(int256 x, int256[][] calldata p, uint256 j) internal pure returns (int256) {
        (int256 envelope, int256 scaled) = _envelopeAndScaled(x, p[1][j]);
        // One expression on purpose: the legacy pipeline reads h first and forms (sc − sc³/6) before A ⊗ env;
        // via-IR reads A first and h last, as V1's via-IR build does.
        int256 channel = p[2][j].mul(envelope).mul(scaled - scaled.mul(scaled).mul(scaled).div(SIX)).div(p[4][j]);
        int256 trend = _trend(x, p[5][j], p, j);
        channel = -channel;
        if (x < 0) {
            trend = -trend;
        }
        trend = trend.mul(ONE - envelope);
        return channel + trend;
    }

    /// @dev env = exp(−((x ⊗ x) ⊘ ((W ⊗ W) ⊗ TWO))), sc = (PI ⊗ x) ⊘ (W ⊗ THREE).
    function _envelopeAndScaled(int256 x, int256 width) internal pure returns (int256 envelope, int256 scaled) {
        int256 square = x.mul(x);
        int256 widthTerm = width.mul(width).mul(TWO);
        envelope = (-(square.div(widthTerm))).exp();
        int256 numerator = PI.mul(x);
        scaled = numerator.div(width.mul(THREE));
    }

    /// @dev _pow(|x| ⊘ (S ⊗ TWO), E): S is read (and used) before E.
    function _trend(int256 x, int256 preExpScaling, int256[][] calldata p, uint256 j) internal pure returns (int256) {
        int256 magnitude = x < 0 ? -x : x;
        int256 base = magnitude.div(preExpScaling.mul(TWO));
        return _pow(base, p[3][j]);
    }

    function validParameters(int256[][] calldata _parameters) external pure override returns (bool) {
        if (_parameters.length != 7) {
            return false;
        }
        uint256 k = _parameters[0].length;
        if (k == 0) {
            return false;
        }
        for (uint256 a = 1; a < 6; ++a) {
            if (_parameters[a].length != k) {
                return false;
            }
        }
        for (uint256 i; i < k; ++i) {
            for (uint256 a; a < 6; ++a) {
                if (_parameters[a][i] <= 0) {
                    return false;
                }
            }
        }
        return _parameters[6].length == 1 && _isFlag(_parameters[6][0]);
    }
}
