// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "../base/GradientEstimator.sol";

/// @title ChannelFollowingRule
/// @notice Mean reversion inside a channel of width W around zero relative gradient, trend following
/// outside it (onchain-math §6.4). Parameters: κ, W, A, E, h, S, [useRawPrice]; κ's length alone
/// decides whether index 0 or index i of arrays [1]–[5] is used.
contract ChannelFollowingRule is GradientEstimator {
    using PRBMathSD59x18 for int256;

    int256 private constant PI = 3141592653589793238;
    int256 private constant TWO = 2e18;
    int256 private constant THREE = 3e18;
    int256 private constant SIX = 6e18;

    struct ChannelParameters {
        int256 width;
        int256 amplitude;
        int256 exponent;
        int256 inverseScaling;
        int256 preExpScaling;
    }

    constructor(address _updateWeightRunner) UpdateRule(_updateWeightRunner, "ChannelFollowing", false) {
        parameterDescriptions.push("Kappa: aggressiveness of the weight change, scalar or one per asset, > 0.");
        parameterDescriptions.push("Width: channel half-width in relative-gradient units, > 0.");
        parameterDescriptions.push("Amplitude: strength of the mean-reversion term inside the channel, > 0.");
        parameterDescriptions.push("Exponent: power of the trend term outside the channel, > 0.");
        parameterDescriptions.push("Inverse scaling: divisor of the channel term, > 0.");
        parameterDescriptions.push("Pre-exponent scaling: divisor of |r| before the trend power, > 0.");
        parameterDescriptions.push("Use raw price: 1e18 divides the gradient by the price, 0 by the moving average.");
    }

    function _getWeights(
        int256[] memory _prevWeights,
        int256[] memory _data,
        int256[][] memory _parameters,
        RuleContext memory _ctx
    ) internal override returns (int256[] memory) {
        int256[] memory kappa = _parameters[0];
        bool useRawPrice = _parameters[6][0] == ONE;
        int256[] memory gradient = _calculateQuantAMMGradient(_data, _ctx);
        int256[] memory r = _relativeGradient(_data, _ctx, gradient, useRawPrice);
        int256[] memory signal = new int256[](_ctx.n);
        bool scalar = kappa.length == 1;
        for (uint256 i; i < _ctx.n; ++i) {
            uint256 j = scalar ? 0 : i;
            ChannelParameters memory p = ChannelParameters(
                _parameters[1][j],
                _parameters[2][j],
                _parameters[3][j],
                _parameters[4][j],
                _parameters[5][j]
            );
            signal[i] = _channelSignal(r[i], p);
        }
        return _finish(_prevWeights, signal, kappa, false, _ctx.n);
    }

    /// @dev s = −(A·env·(sc − sc³/6))/h + sign(x)·_pow(|x|/(2S), E)·(1 − env), env = exp(−x²/(2W²)),
    /// sc = πx/(3W), evaluated in exactly this operation order.
    function _channelSignal(int256 x, ChannelParameters memory p) internal pure returns (int256) {
        int256 envelope = (-(x.mul(x).div(p.width.mul(p.width).mul(TWO)))).exp();
        int256 scaled = PI.mul(x).div(p.width.mul(THREE));
        int256 channel = p.amplitude.mul(envelope).mul(scaled - scaled.mul(scaled).mul(scaled).div(SIX)).div(
            p.inverseScaling
        );
        int256 magnitude = x < 0 ? -x : x;
        int256 trend = _pow(magnitude.div(p.preExpScaling.mul(TWO)), p.exponent);
        channel = -channel;
        if (x < 0) {
            trend = -trend;
        }
        trend = trend.mul(ONE - envelope);
        return channel + trend;
    }

    function validParameters(int256[][] calldata _parameters) external pure override returns (bool) {
        if (_parameters.length != 7) {
            return false;
        }
        uint256 k = _parameters[0].length;
        if (k == 0) {
            return false;
        }
        for (uint256 a; a < 6; ++a) {
            if (_parameters[a].length != k || !_nonEmptyPositive(_parameters[a])) {
                return false;
            }
        }
        return _parameters[6].length == 1 && _isFlag(_parameters[6][0]);
    }
}
