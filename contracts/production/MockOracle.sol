// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

/// @title MockOracle
/// @notice A settable oracle with the interface the runner reads: getData() returns (int216 value,
/// uint40 timestamp). Test modes reproduce the failures the runner must tell apart (docs/production-loop.md):
/// a revert or an invalid opcode inside getData() is a failed read (the runner tries the backups), while
/// data that is not a valid (int216, uint40) makes the runner's own decoding revert the whole update.
/// Anyone may set it: it is a test double, not a price feed.
contract MockOracle {
    uint8 public constant MODE_OK = 0;
    uint8 public constant MODE_REVERT = 1; // revert("MockOracle: revert")
    uint8 public constant MODE_SHORT = 2; // returns one 32-byte word instead of two
    uint8 public constant MODE_BAD_WORD = 3; // first word outside the int216 range
    uint8 public constant MODE_INVALID = 4; // invalid opcode: burns all forwarded gas

    int216 public value;
    uint40 public timestamp;
    uint8 public mode;

    function setData(int216 _value, uint40 _timestamp) external {
        value = _value;
        timestamp = _timestamp;
    }

    function setMode(uint8 _mode) external {
        require(_mode <= MODE_INVALID, "MockOracle: bad mode");
        mode = _mode;
    }

    function getData() external view returns (int216, uint40) {
        uint8 m = mode;
        if (m == MODE_REVERT) {
            revert("MockOracle: revert");
        }
        if (m == MODE_SHORT) {
            int256 v = value;
            assembly {
                mstore(0, v)
                return(0, 32)
            }
        }
        if (m == MODE_BAD_WORD) {
            uint256 t = timestamp;
            assembly {
                mstore(0, shl(215, 1)) // 2^215: one past int216 max
                mstore(32, t)
                return(0, 64)
            }
        }
        if (m == MODE_INVALID) {
            assembly {
                invalid()
            }
        }
        return (value, timestamp);
    }
}
