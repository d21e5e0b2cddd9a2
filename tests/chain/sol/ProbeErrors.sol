// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// A file-level custom error, imported by Probe.sol (checks selector decoding of imported errors).
error ProbeFailure(uint256 code);

/// A contract whose constructor can revert (deployment reverts must raise and mine nothing).
contract RevertingConstructor {
    uint256 public immutable value;

    constructor(uint256 value_) {
        require(value_ > 0, "ZERO_VALUE");
        value = value_;
    }
}
