// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import "@prb/math/contracts/PRBMathSD59x18.sol";
import {ProbeFailure} from "./ProbeErrors.sol";

/// Test-only contract exercising what the chain backends must reproduce bit for bit:
/// return values (single, several, nested arrays), block number/timestamp, logs, every revert kind.
contract Probe {
    using PRBMathSD59x18 for int256;

    address public immutable owner;
    int256[] public stored;
    uint256 public updates;

    event Stored(address indexed sender, uint256 indexed blockNumber, uint256 timestamp, int256[] values);
    event Note(string text);

    error NotOwner(address caller, uint256 code);

    constructor(address owner_) {
        owner = owner_;
    }

    function store(int256[] calldata values) external returns (int256 sum, uint256 blockNumber, uint256 timestamp) {
        delete stored;
        for (uint256 i = 0; i < values.length; ++i) {
            stored.push(values[i]);
            sum += values[i];
        }
        updates += 1;
        emit Stored(msg.sender, block.number, block.timestamp, values);
        return (sum, block.number, block.timestamp);
    }

    function mulAll(int256[][] calldata rows, int256 factor) external returns (int256[] memory out) {
        out = new int256[](rows.length);
        for (uint256 i = 0; i < rows.length; ++i) {
            int256 acc = 0;
            for (uint256 j = 0; j < rows[i].length; ++j) {
                acc += rows[i][j].mul(factor);
            }
            out[i] = acc;
        }
        updates += 1;
        emit Note("mulAll");
    }

    function onlyOwner() external returns (uint256) {
        if (msg.sender != owner) revert NotOwner(msg.sender, 7);
        updates += 1;
        return updates;
    }

    function failString() external pure {
        require(false, "UNAUTH_CALC");
    }

    function failEmpty() external pure {
        revert();
    }

    function failCustomImported(uint256 code) external pure {
        revert ProbeFailure(code);
    }

    function overflow(uint256 a) external returns (uint256) {
        updates += 1;
        return a + type(uint256).max;
    }

    function divide(int256 a, int256 b) external pure returns (int256) {
        return a / b;
    }

    function at(uint256 i) external view returns (int256) {
        return stored[i];
    }

    function log2Of(int256 x) external pure returns (int256) {
        return x.log2();
    }

    function getStored() external view returns (int256[] memory) {
        return stored;
    }

    function pair() external view returns (int256 first, uint256 count) {
        return (stored.length > 0 ? stored[0] : int256(0), updates);
    }
}
