// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "./ProductionTypes.sol";

/// @title QuantAMMWeightedPool
/// @notice The weight side of the QuantAMM V1 weighted pool with V1's constructor, initialize, events and
/// views (docs/production-loop.md); no swaps and no liquidity (the vault is only asked for the fields of the
/// dynamic and immutable data). Weights W and per-second multipliers M are stored as int32 at 1e9 scaling in
/// two words, the update and last-interpolation times in one slot, and getNormalizedWeights() = W + M·τ with
/// τ = (mt − lastUpdateTime) mod 2^40, mt = lastInteropTime once the full block time reaches it.
contract QuantAMMWeightedPool {
    int256 internal constant PRECISION = 1e9; // stored value q = tdiv(v, 1e9); read back as q·1e9
    uint256 internal constant FIX_WINDOW = 94_608_000; // 3 × 365 days

    /// @dev lastUpdateTime in bits 0–39, lastInteropTime in bits 40–79 of one slot.
    struct QuantAMMBaseInterpolationVariables {
        uint40 lastUpdateTime;
        uint40 lastInteropTime;
    }

    error InvalidInitialization();
    error WeightedPoolBptRateUnsupported();

    event Initialized(uint64 version);
    event WeightsUpdated(
        address indexed poolAddress,
        int256[] calculatedWeightsAndMultipliers,
        uint40 lastInterpolationTimePossible,
        uint40 lastUpdateTime
    );
    event PoolRuleSet(
        address rule,
        address[][] poolOracles,
        uint64[] lambda,
        int256[][] ruleParameters,
        uint64 epsilonMax,
        uint64 absoluteWeightGuardRail,
        uint40 updateInterval,
        address poolManager,
        address creatorAddress
    );
    event UpdateWeightRunnerAddressUpdated(address indexed oldAddress, address indexed newAddress);

    uint256 internal immutable _totalTokens;
    address internal immutable _vault;
    address internal immutable _quantammAdmin;
    uint256 public immutable deploymentTime;
    uint256 public immutable poolRegistry;

    address public updateWeightRunner;
    string public name;
    string public symbol;
    string public version;
    string[][] internal _poolDetails;

    bool internal _initialized;
    uint64 public epsilonMax;
    uint64 public absoluteWeightGuardRail;
    uint64 public updateInterval;
    uint256 internal _maxTradeSizeRatio;
    uint256 internal _oracleStalenessThreshold;
    uint64[] public lambda;
    int256[][] public ruleParameters;

    /// @dev Word A: [w0..w3, m0..m3] (n > 4) or [w0..w_{n-1}, m0..m_{n-1}, 0..] (n <= 4), field 0 highest.
    uint256 internal _firstFourWeightsAndMultipliers;
    /// @dev Word B: [w4..w_{n-1}, m4..m_{n-1}, 0..] (n > 4 only).
    uint256 internal _secondFourWeightsAndMultipliers;
    QuantAMMBaseInterpolationVariables internal _times;

    /// @notice V1's constructor; its one external call is the runner's quantammAdmin() (the pool's admin).
    constructor(NewPoolParams memory params, address vault) {
        name = params.name;
        symbol = params.symbol;
        version = params.version;
        _totalTokens = params.numTokens;
        updateWeightRunner = params.updateWeightRunner;
        poolRegistry = params.poolRegistry;
        for (uint256 i; i < params.poolDetails.length; ++i) {
            _poolDetails.push(params.poolDetails[i]);
        }
        _vault = vault;
        _quantammAdmin = IUpdateWeightRunner(params.updateWeightRunner).quantammAdmin();
        deploymentTime = block.timestamp;
    }

    // ---- initialize --------------------------------------------------------------------------------
    /// @notice Once, by anyone: store the settings, initialise the rule's state, register with the runner
    /// (msg.sender = this pool), store the initial weights (M = 0, both times now), emit the three events.
    function initialize(CreationNewPoolParams calldata params) external {
        if (_initialized) {
            revert InvalidInitialization();
        }
        _initialized = true;
        _storeSettings(params);
        IUpdateRule(params._poolSettings.rule).initialisePoolRuleIntermediateValues(
            address(this), params._initialMovingAverages, params._initialIntermediateValues,
            params._initialWeights.length
        );
        IUpdateWeightRunner(updateWeightRunner).setRuleForPool(params._poolSettings);
        _setInitialWeights(params._initialWeights);
        _emitPoolRuleSet(params._poolSettings);
        emit Initialized(1);
    }

    function _storeSettings(CreationNewPoolParams calldata params) internal {
        PoolSettings calldata s = params._poolSettings;
        _oracleStalenessThreshold = params._oracleStalenessThreshold;
        updateInterval = s.updateInterval;
        for (uint256 i; i < s.lambda.length; ++i) {
            lambda.push(s.lambda[i]);
        }
        epsilonMax = s.epsilonMax;
        absoluteWeightGuardRail = s.absoluteWeightGuardRail;
        _maxTradeSizeRatio = s.maxTradeSizeRatio;
        for (uint256 i; i < s.ruleParameters.length; ++i) {
            ruleParameters.push();
            for (uint256 j; j < s.ruleParameters[i].length; ++j) {
                ruleParameters[i].push(s.ruleParameters[i][j]);
            }
        }
    }

    function _setInitialWeights(int256[] calldata weights) internal {
        require(_firstFourWeightsAndMultipliers == 0, "init");
        uint256 k = weights.length;
        int256[] memory values = new int256[](2 * k);
        for (uint256 i; i < k; ++i) {
            values[i] = weights[i];
        }
        uint40 now40 = uint40(block.timestamp);
        _store(values, k, now40);
        emit WeightsUpdated(address(this), values, now40, now40);
    }

    function _emitPoolRuleSet(PoolSettings calldata s) internal {
        emit PoolRuleSet(s.rule, s.oracles, s.lambda, s.ruleParameters, s.epsilonMax, s.absoluteWeightGuardRail,
            s.updateInterval, s.poolManager, msg.sender);
    }

    // ---- weights -----------------------------------------------------------------------------------
    /// @notice Store [w0..w_{n-1}, m0..m_{n-1}] (18 dec) truncated to 9 decimals; runner only.
    function setWeights(int256[] calldata _weights, address _poolAddress, uint40 _lastInterpolationTimePossible)
        external
    {
        require(msg.sender == updateWeightRunner, "XUR");
        require(_weights.length == 2 * _totalTokens, "WD");
        _store(_weights, _totalTokens, _lastInterpolationTimePossible);
        emit WeightsUpdated(_poolAddress, _weights, _lastInterpolationTimePossible, uint40(block.timestamp));
    }

    function _store(int256[] memory values, uint256 n, uint40 lastInterp) internal {
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
        _firstFourWeightsAndMultipliers = a;
        _secondFourWeightsAndMultipliers = b;
        _times = QuantAMMBaseInterpolationVariables(uint40(block.timestamp), lastInterp);
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
        if (_totalTokens <= 4 || i < 4) {
            return _read(_firstFourWeightsAndMultipliers, i);
        }
        return _read(_secondFourWeightsAndMultipliers, i - 4);
    }

    function _multiplier(uint256 i) internal view returns (int256) {
        uint256 n = _totalTokens;
        if (n <= 4) {
            return _read(_firstFourWeightsAndMultipliers, n + i);
        }
        if (i < 4) {
            return _read(_firstFourWeightsAndMultipliers, 4 + i);
        }
        return _read(_secondFourWeightsAndMultipliers, n - 4 + (i - 4));
    }

    /// @notice W_i + M_i·τ: mt = lastInteropTime when the full block time has reached it (else now), τ =
    /// mt − lastUpdateTime as unchecked uint40; a negative or overflowing weight reverts (checked uint256).
    function getNormalizedWeights() external view returns (uint256[] memory weights) {
        QuantAMMBaseInterpolationVariables memory t = _times;
        uint40 mt = block.timestamp >= t.lastInteropTime ? t.lastInteropTime : uint40(block.timestamp);
        uint256 tau;
        unchecked {
            tau = uint256(mt - t.lastUpdateTime);
        }
        uint256 n = _totalTokens;
        weights = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            uint256 base = uint256(_weight(i));
            int256 m = _multiplier(i);
            weights[i] = m > 0 ? base + uint256(m) * tau : base - uint256(-m) * tau;
        }
    }

    // ---- views -------------------------------------------------------------------------------------
    /// @notice Balances, rates, supply and three flags from the vault, then the two weight words and times.
    function getQuantAMMWeightedPoolDynamicData() external view returns (QuantAMMWeightedPoolDynamicData memory data) {
        IVaultViews vault = IVaultViews(_vault);
        data.balancesLiveScaled18 = vault.getCurrentLiveBalances(address(this));
        (, data.tokenRates) = vault.getPoolTokenRates(address(this));
        data.totalSupply = vault.totalSupply(address(this));
        PoolConfig memory config = vault.getPoolConfig(address(this));
        data.isPoolInitialized = config.isPoolInitialized;
        data.isPoolPaused = config.isPoolPaused;
        data.isPoolInRecoveryMode = config.isPoolInRecoveryMode;
        data.firstFourWeightsAndMultipliers = new int256[](8);
        data.secondFourWeightsAndMultipliers = new int256[](8);
        for (uint256 k; k < 8; ++k) {
            data.firstFourWeightsAndMultipliers[k] = _read(_firstFourWeightsAndMultipliers, k);
            data.secondFourWeightsAndMultipliers[k] = _read(_secondFourWeightsAndMultipliers, k);
        }
        data.lastUpdateTime = _times.lastUpdateTime;
        data.lastInteropTime = _times.lastInteropTime;
    }

    function getQuantAMMWeightedPoolImmutableData()
        external
        view
        returns (QuantAMMWeightedPoolImmutableData memory data)
    {
        data.tokens = IVaultViews(_vault).getPoolTokens(address(this));
        data.oracleStalenessThreshold = _oracleStalenessThreshold;
        data.poolRegistry = poolRegistry;
        data.ruleParameters = ruleParameters;
        data.lambda = lambda;
        data.epsilonMax = epsilonMax;
        data.absoluteWeightGuardRail = absoluteWeightGuardRail;
        data.updateInterval = updateInterval;
        data.maxTradeSizeRatio = _maxTradeSizeRatio;
    }

    function getOracleStalenessThreshold() external view returns (uint256) {
        return _oracleStalenessThreshold;
    }

    function getWithinFixWindow() public view returns (bool) {
        return block.timestamp - deploymentTime < FIX_WINDOW;
    }

    function getRate() external pure returns (uint256) {
        revert WeightedPoolBptRateUnsupported();
    }

    /// @notice (type, detail) of the first [category, name, type, detail] row that matches, else ("", "").
    function getPoolDetail(string memory category, string memory detailName)
        external
        view
        returns (string memory, string memory)
    {
        for (uint256 i; i < _poolDetails.length; ++i) {
            string[] storage row = _poolDetails[i];
            if (keccak256(bytes(row[0])) == keccak256(bytes(category)) && keccak256(bytes(row[1])) == keccak256(bytes(detailName))) {
                return (row[2], row[3]);
            }
        }
        return ("", "");
    }

    function totalSupply() external view returns (uint256) {
        return IVaultViews(_vault).totalSupply(address(this));
    }

    function balanceOf(address account) external view returns (uint256) {
        return IVaultViews(_vault).balanceOf(address(this), account);
    }

    /// @notice The pool's admin (the runner's quantammAdmin at construction), inside the fix window only.
    function setUpdateWeightRunnerAddress(address _updateWeightRunner) external {
        require(msg.sender == _quantammAdmin, "XAD");
        require(getWithinFixWindow(), "XIM");
        address old = updateWeightRunner;
        updateWeightRunner = _updateWeightRunner;
        emit UpdateWeightRunnerAddressUpdated(old, _updateWeightRunner);
    }
}
