// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

/// @notice The rule entry points the runner and the pool call (the V1 IUpdateRule selection).
interface IUpdateRule {
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

/// @notice A pool's registration with the runner (V1's PoolSettings; assets are IERC20 addresses in V1).
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

/// @notice What the runner keeps per pool (V1 layout; getPoolRuleSettings returns it).
struct PoolRuleSettings {
    uint64[] lambda;
    PoolTimingSettings timingSettings;
    uint64 epsilonMax;
    uint64 absoluteWeightGuardRail;
    int256[][] ruleParameters;
    address poolManager;
}

/// @notice The argument of calculateMultiplierAndSetWeightsFromRule (V1 spelling of the struct name).
struct CalculateMuliplierAndSetWeightsFromRuleParams {
    int256[] currentWeights;
    int256[] updatedWeights;
    int256 updateInterval;
    int256 absoluteWeightGuardRail18;
    address poolAddress;
}

/// @notice getQuantAMMWeightedPoolDynamicData (V1 layout): six fields from the vault, the two weight words
/// unpacked field by field (times 1e9) and the two times.
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

/// @notice getQuantAMMWeightedPoolImmutableData (V1 layout).
struct QuantAMMWeightedPoolImmutableData {
    address[] tokens;
    uint256 oracleStalenessThreshold;
    uint256 poolRegistry;
    int256[][] ruleParameters;
    uint64[] lambda;
    uint64 epsilonMax;
    uint64 absoluteWeightGuardRail;
    uint64 updateInterval;
    uint256 maxTradeSizeRatio;
}

/// @notice The pool constructor's parameters (V1's NewPoolParams).
struct NewPoolParams {
    string name;
    string symbol;
    uint256 numTokens;
    string version;
    address updateWeightRunner;
    uint256 poolRegistry;
    string[][] poolDetails;
}

/// @notice Balancer V3's TokenConfig (tokenType is an enum: uint8 in the ABI). Not read by initialize.
struct TokenConfig {
    address token;
    uint8 tokenType;
    address rateProvider;
    bool paysYieldFees;
}

/// @notice Balancer V3's PoolRoleAccounts. Not read by initialize.
struct PoolRoleAccounts {
    address pauseManager;
    address swapFeeManager;
    address poolCreator;
}

/// @notice The argument of the pool's initialize (V1's CreationNewPoolParams). initialize reads only
/// _initialWeights, _poolSettings, _initialMovingAverages, _initialIntermediateValues and
/// _oracleStalenessThreshold; the other fields are the factory's.
struct CreationNewPoolParams {
    string name;
    string symbol;
    TokenConfig[] tokens;
    uint256[] normalizedWeights;
    PoolRoleAccounts roleAccounts;
    uint256 swapFeePercentage;
    address poolHooksContract;
    bool enableDonation;
    bool disableUnbalancedLiquidity;
    bytes32 salt;
    int256[] _initialWeights;
    PoolSettings _poolSettings;
    int256[] _initialMovingAverages;
    int256[] _initialIntermediateValues;
    uint256 _oracleStalenessThreshold;
    uint256 poolRegistry;
    string[][] poolDetails;
}

/// @notice Balancer V3's LiquidityManagement and PoolConfig (13 static words); the pool reads the last three flags.
struct LiquidityManagement {
    bool disableUnbalancedLiquidity;
    bool enableAddLiquidityCustom;
    bool enableRemoveLiquidityCustom;
    bool enableDonation;
}

struct PoolConfig {
    LiquidityManagement liquidityManagement;
    uint256 staticSwapFeePercentage;
    uint256 aggregateSwapFeePercentage;
    uint256 aggregateYieldFeePercentage;
    uint40 tokenDecimalDiffs;
    uint32 pauseWindowEndTime;
    bool isPoolRegistered;
    bool isPoolInitialized;
    bool isPoolPaused;
    bool isPoolInRecoveryMode;
}

/// @notice The vault views the weight side of the pool calls (the pool's own address is the argument).
interface IVaultViews {
    function getCurrentLiveBalances(address pool) external view returns (uint256[] memory);
    function getPoolTokenRates(address pool) external view returns (uint256[] memory, uint256[] memory);
    function totalSupply(address token) external view returns (uint256);
    function getPoolConfig(address pool) external view returns (PoolConfig memory);
    function getPoolTokens(address pool) external view returns (address[] memory);
    function balanceOf(address token, address account) external view returns (uint256);
}

interface IQuantAMMWeightedPool {
    function getNormalizedWeights() external view returns (uint256[] memory);
    function getOracleStalenessThreshold() external view returns (uint256);
    function getWithinFixWindow() external view returns (bool);
    function setWeights(int256[] calldata weights, address poolAddress, uint40 lastInterpolationTimePossible) external;
    function getQuantAMMWeightedPoolDynamicData() external view returns (QuantAMMWeightedPoolDynamicData memory);
}

interface IUpdateWeightRunner {
    function quantammAdmin() external view returns (address);
    function setRuleForPool(PoolSettings calldata settings) external;
}

/// @notice What the runner reads from an oracle.
interface IOracle {
    function getData() external view returns (int216 data, uint40 timestamp);
}
