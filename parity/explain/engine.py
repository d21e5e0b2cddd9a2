"""Re-run one block on the simulator and on the integer model with every named operation recorded, and find
the first operation whose error exceeds what rounding of its inputs explains (docs/explain.md).

Both sides start the block from the chain's state before it (the JAX carry decoded from the integers
exactly as ``--mode resync`` does), so every difference at the block is made inside the block. The JAX
values come from the pool's own ``calculate_coarse_weight_step`` run eagerly, the integer values from the
rule model's own ``calculate_new_weights``; both record through :mod:`parity.probes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from parity.explain import bounds as b
from parity.explain.case import BlockCase, ExplainInputError
from parity.explain.ops import OPS, PARAMETER_ROWS, Missing, Op, SideEnv
from parity.probes import recording

FLOAT_SAFETY = 4  # the float64 bound is the expression's worst case, times this (docs/explain.md)
SLACK = b.WEI * Decimal("1e-9")  # Decimal evaluation noise allowed around a fixed-point interval
RUNNER = "0x" + "00" * 19 + "a1"
POOL = "0x" + "00" * 19 + "b2"


@dataclass
class SideRun:
    """One side's re-run of the block: the probed values, what it returns, and a revert reason if any."""

    recorded: dict
    after: dict  # state key -> values after the block, and "weights"
    revert: str | None = None


@dataclass
class Row:
    """One op at one asset (or a scalar op): both values, their difference and each side's local error."""

    op: Op
    asset: int | None
    jax: Decimal | None
    chain: Decimal | None
    scaled: Decimal | None
    jax_err: Decimal | None = None
    jax_bound: Decimal | None = None
    chain_err: Decimal | None = None  # in wei
    chain_lo: Decimal | None = None  # allowed interval in wei
    chain_hi: Decimal | None = None
    note: str = ""

    @property
    def jax_ratio(self) -> float | None:
        if self.jax_err is None:
            return None
        if self.jax_bound == 0:
            return 0.0 if self.jax_err == 0 else float("inf")
        return float(abs(self.jax_err) / self.jax_bound)

    @property
    def jax_out(self) -> bool:
        r = self.jax_ratio
        return r is not None and r > 1

    @property
    def chain_out(self) -> bool:
        if self.chain_err is None:
            return False
        slack = SLACK / b.WEI
        return not self.chain_lo - slack <= self.chain_err <= self.chain_hi + slack


@dataclass
class Explanation:
    """The re-run block: every row in operation order, the first row beyond its bound, and the checks."""

    case: BlockCase
    rows: list
    jax: SideRun
    model: SideRun
    first: Row | None = None
    first_side: str = ""
    missing: list = field(default_factory=list)  # (side, op name) not recorded

    @property
    def model_matches_chain(self) -> bool | None:
        """Whether the model's re-run reproduces the recorded chain values after the block (None: unknown)."""
        if self.case.chain_after is None:
            return None if self.model.revert is None else False
        return all(self.model.after.get(k) == v for k, v in self.case.chain_after.items() if k in self.model.after)


# ------------------------------------------------------------------------------------------------- sides


def _decoded(ints) -> np.ndarray:
    from parity.harness.mapping import from_wei_array

    return np.asarray(from_wei_array([int(x) for x in ints]), dtype=np.float64)


def run_jax(case: BlockCase, pool=None) -> SideRun:
    """The scan path's step of the block, eagerly, from the chain's state before it, with probes recorded."""
    import jax

    from parity.harness.lockstep.sides import chain_estimator_state
    from parity.harness.mapping import STATE_MAPS
    from parity.pools import create_pool

    pool = pool or create_pool(case.rule)
    smap = STATE_MAPS[case.contract]
    params = pool.decode_chain_params(case.parameters, case.lambda_store, case.n)
    fp = case.fingerprint
    template = pool.get_initial_rule_state(_decoded(case.price_prev), params, fp)
    state = {k: case.state_prev[k] for k in smap.keys}
    est = {**template, **{k: jax.numpy.asarray(v) for k, v in
                          chain_estimator_state(template.keys(), smap, state, case.price_prev).items()}}
    wt = {smap.weight_key: jax.numpy.asarray(_decoded(case.state_prev["weights"]))}
    with jax.disable_jit(), recording() as rec:
        est, _, weights = pool.calculate_coarse_weight_step(est, wt, _decoded(case.price), params, fp)
    after = {k: [float(x) for x in np.asarray(est[k]).ravel()] for k in smap.keys}
    after["weights"] = [float(x) for x in np.asarray(weights).ravel()]
    return SideRun(rec.values, after)


def run_model(case: BlockCase) -> SideRun:
    """The integer model's CalculateNewWeights of the block from the chain's state before it, probes recorded."""
    from parity.fixedpoint.errors import Revert
    from parity.fixedpoint.rules import make_model
    from parity.harness.mapping import STATE_MAPS, model_caller, read_state

    smap = STATE_MAPS[case.contract]
    model = make_model(case.rule, RUNNER, compiler_profile=case.compiler_profile)
    try:
        model.initialise(POOL, case.state_prev[smap.moving_average_key], case.state_prev[smap.init_key], case.n,
                         sender=RUNNER)
    except Revert as e:
        raise ExplainInputError(f"{case.source}: the state before block {case.block} cannot be loaded into the "
                                f"integer model ({e.reason})") from None
    revert = None
    with recording() as rec:
        try:
            weights = model.calculate_new_weights(case.state_prev["weights"], case.price, POOL, case.parameters,
                                                  case.lambda_store, case.epsilon_max, case.guard_rail, sender=RUNNER)
        except Revert as e:
            revert, weights = e.reason, None
    after = read_state(model_caller(model), POOL, case.n, smap) if revert is None else {}
    if weights is not None:
        after["weights"] = [int(w) for w in weights]
    return SideRun(rec.values, after, revert)


# --------------------------------------------------------------------------------------------- evaluation


def _params(case: BlockCase, side: str) -> dict:
    """Parameters as Decimals: the contract's integers / 1e18 (chain), the floats the pool decodes (JAX)."""
    rows = {name: case.parameters[k] for k, name in enumerate(PARAMETER_ROWS[case.rule]) if k < len(case.parameters)}
    rows["lamb"] = case.lambda_store
    rows["epsilon"] = [case.epsilon_max]
    rows["guard_rail"] = [case.guard_rail]
    if side == "chain":
        return {k: [Decimal(int(x)) / 10**18 for x in v] for k, v in rows.items()}
    fp = case.fingerprint
    out = {k: [Decimal(float(x)) for x in _decoded(v)] for k, v in rows.items()}
    out["epsilon"] = [Decimal(float(fp.epsilon_max))]
    out["guard_rail"] = [Decimal(float(fp.absolute_weight_guard_rail))]
    return out


def _inputs(case: BlockCase, side: str, pool_inputs: dict) -> dict:
    def conv(ints):
        return [Decimal(int(x)) / 10**18 for x in ints] if side == "chain" else [Decimal(float(x)) for x in _decoded(ints)]

    out = {"price": conv(case.price), "price_prev": conv(case.price_prev), "weights_prev": conv(case.state_prev["weights"])}
    out.update({f"{k}_prev": conv(v) for k, v in case.state_prev.items() if k != "weights"})
    for key, value in pool_inputs.items():  # pool level: W and M (18 decimals), τ and Δ (seconds)
        out[key] = conv(value) if isinstance(value, list) else [Decimal(int(value))]
    return out


def _use_raw(case: BlockCase) -> bool:
    rows = case.parameters
    flag_row = {"momentum": 1, "anti_momentum": 1, "power_channel": 2, "mean_reversion_channel": 6}.get(case.rule)
    return flag_row is not None and len(rows) > flag_row and rows[flag_row][:1] == [10**18]


def _recorded(values: dict, side: str, n: int) -> dict:
    """Probed values as Decimals; a name probed a number of times that fits neither 1 nor n is dropped."""
    out = {}
    for name, vals in values.items():
        if len(vals) not in (1, n):
            continue
        out[name] = [Decimal(int(x)) / 10**18 if side == "chain" else Decimal(float(x)) for x in vals]
    return out


def environments(case: BlockCase, jax_run: SideRun, model_run: SideRun, pool_inputs: dict | None = None
                 ) -> tuple[SideEnv, SideEnv]:
    """Both sides' inputs, parameters and probed values as exact Decimals."""
    with b.precise():
        return tuple(SideEnv(side, _inputs(case, side, pool_inputs or {}), _params(case, side),
                             _recorded(run.recorded, side, case.n), case.n, _use_raw(case))
                     for side, run in (("jax", jax_run), ("chain", model_run)))


def _build(op: Op, env: SideEnv, i: int):
    try:
        return op.build(env, i)
    except (Missing, KeyError, IndexError):
        return None


def _value(env: SideEnv, name: str, i: int) -> Decimal | None:
    try:
        return env.value(name, i)
    except (Missing, IndexError):
        return None


def evaluate_row(op: Op, i: int | None, jax_env: SideEnv, chain_env: SideEnv) -> Row:
    """Both values of `op` at asset i, the scaled difference, and each side's error against its own bound."""
    k = 0 if i is None else i
    jy, cy = _value(jax_env, op.name, k), _value(chain_env, op.name, k)
    with b.precise():
        jq, cq = _build(op, jax_env, k), _build(op, chain_env, k)
        scale = jq.f / b.U if jq is not None and jq.f else max(abs(jy or 0), abs(cy or 0))
        diff = abs(jy - cy) if jy is not None and cy is not None else None
        row = Row(op, i, jy, cy, (diff / scale if scale else diff) if diff is not None else None)
        if jy is not None and jq is not None:
            row.jax_err, row.jax_bound = jy - jq.v, FLOAT_SAFETY * jq.f
        if cy is not None and cq is not None:
            row.chain_err = (cy - cq.v) / b.WEI
            row.chain_lo, row.chain_hi = cq.lo / b.WEI, cq.hi / b.WEI
    return row


def _pool_level(case: BlockCase, jax_run: SideRun, model_run: SideRun, inputs: dict, jax_w0) -> None:
    """Add the pool's weights at the update and the runner's multipliers to both sides' values."""
    from parity.explain.pool import multipliers

    jax_run.recorded["prev_weights"] = jax_w0
    model_run.recorded["prev_weights"] = list(case.state_prev["weights"])
    jax_m, model_m = multipliers(case, inputs, jax_run.recorded.get("weights"), model_run.after.get("weights"))
    if jax_m is not None:
        jax_run.recorded["raw_multipliers"] = jax_m
    if model_m is not None:
        model_run.recorded["raw_multipliers"] = model_run.after["raw_multipliers"] = model_m


def explain_case(case: BlockCase, *, pool=None) -> Explanation:
    """Re-run the case's block on both sides and evaluate every op (see the module docstring)."""
    ops, pool_inputs = OPS[case.rule], {}
    if case.level == "pool":
        from parity.explain.pool import AFTER, BEFORE, pool_case

        if case.timestamp is None:
            raise ExplainInputError(f"{case.source}: block {case.block} of a pool-level run has no timestamp")
        case, pool_inputs, jax_w0 = pool_case(case)
        ops = BEFORE + ops + AFTER
    jax_run, model_run = run_jax(case, pool), run_model(case)
    if case.level == "pool":
        _pool_level(case, jax_run, model_run, pool_inputs, jax_w0)
    jax_env, chain_env = environments(case, jax_run, model_run, pool_inputs)
    out = Explanation(case, [], jax_run, model_run)
    for op in ops:
        scalar = op.scalar(chain_env)
        for side, env in (("jax", jax_env), ("chain", chain_env)):
            if op.name not in env.recorded:
                out.missing.append((side, op.name))
        for i in ([None] if scalar else range(case.n)):
            row = evaluate_row(op, i, jax_env, chain_env)
            out.rows.append(row)
            if out.first is None and (row.jax_out or row.chain_out):
                out.first = row
                out.first_side = " and ".join(s for s, bad in (("jax", row.jax_out), ("chain", row.chain_out)) if bad)
    return out
