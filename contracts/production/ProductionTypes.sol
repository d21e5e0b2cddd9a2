// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

/// @notice The rule entry points the runner and the pool call (the V1 IUpdateRule selection).
interface IProductionRule {
    function CalculateNewWeights(
        int256[] calldata prevWeights,
        int256[] calldata data,
        address pool,
        int256[][] calldata parameters,
        uint64[] calldata lambdaStore,
        uint64 epsilonMax,
        uint64 absoluteWeightGuardRail
    ) external returns (int256[] memory);

    function initialisePoolRuleIntermediateValues(
        address poolAddress,
        int256[] memory newMovingAverages,
        int256[] memory newInitialValues,
        uint256 numberOfAssets
    ) external;
}

/// @notice A pool's registration with the runner (V1's PoolSettings layout; assets are plain addresses).
struct PoolSettings {
    address[] assets;
    address rule;
    address[][] oracles;
    uint40 updateInterval;
    uint64[] lambda;
    uint64 epsilonMax;
    uint64 absoluteWeightGuardRail;
    uint64 maxTradeSizeRatio;
    int256[][] ruleParameters;
    address poolManager;
}

struct PoolTimingSettings {
    uint40 lastPoolUpdateRun;
    uint40 updateInterval;
}

/// @notice What getPoolRuleSettings returns (V1 layout).
struct PoolRuleSettings {
    uint64[] lambda;
    PoolTimingSettings timingSettings;
    uint64 epsilonMax;
    uint64 absoluteWeightGuardRail;
    int256[][] ruleParameters;
    address poolManager;
}

/// @notice getQuantAMMWeightedPoolDynamicData (V1 layout). Without a vault the balances, rates and supply
/// are empty / zero; the weight words are the two stored words unpacked field by field, times 1e9.
struct QuantAMMWeightedPoolDynamicData {
    uint256[] balancesLiveScaled18;
    uint256[] tokenRates;
    uint256 totalSupply;
    bool isPoolInitialized;
    bool isPoolPaused;
    bool isPoolInRecoveryMode;
    int256[] firstFourWeightsAndMultipliers;
    int256[] secondFourWeightsAndMultipliers;
    uint40 lastUpdateTime;
    uint40 lastInteropTime;
}

interface IProductionPool {
    function getNormalizedWeights() external view returns (uint256[] memory);
    function getOracleStalenessThreshold() external view returns (uint256);
    function setWeights(int256[] calldata weights, address poolAddress, uint40 lastInterpolationTimePossible) external;
    function getQuantAMMWeightedPoolDynamicData() external view returns (QuantAMMWeightedPoolDynamicData memory);
}

interface IProductionRunner {
    function setRuleForPool(PoolSettings calldata settings) external;
}

/// @notice What the runner reads from an oracle.
interface IProductionOracle {
    function getData() external view returns (int216 data, uint40 timestamp);
}
