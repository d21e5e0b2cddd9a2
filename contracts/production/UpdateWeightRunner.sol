// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;

import "./ProductionTypes.sol";

/// @title UpdateWeightRunner
/// @notice The QuantAMM V1 update runner with V1's ABI, events, revert reasons and time arithmetic
/// (docs/production-loop.md): oracle approval, pool registration (by the pool itself, or by the admin),
/// oracle reads with staleness and backups, performUpdate (read the pool's interpolated weights, call the
/// rule, turn its output into per-second multipliers and a last-interpolation time, store them in the pool),
/// the break-glass setters, the fee-take settings and the V1 getters.
contract UpdateWeightRunner {
    int256 internal constant ONE = 1e18;
    uint256 internal constant MASK_POOL_PERFORM_UPDATE = 1;
    uint256 internal constant MASK_POOL_GET_DATA = 2;
    uint256 internal constant MASK_POOL_OWNER_UPDATES = 8;
    uint256 internal constant MASK_POOL_QUANTAMM_ADMIN_UPDATES = 16;
    uint256 internal constant MASK_POOL_RULE_DIRECT_SET_WEIGHT = 32;
    int256 internal constant MIN_MANUAL_WEIGHT = 0.01e18;
    int256 internal constant MAX_MANUAL_WEIGHT = 0.99e18;

    address public immutable quantammAdmin;
    address public ethOracle;
    uint256 public quantAMMSwapFeeTake = 0.5e18;

    mapping(address => bool) public approvedOracles;
    mapping(address => uint256) public approvedPoolActions;
    mapping(address => IUpdateRule) public rules;
    mapping(address => address[]) public poolOracles; // per asset: the primary
    mapping(address => address[][]) public poolBackupOracles; // per asset: [primary, backup1, ...]
    mapping(address => PoolRuleSettings) public poolRuleSettings;
    mapping(address => uint256) public ruleOracleStalenessThreshold; // declared as in V1, never written

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
    event SetWeightManual(
        address indexed caller,
        address indexed pool,
        int256[] weights,
        uint40 lastInterpolationTimePossible,
        uint40 lastUpdateTime
    );
    event SetIntermediateValuesManually(
        address indexed caller,
        address indexed pool,
        int256[] newMovingAverages,
        int256[] newParameters,
        uint256 numberOfAssets
    );
    event UpdatePerformed(address indexed caller, address indexed pool);
    event UpdatePerformedQuantAMM(address indexed caller, address indexed pool); // declared, never emitted (V1)
    event OracleAdded(address indexed oracleAddress);
    event OracleRemved(address indexed oracleAddress); // V1's spelling: the topic hashes this name
    event SetApprovedActionsForPool(address indexed caller, address indexed pool, uint256 actions);
    event PoolRuleSetAdminOverride(address admin, address poolAddress, address ruleAddress);
    event PoolLastRunSet(address poolAddress, uint40 time);
    event ETHUSDOracleSet(address ethUsdOracle);
    event SwapFeeTakeSet(uint256 oldSwapFee, uint256 newSwapFee);
    event UpliftFeeTakeSet(uint256 oldSwapFee, uint256 newSwapFee);

    constructor(address _quantammAdmin, address _ethOracle) {
        require(_quantammAdmin != address(0), "Admin cannot be default address");
        require(_ethOracle != address(0), "eth oracle cannot be default address");
        quantammAdmin = _quantammAdmin;
        ethOracle = _ethOracle;
    }

    modifier onlyAdmin() {
        require(msg.sender == quantammAdmin, "ONLYADMIN");
        _;
    }

    // ---- admin ------------------------------------------------------------------------------------
    function addOracle(address _oracle) external {
        require(_oracle != address(0), "Invalid oracle address");
        require(msg.sender == quantammAdmin, "ONLYADMIN");
        require(!approvedOracles[_oracle], "Oracle already added");
        approvedOracles[_oracle] = true;
        emit OracleAdded(_oracle);
    }

    function removeOracle(address _oracleToRemove) external onlyAdmin {
        approvedOracles[_oracleToRemove] = false;
        emit OracleRemved(_oracleToRemove);
    }

    function setApprovedActionsForPool(address _pool, uint256 _actions) external onlyAdmin {
        require(approvedPoolActions[_pool] != _actions, "DUPEACTION");
        approvedPoolActions[_pool] = _actions;
        emit SetApprovedActionsForPool(msg.sender, _pool, _actions);
    }

    function setETHUSDOracle(address _ethUsdOracle) external onlyAdmin {
        require(_ethUsdOracle != address(0), "INVETHUSDORACLE");
        ethOracle = _ethUsdOracle;
        emit ETHUSDOracleSet(_ethUsdOracle);
    }

    function setQuantAMMSwapFeeTake(uint256 _quantAMMSwapFeeTake) external onlyAdmin {
        require(_quantAMMSwapFeeTake <= 1e18, "Swap fee must be less than 100%");
        uint256 old = quantAMMSwapFeeTake;
        quantAMMSwapFeeTake = _quantAMMSwapFeeTake;
        emit SwapFeeTakeSet(old, _quantAMMSwapFeeTake);
    }

    /// @notice V1 keeps one fee take: the uplift setter writes the swap take's variable.
    function setQuantAMMUpliftFeeTake(uint256 _quantAMMUpliftFeeTake) external onlyAdmin {
        require(_quantAMMUpliftFeeTake <= 1e18, "Uplift fee must be less than 100%");
        uint256 old = quantAMMSwapFeeTake;
        quantAMMSwapFeeTake = _quantAMMUpliftFeeTake;
        emit UpliftFeeTakeSet(old, _quantAMMUpliftFeeTake);
    }

    function getQuantAMMSwapFeeTake() external view returns (uint256) {
        return quantAMMSwapFeeTake;
    }

    function getQuantAMMUpliftFeeTake() external view returns (uint256) {
        return quantAMMSwapFeeTake;
    }

    function getQuantAMMAdmin() external view returns (address) {
        return quantammAdmin;
    }

    // ---- registration ------------------------------------------------------------------------------
    /// @notice Registers msg.sender as a pool (called by the pool's initialize; any caller may).
    function setRuleForPool(PoolSettings calldata _poolSettings) external {
        _setRuleForPool(_poolSettings, msg.sender);
    }

    /// @notice The admin registers `_poolAddress` while the pool is inside its fix window.
    function setRuleForPoolAdminInitialise(PoolSettings calldata _poolSettings, address _poolAddress)
        external
        onlyAdmin
    {
        require(_poolAddress != address(0), "Invalid pool address");
        require(IQuantAMMWeightedPool(_poolAddress).getWithinFixWindow(), "Pool now immutable");
        _setRuleForPool(_poolSettings, _poolAddress);
        emit PoolRuleSetAdminOverride(msg.sender, _poolAddress, _poolSettings.rule);
    }

    function _setRuleForPool(PoolSettings calldata _settings, address _pool) internal {
        require(address(rules[_pool]) == address(0), "Rule already set");
        require(_settings.oracles.length > 0, "Empty oracles array");
        require(poolOracles[_pool].length == 0, "pool rule already set");
        require(_settings.updateInterval > 0, "Update interval must be greater than 0");
        for (uint256 i; i < _settings.oracles.length; ++i) {
            require(_settings.oracles[i].length > 0, "Empty oracles array");
            poolBackupOracles[_pool].push();
            for (uint256 j; j < _settings.oracles[i].length; ++j) {
                require(approvedOracles[_settings.oracles[i][j]], "Not approved oracled used");
                poolBackupOracles[_pool][i].push(_settings.oracles[i][j]);
            }
            poolOracles[_pool].push(_settings.oracles[i][0]);
        }
        rules[_pool] = IUpdateRule(_settings.rule);
        PoolRuleSettings storage s = poolRuleSettings[_pool];
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
    }

    // ---- the update --------------------------------------------------------------------------------
    function performUpdate(address _pool) external {
        IUpdateRule rule = rules[_pool];
        require(address(rule) != address(0), "Pool not registered");
        PoolRuleSettings memory settings = poolRuleSettings[_pool];
        require(
            block.timestamp - settings.timingSettings.lastPoolUpdateRun >= settings.timingSettings.updateInterval,
            "Update not allowed"
        );
        require(approvedPoolActions[_pool] & MASK_POOL_PERFORM_UPDATE != 0, "Pool not approved to perform update");

        int256[] memory currentWeights = _currentWeights(_pool);
        int256[] memory data = _getData(_pool);
        emit CalculateWeightsRequest(currentWeights, data, _pool, settings.ruleParameters, settings.lambda,
            settings.epsilonMax, settings.absoluteWeightGuardRail);
        int256[] memory updatedWeights = rule.CalculateNewWeights(currentWeights, data, _pool,
            settings.ruleParameters, settings.lambda, settings.epsilonMax, settings.absoluteWeightGuardRail);
        emit CalculateWeightsResponse(updatedWeights);

        poolRuleSettings[_pool].timingSettings.lastPoolUpdateRun = uint40(block.timestamp);
        (int256[] memory values, uint40 lastInterp) = _multipliers(currentWeights, updatedWeights,
            int256(int40(settings.timingSettings.updateInterval)), int256(int64(settings.absoluteWeightGuardRail)));
        _setWeightsAndReport(values, _pool, lastInterp, msg.sender);
        emit UpdatePerformed(msg.sender, _pool);
    }

    function _currentWeights(address _pool) internal view returns (int256[] memory current) {
        uint256[] memory w = IQuantAMMWeightedPool(_pool).getNormalizedWeights();
        current = new int256[](w.length);
        for (uint256 i; i < w.length; ++i) {
            current[i] = int256(w[i]);
        }
    }

    /// @dev [w⁰.., m..] with m_i = tdiv(w_i − w⁰_i, Δ), and lastInterp from T = min_i time to the rail:
    /// (T + s40) cut to 40 bits when T < (2^39 − 1) − s40, else uint40 max; s40 = int40(now mod 2^40).
    function _multipliers(int256[] memory _current, int256[] memory _updated, int256 _interval, int256 _guardRail)
        internal
        view
        returns (int256[] memory values, uint40 lastInterp)
    {
        uint256 n = _current.length;
        int256 upper = ONE - int256(n - 1) * _guardRail;
        values = new int256[](2 * n);
        int256 minTime = type(int256).max;
        for (uint256 i; i < n; ++i) {
            values[i] = _current[i];
            int256 m = (_updated[i] - _current[i]) / _interval;
            values[n + i] = m;
            int256 t = type(int256).max;
            if (m > 0) {
                t = (upper - _current[i]) / m;
            } else if (m < 0) {
                t = (_current[i] - _guardRail) / -m;
            }
            if (t < minTime) {
                minTime = t;
            }
        }
        int256 now40 = int256(int40(uint40(block.timestamp)));
        lastInterp = type(uint40).max;
        if (minTime < int256(type(int40).max) - now40) {
            lastInterp = uint40(int40(minTime + now40));
        }
    }

    /// @dev pool.setWeights, then the runner's WeightsUpdated with the stored words (F16).
    function _setWeightsAndReport(int256[] memory _values, address _pool, uint40 _lastInterp, address _owner) internal {
        IQuantAMMWeightedPool(_pool).setWeights(_values, _pool, _lastInterp);
        (int256[] memory stored,) = _storedWeights(_pool);
        emit WeightsUpdated(_pool, _owner, stored, _lastInterp, uint40(block.timestamp));
    }

    /// @dev The pool's two weight words from its dynamic data, in storage order [A0..A3, B0..B3, A4..A7, B4..B7].
    function _storedWeights(address _pool) internal view returns (int256[] memory stored, uint40 lastInteropTime) {
        QuantAMMWeightedPoolDynamicData memory d = IQuantAMMWeightedPool(_pool).getQuantAMMWeightedPoolDynamicData();
        stored = new int256[](16);
        for (uint256 i; i < 4; ++i) {
            stored[i] = d.firstFourWeightsAndMultipliers[i];
            stored[4 + i] = d.secondFourWeightsAndMultipliers[i];
            stored[8 + i] = d.firstFourWeightsAndMultipliers[4 + i];
            stored[12 + i] = d.secondFourWeightsAndMultipliers[4 + i];
        }
        lastInteropTime = d.lastInteropTime;
    }

    /// @notice Only the pool's rule, with bit 32 of the pool's actions: §7.3 on the values as passed.
    function calculateMultiplierAndSetWeightsFromRule(CalculateMuliplierAndSetWeightsFromRuleParams calldata params)
        external
    {
        require(msg.sender == address(rules[params.poolAddress]), "ONLYRULECANSETWEIGHTS");
        require(
            approvedPoolActions[params.poolAddress] & MASK_POOL_RULE_DIRECT_SET_WEIGHT != 0,
            "FUNCTIONNOTAPPROVEDFORPOOL"
        );
        (int256[] memory values, uint40 lastInterp) = _multipliers(params.currentWeights, params.updatedWeights,
            params.updateInterval, params.absoluteWeightGuardRail18);
        _setWeightsAndReport(values, params.poolAddress, lastInterp, msg.sender);
    }

    // ---- oracles -----------------------------------------------------------------------------------
    /// @notice The oracle values the next update would use (bit 2 of the pool's actions, for every caller).
    function getData(address _pool) external view returns (int256[] memory) {
        require(approvedPoolActions[_pool] & MASK_POOL_GET_DATA != 0, "Not allowed to get data");
        return _getData(_pool);
    }

    function _getData(address _pool) internal view returns (int256[] memory outputData) {
        address[][] storage oracles = poolBackupOracles[_pool];
        uint256 threshold = IQuantAMMWeightedPool(_pool).getOracleStalenessThreshold();
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
        try IOracle(_oracle).getData() returns (int216 v, uint40 t) {
            return (v, t);
        } catch {
            return (0, 0);
        }
    }

    // ---- break-glass setters -----------------------------------------------------------------------
    /// @dev Bit 8: the pool manager only; else bit 16: the admin only; else revert with `_message`.
    function _checkOverride(address _pool, string memory _message) internal view {
        uint256 actions = approvedPoolActions[_pool];
        if (actions & MASK_POOL_OWNER_UPDATES != 0) {
            require(msg.sender == poolRuleSettings[_pool].poolManager, "ONLYMANAGER");
        } else if (actions & MASK_POOL_QUANTAMM_ADMIN_UPDATES != 0) {
            require(msg.sender == quantammAdmin, "ONLYADMIN");
        } else {
            revert(_message);
        }
    }

    /// @dev Entries with index < _n (and < the length) must lie in [0.01, 0.99]; the first offender decides.
    function _checkManualWeights(int256[] calldata _weights, uint256 _n) internal pure {
        for (uint256 i; i < _weights.length; ++i) {
            if (i < _n) {
                require(_weights[i] >= MIN_MANUAL_WEIGHT, "Below min allowed weight");
                require(_weights[i] <= MAX_MANUAL_WEIGHT, "Above max allowed weight");
            }
        }
    }

    /// @notice Store `_weights` ([w.., m..]) as given; emits SetWeightManual (not WeightsUpdated).
    function setWeightsManually(
        int256[] calldata _weights,
        address _poolAddress,
        uint40 _lastInterpolationTimePossible,
        uint256 _numberOfAssets
    ) external {
        _checkOverride(_poolAddress, "No permission to set weight values");
        _checkManualWeights(_weights, _numberOfAssets);
        IQuantAMMWeightedPool(_poolAddress).setWeights(_weights, _poolAddress, _lastInterpolationTimePossible);
        (int256[] memory stored,) = _storedWeights(_poolAddress);
        emit SetWeightManual(msg.sender, _poolAddress, stored, _lastInterpolationTimePossible, uint40(block.timestamp));
    }

    /// @notice Interpolate from the current weights to `_weights` over `_interval` seconds (read as int40).
    function setTargetWeightsManually(
        int256[] calldata _weights,
        address _poolAddress,
        uint40 _interval,
        uint256 _numberOfAssets
    ) external {
        _checkOverride(_poolAddress, "No permission to set weight values");
        _checkManualWeights(_weights, _numberOfAssets);
        int256[] memory current = _currentWeights(_poolAddress);
        require(current.length == _weights.length, "Weights length mismatch");
        (int256[] memory values, uint40 lastInterp) = _multipliers(current, _weights, int256(int40(_interval)),
            int256(int64(poolRuleSettings[_poolAddress].absoluteWeightGuardRail)));
        _setWeightsAndReport(values, _poolAddress, lastInterp, msg.sender);
        (int256[] memory stored, uint40 lastInteropTime) = _storedWeights(_poolAddress);
        emit SetWeightManual(msg.sender, _poolAddress, stored, lastInteropTime, uint40(block.timestamp));
    }

    function setIntermediateValuesManually(
        address _poolAddress,
        int256[] calldata _newMovingAverages,
        int256[] calldata _newParameters,
        uint256 _numberOfAssets
    ) external {
        _checkOverride(_poolAddress, "No permission to set intermediate values");
        rules[_poolAddress].initialisePoolRuleIntermediateValues(
            _poolAddress, _newMovingAverages, _newParameters, _numberOfAssets
        );
        emit SetIntermediateValuesManually(
            msg.sender, _poolAddress, _newMovingAverages, _newParameters, _numberOfAssets
        );
    }

    function InitialisePoolLastRunTime(address _poolAddress, uint40 _time) external {
        _checkOverride(_poolAddress, "No permission to set last run time");
        poolRuleSettings[_poolAddress].timingSettings.lastPoolUpdateRun = _time;
        emit PoolLastRunSet(_poolAddress, _time);
    }

    // ---- getters -----------------------------------------------------------------------------------
    function getPoolRuleSettings(address _pool) external view returns (PoolRuleSettings memory) {
        return poolRuleSettings[_pool];
    }

    function getPoolRule(address _pool) external view returns (IUpdateRule) {
        return rules[_pool];
    }

    function getPoolApprovedActions(address _pool) external view returns (uint256) {
        return approvedPoolActions[_pool];
    }

    function getOptimisedPoolOracle(address _pool) external view returns (address[] memory) {
        return poolOracles[_pool];
    }

    function getPoolOracleAndBackups(address _pool) external view returns (address[][] memory) {
        return poolBackupOracles[_pool];
    }
}
