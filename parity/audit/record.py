"""`parity audit --record FIXTURE`: the audited history as a pool-level golden fixture (docs/audit.md).

The file is a `parity-golden-pool-fixture` of version 1 with every key a pool-level recording has, filled from
the chain: the rule and its parameters from the runner's views, the fingerprint (one price per update, the
update interval in minutes), the oracle values each update received as the price rows (row 0 repeats row 1:
an audit starts from the chain's state, not from a price), the state before the first update as `initial`,
per update the chain block, time, state, weights, multipliers, stored W, M and times, the two samples, gas and
events. The rule's identity is the SHA-256 of its runtime code (no source is known).

One optional top-level key extends the format: `audit`, the history the checks need beyond `per_block` (the
registrations, the state at b − 1 of every update, the oracle reads, the same-block and other state changes;
parity.audit.history). `parity replay` re-runs the audit's checks from it, without a node.
"""

from __future__ import annotations

from parity.audit.history import AuditHistory
from parity.chain.production import ZERO_ADDRESS


def _contracts(h: AuditHistory, contract: str) -> dict:
    e = h.epochs[0]
    where = f"chain {h.chain_id}"

    def entry(name, address):
        return {"contract": name, "source": f"on {where} at {address}", "compiler_version": "unknown (deployed code)",
                "source_hash": h.codes.get(address, "")}

    return {"runner": entry("UpdateWeightRunner", e.runner), "pool": entry("QuantAMMWeightedPool", h.pool),
            "rule": entry(contract, e.rule_address)}


def _stack(h: AuditHistory, result, contract: str) -> dict:
    e, u = h.epochs[0], h.updates[0]
    addresses = {"runner": e.runner, "pool": h.pool, "rule": e.rule_address, "driver": u.caller,
                 "oracles": [list(per) for per in e.oracles], "admin": e.admin, "deployer": ZERO_ADDRESS,
                 "pool_manager": e.pool_manager, "vault": ZERO_ADDRESS}
    return {"backend": "rpc", "start_timestamp": u.timestamp - 1, "addresses": addresses,
            "update_interval_s": e.interval, "staleness_threshold": h.staleness,
            "backups": [len(per) - 1 for per in e.oracles], "actions": e.actions,
            "samples_per_interval": result.pool["samples_per_interval"], "update_jitter": 0, "jitter_seed": "0",
            "compiler_profile": "legacy", "contracts": _contracts(h, contract)}


def audit_fixture(h: AuditHistory, result, *, file: str = "<record>") -> dict:
    """The fixture dict of an audited history and its check (validated as a pool-level fixture)."""
    from parity.fixtures.format import content_hash, floats, ints, parameters_entry
    from parity.fixtures.pool import POOL_FORMAT, POOL_FORMAT_VERSION, block_entry, validate_pool

    smap, m = result.state_map, result.mapped
    initial = {"price": ints(result.prices_wei[0]),
               **{k: ints(result.initial[k]) for k in (smap.moving_average_key, smap.init_key, "weights")}}
    data = {
        "format": POOL_FORMAT, "format_version": POOL_FORMAT_VERSION, "level": "pool", "rule": h.epochs[0].rule,
        "contract": result.contract, "n_assets": h.n, "blocks": len(result.block_ids),
        "fingerprint": m.fingerprint.to_dict(), "parameters": parameters_entry(m),
        "prices": {"inline": [floats([int(x) / 10**18 for x in r]) for r in [result.prices_wei[0], *result.prices_wei]],
                   "columns": [f"asset{i}" for i in range(h.n)], "interval_minutes": int(m.fingerprint.price_interval)},
        "initial": initial,
        "contract_artifact": {"contract_name": result.contract, "compiler_version": "unknown (deployed code)",
                              "source_hash": h.epochs[0].rule_code_sha256},
        "stack": _stack(h, result, result.contract),
        "per_block": [block_entry(result, row, k) for row, k in enumerate(result.block_ids)],
        "audit": h.to_json(),
    }
    data["content_sha256"] = content_hash(data)
    validate_pool(data, file=file)
    return data


def write_audit_fixture(h: AuditHistory, result, path):
    """Write the fixture; UsageError (nothing written) when the history cannot be one (e.g. parameters the
    simulator's float encoding does not reproduce)."""
    from parity.errors import UsageError
    from parity.fixtures.format import FixtureError, write_fixture

    try:
        data = audit_fixture(h, result, file=str(path))
    except FixtureError as e:
        raise UsageError(f"--record {path}: this history cannot be written as a pool-level fixture: {e.field}: {e.problem}") from None
    return write_fixture(data, path)
