"""The pool level on a user's own stack (docs/your-stack.md): parity's reference runner, pool and rules written
out as Foundry and Hardhat artifact directories and verified through the user path (names looked up as a
user's would be), for all six rules and every compiler profile, on revm and eth-tester, with the exact model
on every block; a user rule with parity's runner and pool; sources compiled from a directory; and the
errors a user meets."""

from __future__ import annotations

import json

import numpy as np
import pytest

from parity.chain import make_chain
from parity.chain.artifacts import ArtifactError
from parity.chain.stack import resolve_stack, stack_from_artifacts, write_reference_artifacts
from parity.cli import main
from parity.fingerprint import make_run_fingerprint
from parity.harness import summary
from parity.harness.driver import run_pool_lockstep
from parity.pools import create_pool

from parity_cases import RULES, load_scenario, params_for  # noqa: E402

BLOCKS = 4
_WRITTEN: dict = {}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """(layout, profile) -> a directory holding the reference stack in that layout (written once)."""

    def get(layout: str, profile: str = "legacy"):
        key = (layout, profile)
        if key not in _WRITTEN:
            root = tmp_path_factory.mktemp(f"{layout}-{profile}")
            out = root / ("out" if layout == "foundry" else "artifacts")
            write_reference_artifacts(out, layout=layout, profile=profile)
            _WRITTEN[key] = out
        return _WRITTEN[key]

    return get


def run(stack, rule="momentum", *, backend="revm", blocks=BLOCKS, profile="legacy", **kw):
    prices = load_scenario("trending_daily_8", 3)
    fp = make_run_fingerprint(rule=rule, n_assets=3, chunk_period=1440, price_interval=1440)
    return run_pool_lockstep(create_pool(rule), params_for(rule, "scalar", 3, False), fp, prices, make_chain(backend),
                             blocks=blocks, artifacts=stack, compiler_profile=profile, progress=False, **kw)


def assert_user_stack_passes(res, blocks=BLOCKS):
    assert res.status == "parity", summary(res)
    assert res.model_blocks_checked == res.blocks_compared == blocks  # chain == ProductionModel on every block
    stack = res.artifact_info["stack"]
    for role in ("runner", "pool", "rule"):
        assert stack[role]["source"].startswith("artifact "), stack[role]
    assert stack["vault"]["source"].startswith("reference")


@pytest.mark.parametrize("profile", ["legacy", "v1"])
@pytest.mark.parametrize("rule", RULES)
def test_reference_stack_as_artifacts_verifies_through_the_user_path(written, rule, profile):
    layout = "foundry" if RULES.index(rule) % 2 == 0 else "hardhat"
    stack = stack_from_artifacts(written(layout, profile), rule, profile=profile)
    assert stack.runner.artifact.contract_name == "UpdateWeightRunner"
    assert stack.pool.artifact.contract_name == "QuantAMMWeightedPool"
    assert_user_stack_passes(run(stack, rule, profile=profile))


@pytest.mark.parametrize("profile", ["via-ir", "v1-foundry"])
def test_every_other_profile_verifies_through_the_user_path(written, profile):
    stack = stack_from_artifacts(written("foundry", profile), "power_channel", profile=profile)
    assert_user_stack_passes(run(stack, "power_channel", profile=profile))


@pytest.mark.parametrize("rule", RULES)
def test_user_path_on_eth_tester(written, rule):
    """py-evm is slow: two blocks per rule, layouts and builds alternating."""
    layout, profile = ("hardhat", "legacy") if RULES.index(rule) % 2 == 0 else ("foundry", "v1")
    stack = stack_from_artifacts(written(layout, profile), rule, profile=profile)
    res = run(stack, rule, backend="eth-tester", blocks=2, profile=profile)
    assert_user_stack_passes(res, blocks=2)
    assert res.backend == "eth-tester"


def test_user_path_gives_the_reference_runs_values(written):
    """Same contracts, same chain values: the user path changes where the bytes come from, nothing else."""
    via_user = run(stack_from_artifacts(written("hardhat"), "anti_momentum"), "anti_momentum", update_jitter=3_000)
    reference = run(None, "anti_momentum", update_jitter=3_000)
    assert via_user.status == reference.status == "parity"
    assert via_user.chain == reference.chain
    assert via_user.pool["events"] == reference.pool["events"]


def test_user_rule_with_reference_runner_and_pool(written):
    rule_json = written("foundry") / "DifferenceMomentumRule.sol" / "DifferenceMomentumRule.json"
    from parity.chain.artifacts import load_artifact

    stack = resolve_stack("difference_momentum", rule_artifact=load_artifact(rule_json), rule_source=f"artifact {rule_json}")
    res = run(stack, "difference_momentum")
    assert res.status == "parity" and res.model_blocks_checked == BLOCKS, summary(res)
    sources = {role: d["source"] for role, d in res.artifact_info["stack"].items()}
    assert sources["rule"] == f"artifact {rule_json}"
    assert sources["runner"].startswith("reference") and sources["pool"].startswith("reference")
    mixed = resolve_stack("difference_momentum", artifacts=written("foundry"),
                          names={"runner": "reference", "pool": "reference", "vault": "VaultStandIn"})
    assert mixed.runner.source.startswith("reference") and mixed.rule.source.startswith("artifact")
    assert mixed.vault.source.startswith("artifact")


def test_cli_verify_record_replay_with_artifacts(written, tmp_path, capsys):
    out = written("foundry")
    args = ["--level", "pool", "--artifacts", str(out), "--rule", "momentum", "--backend", "revm", "--assets", "3",
            "--blocks", "3"]
    assert main(["verify", *args, "--report", str(tmp_path / "r.json")]) == 0
    text = capsys.readouterr().out
    assert "deployed:" in text and f"UpdateWeightRunner at " in text and f"artifact {out}" in text
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["contract_artifact"]["stack"]["pool"]["source"].startswith(f"artifact {out}")
    fixture = tmp_path / "pool.json"
    assert main(["record", *args, "--out", str(fixture), "--quiet"]) == 0
    recorded = json.loads(fixture.read_text())["stack"]["contracts"]
    assert recorded["rule"]["contract"] == "MomentumRule" and recorded["rule"]["source"].startswith("artifact")
    assert main(["replay", str(fixture), "--quiet"]) == 0


def test_stack_compiled_from_a_source_directory(tmp_path):
    from parity.chain.compile import CONTRACTS_DIR

    stack = resolve_stack("momentum", contracts=CONTRACTS_DIR / "production", names={"rule": "reference"})
    assert stack.runner.source.startswith(f"source {CONTRACTS_DIR / 'production'}")
    assert stack.rule.source.startswith("reference")
    res = run(stack, blocks=3)
    assert res.status == "parity" and res.model_blocks_checked == 3, summary(res)


def test_user_errors_name_the_option(written, tmp_path, capsys):
    out = written("foundry")
    with pytest.raises(ArtifactError, match="--runner-contract Nope: no artifact Nope.json"):
        stack_from_artifacts(out, "momentum", {"runner": "Nope"})
    with pytest.raises(ArtifactError, match="--rule-contract: neither MomentumUpdateRule nor MomentumRule"):
        stack_from_artifacts(tmp_path, "momentum", {"runner": "reference", "pool": "reference"})
    linked = tmp_path / "linked" / "UpdateWeightRunner.sol"
    linked.mkdir(parents=True)
    data = json.loads((out / "UpdateWeightRunner.sol" / "UpdateWeightRunner.json").read_text())
    data["bytecode"]["object"] = data["bytecode"]["object"][:100] + "__$1234567890abcdef1234567890abcdef12$__" + data["bytecode"]["object"][140:]
    (linked / "UpdateWeightRunner.json").write_text(json.dumps(data))
    with pytest.raises(ArtifactError, match="unlinked library placeholder"):
        stack_from_artifacts(tmp_path / "linked", "momentum", {"pool": "reference", "rule": "reference"})
    base = ["verify", "--rule", "momentum", "--backend", "revm", "--assets", "3", "--blocks", "2"]
    for extra, message in ((["--artifacts", str(out)], "--artifacts: applies to --level pool only"),
                           (["--level", "pool", "--runner-contract", "X"], "--runner-contract X: applies with --artifacts"),
                           (["--level", "pool", "--artifacts", str(tmp_path / "missing")], "not a directory"),
                           (["--level", "pool", "--backend", "eth-tester", "--unlimited-code-size"],
                            "--unlimited-code-size: applies to --backend revm only")):
        assert main([*base, *extra]) == 2
        assert message in capsys.readouterr().err


def test_written_layouts_match_the_tools(written):
    foundry, hardhat = written("foundry"), written("hardhat")
    f = json.loads((foundry / "QuantAMMWeightedPool.sol" / "QuantAMMWeightedPool.json").read_text())
    h = json.loads((hardhat / "contracts" / "production" / "QuantAMMWeightedPool.sol" / "QuantAMMWeightedPool.json").read_text())
    assert f["bytecode"]["object"] == h["bytecode"] and f["abi"] == h["abi"]
    assert h["_format"] == "hh-sol-artifact-1" and h["sourceName"] == "contracts/production/QuantAMMWeightedPool.sol"
    assert f["metadata"]["settings"]["optimizer"] == {"enabled": True, "runs": 999}
    assert np.all([(foundry / f"{n}.sol").is_dir() for n in ("UpdateWeightRunner", "VaultStandIn", "MomentumRule")])
