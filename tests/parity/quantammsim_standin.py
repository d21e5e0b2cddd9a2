"""A stand-in for a third-party pool written against quantammsim's public interface (written for these
tests from the interface description, not taken from quantammsim): a plain dict run fingerprint read with
fp["chunk_period"], parameters under quantammsim's names with shape (n,), minute prices, and quantammsim's
own momentum arithmetic (gradient 1e-10 flush, k-weighted normalisation). It knows nothing of parity."""

import jax
import jax.numpy as jnp


def _memory_days(lamb, chunk_period):
    return (2.0 * chunk_period / 1440.0) * jnp.cbrt(6.0 * lamb / (1.0 - lamb) ** 3)


class QuantammsimStyleMomentum:
    """Momentum: E ← E + (x − E)/G; a ← λa + G(x − E); flush |a| < 1e-10; g = a/(b·E); Δ = k(g − Σkg/Σk)."""

    def _lamb_k(self, params, run_fingerprint):
        lamb = jax.nn.sigmoid(params["logit_lamb"])
        days = jnp.clip(_memory_days(lamb, run_fingerprint["chunk_period"]), 0.0, run_fingerprint["max_memory_days"])
        return lamb, 2.0 ** params["log_k"] * days

    def get_initial_rule_state(self, initial_price, params, run_fingerprint):
        return {"ewma": initial_price, "running_a": jnp.zeros_like(initial_price)}

    def calculate_rule_output_step(self, carry, price, params, run_fingerprint):
        lamb, k = self._lamb_k(params, run_fingerprint)
        G = 1.0 / (1.0 - lamb)
        ewma = carry["ewma"] + (price - carry["ewma"]) / G
        running_a = lamb * carry["running_a"] + G * (price - ewma)
        running_a = jnp.where(jnp.abs(running_a) < 1e-10, 0.0, running_a)
        gradient = running_a / (lamb / (1.0 - lamb) ** 3 * ewma)
        offset = jnp.sum(k * gradient) / jnp.sum(k)
        return {"ewma": ewma, "running_a": running_a}, k * (gradient - offset)

    def calculate_rule_outputs(self, params, run_fingerprint, prices, additional_oracle_input=None):
        chunks = prices[:: run_fingerprint["chunk_period"]]

        def body(carry, price):
            return self.calculate_rule_output_step(carry, price, params, run_fingerprint)

        return jax.lax.scan(body, self.get_initial_rule_state(chunks[0], params, run_fingerprint), chunks[1:])[1]


class SignFlippedMomentum(QuantammsimStyleMomentum):
    """The same pool with a bug: the scan step's output has the wrong sign (what quantammsim's own
    AntiMomentum scan step does, the other way round)."""

    def calculate_rule_output_step(self, carry, price, params, run_fingerprint):
        carry, out = super().calculate_rule_output_step(carry, price, params, run_fingerprint)
        return carry, -out
