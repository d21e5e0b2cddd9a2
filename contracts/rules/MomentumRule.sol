// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "../base/MomentumBase.sol";

/// @title MomentumRule
/// @notice w̃_i = w_i(t-1) + κ ⊗ (r_i − mean(r)): buy what is rising (onchain-math §6.1).
contract MomentumRule is MomentumBase {
    constructor(address _updateWeightRunner) UpdateRule(_updateWeightRunner, "Momentum", false) MomentumBase(false) {
        parameterDescriptions.push("Kappa: aggressiveness of the weight change, scalar or one per asset, > 0.");
        parameterDescriptions.push("Use raw price: 1e18 divides the gradient by the price, 0 by the moving average.");
    }
}
