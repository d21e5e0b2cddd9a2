"""`parity verify --backend rpc` against a real local node (hardhat, started by the test): a fresh deployment,
an already-deployed rule attached by address, and a wrong runner rejected as a set-up error."""

from __future__ import annotations

import json

from parity.chain import compile_rules, make_chain
from parity.cli import main
from parity.errors import EXIT_PARITY, EXIT_USAGE
from parity.fixtures import REPO_ROOT

PRICES = REPO_ROOT / "fixtures" / "prices" / "btc_eth_daily_2.csv"


def _verify(capsys, *args):
    code = main(["verify", "--prices", str(PRICES), "--blocks", "6", "--quiet", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_verify_over_rpc_deploys_attaches_and_rejects_a_wrong_runner(hardhat_url, capsys, tmp_path):
    # 1. the harness deploys the rule on the node and verifies it
    report = tmp_path / "fresh.json"
    code, out, err = _verify(capsys, "--rule", "momentum", "--backend", "rpc", "--rpc-url", hardhat_url,
                             "--report", str(report))
    assert code == EXIT_PARITY, out + err
    assert out.startswith("PARITY: momentum (MomentumRule) n=2 on rpc")
    fresh = json.loads(report.read_text())
    assert fresh["status"] == "parity" and fresh["blocks_compared"] == 6

    # 2. a rule deployed beforehand by someone else, whose runner is another account of the node
    chain = make_chain("rpc", url=hardhat_url)
    runner = chain.accounts[1]
    artifact = compile_rules()["MomentumRule"]
    deployed = chain.deploy(artifact, runner, sender=chain.accounts[0])
    report = tmp_path / "attached.json"
    code, out, err = _verify(capsys, "--rule", "momentum", "--backend", "rpc", "--rpc-url", hardhat_url,
                             "--rule-address", deployed.address, "--sender", runner, "--report", str(report))
    assert code == EXIT_PARITY, out + err
    attached = json.loads(report.read_text())
    # the same rule, inputs and prices give the same on-chain integers, whoever deployed it
    assert attached["series"]["chain"] == fresh["series"]["chain"]

    # 3. the deployed rule refuses any sender but its runner: a set-up error that says what to fix
    code, out, err = _verify(capsys, "--rule", "momentum", "--backend", "rpc", "--rpc-url", hardhat_url,
                             "--rule-address", deployed.address)
    assert code == EXIT_USAGE
    assert "--sender" in err and "setup error" in err
