// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "@prb/math/contracts/PRBMathSD59x18.sol";

/// @title GuardRails
/// @notice Clamp, then maximum-change limit, then residual fix (docs/arithmetic.md), quirks included:
/// one proportional pass, weights equal to MIN not rescaled, residual to the largest (excess) or
/// second-largest (shortfall) weight after the epsilon limit. Sums and differences wrap, and |Δ| is
/// taken by a branch on the true comparison (docs/malformed-inputs.md).
abstract contract GuardRails {
    using PRBMathSD59x18 for int256;

    int256 private constant G_ONE = 1e18;

    function _guardQuantAMMWeights(
        int256[] memory unguarded,
        int256[] memory prevWeights,
        int256 epsilonMax,
        int256 absoluteWeightGuardRail
    ) internal pure returns (int256[] memory) {
        return _normalizeWeightUpdates(prevWeights, _clampWeights(unguarded, absoluteWeightGuardRail), epsilonMax);
    }

    /// @dev Modifies and returns `w`. MAX, the remainder and the sum of others wrap.
    function _clampWeights(int256[] memory w, int256 guardRail) internal pure returns (int256[] memory) {
        uint256 n = w.length;
        if (n == 1) {
            return w;
        }
        int256 minW = guardRail;
        int256 scaledRail = PRBMathSD59x18.fromInt(int256(n - 1)).mul(guardRail);
        int256 maxW;
        unchecked {
            maxW = G_ONE - scaledRail;
        }
        int256 remainder = G_ONE;
        int256 others;
        for (uint256 i; i < n; ++i) {
            if (w[i] < minW) {
                w[i] = minW;
                unchecked {
                    remainder -= minW;
                }
            } else if (w[i] > maxW) {
                w[i] = maxW;
                unchecked {
                    others += maxW;
                }
            } else {
                unchecked {
                    others += w[i];
                }
            }
        }
        if (others != 0) {
            int256 f = remainder.div(others);
            for (uint256 i; i < n; ++i) {
                if (w[i] != minW) {
                    w[i] = w[i].mul(f);
                }
            }
        }
        return w;
    }

    /// @dev Modifies and returns `w`. Sums and differences wrap, as deployed.
    function _normalizeWeightUpdates(
        int256[] memory prevWeights,
        int256[] memory w,
        int256 epsilonMax
    ) internal pure returns (int256[] memory) {
        uint256 n = w.length;
        int256 maxDelta = epsilonMax;
        for (uint256 i; i < n; ++i) {
            int256 d;
            unchecked {
                d = prevWeights[i] > w[i] ? prevWeights[i] - w[i] : w[i] - prevWeights[i];
            }
            if (d > maxDelta) {
                maxDelta = d;
            }
        }
        if (maxDelta > epsilonMax) {
            int256 s = epsilonMax.div(maxDelta);
            for (uint256 i; i < n; ++i) {
                int256 delta;
                unchecked {
                    delta = w[i] - prevWeights[i];
                }
                int256 scaled = delta.mul(s);
                unchecked {
                    w[i] = prevWeights[i] + scaled;
                }
            }
        }
        _fixResidual(w, n);
        return w;
    }

    /// @dev The residual ONE - Σw goes to the largest weight (excess) or the second-largest (shortfall).
    function _fixResidual(int256[] memory w, uint256 n) private pure {
        unchecked {
            int256 total;
            int256 maxW;
            uint256 maxIdx;
            int256 secW;
            uint256 secIdx;
            for (uint256 i; i < n; ++i) {
                int256 v = w[i];
                total += v;
                if (v > maxW) {
                    secW = maxW;
                    secIdx = maxIdx;
                    maxW = v;
                    maxIdx = i;
                } else if (v > secW) {
                    secW = v;
                    secIdx = i;
                }
            }
            if (total != G_ONE) {
                if (total > G_ONE) {
                    w[maxIdx] -= total - G_ONE;
                } else {
                    w[secIdx] += G_ONE - total;
                }
            }
        }
    }
}
