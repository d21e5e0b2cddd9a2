"""Plug-in pools and contracts: the harness Pool protocol, a quantammsim-style pool through
parity.adapters.quantammsim, `parity verify --pool`, and users' contracts via `--artifact` (Foundry and
Hardhat layouts written from the project's own compile) and `--contract` (compiled with remappings)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from parity.adapters import Pool, QuantammsimPool, load_pool
from parity.adapters.protocol import missing_methods
from parity.chain.artifacts import ArtifactError, load_artifact, write_foundry_artifact, write_hardhat_artifact
from parity.cli import main
from parity.fingerprint import make_run_fingerprint
from parity.harness import run_lockstep
from parity.pools import create_pool
from parity_cases import load_scenario
from quantammsim_standin import MomentumPool as QuantammsimMomentum

REPO = Path(__file__).resolve().parents[2]
QPARAMS = {"logit_lamb": np.array([2.0, 2.0, 2.0]), "log_k": np.array([-2.0, -2.0, -2.0]),
           "initial_weights_logits": np.array([0.0, 0.0, 0.0])}


def _fp(n=3):
    return make_run_fingerprint(rule="momentum", n_assets=n, chunk_period=1440, price_interval=1440)


def test_parity_pools_and_the_adapter_satisfy_the_protocol():
    assert isinstance(create_pool("momentum"), Pool) and not missing_methods(create_pool("power_channel"))
    assert isinstance(QuantammsimPool(QuantammsimMomentum()), Pool)
    assert not isinstance(QuantammsimMomentum(), Pool)
    assert missing_methods(QuantammsimMomentum()) == ["chain_params", "encode_chain_params",
                                                      "decode_chain_params", "calculate_coarse_weight_step"]


def test_quantammsim_style_pool_reaches_parity_with_the_chain(lockstep, chains):
    prices = load_scenario("trending_daily_8", 3)
    theirs = run_lockstep(QuantammsimPool(QuantammsimMomentum(), "MomentumRule"), QPARAMS, _fp(), prices,
                          chains["revm"], blocks=40, progress=False)
    assert theirs.status == "parity", theirs.first_divergence
    ours = lockstep("momentum", QPARAMS, prices, blocks=40)
    # the same decoded parameters on chain, hence the same integers block by block
    assert theirs.mapped.parameters == ours.mapped.parameters
    assert theirs.chain["weights"] == ours.chain["weights"] and theirs.chain["running_a"] == ours.chain["running_a"]
    assert max(theirs.errors["weights"].scaled.max(), 0) < 1e-6 * theirs.tolerances["weights"] + 1e-13
    # its vectorized path (minute prices rebuilt from the update rows) was cross-checked on the weights
    assert set(theirs.vectorized["errors"]) == {"weights"}
    assert theirs.vectorized["first_divergence"] is None


def test_adapter_rejects_what_quantammsim_cannot_express():
    pool = QuantammsimPool(QuantammsimMomentum(), "MomentumRule")
    with pytest.raises(ValueError, match="use_raw_price=True: quantammsim's pools always divide"):
        pool.chain_params({**QPARAMS, "use_raw_price": True}, _fp())
    with pytest.raises(ValueError, match="rule_contract='NoSuchRule': must be one of MomentumRule"):
        QuantammsimPool(QuantammsimMomentum(), "NoSuchRule")
    with pytest.raises(ValueError, match="has neither get_initial_rule_state and calculate_rule_output_step"):
        QuantammsimPool(object(), "MomentumRule")


def test_load_pool_wraps_or_uses_what_it_finds():
    pool, contract = load_pool("quantammsim_standin:MomentumPool", "MomentumRule")
    assert isinstance(pool, QuantammsimPool) and contract == "MomentumRule"
    pool, contract = load_pool("parity.pools.momentum:MomentumPool")
    assert pool.rule == "momentum" and contract == "MomentumRule"
    with pytest.raises(ValueError, match="needs --rule-contract"):
        load_pool("quantammsim_standin:MomentumPool")
    with pytest.raises(ValueError, match="cannot import 'no_such_module'"):
        load_pool("no_such_module:X", "MomentumRule")
    with pytest.raises(ValueError, match="must be package.module:Class"):
        load_pool("quantammsim_standin", "MomentumRule")


def _verify(capsys, *args):
    code = main(["verify", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_pool_with_rule_contract(capsys, tmp_path):
    params = tmp_path / "q.json"
    params.write_text(json.dumps({k: v.tolist() for k, v in QPARAMS.items()}))
    code, out, err = _verify(capsys, "--pool", "quantammsim_standin:MomentumPool", "--rule-contract",
                             "MomentumRule", "--assets", "3", "--blocks", "20", "--backend", "revm", "--params", str(params))
    assert code == 0, out + err
    assert out.startswith("PARITY: MomentumPool (MomentumRule) n=3 on revm")
    code, out, err = _verify(capsys, "--pool", "quantammsim_standin:MomentumPool", "--blocks", "5")
    assert code == 2 and "give --rule RULE (or --rule-contract NAME with --pool)" in err


@pytest.fixture(scope="module")
def momentum_artifact():
    from parity.chain import compile_rules

    return compile_rules()["MomentumRule"]


@pytest.mark.parametrize("layout", ["foundry", "hardhat"])
def test_cli_artifact_in_both_layouts(capsys, tmp_path, momentum_artifact, layout):
    if layout == "foundry":
        path = write_foundry_artifact(momentum_artifact, tmp_path / "out", "MomentumRule.sol")
        assert path == tmp_path / "out" / "MomentumRule.sol" / "MomentumRule.json"
    else:
        path = write_hardhat_artifact(momentum_artifact, tmp_path / "artifacts", "contracts/rules/MomentumRule.sol")
        assert path == tmp_path / "artifacts" / "contracts" / "rules" / "MomentumRule.sol" / "MomentumRule.json"
    loaded = load_artifact(path)
    assert (loaded.bytecode, loaded.abi) == (momentum_artifact.bytecode, momentum_artifact.abi)
    report = tmp_path / "r.json"
    backend = "revm" if layout == "foundry" else "eth-tester"
    code, out, err = _verify(capsys, "--rule", "momentum", "--artifact", str(path), "--assets", "3", "--blocks", "15",
                             "--backend", backend, "--report", str(report))
    assert code == 0, out + err
    data = json.loads(report.read_text())
    assert data["status"] == "parity" and data["model_check"]["blocks_checked"] == 15
    assert data["backend"] == backend


def test_unlinked_library_placeholders_are_refused(capsys, tmp_path, momentum_artifact):
    path = write_foundry_artifact(momentum_artifact, tmp_path / "out", "MomentumRule.sol")
    data = json.loads(path.read_text())
    code = data["bytecode"]["object"]
    data["bytecode"]["object"] = code[:100] + "__$" + "ab" * 17 + "$__" + code[140:]
    path.write_text(json.dumps(data))
    with pytest.raises(ArtifactError, match=r"unlinked library placeholder\(s\) __\$abab"):
        load_artifact(path)
    code, out, err = _verify(capsys, "--rule", "momentum", "--artifact", str(path), "--blocks", "3", "--backend", "revm")
    assert code == 2 and "unlinked library placeholder" in err and "link the libraries first" in err
    hh = write_hardhat_artifact(momentum_artifact, tmp_path / "artifacts", "contracts/X.sol")
    data = json.loads(hh.read_text())
    data["linkReferences"] = {"contracts/Lib.sol": {"MathLib": [{"start": 10, "length": 20}]}}
    hh.write_text(json.dumps(data))
    with pytest.raises(ArtifactError, match="linkReferences lists unlinked libraries contracts/Lib.sol:MathLib"):
        load_artifact(hh)


def test_cli_contract_compiles_a_user_file_with_remappings(capsys, tmp_path, monkeypatch):
    """A user's copy of the momentum rule in their own tree, importing PRBMath through a remapping."""
    src = tmp_path / "src"
    src.mkdir()
    for rel in ("rules/MomentumRule.sol",):
        text = (REPO / "contracts" / rel).read_text()
        (src / "MyMomentumRule.sol").write_text(
            text.replace("contract MomentumRule", "contract MyMomentumRule").replace('"../base/', '"parity-base/'))
    monkeypatch.chdir(tmp_path)
    code, out, err = _verify(capsys, "--rule", "momentum", "--contract", "src/MyMomentumRule.sol", "--remap",
                             f"parity-base/={REPO / 'contracts' / 'base'}", "--assets", "3", "--blocks", "10",
                             "--backend", "revm", "--prices", str(REPO / "fixtures" / "prices" / "trending_daily_8.csv"))
    assert code == 0, out + err
    assert out.startswith("PARITY: momentum (MomentumRule) n=3 on revm")
    code, out, err = _verify(capsys, "--rule", "momentum", "--contract", "src/MyMomentumRule.sol", "--blocks", "3",
                             "--prices", str(REPO / "fixtures" / "prices" / "trending_daily_8.csv"))
    assert code == 2 and 'import "parity-base/' in err and "add --remap" in err
