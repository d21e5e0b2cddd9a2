// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "./ProductionTypes.sol";

/// @title VaultStandIn
/// @notice parity's stand-in for the Balancer V3 vault (not V1 code; swaps and liquidity are out of scope):
/// exactly the views the weight side of a QuantAMM pool calls, answering what the harness set. A pool that
/// was never set gets the canonical answers for `defaultNumTokens` tokens: balances, decimal scaling factors
/// and rates all 1e18, total supply 1e18, a PoolConfig that is all zero except isPoolRegistered and
/// isPoolInitialized, zero token addresses, and balanceOf 0. Anyone may set a pool's answers.
contract VaultStandIn {
    struct PoolAnswers {
        bool set;
        uint256[] balances;
        uint256[] decimalScalingFactors;
        uint256[] tokenRates;
        uint256 totalSupply;
        address[] tokens;
        PoolConfig config;
    }

    uint256 public immutable defaultNumTokens;
    mapping(address => PoolAnswers) internal _answers;

    constructor(uint256 _defaultNumTokens) {
        defaultNumTokens = _defaultNumTokens;
    }

    /// @notice Harness setter (not vault ABI): every answer for `pool` at once.
    function setPoolAnswers(
        address pool,
        uint256[] calldata balances,
        uint256[] calldata decimalScalingFactors,
        uint256[] calldata tokenRates,
        uint256 supply,
        address[] calldata tokens,
        PoolConfig calldata config
    ) external {
        PoolAnswers storage a = _answers[pool];
        a.set = true;
        a.balances = balances;
        a.decimalScalingFactors = decimalScalingFactors;
        a.tokenRates = tokenRates;
        a.totalSupply = supply;
        a.tokens = tokens;
        a.config = config;
    }

    function _ones() internal view returns (uint256[] memory v) {
        v = new uint256[](defaultNumTokens);
        for (uint256 i; i < v.length; ++i) {
            v[i] = 1e18;
        }
    }

    function getCurrentLiveBalances(address pool) external view returns (uint256[] memory) {
        return _answers[pool].set ? _answers[pool].balances : _ones();
    }

    function getPoolTokenRates(address pool) external view returns (uint256[] memory, uint256[] memory) {
        PoolAnswers storage a = _answers[pool];
        return a.set ? (a.decimalScalingFactors, a.tokenRates) : (_ones(), _ones());
    }

    function totalSupply(address token) external view returns (uint256) {
        return _answers[token].set ? _answers[token].totalSupply : 1e18;
    }

    function getPoolConfig(address pool) external view returns (PoolConfig memory config) {
        if (_answers[pool].set) {
            return _answers[pool].config;
        }
        config.isPoolRegistered = true;
        config.isPoolInitialized = true;
    }

    function getPoolTokens(address pool) external view returns (address[] memory) {
        return _answers[pool].set ? _answers[pool].tokens : new address[](defaultNumTokens);
    }

    function balanceOf(address, address) external pure returns (uint256) {
        return 0;
    }
}
