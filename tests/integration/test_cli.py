"""`parity verify` end to end: exit codes 0 (parity) / 1 (divergence) / 2 (bad input), reports and plots."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from parity.cli import main

REPO = Path(__file__).resolve().parents[2]
PRICES = REPO / "fixtures" / "prices"


def run(capsys, *args):
    code = main(["verify", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_readme_command_as_a_subprocess(tmp_path):
    """The README's main job, through the installed entry point, on the default eth-tester backend."""
    exe = Path(sys.executable).with_name("parity")
    report = tmp_path / "r.json"
    proc = subprocess.run(
        [str(exe), "verify", "--rule", "momentum", "--assets", "3", "--blocks", "60", "--report", str(report)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("PARITY: momentum (MomentumRule) n=3 on eth-tester")
    data = json.loads(report.read_text())
    assert data["status"] == "parity" and data["blocks_compared"] == 60 and data["backend"] == "eth-tester"
    assert data["model_check"]["blocks_checked"] == 60


def test_parity_writes_report_and_plot(capsys, tmp_path):
    report, plot = tmp_path / "out" / "r.json", tmp_path / "p.png"
    code, out, err = run(capsys, "--rule", "difference_momentum", "--prices", str(PRICES / "btc_eth_daily_2.csv"),
                         "--blocks", "20", "--backend", "revm", "--lamb", "0.8", "--lamb-short", "0.4", "--kappa", "2",
                         "--report", str(report), "--plot", str(plot))
    assert code == 0, out + err
    data = json.loads(report.read_text())
    assert data["status"] == "parity" and data["n_assets"] == 2 and data["blocks_compared"] == 20
    assert data["parameters"]["lambdaStore"] == [str(8 * 10**17)]  # the decimal 0.8 as typed
    assert len(data["series"]["chain"]["short_ewma"]) == 20
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_divergence_exits_1_and_names_the_first_block(capsys, tmp_path):
    report = tmp_path / "d.json"
    code, out, err = run(capsys, "--rule", "momentum", "--assets", "BTC,ETH,SOL", "--blocks", "10", "--backend", "revm",
                         "--tolerance", "running_a=0", "--report", str(report), "--quiet")
    assert code == 1
    assert out.startswith("DIVERGENCE: momentum") and out.count("\n") == 1  # --quiet: the verdict line only
    data = json.loads(report.read_text())
    first = data["first_divergence"]
    assert first["field"] == "running_a" and first["tolerance"] == 0.0
    # the first block where JAX and the chain differ at all in running_a
    series = data["series"]
    assert first["block"] == min(
        b for b, jrow, crow in zip(series["block"], series["jax"]["running_a"], series["chain"]["running_a"])
        if any(Fraction(j) * 10**18 != int(c) for j, c in zip(jrow, crow))
    )
    assert set(first["state"]["chain"]) == {"ewma", "running_a", "weights"}


def test_params_file_and_resync_mode(capsys, tmp_path):
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"lamb": [0.9, 0.95, 0.8], "kappa": [1, 2, 3]}))
    code, out, err = run(capsys, "--rule", "anti_momentum", "--assets", "3", "--blocks", "12", "--backend", "revm",
                         "--params", str(params), "--mode", "resync", "--burn-in", "3", "--burn-in-mode", "seed")
    assert code == 0, out + err
    assert "mode resync, 12 blocks compared after 3 burn-in (seed)" in out


@pytest.mark.parametrize(
    "args,message",
    [
        (["--rule", "nope"], "--rule 'nope'"),
        (["--rule", "index_market_cap"], "no on-chain rule"),
        (["--rule", "momentum", "--prices", "/nonexistent.csv"], "file not found"),
        (["--rule", "momentum", "--assets", "12"], "--assets 12"),
        (["--rule", "momentum", "--assets", "BTC,XYZ"], "unknown column(s) XYZ"),
        (["--rule", "momentum", "--kappa", "-1"], "kappa"),
        (["--rule", "momentum", "--tolerance", "speed=1"], "unknown"),
        (["--rule", "momentum", "--blocks", "100000"], "blocks=100000"),
        (["--rule", "momentum", "--backend", "rpc"], "--rpc-url"),
        (["--rule", "momentum", "--epsilon-max", "-0.1"], "epsilon_max"),
        (["--rule", "momentum", "--rule-address", "0x" + "12" * 20], "no contract code"),
        (["--rule", "momentum", "--rule-address", "nonsense"], "--rule-address nonsense"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    extra = ([] if "--blocks" in args else ["--blocks", "5"]) + ([] if "--backend" in args else ["--backend", "revm"])
    code, out, err = run(capsys, *args, *extra)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--mode", "sideways", "--rule", "momentum"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_chunk_period_subsamples_the_price_rows(capsys, tmp_path):
    """Hourly rows with daily updates: every 24th row is an update price, the first one initialises."""
    report = tmp_path / "c.json"
    code, out, err = run(capsys, "--rule", "momentum", "--prices", str(PRICES / "crash_hourly_8.csv"), "--assets", "2",
                         "--chunk-period", "1440", "--blocks", "5", "--backend", "revm", "--report", str(report))
    assert code == 0, out + err
    data = json.loads(report.read_text())
    rows = (PRICES / "crash_hourly_8.csv").read_text().splitlines()[1:]
    # the CSV's decimal prices, scaled to wei exactly
    expected = [[str(round(Fraction(x) * 10**18)) for x in rows[24 * k].split(",")[1:3]] for k in range(1, 6)]
    assert data["series"]["price"] == expected
    assert data["initial"]["ewma"] == [str(round(Fraction(x) * 10**18)) for x in rows[0].split(",")[1:3]]
    assert data["chunk_period_minutes"] == 1440


def test_a_closed_output_pipe_ends_quietly_with_the_sigpipe_status(tmp_path):
    """`parity replay FIXTURE | true`: the reader is gone before the first line; no traceback, status 141."""
    exe = Path(sys.executable).with_name("parity")
    fixture = REPO / "fixtures" / "golden" / "momentum_btc_eth_2_scalar.json"
    proc = subprocess.run(f"'{exe}' replay '{fixture}' --report '{tmp_path / 'r.json'}' | true; echo \"status=${{PIPESTATUS[0]}}\"",
                          shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr
    assert proc.stdout.strip() == "status=141", proc.stdout + proc.stderr
    assert json.loads((tmp_path / "r.json").read_text())["status"] == "parity"  # the work itself was done
