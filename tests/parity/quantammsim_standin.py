"""Stand-ins for quantammsim's six TFMM pool classes, written for these tests from the project's description
of quantammsim's behaviour (docs/quantammsim.md; none of quantammsim's code): they behave as its classes do
where a caller can see it, and know nothing of parity.

* Each rule function is ``jax.jit``-ed with the run fingerprint as a *static* argument
  (``static_argnums=(2,)`` on ``calculate_rule_outputs(self, params, run_fingerprint, prices, …)``, index 2
  counting ``self``; ``(4,)`` on ``calculate_rule_output_step(self, carry, price, params, run_fingerprint)``),
  so a plain ``dict`` fingerprint fails inside JAX ("Non-hashable static arguments are not supported");
  quantammsim's runner hands its pools a hashable dict. ``self`` is a traced argument: every pool class is a
  pytree without leaves.
* Method signatures and carries: ``get_initial_rule_state(initial_price, params, run_fingerprint)`` ->
  ``{"ewma", "running_a"}`` (n,) each; ``calculate_rule_output_step(carry, price, params, run_fingerprint)``
  -> (carry, (n,)); ``calculate_rule_outputs(params, run_fingerprint, prices (T, n) per minute)`` ->
  (N−1, n) for the chunk prices ``prices[::chunk_period]`` (on a CPU the "vectorized" path runs the same
  scan estimators); ``supports_vectorized_path()`` / ``supports_scan_path()``: the class's method differs
  from the base class's (an inherited one counts).
* quantammsim's arithmetic: the 1e-10 flush of the gradient state, λ capped at λ(max_memory_days) by its
  closed form, k = 2^log_k·memory_days (channels: sp_k first), the k-weighted normalisation (and the k == 0
  mask of the momentum family), the channel formulas with the constant 0.5415, pre-exponent scaling ψ.
* The path-support matrix: AntiMomentum's scan step is Momentum's, inherited (the wrong sign);
  DifferenceMomentum's scan step and carry are Momentum's (its vectorized path is the difference of two
  moving averages, parameterised by memory days); MinVariance is vectorized only (variance of chunk
  returns, a weight rule) and its scan step is the base class's, which raises NotImplementedError.
"""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

CHANNEL_INVERSE_SCALING = 0.5415


# ------------------------------------------------------------------------------------- quantammsim's maths


def memory_days(lamb, chunk_period):
    return (2.0 * chunk_period / 1440.0) * jnp.cbrt(6.0 * lamb / (1.0 - lamb) ** 3)


def lamb_from_days(days, chunk_period):
    """quantammsim's closed form of the inverse (no guards: it cancels for long memories at short chunks)."""
    m = 1440.0 * days / (2.0 * chunk_period)
    s = m**3 / 6.0
    a = jnp.cbrt(jnp.sqrt(3.0 * (27.0 * s**4 + 4.0 * s**3)) - 9.0 * s**2)
    lamb = a / (2.0 ** (1.0 / 3.0) * 3.0 ** (2.0 / 3.0) * s) - (2.0 / 3.0) ** (1.0 / 3.0) / a + 1.0
    return jnp.where(days == 0, 0.0, lamb)


def lamb_from_days_numpy(days, chunk_period):
    """The same closed form in NumPy, guarded as quantammsim's NumPy version is (NaN -> 0, +inf -> 1)."""
    with np.errstate(all="ignore"):
        m = 1440.0 * np.asarray(days, dtype=np.float64) / (2.0 * chunk_period)
        s = m**3 / 6.0
        a = np.cbrt(np.sqrt(3.0 * (27.0 * s**4 + 4.0 * s**3)) - 9.0 * s**2)
        lamb = a / (2.0 ** (1.0 / 3.0) * 3.0 ** (2.0 / 3.0) * s) - (2.0 / 3.0) ** (1.0 / 3.0) / a + 1.0
    return np.nan_to_num(np.where(m == 0, 0.0, lamb), nan=0.0, posinf=1.0, neginf=0.0)


def squareplus(x):
    return 0.5 * (x + jnp.sqrt(x * x + 4.0))


def lamb_cap(run_fingerprint):
    return lamb_from_days(run_fingerprint["max_memory_days"], run_fingerprint["chunk_period"])


def capped_lamb(params, run_fingerprint):
    return jnp.clip(jax.nn.sigmoid(params["logit_lamb"]), 0.0, lamb_cap(run_fingerprint))


def clipped_days(lamb, run_fingerprint):
    return jnp.clip(memory_days(lamb, run_fingerprint["chunk_period"]), 0.0, run_fingerprint["max_memory_days"])


def calc_k(params, days):
    if "log_k" in params:
        return 2.0 ** params["log_k"] * days
    if "absolute_k" in params:
        return params["absolute_k"]
    return params["k"] * days


def channel_k(params, days):
    return squareplus(params["sp_k"]) * days if "sp_k" in params else calc_k(params, days)


def normalise(signal, k, mask_zero_k=True):
    offset = jnp.sum(k * signal, axis=-1, keepdims=True) / jnp.sum(k, axis=-1, keepdims=True)
    out = k * (signal - offset)
    return jnp.where(k == 0, 0.0, out) if mask_zero_k else out


def gradient_step(carry, price, lamb):
    """E ← E + (x − E)/G; a ← λa + G(x − E_new); flush |a| < 1e-10; g = a / (b·E_new)."""
    G = 1.0 / (1.0 - lamb)
    ewma = carry["ewma"] + (price - carry["ewma"]) / G
    running_a = lamb * carry["running_a"] + G * (price - ewma)
    running_a = jnp.where(jnp.abs(running_a) < 1e-10, 0.0, running_a)
    return {"ewma": ewma, "running_a": running_a}, running_a / (lamb / (1.0 - lamb) ** 3 * ewma)


def pre_exp_scaling(params, run_fingerprint):
    if not run_fingerprint["use_pre_exp_scaling"]:
        return 0.5
    if "sp_pre_exp_scaling" in params:
        return squareplus(params["sp_pre_exp_scaling"])
    if "logit_pre_exp_scaling" in params:
        return jax.nn.sigmoid(params["logit_pre_exp_scaling"])
    if "raw_pre_exp_scaling" in params:
        return 2.0 ** params["raw_pre_exp_scaling"]
    return 0.5


def power(g, psi, exponents):
    return jnp.sign(g) * jnp.abs(g / (2.0 * psi)) ** exponents


def chunk_scan(step, carry0, chunks):
    return jax.lax.scan(step, carry0, chunks)[1]


# ------------------------------------------------------------------------------------------------ pools


class TFMMBasePool:
    """The base class: capability detection by method identity; its scan step raises NotImplementedError."""

    _rule_outputs_are_weights = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        jax.tree_util.register_pytree_node(cls, lambda pool: ((), None), lambda aux, children: cls())

    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None):
        raise NotImplementedError

    def calculate_rule_output_step(self, carry, price, params, run_fingerprint):
        raise NotImplementedError(f"{type(self).__name__} has no scan path")

    def get_initial_rule_state(self, initial_price, params, run_fingerprint):
        raise NotImplementedError(f"{type(self).__name__} has no scan path")

    def supports_vectorized_path(self):
        return type(self).calculate_rule_outputs is not TFMMBasePool.calculate_rule_outputs

    def supports_scan_path(self):
        return type(self).calculate_rule_output_step is not TFMMBasePool.calculate_rule_output_step


class MomentumPool(TFMMBasePool):
    """Δ = normalise(g, k) on the proportional gradient g."""

    def get_initial_rule_state(self, initial_price, params, run_fingerprint):
        return {"ewma": initial_price, "running_a": jnp.zeros_like(initial_price)}

    @partial(jax.jit, static_argnums=(4,))
    def calculate_rule_output_step(self, carry, price, params, run_fingerprint):
        lamb = capped_lamb(params, run_fingerprint)
        carry, g = gradient_step(carry, price, lamb)
        return carry, normalise(g, calc_k(params, clipped_days(lamb, run_fingerprint)))

    def _gradients(self, params, run_fingerprint, prices):
        chunks = prices[:: run_fingerprint["chunk_period"]]
        lamb = capped_lamb(params, run_fingerprint)
        carry0 = {"ewma": chunks[0], "running_a": jnp.zeros_like(chunks[0])}
        return chunk_scan(lambda c, x: gradient_step(c, x, lamb), carry0, chunks[1:])

    def _days(self, params, run_fingerprint):  # vectorized rules: the uncapped λ, then the days clipped
        return clipped_days(jax.nn.sigmoid(params["logit_lamb"]), run_fingerprint)

    def _outputs(self, params, run_fingerprint, prices, sign):
        g = self._gradients(params, run_fingerprint, prices)
        return normalise(g, sign * calc_k(params, self._days(params, run_fingerprint)))

    @partial(jax.jit, static_argnums=(2,))
    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None):
        return self._outputs(params, run_fingerprint, prices, 1.0)


class AntiMomentumPool(MomentumPool):
    """Vectorized: normalise(g, −k). The scan step is Momentum's, inherited unchanged (+normalise(g, k))."""

    @partial(jax.jit, static_argnums=(2,))
    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None):
        return self._outputs(params, run_fingerprint, prices, -1.0)


class PowerChannelPool(MomentumPool):
    """σ = sign(g)·|g/(2ψ)|^e, e = max(sp(sp_exponents), 1); Δ = normalise(σ, k) (no k == 0 mask)."""

    def _signal(self, g, params, run_fingerprint):
        exponents = jnp.maximum(squareplus(params["sp_exponents"]), 1.0)
        return power(g, pre_exp_scaling(params, run_fingerprint), exponents)

    @partial(jax.jit, static_argnums=(4,))
    def calculate_rule_output_step(self, carry, price, params, run_fingerprint):
        lamb = capped_lamb(params, run_fingerprint)
        carry, g = gradient_step(carry, price, lamb)
        k = channel_k(params, clipped_days(lamb, run_fingerprint))
        return carry, normalise(self._signal(g, params, run_fingerprint), k, mask_zero_k=False)

    @partial(jax.jit, static_argnums=(2,))
    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None):
        g = self._gradients(params, run_fingerprint, prices)
        k = channel_k(params, self._days(params, run_fingerprint))
        return normalise(self._signal(g, params, run_fingerprint), k, mask_zero_k=False)


class MeanReversionChannelPool(PowerChannelPool):
    """σ = −A·env·(u − u³/6)/0.5415 + (1 − env)·sign(g)·|g/(2ψ)|^e, env = exp(−g²/(2ω²)), u = πg/(3ω)."""

    def _signal(self, g, params, run_fingerprint):
        days = clipped_days(capped_lamb(params, run_fingerprint), run_fingerprint)
        amplitude = (squareplus(params["sp_amplitude"]) if "sp_amplitude" in params
                     else 2.0 ** params["log_amplitude"]) * days
        width = squareplus(params["sp_width"]) if "sp_width" in params else 2.0 ** params["raw_width"]
        envelope = jnp.exp(-(g**2) / (2.0 * width**2))
        u = jnp.pi * g / (3.0 * width)
        channel = -amplitude * envelope * (u - u**3 / 6.0) / CHANNEL_INVERSE_SCALING
        trend = (1.0 - envelope) * power(g, pre_exp_scaling(params, run_fingerprint), squareplus(params["sp_exponents"]))
        return channel + trend


class DifferenceMomentumPool(MomentumPool):
    """Vectorized: signal 1 − E₂/E₁ of the EWMA pair (memory_days_1, memory_days_2), k_eff = k·max(md1, md2).
    No scan step of its own: Momentum's (on logit_lamb, with Momentum's carry)."""

    @partial(jax.jit, static_argnums=(2,))
    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None):
        c, cap = run_fingerprint["chunk_period"], lamb_cap(run_fingerprint)
        md1, md2 = params["memory_days_1"], params["memory_days_2"]
        lambs = [jnp.clip(lamb_from_days(jnp.maximum(md, 0.0), c), 0.0, cap) for md in (md1, md2)]
        chunks = prices[::c]

        def step(carry, x):
            new = [lamb * e + (1.0 - lamb) * x for lamb, e in zip(lambs, carry)]
            return new, new

        e1, e2 = chunk_scan(step, [chunks[0], chunks[0]], chunks[1:])
        return normalise(1.0 - e2 / e1, params["k"] * jnp.maximum(md1, md2))


class MinVariancePool(TFMMBasePool):
    """Weight rule, vectorized only: target = (1/var)/Σ(1/var) of the EWMA variance of chunk returns (row 0: a
    placeholder variance of 1.0)."""

    _rule_outputs_are_weights = True

    @partial(jax.jit, static_argnums=(2,))
    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None):
        cap = float(lamb_from_days_numpy(run_fingerprint["max_memory_days"], run_fingerprint["chunk_period"]))
        lamb = jnp.clip(lamb_from_days(params["memory_days_1"], run_fingerprint["chunk_period"]), 0.0, cap)
        chunks = prices[:: run_fingerprint["chunk_period"]]
        returns = (chunks[1:] - chunks[:-1]) / chunks[:-1]
        G = 1.0 / (1.0 - lamb)

        def step(carry, r):
            ewma, big_v = carry
            d_old = r - ewma
            ewma = ewma + d_old / G
            big_v = lamb * big_v + d_old * d_old * (1.0 - 1.0 / G)
            return (ewma, big_v), (1.0 - lamb) * big_v

        variances = chunk_scan(step, (returns[0], jnp.zeros_like(returns[0])), returns[1:])
        variances = jnp.concatenate([jnp.ones_like(returns[:1]), variances])
        precision = 1.0 / variances
        return precision / jnp.sum(precision, axis=-1, keepdims=True)


POOLS = {"MomentumRule": MomentumPool, "AntiMomentumRule": AntiMomentumPool, "PowerChannelRule": PowerChannelPool,
         "ChannelFollowingRule": MeanReversionChannelPool, "DifferenceMomentumRule": DifferenceMomentumPool,
         "MinimumVarianceRule": MinVariancePool}


class QuantammsimStyleMomentum(MomentumPool):
    """MomentumPool under the name the README's `--pool` example uses."""
