"""`parity audit` and `parity verify --level pool --backend rpc` against a local hardhat node (started once for
the module, offline): a keeper's history of 50 updates on parity's reference stack (random prices, late keepers,
an oracle set a block early, stale primaries with fresh backups, a primary whose getData reverts, the admin's
setWeightsManually and setTargetWeightsManually in the middle), the same on a user's artifacts, a pool moved to
a runner whose rule is a broken build, record and replay, and every bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "chain"))

from chain_helpers import start_hardhat, stop_hardhat  # noqa: E402
from keeper import deploy, live  # noqa: E402
from pruned_proxy import PrunedProxy  # noqa: E402

from parity.cli import main  # noqa: E402
from parity.errors import EXIT_DIVERGENCE, EXIT_PARITY, EXIT_USAGE  # noqa: E402

pytestmark = pytest.mark.rpc

SPECIAL = {4: "earlier_block", 12: "stale_primary", 20: "failed_primary", 33: "earlier_block", 40: "stale_primary"}
MANUAL_AT = (25, 30)  # setWeightsManually after update 25, setTargetWeightsManually after update 30


@pytest.fixture(scope="module")
def node():
    proc, url = start_hardhat()
    try:
        yield url
    finally:
        stop_hardhat(proc)


@pytest.fixture(scope="module")
def chain(node):
    from parity.chain import make_chain

    return make_chain("rpc", url=node)


@pytest.fixture(scope="module")
def reference_life(chain):
    t0 = chain.timestamp() + 1000
    stack = deploy(chain, timestamp=t0)
    return live(chain, stack, updates=50, start=t0 + 2, manual_at=MANUAL_AT, special=SPECIAL)


def audit(capsys, url, pool, *args):
    code = main(["audit", "--rpc-url", url, "--pool", pool, *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def report_of(capsys, tmp_path, url, life, *args, name="report.json"):
    path = tmp_path / name
    code, out, err = audit(capsys, url, life.stack.addresses.pool, "--from-block", life.first_block - 1,
                           "--to-block", life.last_block, "--report", path, *args)
    return code, out, err, (json.loads(path.read_text()) if path.exists() else None)


def test_a_keepers_history_is_exact_update_by_update_and_every_intervention_is_named(node, reference_life, capsys, tmp_path):
    life = reference_life
    plot = tmp_path / "audit.png"
    code, out, err, report = report_of(capsys, tmp_path, node, life, "--plot", plot)
    assert code == EXIT_PARITY, out + err
    assert plot.read_bytes().startswith(b"\x89PNG") and f"plot: {plot}" in out
    assert report["status"] == "parity" and report["level"] == "pool" and report["mode"] == "resync"
    assert "first failing update" not in out
    assert report["model_check"]["blocks_checked"] == 50 and report["model_check"]["mismatch"] is None
    rows = report["audit"]["rows"]
    assert [r["block"] for r in rows] == life.update_blocks
    assert all(r["outcome"].startswith("ok") and r["model"] == "exact" for r in rows), [r for r in rows if r["model"] != "exact"]
    # late by: exactly the keeper's delay (the runner's last run is the previous update; setters leave it alone)
    assert rows[0]["late_by"] is None
    assert {r["update"]: r["late_by"] for r in rows[1:]} == {k: life.late[k] for k in range(2, 51)}
    assert any(r["late_by"] > 0 for r in rows[1:])
    # oracle paths: the backups exactly where the keeper made the primaries stale or failing
    for r in rows:
        expected = ["primary"] * 3
        for asset, path in life.paths.get(r["update"], {}).items():
            expected[asset] = path
        assert r["oracle_path"] == expected, r
    assert rows[0]["oracle_read_at"] == ["b"] * 3  # the driver sets the oracles in the update's own transaction
    # the admin's two setters: named, at their blocks, not divergences
    changes = {c["block"]: c for c in report["audit"]["other_state_changes"]}
    for block, setter in life.manual.items():
        assert changes[block]["kind"] == setter, changes.get(block)
    assert "manual target weights" in out and "manual weights" in out
    assert report["audit"]["drift"]["updates"] == 50
    assert "drift over the range" in out and "pool value:" in out


def test_log_pages_the_node_refuses_are_split_and_nothing_is_read_twice(node, reference_life, capsys, tmp_path):
    life = reference_life
    with PrunedProxy(node, keep=None, max_log_range=8) as url:
        code, out, err, report = report_of(capsys, tmp_path, url, life, "--log-page", 50)
    assert code == EXIT_PARITY, out + err
    _, _, _, direct = report_of(capsys, tmp_path, node, life, name="direct.json")
    assert report["audit"]["rows"] == direct["audit"]["rows"]
    assert report["series"]["chain"] == direct["series"]["chain"]
    stats = report["audit"]["node"]
    assert stats["batches"] < stats["requests"] / 10  # batched
    # every eth_call is distinct: the state at b of one update and at b − 1 of the next is read once
    assert stats["requests"] < 50 * 22


def test_a_users_artifacts_audit_the_same_way(node, chain, capsys, tmp_path):
    from parity.chain.stack import stack_from_artifacts, write_reference_artifacts

    out_dir = tmp_path / "out"
    write_reference_artifacts(out_dir, layout="foundry")
    stack = deploy(chain, timestamp=chain.timestamp() + 1000, artifacts=stack_from_artifacts(out_dir, "momentum"))
    assert stack.contracts.runner.source.startswith("artifact ")
    life = live(chain, stack, updates=8, seed=3, start=stack.config.timestamp + 2, special={5: "stale_primary"})
    code, out, err, report = report_of(capsys, tmp_path, node, life)
    assert code == EXIT_PARITY, out + err
    assert report["model_check"]["blocks_checked"] == 8
    assert report["audit"]["rows"][4]["oracle_path"] == ["backup 1 (primary stale)"] * 3


SWAP_AT = 35  # the pool moves to a runner with a broken rule before this update


def test_the_same_history_with_the_rule_swapped_for_a_broken_build_fails_at_exactly_that_update(node, chain, capsys,
                                                                                                 tmp_path):
    from keeper import broken_momentum

    from parity.chain import compile_rules

    stack = deploy(chain, timestamp=chain.timestamp() + 1000)
    swap = (SWAP_AT, compile_rules()["UpdateWeightRunner"], broken_momentum())
    life = live(chain, stack, updates=50, start=stack.config.timestamp + 2, manual_at=MANUAL_AT, special=SPECIAL, swap=swap)
    code, out, err, report = report_of(capsys, tmp_path, node, life)
    assert code == EXIT_DIVERGENCE, out + err
    assert report["status"] == "model_mismatch"
    assert report["model_check"]["mismatch"]["block"] == life.swap_update == SWAP_AT
    assert report["model_check"]["mismatch"]["field"] == "weights"
    rows = report["audit"]["rows"]
    assert all(r["outcome"].startswith("ok") for r in rows[:SWAP_AT - 1])
    assert all(r["model"].startswith("chain != model") for r in rows[SWAP_AT - 1:])
    assert [e["runner"] for e in report["audit"]["epochs"]] == [stack.addresses.runner, life.stack.addresses.runner]
    changes = {c["block"]: c["kind"] for c in report["audit"]["other_state_changes"]}
    assert {changes[b] for b in life.manual} == {"setWeightsManually", "setTargetWeightsManually"}
    assert "setUpdateWeightRunnerAddress" in changes.values() and "setRuleForPoolAdminInitialise" in changes.values()
    assert f"chain and integer model differ at block {SWAP_AT}" in out
    assert (f"first failing update: {SWAP_AT} of 50, chain block {life.update_blocks[SWAP_AT - 1]} " in out
            and "chain != model at weights[" in out)


def test_record_then_replay_without_a_node(node, reference_life, capsys, tmp_path):
    from parity.fixtures import load_fixture

    life = reference_life
    first, again = tmp_path / "audit.json", tmp_path / "again.json"
    code, out, err, report = report_of(capsys, tmp_path, node, life, "--record", first)
    assert code == EXIT_PARITY, out + err
    assert report_of(capsys, tmp_path, node, life, "--record", again, name="again.json.report")[0] == EXIT_PARITY
    assert first.read_bytes() == again.read_bytes()  # the same range records the same bytes
    fixture = load_fixture(first)  # a valid pool-level fixture
    assert fixture.data["level"] == "pool" and fixture.blocks == 50 and "audit" in fixture.data

    replayed = tmp_path / "replay.json"
    code = main(["replay", str(first), "--report", str(replayed)])
    out = capsys.readouterr()
    assert code == EXIT_PARITY, out.out + out.err
    r = json.loads(replayed.read_text())
    assert r["backend"] == "replay of rpc" and r["status"] == "parity"
    for key in ("series", "worst", "model_check", "first_divergence", "tolerances"):
        assert r[key] == report[key], key
    assert r["audit"]["rows"] == report["audit"]["rows"]
    assert r["audit"]["other_state_changes"] == report["audit"]["other_state_changes"]
    assert r["audit"]["drift"] == report["audit"]["drift"]


def _tampered(source, path, *, audit_side: bool, per_block: bool):
    """The fixture with update 10's stored moving average of asset 1 one wei higher, re-hashed."""
    from parity.fixtures.format import content_hash

    data = json.loads(source.read_text())
    if audit_side:
        ma = data["audit"]["updates"][9]["post"]["rule_state"]["getMovingAverages"]
        ma[1] = str(int(ma[1]) + 1)
    if per_block:
        ewma = data["per_block"][9]["state"]["ewma"]
        ewma[1] = str(int(ewma[1]) + 1)
    data["content_sha256"] = content_hash(data)
    path.write_text(json.dumps(data, indent=1) + "\n")
    return str(path)


def test_a_recorded_history_that_was_changed_fails_replay(node, reference_life, capsys, tmp_path):
    """One wei changed in both parts of the fixture: the integer model disagrees at exactly that update (exit 1);
    in one part only: the fixture contradicts itself (exit 2, one line)."""
    fixture = tmp_path / "audit.json"
    assert report_of(capsys, tmp_path, node, reference_life, "--record", fixture)[0] == EXIT_PARITY
    code = main(["replay", _tampered(fixture, tmp_path / "both.json", audit_side=True, per_block=True)])
    out = capsys.readouterr().out
    assert code == EXIT_DIVERGENCE
    assert "chain and integer model differ at block 10, ewma[1]" in out
    assert f"first failing update: 10 of 50, chain block {reference_life.update_blocks[9]} " in out
    code = main(["replay", _tampered(fixture, tmp_path / "one.json", audit_side=True, per_block=False)])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and err.count("\n") == 1 and "per_block[9].state.ewma[1]: the audit section gives" in err, err


def test_bad_input_gets_one_line_and_exit_2(node, chain, reference_life, capsys, tmp_path):
    life = reference_life
    pool = life.stack.addresses.pool
    report = tmp_path / "never.json"
    cases = [
        ((node, chain.accounts[3]), "no contract at this address"),
        ((node, life.stack.addresses.rule), "not a QuantAMM pool"),
        ((node, pool, "--from-block", 1, "--to-block", life.first_block - 2), "no update in blocks 1.."),
        (("http://127.0.0.1:9", pool), "no JSON-RPC node answering"),
        ((node, pool, "--to-block", 10**9), "the node's latest block is"),
        ((node, "0x1234"), "not an address"),
    ]
    for args, message in cases:
        code, out, err = audit(capsys, *args, "--report", report)
        assert code == EXIT_USAGE and message in err and err.count("\n") == 1 and "Traceback" not in err, (args, err)
        assert not report.exists()
    # a full node that keeps the recent state only: the range's end is there, the first update's b − 1 is not
    with PrunedProxy(node, keep=chain.block_number() - life.last_block + 2) as url:
        code, out, err = audit(capsys, url, pool, "--from-block", life.first_block - 1, "--to-block", life.last_block,
                               "--report", report)
    assert code == EXIT_USAGE and err.count("\n") == 1, err
    assert f"cannot serve the state at block {life.update_blocks[0] - 1}" in err and "archive node" in err
    assert not report.exists()


@pytest.mark.parametrize("artifacts", [False, True], ids=["reference", "users-artifacts"])
def test_pool_level_verify_on_the_node_names_every_deployed_address(node, capsys, tmp_path, artifacts):
    report = tmp_path / "pool.json"
    extra = []
    if artifacts:
        from parity.chain.stack import write_reference_artifacts

        write_reference_artifacts(tmp_path / "out", layout="foundry")
        extra = ["--artifacts", str(tmp_path / "out")]
    code = main(["verify", "--level", "pool", "--backend", "rpc", "--rpc-url", node, "--rule", "momentum", "--blocks", "4",
                 "--report", str(report), *extra])
    out = capsys.readouterr().out
    assert code == EXIT_PARITY, out
    data = json.loads(report.read_text())
    assert data["backend"] == "rpc" and data["model_check"]["blocks_checked"] == 4
    stack = data["contract_artifact"]["stack"]
    for role in ("runner", "pool", "rule", "vault", "driver"):
        assert f"    {role:<6} {stack[role]['contract']} at {stack[role]['address']}" in out
    for role in ("runner", "pool", "rule"):
        assert stack[role]["source"].startswith(f"artifact {tmp_path / 'out'}" if artifacts else "reference"), stack[role]
    oracles = [o for per in stack["oracle"]["address"] for o in per]
    assert len(oracles) == 8 and all(o in out for o in oracles)


def test_changes_in_the_updates_own_block_are_applied_in_log_order(node, chain, capsys, tmp_path):
    """A block holding setWeightsManually, then the update, then setTargetWeightsManually: the update saw the
    manual weights (the state at b − 1 moved along the first), and the state at b includes the last."""
    from keeper import INTERVAL, ONE, one_block

    from parity.chain.production import perform_update

    stack = deploy(chain, timestamp=chain.timestamp() + 1000)
    life = live(chain, stack, updates=3, seed=5, start=stack.config.timestamp + 2)
    t = chain.timestamp() + INTERVAL + 60
    a, n = stack.addresses, stack.n
    prices = [ONE + 7 * 10**15 + i for i in range(n)]
    block = one_block(chain, t, [
        (stack.runner, "setWeightsManually", [[4 * 10**17, 3 * 10**17, 3 * 10**17, 10**9, 0, -(10**9)], a.pool, t + 900, n],
         a.admin),
        (stack.driver, "setPricesAndUpdate", [a.runner, a.pool, [o[0] for o in a.oracles], prices, [t] * n], a.deployer),
        (stack.runner, "setTargetWeightsManually", [[5 * 10**17, 25 * 10**16, 25 * 10**16], a.pool, INTERVAL, n], a.admin),
    ])
    perform_update(chain, stack, t + INTERVAL, prices=[p + 10**15 for p in prices])
    life.last_block = chain.block_number()
    code, out, err, report = report_of(capsys, tmp_path, node, life)
    assert code == EXIT_PARITY, out + err
    rows = report["audit"]["rows"]
    assert [r["block"] for r in rows[3:]] == [block, block + 1] and all(r["model"] == "exact" for r in rows)
    assert rows[3]["late_by"] == 60
    # the model reproduced the update's events (its w⁰ is the manual weights set earlier in the block) and the
    # state at b (the target weights set after it): W and M at b are the target's, not the update's
    # the update stored w⁰ = the manual weights (set in the same second, τ = 0) as its base
    assert report["series"]["chain"]["pool_weights"][3] == [str(4 * 10**17), str(3 * 10**17), str(3 * 10**17)]
    changes = [c for c in report["audit"]["other_state_changes"] if c["block"] == block]
    assert [c["kind"] for c in changes] == ["setWeightsManually", "setTargetWeightsManually"]
