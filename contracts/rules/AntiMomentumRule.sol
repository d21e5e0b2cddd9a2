// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "../base/MomentumBase.sol";

/// @title AntiMomentumRule
/// @notice w̃_i = w_i(t-1) + κ ⊗ (mean(r) − r_i): sell what is rising (onchain-math §6.2).
contract AntiMomentumRule is MomentumBase {
    constructor(address _updateWeightRunner) UpdateRule(_updateWeightRunner, "AntiMomentum", false) MomentumBase(true) {
        parameterDescriptions.push("Kappa: aggressiveness of the weight change, scalar or one per asset, > 0.");
        parameterDescriptions.push("Use raw price: 1e18 divides the gradient by the price, 0 by the moving average.");
    }
}
