"""Fine weights: the approx_optimal example of docs/architecture.md, linear ramps, assembly and timing, errors."""

import jax
import numpy as np
import pytest

from parity.fingerprint import make_run_fingerprint
from parity.weights.interpolation import fine_weights, fine_weights_for, interpolation_block


def test_approx_optimal_reference_rows():
    # docs/architecture.md (Fine weights): a = (0.5, 0.5), d = (1e-4, −1e-4), W = 4, c = 6
    block = np.asarray(interpolation_block(np.array([0.5, 0.5]), np.array([0.5004, 0.4996]), 6, 4, "approx_optimal"))
    np.testing.assert_allclose(block[:, 0], [0.5, 0.500090000008448, 0.500180000015104, 0.500270000017536,
                                             0.5004, 0.5004], rtol=0, atol=2e-15)
    np.testing.assert_allclose(block.sum(axis=1), 1.0, atol=1e-15)


def test_approx_optimal_row_by_hand():
    a, t, W = np.array([0.2, 0.3, 0.5]), np.array([0.3, 0.3, 0.4]), 3
    block = np.asarray(interpolation_block(a, t, 5, W, "approx_optimal"))
    j = 2
    both = a + j * (t - a) / W + a * (t / a) ** (j / (W + 1))
    np.testing.assert_allclose(block[j], both / both.sum(), rtol=1e-15)
    np.testing.assert_array_equal(block[3:], [t, t])


def test_linear_ramp_then_hold():
    a, t = np.array([0.6, 0.4]), np.array([0.2, 0.8])
    block = np.asarray(interpolation_block(a, t, 6, 4, "linear"))
    np.testing.assert_allclose(block[:, 0], [0.6, 0.5, 0.4, 0.3, 0.2, 0.2], rtol=1e-15)
    np.testing.assert_allclose(block[:, 1], [0.4, 0.5, 0.6, 0.7, 0.8, 0.8], rtol=1e-15)
    np.testing.assert_allclose(block.sum(axis=1), 1.0, atol=1e-15)


def test_interpolation_over_whole_chunk():
    block = np.asarray(interpolation_block(np.array([0.5, 0.5]), np.array([0.9, 0.1]), 4, 4))
    np.testing.assert_allclose(block[:, 0], [0.5, 0.6, 0.7, 0.8], rtol=1e-15)  # target reached at the next block


@pytest.mark.parametrize("method", ["linear", "approx_optimal"])
def test_assembly_first_chunk_holds_w0_and_blocks_chain(method):
    w0 = np.array([0.25, 0.25, 0.5])
    coarse = np.array([[0.3, 0.2, 0.5], [0.35, 0.25, 0.4], [0.35, 0.25, 0.4]])
    c, W = 5, 3
    fine = np.asarray(fine_weights(w0, coarse, chunk_steps=c, interpolation_steps=W, method=method))
    assert fine.shape == (4 * c, 3)
    np.testing.assert_array_equal(fine[:c], np.broadcast_to(w0, (c, 3)))
    np.testing.assert_allclose(fine[c], w0, rtol=1e-15)  # row (k+1)·c is still the old position
    for k in range(3):
        start = w0 if k == 0 else coarse[k - 1]
        np.testing.assert_allclose(fine[(k + 1) * c], start, rtol=1e-15)
        np.testing.assert_array_equal(fine[(k + 1) * c + W:(k + 2) * c], np.broadcast_to(coarse[k], (c - W, 3)))
        np.testing.assert_allclose(fine[(k + 1) * c:(k + 2) * c],
                                   interpolation_block(start, coarse[k], c, W, method), rtol=1e-15)
    np.testing.assert_allclose(fine[-c:], np.broadcast_to(coarse[2], (c, 3)), rtol=1e-15)  # same target: flat


def test_n_rows_truncates_and_is_checked():
    w0, coarse = np.array([0.5, 0.5]), np.array([[0.6, 0.4], [0.7, 0.3]])
    full = fine_weights(w0, coarse, chunk_steps=3, interpolation_steps=3)
    np.testing.assert_array_equal(fine_weights(w0, coarse, chunk_steps=3, interpolation_steps=3, n_rows=7), full[:7])
    with pytest.raises(ValueError, match="n_rows=10: must be an integer between 0 and 9"):
        fine_weights(w0, coarse, chunk_steps=3, interpolation_steps=3, n_rows=10)


def test_from_fingerprint_uses_steps_of_price_interval():
    fp = make_run_fingerprint(rule="momentum", n_assets=2, chunk_period=240, weight_interpolation_period=120,
                              price_interval=60, weight_interpolation_method="approx_optimal")
    w0, coarse = np.array([0.5, 0.5]), np.array([[0.6, 0.4]])
    got = fine_weights_for(w0, coarse, fp)
    np.testing.assert_array_equal(
        got, fine_weights(w0, coarse, chunk_steps=4, interpolation_steps=2, method="approx_optimal"))
    assert got.shape == (8, 2)


def test_jit_with_static_settings():
    f = jax.jit(fine_weights, static_argnames=("chunk_steps", "interpolation_steps", "method", "n_rows"))
    w0, coarse = np.array([0.5, 0.5]), np.array([[0.6, 0.4], [0.7, 0.3]])
    np.testing.assert_allclose(f(w0, coarse, chunk_steps=4, interpolation_steps=2),
                               fine_weights(w0, coarse, chunk_steps=4, interpolation_steps=2), rtol=1e-15)


@pytest.mark.parametrize("kwargs, message", [
    (dict(method="optimal"), "method='optimal': must be one of linear, approx_optimal"),
    (dict(interpolation_steps=5), "interpolation_steps=5: must be <= chunk_steps=4"),
    (dict(interpolation_steps=0), "interpolation_steps=0: must be a positive integer"),
    (dict(chunk_steps=2.0), "chunk_steps=2.0: must be a positive integer"),
])
def test_bad_settings_raise(kwargs, message):
    args = dict(chunk_steps=4, interpolation_steps=2) | kwargs
    with pytest.raises(ValueError, match=message):
        fine_weights(np.array([0.5, 0.5]), np.array([[0.6, 0.4]]), **args)


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="coarse_weights: shape \\(1, 3\\)"):
        fine_weights(np.array([0.5, 0.5]), np.array([[0.2, 0.3, 0.5]]), chunk_steps=2, interpolation_steps=1)
