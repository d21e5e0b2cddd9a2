// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "./ProductionTypes.sol";

/// @title QuantAMMWeightPool
/// @notice The weight side of the QuantAMM V1 weighted pool, with no vault and no swaps
/// (docs/production-loop.md): weights W and per-second multipliers M stored as int32 at 1e9 scaling in
/// two words, the update and last-interpolation times in one slot, and getNormalizedWeights() = W + M·τ
/// with τ = min(now, lastInteropTime) − lastUpdateTime (unchecked uint40).
contract QuantAMMWeightPool is IProductionPool {
    int256 internal constant PRECISION = 1e9; // stored value q = tdiv(v, 1e9); read back as q·1e9

    /// @dev lastUpdateTime in bits 0–39, lastInteropTime in bits 40–79 of one slot.
    struct PoolTimes {
        uint40 lastUpdateTime;
        uint40 lastInteropTime;
    }

    address public immutable updateWeightRunner;
    address public immutable deployer;
    uint256 public immutable numberOfAssets;
    uint256 public immutable deploymentTime;

    bool public initialized;
    address public rule;
    uint64 public epsilonMax;
    uint64 public absoluteWeightGuardRail;
    uint40 public updateInterval;
    uint256 internal oracleStalenessThreshold;
    uint64[] internal lambdaStore;
    int256[][] internal ruleParameterStore;

    /// @dev Word A: [w0..w3, m0..m3] (n > 4) or [w0..w_{n-1}, m0..m_{n-1}, 0..] (n <= 4), field 0 highest.
    uint256 internal firstFourWeightsAndMultipliers;
    /// @dev Word B: [w4..w_{n-1}, m4..m_{n-1}, 0..] (n > 4 only).
    uint256 internal secondFourWeightsAndMultipliers;
    PoolTimes internal times;

    event WeightsUpdated(
        address indexed poolAddress,
        int256[] calculatedWeightsAndMultipliers,
        uint40 lastInterpolationTimePossible,
        uint40 lastUpdateTime
    );

    constructor(address _updateWeightRunner, uint256 _numberOfAssets, uint256 _oracleStalenessThreshold) {
        require(_numberOfAssets >= 2 && _numberOfAssets <= 8, "Invalid number of assets");
        updateWeightRunner = _updateWeightRunner;
        deployer = msg.sender;
        numberOfAssets = _numberOfAssets;
        deploymentTime = block.timestamp;
        oracleStalenessThreshold = _oracleStalenessThreshold;
    }

    /// @notice Rule initialisation, then runner.setRuleForPool (msg.sender = this pool), then the initial
    /// weights stored 1e9-truncated with M = 0 and lastUpdateTime = lastInteropTime = now.
    function initialize(
        PoolSettings calldata settings,
        int256[] calldata initialWeights,
        int256[] calldata initialMovingAverages,
        int256[] calldata initialIntermediateValues
    ) external {
        require(msg.sender == deployer, "ONLYDEPLOYER");
        require(!initialized, "Already initialized");
        uint256 n = numberOfAssets;
        require(initialWeights.length == n, "Initial weights length");
        initialized = true;
        rule = settings.rule;
        epsilonMax = settings.epsilonMax;
        absoluteWeightGuardRail = settings.absoluteWeightGuardRail;
        updateInterval = settings.updateInterval;
        for (uint256 i; i < settings.lambda.length; ++i) {
            lambdaStore.push(settings.lambda[i]);
        }
        for (uint256 i; i < settings.ruleParameters.length; ++i) {
            ruleParameterStore.push();
            for (uint256 j; j < settings.ruleParameters[i].length; ++j) {
                ruleParameterStore[i].push(settings.ruleParameters[i][j]);
            }
        }
        IProductionRule(settings.rule).initialisePoolRuleIntermediateValues(
            address(this), initialMovingAverages, initialIntermediateValues, n
        );
        IProductionRunner(updateWeightRunner).setRuleForPool(settings);
        int256[] memory weightsAndMultipliers = new int256[](2 * n);
        for (uint256 i; i < n; ++i) {
            weightsAndMultipliers[i] = initialWeights[i];
        }
        _store(weightsAndMultipliers, uint40(block.timestamp));
    }

    /// @notice Store [w0..w_{n-1}, m0..m_{n-1}] (18 dec) truncated to 9 decimals; runner only.
    function setWeights(int256[] calldata _weights, address _poolAddress, uint40 _lastInterpolationTimePossible)
        external
    {
        require(msg.sender == updateWeightRunner, "XUR");
        require(_weights.length == 2 * numberOfAssets, "WD");
        _store(_weights, _lastInterpolationTimePossible);
        emit WeightsUpdated(_poolAddress, _weights, _lastInterpolationTimePossible, uint40(block.timestamp));
    }

    function _store(int256[] memory values, uint40 lastInterp) internal {
        uint256 n = numberOfAssets;
        uint256 a;
        uint256 b;
        if (n <= 4) {
            for (uint256 k; k < 2 * n; ++k) {
                a |= _field(values[k], k);
            }
        } else {
            for (uint256 i; i < 4; ++i) {
                a |= _field(values[i], i) | _field(values[n + i], 4 + i);
            }
            for (uint256 j; j < n - 4; ++j) {
                b |= _field(values[4 + j], j) | _field(values[n + 4 + j], n - 4 + j);
            }
        }
        firstFourWeightsAndMultipliers = a;
        secondFourWeightsAndMultipliers = b;
        times = PoolTimes(uint40(block.timestamp), lastInterp);
    }

    /// @dev tdiv(v, 1e9) as an int32 placed in field k (bits [224-32k, 256-32k)).
    function _field(int256 v, uint256 k) internal pure returns (uint256) {
        int256 q = v / PRECISION;
        require(q >= type(int32).min && q <= type(int32).max, "Overflow/Underflow");
        return uint256(uint32(int32(q))) << (224 - 32 * k);
    }

    function _read(uint256 word, uint256 k) internal pure returns (int256) {
        return int256(int32(uint32(word >> (224 - 32 * k)))) * PRECISION;
    }

    function _weight(uint256 i) internal view returns (int256) {
        if (numberOfAssets <= 4 || i < 4) {
            return _read(firstFourWeightsAndMultipliers, i);
        }
        return _read(secondFourWeightsAndMultipliers, i - 4);
    }

    function _multiplier(uint256 i) internal view returns (int256) {
        uint256 n = numberOfAssets;
        if (n <= 4) {
            return _read(firstFourWeightsAndMultipliers, n + i);
        }
        if (i < 4) {
            return _read(firstFourWeightsAndMultipliers, 4 + i);
        }
        return _read(secondFourWeightsAndMultipliers, n - 4 + (i - 4));
    }

    /// @notice W_i + M_i·τ at block time; τ wraps (unchecked uint40) if lastInteropTime < lastUpdateTime,
    /// and a negative result reverts (checked uint256 subtraction).
    function getNormalizedWeights() external view returns (uint256[] memory weights) {
        PoolTimes memory t = times;
        uint40 nowTime = uint40(block.timestamp);
        uint40 end = nowTime >= t.lastInteropTime ? t.lastInteropTime : nowTime;
        uint256 tau;
        unchecked {
            tau = uint256(end - t.lastUpdateTime);
        }
        uint256 n = numberOfAssets;
        weights = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            uint256 base = uint256(_weight(i));
            int256 m = _multiplier(i);
            weights[i] = m > 0 ? base + uint256(m) * tau : base - uint256(-m) * tau;
        }
    }

    function getQuantAMMWeightedPoolDynamicData() external view returns (QuantAMMWeightedPoolDynamicData memory data) {
        data.balancesLiveScaled18 = new uint256[](0);
        data.tokenRates = new uint256[](0);
        data.isPoolInitialized = initialized;
        data.firstFourWeightsAndMultipliers = new int256[](8);
        data.secondFourWeightsAndMultipliers = new int256[](8);
        for (uint256 k; k < 8; ++k) {
            data.firstFourWeightsAndMultipliers[k] = _read(firstFourWeightsAndMultipliers, k);
            data.secondFourWeightsAndMultipliers[k] = _read(secondFourWeightsAndMultipliers, k);
        }
        data.lastUpdateTime = times.lastUpdateTime;
        data.lastInteropTime = times.lastInteropTime;
    }

    /// @notice Harness view (not V1): stored W and M (18 dec, multiples of 1e9) and the two times.
    function getWeightState()
        external
        view
        returns (int256[] memory weights, int256[] memory multipliers, uint40 lastUpdateTime, uint40 lastInteropTime)
    {
        uint256 n = numberOfAssets;
        weights = new int256[](n);
        multipliers = new int256[](n);
        for (uint256 i; i < n; ++i) {
            weights[i] = _weight(i);
            multipliers[i] = _multiplier(i);
        }
        lastUpdateTime = times.lastUpdateTime;
        lastInteropTime = times.lastInteropTime;
    }

    /// @notice Harness view (not V1): the raw storage words (word A, word B, the times slot).
    function getStoredWords() external view returns (uint256 wordA, uint256 wordB, uint256 timesWord) {
        wordA = firstFourWeightsAndMultipliers;
        wordB = secondFourWeightsAndMultipliers;
        assembly {
            timesWord := sload(times.slot)
        }
    }

    function getOracleStalenessThreshold() external view returns (uint256) {
        return oracleStalenessThreshold;
    }

    /// @notice Harness setter (not V1, where the threshold is immutable): deployer only.
    function setOracleStalenessThreshold(uint256 threshold) external {
        require(msg.sender == deployer, "ONLYDEPLOYER");
        oracleStalenessThreshold = threshold;
    }

    function lambda(uint256 i) external view returns (uint64) {
        return lambdaStore[i];
    }

    function ruleParameters(uint256 i, uint256 j) external view returns (int256) {
        return ruleParameterStore[i][j];
    }
}
