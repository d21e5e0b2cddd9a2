"""Drive a production stack on the EVM and its ProductionModel through the same calls and compare
everything after each one: outcome (events or revert reason), stored W/M/times, raw words, runner state
and the rule's state getters."""

from __future__ import annotations

from typing import Any, Callable

from parity.chain import ContractRevert, TxResult
from parity.chain import production as prod
from parity.fixedpoint.errors import Revert
from parity.fixedpoint.production import ProductionModel

from evm_rule_io import evm_state, model_state

E = 10**18


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", value) or ("revert", reason); UpdateResult/ModelTx become their events."""
    try:
        value = fn()
    except (ContractRevert, Revert) as exc:
        return ("revert", exc.reason)
    if hasattr(value, "events"):
        value = value.events
    elif value is None:
        value = []
    if isinstance(value, tuple):
        value = list(value)
    return ("ok", value)


class Lockstep:
    """One stack on the chain and its model, compared after every operation."""

    def __init__(self, chain, artifacts, rule: str, where: str = "", *, register: bool = True, **kw):
        self.chain = chain
        self.rule = rule
        self.stack = prod.deploy_pool_stack(chain, rule, artifacts=artifacts, register=register, **kw)
        self.model = ProductionModel.from_stack(self.stack, register=register)
        self.where = where
        self.seen: list[str] = []
        if register:
            self.check_state("deploy")

    @property
    def n(self) -> int:
        return self.stack.n

    def both(self, what: str, chain_fn, model_fn, *, state: bool = True):
        e, m = outcome(lambda: self._events(chain_fn())), outcome(model_fn)
        assert e == m, f"{self.where} {what}: EVM {e} != model {m}"
        self.seen.append(f"{what.split()[0]}:{e[1] if e[0] == 'revert' else 'ok'}")
        if state:
            self.check_state(what)
        return e

    def _events(self, value):
        return prod.decode_events(self.stack, value) if isinstance(value, TxResult) else value

    def check_state(self, what: str) -> None:
        c, s, m = self.chain, self.stack, self.model
        got = (prod.read_pool(c, s), prod.read_words(c, s), prod.read_runner(c, s), prod.read_dynamic_data(c, s),
               outcome(lambda: c.call(s.runner, "getData", [s.pool.address])))
        want = (m.read_pool(), m.read_words(), m.read_runner(), m.read_dynamic_data(),
                outcome(lambda: m.get_data(s.pool.address, now=c.timestamp())))
        assert got == want, f"{self.where} {what}: pool state differs\nEVM   {got}\nmodel {want}"
        es = evm_state(c, s.rule, self.rule, s.pool.address, self.n)
        ms = model_state(m.rule, self.rule, s.pool.address.lower(), self.n)
        assert es == ms, f"{self.where} {what}: rule state differs\nEVM   {es}\nmodel {ms}"

    def tx(self, what: str, contract, fn: str, args, model_fn, *, sender=None, t=None, state: bool = True):
        """chain.transact(contract, fn, args) at t (default: next second) against model_fn(sender, t)."""
        sender = sender or self.stack.addresses.admin
        t = self.chain.timestamp() + 1 if t is None else t
        return self.both(what, lambda: self.chain.transact(contract, fn, args, sender=sender, timestamp=t),
                         lambda: model_fn(sender, t), state=state)

    def call(self, what: str, contract, fn: str, args, model_fn, *, sender=None):
        """chain.call (an eth_call at the latest block) against model_fn(latest timestamp)."""
        e = outcome(lambda: self.chain.call(contract, fn, list(args), sender=sender))
        m = outcome(lambda: model_fn(self.chain.timestamp()))
        assert e == m, f"{self.where} {what}: EVM {e} != model {m}"
        return e

    # ---- mirrored operations ----
    def update(self, t: int, prices=None, oracle_timestamp=None, sender=None):
        return self.both(
            f"performUpdate t={t}",
            lambda: prod.perform_update(self.chain, self.stack, t, prices=prices, oracle_timestamp=oracle_timestamp,
                                        sender=sender),
            lambda: self.model.perform_update(t, prices=prices, oracle_timestamp=oracle_timestamp, sender=sender),
        )

    def sample(self, t: int):
        return self.both(f"sample t={t}", lambda: prod.sample_weights(self.chain, self.stack, t),
                         lambda: self.model.sample_weights(t), state=False)

    def set_oracles(self, updates: dict, t: int):
        prod.set_oracles(self.chain, self.stack, updates, t)
        self.model.set_oracles(updates)

    def set_mode(self, asset: int, index: int, mode: str, t: int):
        prod.set_oracle_mode(self.chain, self.stack, asset, index, mode, t)
        self.model.set_oracle_mode(asset, index, mode)

    def set_weights_manually(self, values, last_interp: int, t: int, n=None, sender=None):
        return self.both(
            "setWeightsManually",
            lambda: prod.set_weights_manually(self.chain, self.stack, values, last_interp, n, tx_timestamp=t,
                                              sender=sender),
            lambda: self.model.set_weights_manually(values, last_interp, n, now=t, sender=sender),
        )

    def set_target_weights_manually(self, targets, interval: int, t: int, n=None, sender=None):
        return self.both(
            "setTargetWeightsManually",
            lambda: prod.set_target_weights_manually(self.chain, self.stack, targets, interval, n, tx_timestamp=t,
                                                     sender=sender),
            lambda: self.model.set_target_weights_manually(targets, interval, n, now=t, sender=sender),
        )

    def set_last_run(self, time: int, t: int, sender=None):
        return self.both(
            "InitialisePoolLastRunTime",
            lambda: prod.initialise_pool_last_run_time(self.chain, self.stack, time, tx_timestamp=t, sender=sender),
            lambda: self.model.initialise_pool_last_run_time(time, sender=sender),
        )

    def set_intermediate_values(self, mas, init, t: int, n=None, sender=None):
        return self.both(
            "setIntermediateValuesManually",
            lambda: prod.set_intermediate_values_manually(self.chain, self.stack, mas, init, n, tx_timestamp=t,
                                                          sender=sender),
            lambda: self.model.set_intermediate_values_manually(mas, init, n, sender=sender),
        )
