// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "./ProductionTypes.sol";

/// @title UpdateWeightRunner
/// @notice The QuantAMM V1 update runner, reduced to what the production loop needs (docs/production-loop.md):
/// pool registration, oracle reads with staleness and backups, performUpdate (read the pool's interpolated
/// weights, call the rule, turn its output into per-second multipliers and a last-interpolation time, store
/// them in the pool), the break-glass setters and the V1 getters and events.
contract UpdateWeightRunner {
    int256 internal constant ONE = 1e18;
    uint256 internal constant MASK_PERFORM_UPDATE = 1;
    uint256 internal constant MASK_GET_DATA = 2;
    uint256 internal constant MASK_POOL_OWNER_OVERRIDES = 8;
    uint256 internal constant MASK_ADMIN_OVERRIDES = 16;
    uint256 internal constant MIN_MANUAL_WEIGHT = 0.01e18;
    uint256 internal constant MAX_MANUAL_WEIGHT = 0.99e18;

    address public immutable quantammAdmin;

    mapping(address => bool) public approvedOracles;
    mapping(address => uint256) public approvedPoolActions;
    mapping(address => IProductionRule) public rules;
    mapping(address => address[][]) internal poolOracles; // per asset: [primary, backup1, ...]
    mapping(address => PoolRuleSettings) internal poolRuleSettings;

    event CalculateWeightsRequest(
        int256[] currentWeights,
        int256[] data,
        address pool,
        int256[][] ruleParameters,
        uint64[] lambda,
        uint64 epsilonMax,
        uint64 absoluteWeightGuardRail
    );
    event CalculateWeightsResponse(int256[] updatedWeights);
    event WeightsUpdated(
        address indexed poolAddress,
        address updateOwner,
        int256[] weights,
        uint40 lastInterpolationTimePossible,
        uint40 lastUpdateTime
    );
    event UpdatePerformed(address indexed caller, address indexed pool);
    event OracleAdded(address indexed oracleAddress);
    event OracleRemoved(address indexed oracleAddress);
    event PoolRuleSet(address indexed pool, address rule, uint40 updateInterval, address poolManager);
    event SetApprovedActionsForPool(address indexed caller, address indexed pool, uint256 actions);

    constructor(address _admin) {
        quantammAdmin = _admin;
    }

    modifier onlyAdmin() {
        require(msg.sender == quantammAdmin, "ONLYADMIN");
        _;
    }

    // ---- registration ----------------------------------------------------------------------------
    function addOracle(address _oracle) external onlyAdmin {
        require(!approvedOracles[_oracle], "Oracle already added");
        approvedOracles[_oracle] = true;
        emit OracleAdded(_oracle);
    }

    function removeOracle(address _oracle) external onlyAdmin {
        approvedOracles[_oracle] = false;
        emit OracleRemoved(_oracle);
    }

    function setApprovedActionsForPool(address _pool, uint256 _actions) external onlyAdmin {
        require(approvedPoolActions[_pool] != _actions, "DUPEACTION");
        approvedPoolActions[_pool] = _actions;
        emit SetApprovedActionsForPool(msg.sender, _pool, _actions);
    }

    /// @notice Called by the pool itself from its initialize (msg.sender is the pool).
    function setRuleForPool(PoolSettings calldata _settings) external {
        address pool = msg.sender;
        require(address(rules[pool]) == address(0), "Rule already set");
        require(_settings.oracles.length > 0, "Empty oracles array");
        for (uint256 i; i < _settings.oracles.length; ++i) {
            require(_settings.oracles[i].length > 0, "Empty oracle list");
            poolOracles[pool].push();
            for (uint256 j; j < _settings.oracles[i].length; ++j) {
                require(approvedOracles[_settings.oracles[i][j]], "Not approved oracle used");
                poolOracles[pool][i].push(_settings.oracles[i][j]);
            }
        }
        rules[pool] = IProductionRule(_settings.rule);
        PoolRuleSettings storage s = poolRuleSettings[pool];
        for (uint256 i; i < _settings.lambda.length; ++i) {
            s.lambda.push(_settings.lambda[i]);
        }
        for (uint256 i; i < _settings.ruleParameters.length; ++i) {
            s.ruleParameters.push();
            for (uint256 j; j < _settings.ruleParameters[i].length; ++j) {
                s.ruleParameters[i].push(_settings.ruleParameters[i][j]);
            }
        }
        s.timingSettings.updateInterval = _settings.updateInterval;
        s.epsilonMax = _settings.epsilonMax;
        s.absoluteWeightGuardRail = _settings.absoluteWeightGuardRail;
        s.poolManager = _settings.poolManager;
        emit PoolRuleSet(pool, _settings.rule, _settings.updateInterval, _settings.poolManager);
    }

    // ---- the update ------------------------------------------------------------------------------
    function performUpdate(address _pool) external {
        IProductionRule rule = rules[_pool];
        require(address(rule) != address(0), "Pool not registered");
        PoolRuleSettings memory settings = poolRuleSettings[_pool];
        require(
            block.timestamp - settings.timingSettings.lastPoolUpdateRun >= settings.timingSettings.updateInterval,
            "Update not allowed"
        );
        require(approvedPoolActions[_pool] & MASK_PERFORM_UPDATE != 0, "Pool not approved to perform update");

        int256[] memory currentWeights = _currentWeights(_pool);
        int256[] memory data = _getData(_pool);
        emit CalculateWeightsRequest(currentWeights, data, _pool, settings.ruleParameters, settings.lambda,
            settings.epsilonMax, settings.absoluteWeightGuardRail);
        int256[] memory updatedWeights = rule.CalculateNewWeights(currentWeights, data, _pool,
            settings.ruleParameters, settings.lambda, settings.epsilonMax, settings.absoluteWeightGuardRail);
        emit CalculateWeightsResponse(updatedWeights);

        poolRuleSettings[_pool].timingSettings.lastPoolUpdateRun = uint40(block.timestamp);
        _calculateMultiplierAndSetWeights(currentWeights, updatedWeights, settings.timingSettings.updateInterval,
            settings.absoluteWeightGuardRail, _pool);
        emit UpdatePerformed(msg.sender, _pool);
    }

    function _currentWeights(address _pool) internal view returns (int256[] memory current) {
        uint256[] memory w = IProductionPool(_pool).getNormalizedWeights();
        current = new int256[](w.length);
        for (uint256 i; i < w.length; ++i) {
            current[i] = int256(w[i]);
        }
    }

    /// @dev m_i = tdiv(w_i − w⁰_i, Δ); T = min_i time to the rail; lastInterp = now + T as int40 (uint40 max
    /// when T is too large); then pool.setWeights([w⁰, m], pool, lastInterp) and the runner's WeightsUpdated.
    function _calculateMultiplierAndSetWeights(
        int256[] memory _current,
        int256[] memory _updated,
        uint40 _interval,
        uint64 _guardRail,
        address _pool
    ) internal {
        uint256 n = _current.length;
        int256 interval = int256(int40(_interval));
        int256 guardRail = int256(int64(_guardRail));
        int256 upper = ONE - int256(n - 1) * guardRail;
        int256[] memory weightsAndMultipliers = new int256[](2 * n);
        int256 minTime = type(int256).max;
        for (uint256 i; i < n; ++i) {
            weightsAndMultipliers[i] = _current[i];
            int256 m = (_updated[i] - _current[i]) / interval;
            weightsAndMultipliers[n + i] = m;
            int256 t = type(int256).max;
            if (m > 0) {
                t = (upper - _current[i]) / m;
            } else if (m < 0) {
                t = (_current[i] - guardRail) / -m;
            }
            if (t < minTime) {
                minTime = t;
            }
        }
        uint40 lastInterp = type(uint40).max;
        if (minTime < int256(type(int40).max) - int256(block.timestamp)) {
            lastInterp = uint40(int40(minTime + int256(block.timestamp)));
        }
        _setWeights(weightsAndMultipliers, _pool, lastInterp);
    }

    function _setWeights(int256[] memory _weightsAndMultipliers, address _pool, uint40 _lastInterp) internal {
        IProductionPool pool = IProductionPool(_pool);
        pool.setWeights(_weightsAndMultipliers, _pool, _lastInterp);
        QuantAMMWeightedPoolDynamicData memory d = pool.getQuantAMMWeightedPoolDynamicData();
        int256[] memory stored = new int256[](16);
        for (uint256 i; i < 4; ++i) {
            stored[i] = d.firstFourWeightsAndMultipliers[i];
            stored[4 + i] = d.secondFourWeightsAndMultipliers[i];
            stored[8 + i] = d.firstFourWeightsAndMultipliers[4 + i];
            stored[12 + i] = d.secondFourWeightsAndMultipliers[4 + i];
        }
        emit WeightsUpdated(_pool, msg.sender, stored, _lastInterp, uint40(block.timestamp));
    }

    // ---- oracles ---------------------------------------------------------------------------------
    /// @notice The oracle values the next update would use; external callers need mask 2.
    function getData(address _pool) external view returns (int256[] memory) {
        require(approvedPoolActions[_pool] & MASK_GET_DATA != 0, "Not allowed to get data");
        return _getData(_pool);
    }

    function _getData(address _pool) internal view returns (int256[] memory outputData) {
        address[][] storage oracles = poolOracles[_pool];
        uint256 threshold = IProductionPool(_pool).getOracleStalenessThreshold();
        outputData = new int256[](oracles.length);
        for (uint256 i; i < oracles.length; ++i) {
            address[] storage list = oracles[i];
            bool found;
            for (uint256 j; j < list.length; ++j) {
                require(approvedOracles[list[j]], "Oracle not approved");
                (int216 value, uint40 timestamp) = _read(list[j]);
                if (timestamp > block.timestamp - threshold) {
                    outputData[i] = value;
                    found = true;
                    break;
                }
            }
            require(found, "No fresh oracle values available");
        }
    }

    /// @dev A revert inside getData() is a failed read (0, 0); malformed return data or an address
    /// without code makes the decoding below revert the whole call with empty data.
    function _read(address _oracle) internal view returns (int216 value, uint40 timestamp) {
        try IProductionOracle(_oracle).getData() returns (int216 v, uint40 t) {
            return (v, t);
        } catch {
            return (0, 0);
        }
    }

    // ---- break-glass setters ---------------------------------------------------------------------
    function _checkOverride(address _pool) internal view {
        uint256 actions = approvedPoolActions[_pool];
        if (actions & MASK_POOL_OWNER_OVERRIDES != 0) {
            require(msg.sender == poolRuleSettings[_pool].poolManager, "ONLYMANAGER");
        } else if (actions & MASK_ADMIN_OVERRIDES != 0) {
            require(msg.sender == quantammAdmin, "ONLYADMIN");
        } else {
            revert("No permission to set weight values");
        }
    }

    function _checkManualWeights(int256[] calldata _weights, uint256 _n) internal pure {
        for (uint256 i; i < _n; ++i) {
            require(
                _weights[i] >= int256(MIN_MANUAL_WEIGHT) && _weights[i] <= int256(MAX_MANUAL_WEIGHT),
                "Invalid weight"
            );
        }
    }

    /// @notice Store `_weights` ([w.., m..], 2n entries) directly; entries below `_n` must be in [0.01, 0.99].
    function setWeightsManually(int256[] calldata _weights, address _pool, uint40 _lastInterp, uint256 _n) external {
        _checkOverride(_pool);
        _checkManualWeights(_weights, _n);
        _setWeights(_weights, _pool, _lastInterp);
    }

    /// @notice Interpolate from the current weights to `_weights` over `_interval` seconds (performUpdate's
    /// multiplier step).
    function setTargetWeightsManually(int256[] calldata _weights, address _pool, uint40 _interval, uint256 _n)
        external
    {
        _checkOverride(_pool);
        _checkManualWeights(_weights, _n);
        int256[] memory current = _currentWeights(_pool);
        require(_weights.length == current.length, "Weights length mismatch");
        _calculateMultiplierAndSetWeights(current, _weights, _interval,
            poolRuleSettings[_pool].absoluteWeightGuardRail, _pool);
    }

    function setIntermediateValuesManually(
        address _pool,
        int256[] calldata _movingAverages,
        int256[] calldata _initialValues,
        uint256 _n
    ) external {
        _checkOverride(_pool);
        rules[_pool].initialisePoolRuleIntermediateValues(_pool, _movingAverages, _initialValues, _n);
    }

    function InitialisePoolLastRunTime(address _pool, uint40 _time) external {
        _checkOverride(_pool);
        poolRuleSettings[_pool].timingSettings.lastPoolUpdateRun = _time;
    }

    // ---- getters ---------------------------------------------------------------------------------
    function getPoolRuleSettings(address _pool) external view returns (PoolRuleSettings memory) {
        return poolRuleSettings[_pool];
    }

    function getPoolRule(address _pool) external view returns (IProductionRule) {
        return rules[_pool];
    }

    function getPoolApprovedActions(address _pool) external view returns (uint256) {
        return approvedPoolActions[_pool];
    }

    function getOptimisedPoolOracle(address _pool) external view returns (address[] memory primaries) {
        address[][] storage oracles = poolOracles[_pool];
        primaries = new address[](oracles.length);
        for (uint256 i; i < oracles.length; ++i) {
            primaries[i] = oracles[i][0];
        }
    }

    function getPoolOracleAndBackups(address _pool) external view returns (address[][] memory) {
        return poolOracles[_pool];
    }

    /// @notice Harness getter (not V1): getPoolRuleSettings(pool).timingSettings.lastPoolUpdateRun.
    function lastPoolUpdateRun(address _pool) external view returns (uint40) {
        return poolRuleSettings[_pool].timingSettings.lastPoolUpdateRun;
    }
}
