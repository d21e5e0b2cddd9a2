// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// A file-level custom error, imported by Probe.sol (checks selector decoding of imported errors).
error ProbeFailure(uint256 code);
