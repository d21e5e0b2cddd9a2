"""`parity record` and `parity replay` end to end (in process): exit codes, output, report, errors."""

from __future__ import annotations

import json

from parity.cli import main

from golden_helpers import SMALL, golden_file, write_json


def test_replay_cli_parity_and_report(tmp_path, capsys):
    report = tmp_path / "report.json"
    code = main(["replay", str(golden_file(SMALL)), "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("PARITY: power_channel (PowerChannelRule) n=2 on replay of eth-tester")
    rep = json.loads(report.read_text())
    assert rep["passed"] is True and rep["blocks_compared"] == 20
    assert rep["contract_artifact"]["fixture"] == f"{SMALL}.json"
    committed = json.loads(golden_file(SMALL).read_text())
    assert rep["series"]["chain"]["weights"] == [b["weights"] for b in committed["per_block"]]


def test_replay_cli_divergence_exit_1(small_copy, capsys):
    path, data = small_copy
    data["per_block"][3]["state"]["ewma"][0] = str(int(data["per_block"][3]["state"]["ewma"][0]) * 2)
    write_json(path, data, rehash=True)
    code = main(["replay", str(path), "--no-model-check", "--quiet"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("DIVERGENCE")


def test_replay_cli_bad_fixture_exit_2_one_line(small_copy, capsys):
    path, data = small_copy
    data["per_block"][2]["weights"] = data["per_block"][2]["weights"][:1]
    write_json(path, data, rehash=True)
    code = main(["replay", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert str(path) in err and "per_block[2].weights" in err and "expected 2 entries" in err


def test_record_cli_writes_a_fixture_that_replays(tmp_path, capsys):
    out = tmp_path / "fx.json"
    args = ["record", "--rule", "difference_momentum", "--prices", "fixtures/prices/btc_eth_daily_2.csv",
            "--lamb", "0.9", "--lamb-short", "0.6,0.7", "--kappa", "1.5", "--blocks", "8", "--backend", "revm",
            "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert text.startswith("PARITY: difference_momentum") and f"fixture: {out}" in text
    data = json.loads(out.read_text())
    assert data["prices"]["path"] == "fixtures/prices/btc_eth_daily_2.csv"
    assert data["parameters"]["float"]["lamb_short"] == [0.6, 0.7]
    assert len(data["per_block"]) == 8
    assert main(["replay", str(out), "--quiet"]) == 0


def test_record_cli_bad_input_exit_2(tmp_path, capsys):
    code = main(["record", "--rule", "momentum", "--prices", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "x.json")])
    assert code == 2
    assert "missing.csv" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()
