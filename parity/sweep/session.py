"""One chunk of a sweep in one process: P parameter sets of one rule on one price case.

* JAX: one jitted function runs the whole trajectory of every set: `lax.scan` over the update blocks of a
  `vmap` over parameter sets of the pool's `calculate_coarse_weight_step` (independent mode: the JAX side
  never reads the chain, so it need not wait for it).
* Chain (revm): one BatchCaller transaction per block carries every live pool's CalculateNewWeights and
  state getters (parity.sweep.chainbatch).
* Integer model: run on a sample of `model_sample` pools per chunk (evenly spaced indices, always index 0),
  every block, bit for bit against the chain. The model is plain Python integers (~75 µs per call, as much as
  the EVM itself); the contract code it checks is shared by every pool of the chunk, so a sample finds a
  contract/model disagreement as well as all pools would, at a fraction of the cost.
* Comparison: parity.sweep.errors, the same scaled errors and default tolerances as `parity verify`, and
  (as `parity verify`) the vectorized path (vmapped too) against the scan path over the compared blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from parity.catalogue import with_defaults
from parity.float64 import guarded
from parity.chain.base import FunctionCodec, find_function
from parity.harness.mapping import derived_carry, encode_weights, from_wei_array, map_parameters, state_map_for, to_wei
from parity.sweep import chainbatch as cb
from parity.sweep.chainbatch import WORD
from parity.sweep.errors import ChunkErrors
from parity.sweep.spec import Verification, make_fingerprint, split_params

START_TIMESTAMP = 2_000_000_000
FLUSH_BLOCKS = 256  # blocks of chain output decoded and compared at a time (bounds memory)


@dataclass
class Chunk:
    """The unit of work sent to a worker: verifications sharing rule, price case and static parameters."""

    verifications: list[Verification]
    prices: np.ndarray  # (rows, n): the case's window at the series interval
    blocks: int | None
    fingerprint: dict
    tolerances: dict
    model_sample: int
    vectorized_check: bool = True
    level: str = "rule"
    stack: dict = field(default_factory=dict)  # level "pool": the spec's `stack` table


_TRAJ_CACHE: dict = {}
_ARTIFACTS: dict = {}


def rule_artifacts() -> dict:
    """The compiled contracts (rules and BatchCaller), once per process (the compiler's cache is on disk)."""
    if not _ARTIFACTS:
        from parity.chain.compile import compile_rules

        _ARTIFACTS.update(compile_rules())
    return _ARTIFACTS


def trajectory_fn(pool, fp, static: tuple, keys: tuple, per_pool: bool = False):
    """Jitted (est, wt, prices (T, n), arrays) -> ({key: (T, P, n)}, weights (T, P, n)) for P stacked sets;
    per_pool: prices (T, P, n), each set on its own prices (parity fuzz)."""
    cache_key = (type(pool), fp, static, keys, per_pool)
    fn = _TRAJ_CACHE.get(cache_key)
    if fn is not None:
        return fn
    static_d = dict(static)

    def one(est, wt, price, arr):
        return pool.calculate_coarse_weight_step(est, wt, price, {**arr, **static_d}, fp)

    batched = jax.vmap(one, in_axes=(0, 0, 0 if per_pool else None, 0))

    def run(est, wt, prices, arr):
        def body(carry, price):
            est, wt, w = batched(*carry, price, arr)
            return (est, wt), ({k: est[k] for k in keys}, w)

        _, out = jax.lax.scan(body, (est, wt), prices)
        return out

    fn = _TRAJ_CACHE[cache_key] = jax.jit(run)
    return fn


_VEC_CACHE: dict = {}


def vectorized_fn(pool, fp, static: tuple, keys: tuple, per_pool: bool = False):
    """Jitted vmap over sets of the vectorized path (all blocks at once, then the guard scan from w0):
    (arrays, prices (T+1, n), w0 (P, n)) -> (weights (P, T, n), {key: (P, T, n)}); per_pool: prices (P, T+1, n)."""
    cache_key = (type(pool), fp, static, keys, per_pool)
    fn = _VEC_CACHE.get(cache_key)
    if fn is not None:
        return fn
    static_d = dict(static)

    def one(arr, prices, w0):
        p = {**arr, **static_d}
        outputs, states = pool.calculate_rule_outputs(p, fp, prices, return_states=True)
        cp = pool.resolve_params(p, fp, validate=False)
        return pool._coarse_scan(outputs, w0, cp, fp), {k: states[k] for k in keys if k in states}

    fn = _VEC_CACHE[cache_key] = jax.jit(jax.vmap(one, in_axes=(0, 0 if per_pool else None, 0)))
    return fn


@dataclass
class PoolStart:
    """One pool's start: the integers the contract is initialised with and the matching JAX carries."""

    ma_wei: list
    init_wei: list
    w_wei: list
    est: dict
    wt: dict
    mapped: object


def pool_start(pool, params: dict, fp, price_wei0, price_dec0, smap, mapped=None) -> PoolStart:
    """As `parity verify`: JAX initial carry -> wei -> contract; the JAX carry takes the decoded values.
    mapped: map_parameters(pool, params, fp) when the caller has it already."""
    mapped = mapped if mapped is not None else map_parameters(pool, params, fp)
    w0 = np.asarray(pool.initial_weights(params, fp), dtype=np.float64)
    est = dict(pool.get_initial_rule_state(jnp.asarray(price_dec0), mapped.jax_params, mapped.fingerprint))
    n = len(price_wei0)
    ma_wei = [to_wei(x) for x in np.asarray(est[smap.moving_average_key], dtype=np.float64).ravel()]
    init_wei = [to_wei(x) for x in np.broadcast_to(np.asarray(est[smap.init_key], dtype=np.float64), (n,)).ravel()]
    w_wei = encode_weights(w0)
    est[smap.moving_average_key] = jnp.asarray(from_wei_array(ma_wei))
    est[smap.init_key] = jnp.asarray(from_wei_array(init_wei))
    derived = derived_carry(est.keys(), smap, price_wei0, {smap.moving_average_key: ma_wei, smap.init_key: init_wei})
    est.update({k: jnp.asarray(v) for k, v in derived.items()})
    wt = {smap.weight_key: jnp.asarray(from_wei_array(w_wei))}
    return PoolStart(ma_wei, init_wei, w_wei, est, wt, mapped)


def perturbed(jax_params: dict, perturb: dict | None) -> dict:
    """The JAX side's params with one value scaled by (1 + relative) (a planted divergence)."""
    if not perturb:
        return jax_params
    key = perturb["param"]
    if key not in jax_params:
        raise ValueError(f"perturb_jax.param={key!r}: the JAX parameters are {sorted(jax_params)}")
    out = dict(jax_params)
    out[key] = np.asarray(jax_params[key], dtype=np.float64) * (1.0 + float(perturb["relative"]))
    return out


def jax_trajectories(pool, starts: list[PoolStart], perturbs: list, fp, price_dec: np.ndarray, smap, vectorized: bool = True):
    """({key: (T, P, n)}, weights (T, P, n)) of every pool over update blocks 1..T on the scan path, and the
    same from the vectorized path (None when `vectorized` is off). price_dec: (T+1, n) shared by every pool,
    or (P, T+1, n), one price path per pool."""
    per_pool = np.ndim(price_dec) == 3
    params = [perturbed(s.mapped.jax_params, p) for s, p in zip(starts, perturbs)]
    splits = [split_params(p) for p in params]
    static = splits[0][1]
    if any(s[1] != static for s in splits):
        raise ValueError("a chunk's parameter sets must share their static parameters")
    arr = {k: jnp.asarray(np.stack([s[0][k] for s in splits])) for k in splits[0][0]}
    est = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[s.est for s in starts])
    wt = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[s.wt for s in starts])
    fn = trajectory_fn(pool, fp, static, tuple(smap.keys), per_pool)
    scan_prices = np.swapaxes(price_dec, 0, 1)[1:] if per_pool else price_dec[1:]  # (T, P, n) or (T, n)
    states, weights = jax.device_get(fn(est, wt, jnp.asarray(scan_prices), arr))
    scan = ({k: np.asarray(v, dtype=np.float64) for k, v in states.items()}, np.asarray(weights, dtype=np.float64))
    if not vectorized:
        return scan, None
    w0 = jnp.stack([s.wt[smap.weight_key] for s in starts])
    v_w, v_states = jax.device_get(vectorized_fn(pool, fp, static, tuple(smap.keys), per_pool)(arr, jnp.asarray(price_dec), w0))
    swap = lambda a: np.swapaxes(np.asarray(a, dtype=np.float64), 0, 1)  # noqa: E731  (P, T, n) -> (T, P, n)
    return scan, ({k: swap(v) for k, v in v_states.items()}, swap(v_w))


@guarded
def run_chunk(chunk: Chunk) -> list[dict]:
    """Verify every set of the chunk; one results row per verification (see parity.sweep.errors.ChunkErrors)."""
    from parity.pools import create_pool

    if chunk.level == "pool":
        from parity.sweep.pool_level import run_pool_chunk

        return run_pool_chunk(chunk)
    vs = chunk.verifications
    rule, case = vs[0].rule, vs[0].case
    pool = create_pool(rule)
    fp = make_fingerprint(rule, case, chunk.fingerprint)
    stride = case.chunk_period // case.interval
    updates = chunk.prices[::stride]
    blocks = chunk.blocks or len(updates) - 1
    price_wei = [[to_wei(x) for x in row] for row in updates[: blocks + 1].tolist()]
    price_dec = np.array([[v / 10**18 for v in row] for row in price_wei], dtype=np.float64)
    smap = state_map_for(pool.chain_rule)
    starts = [pool_start(pool, with_defaults(rule, v.params), fp, price_wei[0], price_dec[0], smap) for v in vs]
    fpm = starts[0].mapped.fingerprint
    (states, weights), vec = jax_trajectories(pool, starts, [v.perturb for v in vs], fpm, price_dec, smap, chunk.vectorized_check)
    errors = ChunkErrors(vs, starts, smap, price_dec, blocks, chunk.tolerances, pool.chain_rule)
    session = ChainSession(pool.chain_rule, starts, smap, case.n, chunk.model_sample, rule)
    session.initialise(errors)
    pending, first = [], 1
    for k in range(1, blocks + 1):
        pending.append(session.update(k, price_wei[k], case.chunk_period, errors))
        if len(pending) == FLUSH_BLOCKS or k == blocks:
            block_arr = np.stack([p[0] for p in pending])
            alive = np.stack([p[1] for p in pending])
            rows = slice(first - 1, k)
            errors.add(first, block_arr, alive, session.layout, {f: s[rows] for f, s in states.items()}, weights[rows])
            pending, first = [], k + 1
    if vec is not None:
        errors.add_vectorized(vec[0], vec[1], states, weights)
    return errors.rows(session)


class ChainSession:
    """revm chain with one BatchCaller and one deployed rule; pools keyed 0..P−1 (see chainbatch)."""

    def __init__(self, contract: str, starts: list[PoolStart], smap, n: int, model_sample: int, rule: str, artifact=None):
        """artifact: the rule build to deploy instead of parity's own `contract` (a user's contract)."""
        from parity.chain.revm import RevmChain

        artifacts = rule_artifacts()
        self.chain = RevmChain(gas_limit=cb.BATCH_GAS)
        owner = self.chain.accounts[0]
        self.batch = self.chain.deploy(artifacts["BatchCaller"], sender=owner, timestamp=START_TIMESTAMP - 2)
        rule_build = artifact if artifact is not None else artifacts[contract]
        self.rule = self.chain.deploy(rule_build, self.batch.address, sender=owner, timestamp=START_TIMESTAMP - 1)
        self.rule_bytes = bytes.fromhex(self.rule.address[2:])
        names = {cb.CALC, cb.INIT, *(f.getter for f in smap.fields)}
        codecs = self.codecs = {name: FunctionCodec(find_function(self.rule.abi, name)) for name in names}
        self.n, self.smap, self.starts = n, smap, starts
        self.layout = cb.Layout.of(smap, n)
        self.addresses = [cb.pool_address(i) for i in range(len(starts))]
        self.templates = [
            cb.PoolTemplate(self.rule_bytes, codecs[cb.CALC], a, s.mapped, s.w_wei, n,
                            cb.getter_records(self.rule_bytes, codecs, a, smap, n))
            for a, s in zip(self.addresses, starts)
        ]
        self.prev = [cb.words(s.w_wei) for s in starts]
        self.alive = np.ones(len(starts), dtype=bool)
        self.sampled = sorted({int(round(x)) for x in np.linspace(0, len(starts) - 1, model_sample)}) if model_sample else []
        self.models = {}
        self.model_prev = {i: list(starts[i].w_wei) for i in self.sampled}
        self.model_blocks = {i: 0 for i in self.sampled}
        if self.sampled:
            from parity.fixedpoint.rules import make_model

            self.models = {i: make_model(rule, self.batch.address) for i in self.sampled}
        self.timestamp = START_TIMESTAMP

    def _send(self, blob: bytes, timestamp: int, sender: str | None = None) -> bytes:
        """One batch transaction in its own block (RevmChain's block emulation); a revert of the whole batch
        (not of one call in it) raises ContractRevert."""
        chain = self.chain
        sender = sender or chain.accounts[0]
        return bytes(chain._in_new_block(
            lambda: chain.evm.message_call(sender, self.batch.address, blob, gas=cb.BATCH_GAS), timestamp, "batch", ()))

    def initialise(self, errors) -> None:
        """initialisePoolRuleIntermediateValues for every pool in one transaction (each isolated)."""
        init = self.codecs[cb.INIT]
        blob = b"".join(cb.record(self.rule_bytes, init.encode((a, s.ma_wei, s.init_wei, self.n)))
                        for a, s in zip(self.addresses, self.starts))
        self.timestamp += 1
        out = cb.parse_records(self._send(blob, self.timestamp))
        for i, (ok, data) in enumerate(out):
            if not ok:
                errors.revert(i, 0, self.chain.revert_reason(data))
                self.alive[i] = False
        for i, m in self.models.items():
            s = self.starts[i]
            m.initialise(self.addresses[i], s.ma_wei, s.init_wei, self.n, sender=self.batch.address)

    def update(self, k: int, price_wei: list, chunk_period: int, errors):
        """Block k: one transaction; returns (this block's output slices (P, size) uint8, alive mask (P,)).
        price_wei: one price row for every pool, or a dict pool index -> its own row (every live pool)."""
        live = np.nonzero(self.alive)[0]
        if isinstance(price_wei, dict):
            rows = price_wei
            blob = b"".join(self.templates[i].calldata(self.prev[i], cb.words(rows[i])) for i in live)
        else:
            rows = dict.fromkeys(range(len(self.starts)), price_wei)
            price = cb.words(price_wei)
            blob = b"".join(self.templates[i].calldata(self.prev[i], price) for i in live)
        self.timestamp += chunk_period * 60
        out = self._send(blob, self.timestamp)
        size = self.layout.size
        full = np.zeros((len(self.starts), size), dtype=np.uint8)
        alive = self.alive.copy()
        if len(out) == size * len(live) and self._all_ok(out, live):
            full[live] = np.frombuffer(out, dtype=np.uint8).reshape(len(live), size)
        else:
            self._slow_path(k, out, live, full, alive, errors)
        for i in live:
            if alive[i]:
                at = self.layout.weights
                self.prev[i] = full[i, at : at + self.n * cb.WORD].tobytes()
        self.alive = alive
        for i in self.sampled:
            if alive[i] or i in live:
                self._check_model(i, k, rows[i], full[i].tobytes() if alive[i] else None, errors)
        return full, alive

    def _all_ok(self, out: bytes, live) -> bool:
        """Every record of every pool succeeded (its success word is 1)."""
        arr = np.frombuffer(out, dtype=np.uint8).reshape(len(live), self.layout.size)
        return bool(np.all(arr[:, [r + WORD - 1 for r in self.layout.records]] == 1))

    def _slow_path(self, k, out, live, full, alive, errors) -> None:
        """Some call reverted: walk the records, report the pool's revert, keep the others."""
        recs = cb.parse_records(out)
        per_pool = len(recs) // len(live)
        for j, i in enumerate(live):
            mine = recs[j * per_pool : (j + 1) * per_pool]
            failed = next(((j2, d) for j2, (ok, d) in enumerate(mine) if not ok), None)
            if failed is not None:
                what = "" if failed[0] == 0 else "a state getter after CalculateNewWeights: "
                errors.revert(int(i), k, what + self.chain.revert_reason(failed[1]))
                alive[i] = False
                continue
            raw = b"".join(b"".join((cb.word(1), cb.word(len(d)), d + b"\0" * (-len(d) % 32))) for _, d in mine)
            full[i] = np.frombuffer(raw, dtype=np.uint8)

    def _check_model(self, i: int, k: int, price_wei, raw: bytes | None, errors) -> None:
        """The integer model's CalculateNewWeights and state against the chain's, bit for bit."""
        from parity.harness.compare import exact_mismatch
        from parity.harness.mapping import model_caller, read_state

        model = self.models.get(i)
        if model is None:
            return
        s = self.starts[i]
        m = s.mapped
        prev = self.model_prev[i]
        args = [prev, list(price_wei), self.addresses[i], m.parameters, m.lambda_store, m.epsilon_max, m.guard_rail]
        try:
            m_w = [int(v) for v in model.calculate_new_weights(*args, sender=self.batch.address)]
            m_state = read_state(model_caller(model), self.addresses[i], self.n, self.smap)
        except Exception as exc:  # the model reverted
            reason = getattr(exc, "reason", repr(exc))
            chain_reason = errors.revert_reason(i)
            if raw is not None or reason != chain_reason:
                errors.model_mismatch(i, k, "revert", chain_reason or "(no revert)", reason)
            self.models.pop(i)
            return
        if raw is None:
            errors.model_mismatch(i, k, "revert", errors.revert_reason(i), "(no revert)")
            self.models.pop(i)
            return
        w, state = cb.exact_state(raw, self.layout)
        self.model_prev[i] = w
        mm = exact_mismatch({**state, "weights": w}, {**m_state, "weights": m_w})
        if mm is not None:
            fld, asset = mm
            cv = ({**state, "weights": w})[fld][asset]
            mv = ({**m_state, "weights": m_w})[fld][asset]
            errors.model_mismatch(i, k, f"{fld}[{asset}]", str(cv), str(mv))
            self.models.pop(i)
            return
        self.model_blocks[i] += 1

