// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "./MockOracle.sol";

interface IRunnerPerformUpdate {
    function performUpdate(address pool) external;
}

interface IPoolNormalizedWeights {
    function getNormalizedWeights() external view returns (uint256[] memory);
}

/// @title ProductionDriver
/// @notice Harness helper (not part of V1): sets many MockOracles in one transaction, optionally followed
/// by the runner's performUpdate in the same block, and samples a pool's getNormalizedWeights() at the
/// timestamp of the block it is transacted in (a view call would only see the latest block's time).
contract ProductionDriver {
    function setPrices(MockOracle[] calldata oracles, int216[] calldata values, uint40[] calldata timestamps) public {
        require(oracles.length == values.length && values.length == timestamps.length, "Driver: lengths");
        for (uint256 i; i < oracles.length; ++i) {
            oracles[i].setData(values[i], timestamps[i]);
        }
    }

    /// @notice setPrices, then runner.performUpdate(pool) as this contract (UpdatePerformed's caller).
    function setPricesAndUpdate(
        address runner,
        address pool,
        MockOracle[] calldata oracles,
        int216[] calldata values,
        uint40[] calldata timestamps
    ) external {
        setPrices(oracles, values, timestamps);
        IRunnerPerformUpdate(runner).performUpdate(pool);
    }

    /// @notice The pool's getNormalizedWeights() at this block's timestamp (transact it; do not call it).
    function sample(address pool) external view returns (uint256[] memory) {
        return IPoolNormalizedWeights(pool).getNormalizedWeights();
    }
}
