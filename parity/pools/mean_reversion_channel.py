"""Mean-reversion channel (on chain: ChannelFollowingRule, docs/arithmetic.md §4), float64.

With r the relative gradient and, per asset, width W, amplitude A, exponent E, inverse scaling h and
pre-exponent scaling S::

    env = exp(−r²/(2W²));  sc = π·r/(3W);  ch = −A·env·(sc − sc³/6)/h
    tr  = sign(r)·|r/(2S)|^E·(1 − env);  s = ch + tr;  w̃ = w + FINISH(s, κ)

Parameters (on-chain | seed style): ``kappa`` | ``sp_k``/``log_k``/``k`` (×memory_days); ``width`` |
``sp_width`` (sp) | ``raw_width`` (2^x); ``amplitude`` | ``sp_amplitude`` (sp·memory_days) |
``log_amplitude`` (2^x·memory_days); ``exponents`` | ``sp_exponents``/``raw_exponents`` (sp, not clipped);
``inverse_scaling`` (default 0.5415, quantammsim's constant); ``pre_exp_scaling`` | ``sp_pre_exp_scaling``
(sp) | ``logit_pre_exp_scaling`` (σ) | ``raw_pre_exp_scaling`` (2^x) (default 0.5); ``use_raw_price``.
The chain picks scalar or per-asset by κ's length and needs arrays [1]–[5] as long as κ, so if any of
the six is per-asset all six are broadcast to n. Chain layout: 7 arrays [κ],[W],[A],[E],[h],[S],[useRaw].
"""

import math

import jax.numpy as jnp

from parity.params import WAD, encode_array, squareplus
from parity.probes import probe
from parity.pools.common import (
    CHANNEL_INVERSE_SCALING,
    as_vector,
    broadcast_group,
    check_values,
    finish,
    gradient_series,
    gradient_step,
    pick,
    resolve_exponents,
    resolve_pre_exp_scaling,
    resolve_use_raw_price,
)
from parity.pools.momentum import GradientRulePool

CHANNEL_KEYS = ("kappa", "width", "amplitude", "exponents", "inverse_scaling", "pre_exp_scaling")


def channel_signal(r, cp):
    """ChannelFollowing signal s = channel + trend, in the chain's operation order."""
    width, amp, expo = cp["width"], cp["amplitude"], cp["exponents"]
    h, scale = cp["inverse_scaling"], cp["pre_exp_scaling"]
    env = probe("envelope", jnp.exp(-((r * r) / ((width * width) * 2.0))))
    sc = probe("scaled", (math.pi * r) / (width * 3.0))
    channel = probe("channel", -(((amp * env) * (sc - ((sc * sc) * sc) / 6.0)) / h))
    trend = (jnp.abs(r) / (scale * 2.0)) ** expo
    trend = probe("trend", jnp.where(r < 0, -trend, trend) * (1.0 - env))
    return probe("signal", channel + trend)


class MeanReversionChannelPool(GradientRulePool):
    """On-chain ChannelFollowing in float64, both paths."""

    rule = "mean_reversion_channel"
    chain_rule = "ChannelFollowingRule"
    chain_keys = ("lamb",) + CHANNEL_KEYS + ("use_raw_price",)
    uses_sp_k = True

    def _resolve(self, params, run_fingerprint):
        cp, days = self._resolve_common(params, run_fingerprint)
        key, value = pick(params, ["width", "sp_width", "raw_width"])
        if key is None:
            raise ValueError(f"{self.rule}: missing parameter: give one of ['width', 'sp_width', 'raw_width']")
        x = as_vector(value, key)
        cp["width"] = {"width": x, "sp_width": squareplus(x), "raw_width": 2.0**x}[key]
        key, value = pick(params, ["amplitude", "sp_amplitude", "log_amplitude"])
        if key is None:
            raise ValueError(f"{self.rule}: missing parameter: give one of ['amplitude', 'sp_amplitude', 'log_amplitude']")
        x = as_vector(value, key)
        cp["amplitude"] = {"amplitude": x, "sp_amplitude": squareplus(x) * days, "log_amplitude": 2.0**x * days}[key]
        cp["exponents"] = resolve_exponents(params, self.rule)
        h = params.get("inverse_scaling")
        cp["inverse_scaling"] = as_vector(CHANNEL_INVERSE_SCALING if h is None else h, "inverse_scaling")
        cp["pre_exp_scaling"], _ = resolve_pre_exp_scaling(params)
        cp["use_raw_price"] = resolve_use_raw_price(params)
        return broadcast_group(cp, CHANNEL_KEYS, run_fingerprint.n_assets)

    def _checks(self, cp, n):
        positive = [(k, lambda a: a > 0, f"{k} > 0") for k in CHANNEL_KEYS[1:]]
        check_values(cp, self.rule, self._common_checks() + positive)

    def _rule_step(self, carry, price, cp, oracle_row):
        carry, mean, grad = gradient_step(carry, price, cp["lamb"])
        signal = channel_signal(self._relative_gradient(price, mean, grad, cp), cp)
        return carry, finish(signal, cp["kappa"], +1.0)

    def _rule_series(self, carry0, prices, cp, oracle):
        states, means, grad = gradient_series(carry0, prices, cp["lamb"])
        signal = channel_signal(self._relative_gradient(prices, means, grad, cp), cp)
        return finish(signal, cp["kappa"], +1.0), states

    def _encode(self, cp, n):
        lengths = {k: cp[k].shape[0] for k in CHANNEL_KEYS}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"{self.rule}: channel parameter lengths {lengths} differ: all six must have kappa's length")
        parameters = [encode_array(cp[k], k) for k in CHANNEL_KEYS]
        parameters.append([WAD if self._raw_price_on(cp) else 0])
        return parameters, self._encode_lamb(cp["lamb"])

    def _decode(self, parameters, lambda_store, n):
        if len(parameters) != 7:
            raise ValueError(f"{self.rule}: parameters has {len(parameters)} arrays: ChannelFollowing takes exactly 7")
        out = {"lamb": self._decode_vec(lambda_store)}
        for k, row in zip(CHANNEL_KEYS, parameters[:6]):
            out[k] = self._decode_vec(row)
        out["use_raw_price"] = self._decode_flag(parameters[6], self.rule)
        return out
