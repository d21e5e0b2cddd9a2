// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "../base/MomentumBase.sol";

/// @title MomentumRule
/// @notice w̃_i = w_i(t-1) + κ ⊗ (r_i − mean(r)): buy what is rising (docs/arithmetic.md).
contract MomentumRule is MomentumBase {
    constructor(address _updateWeightRunner) UpdateRule(_updateWeightRunner, "Momentum", false) MomentumBase(false) {
        parameterDescriptions.push(
            "Kappa: Kappa dictates the aggressiveness of the rule's response to a signal change (here, price gradient)"
        );
        parameterDescriptions.push("Use raw price: 0 = use moving average, 1 = use raw price");
        parameterDescriptions.push(
            "Lambda: Lambda dictates the estimator weighting and price smoothing for a given period of time"
        );
    }
}
