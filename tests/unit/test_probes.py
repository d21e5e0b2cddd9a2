"""parity.probes: identity outside a recording, ordered per-name values inside one, nothing under jit."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from parity.probes import probe, recording
from parity.weights.guardrails import guard_weights


def test_probe_returns_its_value_and_records_nothing_outside_a_recording():
    x = [1, 2]
    assert probe("x", x) is x
    with recording() as rec:
        pass
    assert rec.values == {}


def test_recording_keeps_call_order_and_flattens():
    with recording() as rec:
        probe("a", 7)
        probe("a", [8, 9])
        probe("b", jnp.array([[0.5], [0.25]]))
        probe("a", 10)
    assert rec.values == {"a": [7, 8, 9, 10], "b": [0.5, 0.25]}
    assert all(type(v) is int for v in rec.values["a"]) and all(type(v) is float for v in rec.values["b"])


def test_recordings_nest_and_end():
    with recording() as outer:
        probe("x", 1)
        with recording() as inner:
            probe("x", 2)
        probe("x", 3)
    probe("x", 4)
    assert outer.values == {"x": [1, 3]} and inner.values == {"x": [2]}


def test_a_recorded_list_is_copied():
    v = [1, 2]
    with recording() as rec:
        probe("v", v)
    v[0] = 99
    assert rec.values["v"] == [1, 2]


def _guard(raw, prev):
    return guard_weights(raw, prev, 0.1, 0.05)


def test_probes_add_nothing_to_the_compiled_step():
    """guard_weights carries three probes; traced outside a recording its jaxpr equals the probe-free
    composition of the same three functions."""
    from parity.weights.guardrails import clamp_weights, fix_residual, limit_change

    raw, prev = jnp.array([0.7, 0.2, 0.1]), jnp.array([0.4, 0.3, 0.3])
    plain = jax.make_jaxpr(lambda r, p: fix_residual(limit_change(clamp_weights(r, 0.05), p, 0.1)))(raw, prev)
    probed = jax.make_jaxpr(_guard)(raw, prev)
    assert str(probed) == str(plain)


def test_a_recording_refuses_tracers():
    with recording(), pytest.raises(RuntimeError, match="jax.disable_jit"):
        jax.jit(lambda r, p: _guard(r, p))(jnp.array([0.7, 0.2, 0.1]), jnp.array([0.4, 0.3, 0.3]))  # a fresh trace


def test_eager_guard_records_each_stage():
    raw, prev = np.array([0.7, 0.2, 0.1]), np.array([0.4, 0.3, 0.3])
    with jax.disable_jit(), recording() as rec:
        out = _guard(raw, prev)
    assert list(rec.values) == ["clamped", "limited", "weights"]
    assert rec.values["weights"] == [float(x) for x in np.asarray(out)]
    np.testing.assert_allclose(rec.values["limited"], [0.5, 0.3 - 0.1 / 3, 0.3 - 0.2 / 3], rtol=0, atol=1e-15)  # Δ·0.1/0.3


def test_a_recording_sees_only_its_own_thread():
    import threading

    with recording() as rec:
        t = threading.Thread(target=lambda: probe("other", 1))
        t.start()
        t.join()
        probe("mine", 2)
    assert rec.values == {"mine": [2]}
