// SPDX-License-Identifier: MIT
pragma solidity ^0.8.26;
// Compiler settings: solc 0.8.26, optimizer 999 runs, evmVersion cancun, legacy or via-IR pipeline
// (parity/chain/compile.py). Locals travel in memory structs, so no function hits "stack too deep".

import "@prb/math/contracts/PRBMathSD59x18.sol";
import "./Int128PairStorage.sol";
import "./GuardRails.sol";
import "./PowHelper.sol";

/// @title UpdateRule
/// @notice The common CalculateNewWeights flow of the QuantAMM V1 rules and their initialisation
/// (docs/arithmetic.md), with V1's order of reads, checks and stores on malformed input
/// (docs/malformed-inputs.md). A rule supplies _getWeights and its own intermediate-state handling.
abstract contract UpdateRule is Int128PairStorage, GuardRails, PowHelper {
    using PRBMathSD59x18 for int256;

    int256 internal constant ONE = 1e18;

    /// @dev What _getWeights gets besides the raw inputs. `lambda` is the pool lambda widened to int256
    /// (scalar iff length 1); `movingAverages` is p̄(t), followed by p̄(t-1) for prev-MA rules.
    struct RuleContext {
        address pool;
        uint256 n;
        int256[] lambda;
        int256[] movingAverages;
    }

    address internal immutable updateWeightRunner;
    bool internal immutable requiresPrevMovingAverage;

    /// @notice p̄(t) per pool, packed int128 pairs.
    mapping(address => int256[]) public movingAverages;

    string public name;
    string[] public parameterDescriptions;

    constructor(address _updateWeightRunner, string memory _name, bool _requiresPrevMovingAverage) {
        updateWeightRunner = _updateWeightRunner;
        name = _name;
        requiresPrevMovingAverage = _requiresPrevMovingAverage;
    }

    /// @notice One weight update; only the runner may call. Returns the guarded weights (18 dec).
    /// Calldata arguments: inner parameter arrays and lambda words are validated only when read.
    function CalculateNewWeights(
        int256[] calldata _prevWeights,
        int256[] calldata _data,
        address _pool,
        int256[][] calldata _parameters,
        uint64[] calldata _lambdaStore,
        uint64 _epsilonMax,
        uint64 _absoluteWeightGuardRail
    ) external returns (int256[] memory updatedWeights) {
        require(msg.sender == updateWeightRunner, "UNAUTH_CALC");
        RuleContext memory ctx;
        ctx.pool = _pool;
        ctx.n = _prevWeights.length;
        if (ctx.n == 0) {
            _panic(PANIC_OVERFLOW); // V1 computes n - 1 checked before reading anything else
        }
        ctx.lambda = new int256[](_lambdaStore.length);
        for (uint256 i; i < _lambdaStore.length; ++i) {
            ctx.lambda[i] = int256(uint256(_lambdaStore[i]));
        }
        int256[] memory prevWeights = _prevWeights;
        int256[] memory data = _data;

        int256[] memory prevMovingAverages = _unpackArray(movingAverages[_pool], ctx.n);
        int256[] memory newMovingAverages = _ewma(prevMovingAverages, data, ctx.lambda, ctx.n);
        if (ctx.n == 1) {
            _panic(PANIC_OUT_OF_BOUNDS); // V1's store loop bound n - 2 wraps and overruns the array
        }
        _storeMovingAverages(ctx, newMovingAverages, prevMovingAverages);

        int256[] memory unguarded = _getWeights(prevWeights, data, _parameters, ctx);
        updatedWeights = _guardQuantAMMWeights(
            unguarded,
            prevWeights,
            int256(uint256(_epsilonMax)),
            int256(uint256(_absoluteWeightGuardRail))
        );
    }

    /// @dev Stores p̄(t) (whole-array for prev-MA rules, pairwise otherwise) and fills ctx.movingAverages.
    function _storeMovingAverages(
        RuleContext memory ctx,
        int256[] memory newMovingAverages,
        int256[] memory prevMovingAverages
    ) internal {
        if (requiresPrevMovingAverage) {
            ctx.movingAverages = new int256[](2 * ctx.n);
            for (uint256 i; i < ctx.n; ++i) {
                ctx.movingAverages[i] = newMovingAverages[i];
                ctx.movingAverages[ctx.n + i] = prevMovingAverages[i];
            }
            movingAverages[ctx.pool] = _packArray(newMovingAverages);
        } else {
            ctx.movingAverages = newMovingAverages;
            _writePairs(movingAverages[ctx.pool], newMovingAverages, ctx.n);
        }
    }

    /// @notice Sets p̄ and the rule's intermediate state; only the pool itself or the runner may call.
    function initialisePoolRuleIntermediateValues(
        address _poolAddress,
        int256[] memory _newMovingAverages,
        int256[] memory _newInitialValues,
        uint256 _numberOfAssets
    ) external {
        require(msg.sender == _poolAddress || msg.sender == updateWeightRunner, "UNAUTH");
        require(_newMovingAverages.length == _numberOfAssets, "Invalid set moving avg");
        movingAverages[_poolAddress] = _packArray(_newMovingAverages);
        _setInitialIntermediateValues(_poolAddress, _newInitialValues, _numberOfAssets);
    }

    /// @notice p̄(t) of a pool, unpacked for `numberOfAssets` assets (0 reverts, never []).
    function getMovingAverages(address poolAddress, uint256 numberOfAssets) external view returns (int256[] memory) {
        return _unpackArray(movingAverages[poolAddress], numberOfAssets);
    }

    /// @notice Whether a parameter set is acceptable for this rule (the factory's check).
    function validParameters(int256[][] calldata _parameters) external pure virtual returns (bool);

    /// @dev validParameters helper: every entry is > 0.
    function _allPositive(int256[] calldata values) internal pure returns (bool) {
        for (uint256 i; i < values.length; ++i) {
            if (values[i] <= 0) {
                return false;
            }
        }
        return true;
    }

    /// @dev validParameters helper: a useRawPrice flag is 0 or exactly 1e18.
    function _isFlag(int256 value) internal pure returns (bool) {
        return value == 0 || value == ONE;
    }

    function _getWeights(
        int256[] memory _prevWeights,
        int256[] memory _data,
        int256[][] calldata _parameters,
        RuleContext memory _ctx
    ) internal virtual returns (int256[] memory unguardedWeights);

    function _setInitialIntermediateValues(address _poolAddress, int256[] memory _values, uint256 _n) internal virtual;

    /// @dev p̄_i(t) = ((p̄_i(t-1) ⊗ λ) + (p_i ⊗ (ONE - λ))) ⊘ ONE, scalar λ iff lambda has one entry.
    /// Order per asset: λ_i, p_i, p_i ⊗ (ONE - λ), p̄ ⊗ λ, the checked sum, ⊘ ONE.
    function _ewma(
        int256[] memory prev,
        int256[] memory data,
        int256[] memory lambda,
        uint256 n
    ) internal pure returns (int256[] memory next) {
        next = new int256[](n);
        int256 l = lambda[0];
        bool scalar = lambda.length == 1;
        for (uint256 i; i < n; ++i) {
            if (!scalar) {
                l = lambda[i];
            }
            int256 x = data[i];
            int256 t = x.mul(ONE - l);
            int256 u = prev[i].mul(l);
            int256 s = u + t;
            next[i] = s.div(ONE);
        }
    }

    /// @dev ACC: adds s_i (scalar κ) or s_i ⊗ κ_i (vector κ; κ_i read here) to the running total.
    function _accumulate(int256 total, int256 signal, int256[] calldata kappa, uint256 i)
        internal
        pure
        returns (int256)
    {
        if (kappa.length == 1) {
            return total + signal;
        }
        int256 k = kappa[i];
        return total + signal.mul(k);
    }

    /// @dev FIN(±): scalar κ centres on tdiv(total, n); vector κ on total ⊘ Σ_all κ_j (summed checked,
    /// left to right). Then w̃_i = prev_i + κ_i ⊗ δ_i with δ = s_i - centre (or centre - s_i when `anti`).
    function _finish(
        int256[] memory prevWeights,
        int256[] memory signal,
        int256[] calldata kappa,
        bool anti,
        uint256 n,
        int256 total
    ) internal pure returns (int256[] memory w) {
        w = new int256[](n);
        int256 centre;
        bool scalar = kappa.length == 1;
        if (scalar) {
            centre = total / int256(n);
        } else {
            int256 kappaSum;
            for (uint256 j; j < kappa.length; ++j) {
                kappaSum += kappa[j];
            }
            centre = total.div(kappaSum);
        }
        for (uint256 i; i < n; ++i) {
            int256 k = scalar ? kappa[0] : kappa[i];
            int256 delta = anti ? centre - signal[i] : signal[i] - centre;
            int256 step = k.mul(delta);
            w[i] = prevWeights[i] + step;
        }
    }
}
