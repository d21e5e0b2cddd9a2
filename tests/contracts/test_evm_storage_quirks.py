"""Storage packing (raw words for odd and even n), unpacking preconditions, initialisation reasons and
the documented quirks of docs/storage.md and docs/arithmetic.md §4–§5 — each on the EVM and on the exact integer model."""

from __future__ import annotations

import pytest

from parity.fixedpoint import guard, sd59x18
from parity.fixedpoint.rules import make_model

from evm_rule_io import evm_initialise, evm_state, evm_update, fresh_pool, model_state, model_update, outcome

E = 10**18
MAX128, MIN128 = 2**127 - 1, -(2**127)
NAMES = {"momentum": "Momentum", "anti_momentum": "AntiMomentum", "power_channel": "PowerChannel",
         "mean_reversion_channel": "ChannelFollowing", "difference_momentum": "DifferenceMomentum",
         "min_variance": "MinimumVariance"}


def pair_word(hi: int, lo: int) -> int:
    """docs/storage.md: hi in the upper 128 bits, lo's two's complement in the lower 128, read as a signed int256."""
    word = ((hi % 2**128) << 128) | (lo % 2**128)
    return word - 2**256 if word >= 2**255 else word


def packed(values: list[int], *, tail_high_zero: bool) -> list[int]:
    """Expected words: whole-array packer (sign-extended tail) or per-update writer ((0, x) tail)."""
    words = [pair_word(values[i], values[i + 1]) for i in range(0, len(values) - 1, 2)]
    if len(values) % 2:
        words.append(pair_word(0, values[-1]) if tail_high_zero else values[-1])
    return words


class Both:
    """One rule deployed on revm and its model, sharing a fresh pool key."""

    def __init__(self, chain, rules, rule, pool=None):
        self.chain, self.contract, self.rule = chain, rules[rule], rule
        self.runner = chain.accounts[0]
        self.model = make_model(rule, self.runner)
        self.pool = pool or fresh_pool()

    def initialise(self, mas, init, n, sender=None):
        sender = sender or self.runner
        e = outcome(lambda: evm_initialise(self.chain, self.contract, self.pool, mas, init, n, sender=sender))
        m = outcome(lambda: self.model.initialise(self.pool, mas, init, n, sender=sender))
        assert e == m
        return e

    def update(self, prev, data, params, lambdas, eps=E // 10, g=E // 20, sender=None):
        sender = sender or self.runner
        args = (prev, data, self.pool, params, lambdas, eps, g)
        e = outcome(lambda: evm_update(self.chain, self.contract, *args, sender=sender))
        m = outcome(lambda: model_update(self.model, *args, sender))
        assert e == m
        return e

    def call(self, fn, args, model_fn):
        e = outcome(lambda: self.chain.call(self.contract, fn, args))
        m = outcome(lambda: model_fn(*args))
        assert e == m
        return e

    def words(self, mapping, k):
        model_fn = self.model.moving_averages_word if mapping == "movingAverages" else self.model.short_moving_averages
        return [self.call(mapping, [self.pool, i], model_fn)[1] for i in range(k)]

    def state(self, n):
        e = evm_state(self.chain, self.contract, self.rule, self.pool, n)
        assert e == model_state(self.model, self.rule, self.pool, n)
        return e


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_moving_average_words_per_update_writer_vs_whole_array_packer(revm_chain, revm_rules, n):
    mas = [(-1) ** (i + 1) * (2 * i + 3) * E for i in range(n)]  # -3, 5, -7, 9, -11 (e18)
    data = [E] * n
    new = [mas[i] // 2 + E // 2 for i in range(n)]  # λ = 0.5: both products are exact
    mom = Both(revm_chain, revm_rules, "momentum")
    var = Both(revm_chain, revm_rules, "min_variance")
    for side, init in ((mom, [0] * n), (var, [E] * n)):
        assert side.initialise(mas, init, n) == ("ok", None)
        assert side.words("movingAverages", (n + 1) // 2) == packed(mas, tail_high_zero=False)
        assert side.update([E // n] * (n - 1) + [E - (n - 1) * (E // n)], data, [[E]], [E // 2])[0] == "ok"
        assert side.call("getMovingAverages", [side.pool, n], side.model.get_moving_averages) == ("ok", new)
    # Momentum rewrites p̄ word by word with a (0, x) tail; MinimumVariance repacks the whole array
    assert mom.words("movingAverages", (n + 1) // 2) == packed(new, tail_high_zero=True)
    assert var.words("movingAverages", (n + 1) // 2) == packed(new, tail_high_zero=False)


def test_short_moving_average_words_are_whole_array_packed(revm_chain, revm_rules):
    dm = Both(revm_chain, revm_rules, "difference_momentum")
    assert dm.initialise([E, 2 * E, 3 * E], [-E, 2 * E, -3 * E], 3) == ("ok", None)
    assert dm.words("shortMovingAverages", 2) == packed([-E, 2 * E, -3 * E], tail_high_zero=False)
    assert dm.update([E // 3, E // 3, E - 2 * (E // 3)], [E, E, E], [[E], [E // 2]], [E // 2])[0] == "ok"
    assert dm.words("shortMovingAverages", 2) == packed([0, 3 * E // 2, -E], tail_high_zero=False)


@pytest.mark.parametrize(
    "mas,n,expected",
    [
        ([MAX128, MIN128], 2, ("ok", None)),
        ([MAX128 + 1, 0], 2, ("revert", "Overflow")),
        ([0, MIN128 - 1], 2, ("revert", "Underflow")),
        ([0, 0, MAX128 + 1], 3, ("revert", "Last array element overflow")),
        ([0, 0, MIN128 - 1], 3, ("revert", "Last array element overflow")),
        ([MIN128, 0, MIN128], 3, ("ok", None)),
        ([], 0, ("revert", "LEN0")),
        ([E], 1, ("revert", "Panic(0x11)")),
        ([E, E], 3, ("revert", "Invalid set moving avg")),
    ],
)
def test_initialise_range_and_length_reasons(revm_chain, revm_rules, mas, n, expected):
    both = Both(revm_chain, revm_rules, "momentum")
    assert both.initialise(mas, [0] * n, n) == expected
    if expected[0] == "ok":
        assert both.call("getMovingAverages", [both.pool, n], both.model.get_moving_averages) == ("ok", mas)


@pytest.mark.parametrize("rule,reason", [
    ("momentum", "Invalid set gradient"), ("power_channel", "Invalid set gradient"),
    ("mean_reversion_channel", "Invalid set gradient"), ("min_variance", "Invalid set variance"),
    ("difference_momentum", "Invalid initial values"),
])
def test_initialise_rule_state_reasons_and_authorisation(revm_chain, revm_rules, rule, reason):
    pool_account = revm_chain.accounts[2]
    both = Both(revm_chain, revm_rules, rule, pool=pool_account)
    stranger = revm_chain.accounts[3]
    assert both.initialise([E, E], [E, E], 2, sender=stranger) == ("revert", "UNAUTH")
    assert both.initialise([E, E], [E], 2) == ("revert", reason)
    assert both.initialise([E, E], [E, E], 2, sender=pool_account) == ("ok", None)  # the pool itself may
    # a stored 1-word state cannot be re-initialised for 4 assets (2 words), except DifferenceMomentum
    expected = ("ok", None) if rule == "difference_momentum" else ("revert", reason)
    assert both.initialise([E] * 4, [E] * 4, 4) == expected
    assert both.initialise([2 * E, 3 * E], [E, E], 2) == ("ok", None)  # same size re-initialises
    assert both.state(2)["getMovingAverages"] == ("ok", [2 * E, 3 * E])


def test_unpack_preconditions(revm_chain, revm_rules):
    two = Both(revm_chain, revm_rules, "momentum")
    assert two.initialise([5 * E, 7 * E], [0, 0], 2) == ("ok", None)
    get = lambda b, n: b.call("getMovingAverages", [b.pool, n], b.model.get_moving_averages)  # noqa: E731
    assert get(two, 3) == ("revert", "SRC!=TGT")
    assert get(two, 1) == ("ok", [7 * E])  # a smaller odd n reads the low half of the last word
    four = Both(revm_chain, revm_rules, "momentum")
    assert four.initialise([1 * E, 2 * E, 3 * E, 4 * E], [0] * 4, 4) == ("ok", None)
    assert get(four, 2) == ("revert", "Panic(0x32)")  # extra words overflow the smaller target
    assert get(four, 3) == ("ok", [1 * E, 2 * E, 4 * E])  # succeeds with nonsense
    fresh = Both(revm_chain, revm_rules, "momentum")
    thirds = [E // 3, E // 3, E - 2 * (E // 3)]
    assert fresh.update(thirds, [E] * 3, [[E]], [E // 2]) == ("revert", "SRC!=TGT")


def test_calculate_new_weights_authorisation(revm_chain, revm_rules):
    both = Both(revm_chain, revm_rules, "anti_momentum")
    assert both.initialise([E, E], [0, 0], 2) == ("ok", None)
    before = both.state(2)
    assert both.update([E // 2, E // 2], [2 * E, E], [[E]], [E // 2], sender=revm_chain.accounts[1]) == (
        "revert", "UNAUTH_CALC")
    assert both.state(2) == before


def test_difference_momentum_gradient_getter_always_reverts(revm_chain, revm_rules):
    both = Both(revm_chain, revm_rules, "difference_momentum")
    assert both.initialise([E, E, E], [E, E, E], 3) == ("ok", None)
    assert both.update([E // 3, E // 3, E - 2 * (E // 3)], [2 * E, E, E], [[E], [E // 2]], [E // 2])[0] == "ok"
    for n in (1, 2, 3):
        assert both.state(n)["getIntermediateGradientState"] == ("revert", "SRC!=TGT")


def _variance_after_jump(lam: int, a0: int, pma: int, p: int) -> int:
    """A(t) of docs/arithmetic.md §3 for one asset, in the library's arithmetic (checked by the Appendix A vectors)."""
    ma = sd59x18.mul(pma, lam) + sd59x18.mul(p, E - lam)
    return sd59x18.mul(lam, a0) + sd59x18.mul(p - pma, p - ma)


def test_min_variance_scalar_lambda_odd_n_silent_wrap(revm_chain, revm_rules):
    lam = 9999 * E // 10000
    a0 = [E, E, MAX128 - 10**20]
    mas, data = [E, E, E], [E, E + E // 10, 10**9 * E]  # the third asset jumps to 1e9: A_2 leaves int128
    exact = _variance_after_jump(lam, a0[2], E, data[2])
    assert exact > MAX128
    wrapped = (exact + 2**127) % 2**128 - 2**127
    thirds = [E // 3, E // 3, E - 2 * (E // 3)]
    scalar = Both(revm_chain, revm_rules, "min_variance")
    assert scalar.initialise(mas, a0, 3) == ("ok", None)
    assert scalar.update(thirds, data, [[E // 2]], [lam])[0] == "ok"
    assert scalar.state(3)["getIntermediateVarianceState"][1][2] == wrapped
    vector = Both(revm_chain, revm_rules, "min_variance")
    assert vector.initialise(mas, a0, 3) == ("ok", None)
    assert vector.update(thirds, data, [[E // 2]], [lam] * 3) == ("revert", "Overflow")
    assert vector.state(3)["getIntermediateVarianceState"] == ("ok", a0)


def test_min_variance_zero_variance_reverts_without_state_change(revm_chain, revm_rules):
    both = Both(revm_chain, revm_rules, "min_variance")
    assert both.initialise([E, 2 * E], [0, 0], 2) == ("ok", None)
    before = both.state(2)
    assert both.update([E // 2, E // 2], [E, 3 * E], [[E // 2]], [E // 2]) == ("revert", "Panic(0x12)")
    assert both.state(2) == before


@pytest.mark.parametrize("weights,g,expected", [
    ([E // 20, 45 * E // 100, E // 2], E // 10, [E // 10, 426315789473684210, 473684210526315789]),
    ([-E // 10, E // 2, 6 * E // 10], E // 10, [E // 10, 409090909090909091, 490909090909090909]),
    ([E // 10] * 3, E // 10, [E // 10] * 3),  # equal to MIN: counted but not rescaled
    ([0, 0, 0], E // 10, [E // 10] * 3),  # all clamped to MIN: O = 0, no rescale
    ([101 * E // 1000, 95 * E // 100, 95 * E // 100, 0], E // 10,
     [60559626915389740, 419720186542305130, 419720186542305130, E // 10]),  # one pass: w0 ends below MIN
    ([E // 2, E // 2 - 2], E // 10, [500000000000000001, 499999999999999999]),  # always renormalises (f = 1e18+2)
])
def test_clamp_quirks(tester_chain, tester_harness, weights, g, expected):
    assert tester_chain.call(tester_harness, "clampWeights", [weights, g]) == expected
    assert guard.clamp_weights(weights, g) == expected


@pytest.mark.parametrize("weights,prev,eps,g,expected", [
    # MIN-equal weights keep a sum of 0.3; after the ε limit the +0.3 residual goes to the second largest
    ([E // 10] * 3, [333333333333333333, 333333333333333333, 333333333333333334], E // 10, E // 10,
     [533333333333333333, 233333333333333333, 233333333333333334]),
])
def test_guard_residual_quirk(tester_chain, tester_harness, weights, prev, eps, g, expected):
    assert tester_chain.call(tester_harness, "guardWeights", [weights, prev, eps, g]) == expected
    assert guard.guard_weights(weights, prev, eps, g) == expected


@pytest.mark.parametrize("rule", list(NAMES))
def test_names_and_descriptions(revm_chain, revm_rules, rule):
    contract = revm_rules[rule]
    assert revm_chain.call(contract, "name") == NAMES[rule] == make_model(rule, revm_chain.accounts[0]).name
    assert len(revm_chain.call(contract, "parameterDescriptions", [0])) > 10


def test_public_array_getter_out_of_range_reverts_with_empty_data(tester_chain, tester_rules):
    """Solidity's generated getter reverts without data for an index past the end (not Panic(0x32))."""
    contract = tester_rules["momentum"]
    model = make_model("momentum", tester_chain.accounts[0])
    pool = fresh_pool()
    for i in (0, 1):
        assert outcome(lambda: tester_chain.call(contract, "movingAverages", [pool, i])) == ("revert", "")
    evm_initialise(tester_chain, contract, pool, [E, E, E], [0, 0, 0], 3)
    model.initialise(pool, [E, E, E], [0, 0, 0], 3, sender=tester_chain.accounts[0])
    for i, want in ((1, ("ok", E)), (2, ("revert", ""))):
        assert outcome(lambda: tester_chain.call(contract, "movingAverages", [pool, i])) == want
        assert outcome(lambda: model.moving_averages_word(pool, i)) == want


@pytest.mark.parametrize("mas,n,reason", [
    ([MIN128 - 1, MAX128 + 1], 2, "Overflow"),  # both halves are checked for "Overflow" before "Underflow"
    ([MAX128 + 1, 0, MAX128 + 1], 3, "Last array element overflow"),  # the odd tail is checked before the pairs
    ([MAX128 + 1], 1, "Last array element overflow"),  # ... and before the checked n - 2 (Panic(0x11))
])
def test_packer_revert_precedence(revm_chain, revm_rules, mas, n, reason):
    """Where two packer checks fail at once, the contracts follow the deployed packer's order
    (docs/storage.md), and the model must agree."""
    assert Both(revm_chain, revm_rules, "momentum").initialise(mas, [0] * n, n) == ("revert", reason)


def test_guard_epsilon_equality_is_not_scaled(tester_chain, tester_harness):
    """max|Δ| = ε exactly (in wei and in float64): no scaling on chain, in the integer model and in the
    simulator, bit for bit (0.592 − 0.242 = 0.35 exactly in float64, while 0.415 + (0.076 − 0.415) ≠ 0.076:
    a `>=` in the simulator's comparison would return the latter; tests/parity/test_epsilon_equality.py)."""
    import numpy as np

    from parity.harness.mapping import from_wei_array
    from parity.weights.guardrails import guard_weights as jax_guard

    prev, v, eps, g = [242 * E // 1000, 415 * E // 1000, 343 * E // 1000], [592 * E // 1000, 76 * E // 1000,
                                                                              332 * E // 1000], 35 * E // 100, E // 100
    assert max(abs(a - b) for a, b in zip(v, prev)) == eps
    assert tester_chain.call(tester_harness, "guardWeights", [v, prev, eps, g]) == v
    assert guard.guard_weights(v, prev, eps, g) == v
    simulated = np.asarray(jax_guard(from_wei_array(v), from_wei_array(prev), 0.35, 0.01))
    assert simulated.tobytes() == np.asarray(from_wei_array(v), dtype=np.float64).tobytes()
