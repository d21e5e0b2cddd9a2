"""`--compiler-profile`: verify and record with the via-IR build (same weights and states as legacy on a
well-formed run), the profile in reports and fixtures, old fixtures without the key read as legacy, and
a mid-run revert reported with the reason production (V1) gives."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from parity.cli import main
from parity.fixtures import fixture_profile, load_fixture

REPO = Path(__file__).resolve().parents[2]
PRICES = REPO / "fixtures" / "prices" / "btc_eth_daily_2.csv"
GOLDEN = REPO / "fixtures" / "golden"


def verify(capsys, tmp_path, profile, *extra):
    report = tmp_path / f"{profile}.json"
    code = main(["verify", "--rule", "momentum", "--prices", str(PRICES), "--blocks", "12", "--backend", "revm",
                 "--compiler-profile", profile, "--report", str(report), "--quiet", *extra])
    capsys.readouterr()
    return code, json.loads(report.read_text())


def test_verify_via_ir_equals_legacy_bit_for_bit(capsys, tmp_path):
    legacy_code, legacy = verify(capsys, tmp_path, "legacy")
    ir_code, ir = verify(capsys, tmp_path, "via-ir")
    assert legacy_code == ir_code == 0
    assert legacy["contract_artifact"]["compiler_profile"] == "legacy"
    assert ir["contract_artifact"]["compiler_profile"] == "via-ir"
    assert ir["contract_artifact"]["source_hash"] != legacy["contract_artifact"]["source_hash"]
    assert ir["model_check"]["blocks_checked"] == 12
    assert ir["series"]["chain"] == legacy["series"]["chain"]  # every chain state and weight, bit for bit


def test_unknown_profile_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--rule", "momentum", "--compiler-profile", "ir"])
    assert exc.value.code == 2 and "--compiler-profile" in capsys.readouterr().err


def test_record_stores_the_profile_and_old_fixtures_read_as_legacy(capsys, tmp_path):
    out = tmp_path / "ir.json"
    code = main(["record", "--rule", "momentum", "--prices", str(PRICES), "--blocks", "5", "--backend", "revm",
                 "--compiler-profile", "via-ir", "--out", str(out), "--quiet"])
    capsys.readouterr()
    assert code == 0
    fx = load_fixture(out)
    assert fixture_profile(fx.data["contract_artifact"]) == "via-ir"
    assert fx.data["contract_artifact"]["settings"]["viaIR"] is True
    assert main(["replay", str(out), "--quiet"]) == 0
    capsys.readouterr()
    old = json.loads((GOLDEN / "momentum_btc_eth_2_scalar.json").read_text())
    if "compiler_profile" not in old["contract_artifact"]:  # committed before profiles existed
        assert fixture_profile(old["contract_artifact"]) == "legacy"
        load_fixture(GOLDEN / "momentum_btc_eth_2_scalar.json")  # still validates


def test_mid_run_revert_reports_the_production_reason(tmp_path):
    from parity.chain import make_chain
    from parity.fingerprint import make_run_fingerprint
    from parity.harness import summary, write_json
    from parity.harness.driver import run_lockstep
    from parity.pools import create_pool

    prices = np.tile([1.0, 3.0, 5.0], (6, 1))  # unmoving prices: σ² = 0, MinimumVariance divides by it
    fp = make_run_fingerprint(rule="min_variance", n_assets=3, chunk_period=1440, price_interval=1440)
    for profile in ("legacy", "via-ir"):
        res = run_lockstep(create_pool("min_variance"), {"lamb": 0.5, "mixing": 0.5}, fp, prices, make_chain("revm"),
                           blocks=3, progress=False, vectorized_check=False, compiler_profile=profile)
        assert res.revert.reason == res.revert.model_reason == "Panic(0x12)"
        assert f"production V1 gives the same: {profile} build" in summary(res)
        report = json.loads(write_json(res, tmp_path / f"{profile}.json").read_text())
        assert report["revert"]["production_reason"] == "Panic(0x12)"
        res.artifact_info.pop("source_hash")  # as for a contract attached by address: no claim about V1
        assert "production V1" not in summary(res)
