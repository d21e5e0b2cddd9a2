"""The audit as one run of the lockstep session at pool level, over a history read from a node (or a fixture).

`audit(url, pool, ...)` discovers, reads and checks; `check_history(history)` checks what was read: it builds
the run the session needs from the chain's own values (the rule from its name(), the parameters, λ, ε, g and
the update interval from the runner's views, the prices from the oracle values each update received) and runs
the audit's sides (parity.audit.sides). The result is a LockstepResult like `parity verify --level pool`
gives, in mode resync (every JAX step starts from the chain's state), with the audit's rows, the other state
changes and the drift as its `audit` section.
"""

from __future__ import annotations

import time

import numpy as np

from parity.audit.history import AuditHistory
from parity.audit.sides import SAMPLES, AuditChainSide, AuditJaxSide, AuditModelSide
from parity.catalogue import RULES
from parity.errors import UsageError
from parity.float64 import guarded


def fingerprint_of(epoch, n: int):
    """The run fingerprint of a registration: one price per update, the interval in minutes, ε and g."""
    from parity.fingerprint import make_run_fingerprint
    from parity.harness.mapping import from_wei

    if epoch.interval % 60:
        raise UsageError(f"the update interval of runner {epoch.runner} is {epoch.interval} s, not a whole number of "
                         "minutes: the JAX production loop runs in minutes, so parity cannot audit this pool")
    chunk = epoch.interval // 60
    try:
        return make_run_fingerprint(rule=epoch.rule, n_assets=n, chunk_period=chunk, price_interval=chunk,
                                    epsilon_max=from_wei(epoch.epsilon_max),
                                    absolute_weight_guard_rail=from_wei(epoch.guard_rail),
                                    weight_interpolation_method="onchain", weight_interpolation_period=chunk)
    except ValueError as e:
        raise UsageError(f"the pool's settings on runner {epoch.runner} are outside what the simulator takes: {e}") from None


def _check_epochs(h: AuditHistory) -> None:
    kinds = {e.rule for e in h.epochs}
    if len(kinds) > 1:
        e = next(e for e in h.epochs if e.rule != h.epochs[0].rule)
        raise UsageError(f"--pool {h.pool}: its rule changed from {h.epochs[0].rule_name} to {e.rule_name} at block "
                         f"{e.first_block} (runner {e.runner}); audit the two ranges apart (--to-block {e.first_block - 1}, "
                         f"--from-block {e.first_block})")


def run_inputs(h: AuditHistory, tolerances, compiler_profile: str):
    """(plan, RunInputs) of the session: the chain's parameters and the oracle values as the update prices."""
    from parity.harness.lockstep.inputs import RunInputs
    from parity.harness.lockstep.plan import LockstepRequest, validate
    from parity.harness.mapping import MappedParams, from_wei_array
    from parity.pools import create_pool

    e = h.epochs[0]
    fp = fingerprint_of(e, h.n)
    pool = create_pool(e.rule)
    parameters, lam = [list(r) for r in e.parameters], list(e.lambda_store)
    try:
        decoded = pool.decode_chain_params(parameters, lam, h.n)
    except ValueError as err:
        raise UsageError(f"the {e.rule_name} parameters of runner {e.runner} do not decode: {err}") from None
    rows = [h.updates[0].data] + [u.data for u in h.updates]  # row 0 only initialises (nothing reads it)
    price_dec = np.array([from_wei_array(r) for r in rows], dtype=np.float64)
    request = LockstepRequest(pool, decoded, fp, price_dec, blocks=len(h.updates), mode="resync", tolerances=tolerances,
                              model_check=True, vectorized_check=False, progress=False, level="pool",
                              compiler_profile=compiler_profile,
                              options={"samples_per_interval": SAMPLES, "update_jitter": 0, "jitter_seed": 0})
    try:
        plan = validate(request)
    except ValueError as err:
        raise UsageError(str(err)) from None
    mapped = MappedParams(decoded, parameters, lam, e.epsilon_max, e.guard_rail, decoded, fp)
    w0 = np.asarray(from_wei_array(h.updates[0].current_weights), dtype=np.float64)
    return plan, RunInputs(mapped, e.runner, None, rows, price_dec, w0)


@guarded
def check_history(h: AuditHistory, *, tolerances: dict | None = None, compiler_profile: str = "legacy",
                  backend: str = "rpc", model_check: bool = True):
    """Check every update of `h` (see the module docstring); returns the LockstepResult with the audit's
    section and summary lines."""
    from parity.audit.rows import decorate
    from parity.harness.driver import make_jax_step
    from parity.harness.lockstep.session import Sides, run_session

    t_start = time.perf_counter()
    _check_epochs(h)
    plan, inputs = run_inputs(h, tolerances, compiler_profile)
    smap, contract = plan.state_map, RULES[h.epochs[0].rule].contract
    chain = AuditChainSide(h, smap, contract, backend)
    model = AuditModelSide(h, smap, chain, compiler_profile)
    pre = [model.effective_pre(u) for u in h.updates]
    sides = Sides(AuditJaxSide(plan.request.pool, inputs, smap, make_jax_step, h, pre), chain, model if model_check else None)
    result = run_session(plan, inputs, sides, t_start)
    result.pool.update({"samples_per_interval": SAMPLES, "update_jitter": 0, "jitter_seed": 0})
    decorate(result, h, sides, plan, inputs, model)
    return result


def audit(url: str, pool: str, from_block=None, to_block=None, *, tolerances: dict | None = None,
          progress: bool = True, batch_size: int = 200, log_page: int = 10_000):
    """Discover, read and check the pool's updates in [from_block, to_block] on the node at `url`:
    (AuditHistory, LockstepResult). Raises UsageError (one line) for what the user can fix: an unreachable
    node, an address that is not a QuantAMM pool, a range without updates, a node without the history."""
    from parity.audit.discover import discover
    from parity.audit.node import Node
    from parity.audit.read import read_history

    node = Node(url, batch_size=batch_size, log_page=log_page)
    t0 = time.perf_counter()
    disc = discover(node, pool, from_block, to_block)
    history = read_history(node, disc, progress=progress)
    read_s = time.perf_counter() - t0
    result = check_history(history, tolerances=tolerances)
    result.timing.update({"read_s": read_s, "rpc_round_trip_s": node.stats["round_trip_s"]})
    result.sections["audit"]["node"] = {"url": url, **{k: node.stats[k] for k in ("requests", "batches", "cache_hits")}}
    return history, result
