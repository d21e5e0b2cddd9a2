"""The pool-level JAX side's host shortcuts give exactly what the jitted JAX functions give."""

import jax.numpy as jnp
import numpy as np

from parity.harness.lockstep.pool_sides import _host_matches_jax, _jitted, host_weights_at


def _carry(rng, n, m_scale, span):
    last_update = int(rng.integers(2_000_000_000, 2_100_000_000))
    return {"W": np.floor(rng.uniform(0, 1, n) * 1e9) / 1e9, "M": np.trunc(rng.normal(0, m_scale, n)) / 1e9,
            "last_update": np.int64(last_update), "last_interp": np.int64(last_update + int(rng.integers(-5, span)))}


def _jitted_weights(pc, times):
    return np.asarray(_jitted("weights_at")({k: jnp.asarray(v) for k, v in pc.items()}, np.asarray(times, dtype=np.int64)))


def test_host_fine_weights_are_bit_identical_to_jitted_weights_at():
    assert _host_matches_jax()
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(300):
        pc = _carry(rng, int(rng.integers(2, 9)), 10 ** rng.uniform(0, 5), 200_000)
        times = sorted(int(pc["last_update"]) + rng.integers(1, 200_000, 4))
        host = host_weights_at(pc, times)
        if host is not None:
            assert host.tobytes() == _jitted_weights(pc, times).tobytes()
            checked += 1
    assert checked > 250


def test_host_fine_weights_decline_inexact_products():
    """A wrapped τ (about 2^40 s) times a large multiplier passes 2^53 quanta: the jitted function decides."""
    pc = {"W": np.array([0.5, 0.5]), "M": np.array([1e-3, -1e-3]), "last_update": np.int64(2_000_000_100),
          "last_interp": np.int64(2_000_000_000)}
    assert host_weights_at(pc, [2_000_000_200]) is None
