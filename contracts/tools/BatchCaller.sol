// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @title BatchCaller: one transaction carries many calls, each isolated from the others' reverts.
/// @notice Deployed by the sweep harness and made the updateWeightRunner of every rule it drives, so each
/// rule call arrives from the runner address. Only the deployer (the owner) may use it.
///
/// Input (raw calldata, not ABI-encoded; the fallback takes it): a sequence of records
///     target (20 bytes) | length L (4 bytes, big-endian) | L bytes of call data
/// Output (raw return data): per record, in order,
///     success (32 bytes: 1 or 0) | return-data length R (32 bytes) | R bytes, zero-padded to 32
/// A call that reverts returns success 0 and its revert data; the other calls are unaffected (the low-level
/// call isolates each one, as try/catch would). Records may also call view getters to read state back.
contract BatchCaller {
    address public immutable owner;

    constructor() {
        owner = msg.sender;
    }

    fallback(bytes calldata) external returns (bytes memory) {
        require(msg.sender == owner, "UNAUTH_BATCH");
        assembly {
            let start := mload(0x40)
            let w := start
            let off := 0
            let end := calldatasize()
            for {} lt(off, end) {} {
                let target := shr(96, calldataload(off))
                let len := shr(224, calldataload(add(off, 20)))
                let body := add(off, 24)
                if gt(add(body, len), end) { revert(0, 0) }
                // the call data goes where this record's output will start; CALL reads it before writing
                calldatacopy(add(w, 64), body, len)
                let ok := call(gas(), target, 0, add(w, 64), len, 0, 0)
                let rs := returndatasize()
                mstore(w, ok)
                mstore(add(w, 32), rs)
                returndatacopy(add(w, 64), 0, rs)
                let padded := and(add(rs, 31), not(31))
                // zero the padding so the output never carries stale call data
                if gt(padded, rs) { mstore(add(add(w, 64), rs), 0) }
                w := add(w, add(64, padded))
                off := add(body, len)
            }
            return(start, sub(w, start))
        }
    }
}
