// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

/// @notice Test double: a rule that keeps no state and forwards any call to the runner as itself
/// (the only caller calculateMultiplierAndSetWeightsFromRule accepts is the pool's rule).
contract ForwardingRule {
    function initialisePoolRuleIntermediateValues(address, int256[] memory, int256[] memory, uint256) external {}

    function forward(address target, bytes calldata data) external {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}
