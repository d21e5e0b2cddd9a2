"""`parity verify --level pool`: exit codes, report and plot, and the flags that belong to one level only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parity.cli import main

PRICES = Path(__file__).resolve().parents[2] / "fixtures" / "prices"


def run(capsys, *args):
    code = main(["verify", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_pool_level_verify_writes_report_and_plot(capsys, tmp_path):
    report, plot = tmp_path / "r.json", tmp_path / "p.png"
    code, out, err = run(capsys, "--level", "pool", "--backend", "revm", "--rule", "power_channel", "--assets", "3",
                         "--prices", str(PRICES / "crash_hourly_8.csv"), "--blocks", "6", "--samples-per-interval", "5",
                         "--update-jitter", "900", "--jitter-seed", "4", "--report", str(report), "--plot", str(plot))
    assert code == 0, out + err
    assert out.startswith("PARITY: power_channel (PowerChannelRule) n=3 on revm") and "level pool" in out
    assert "performUpdate gas: mean" in out
    data = json.loads(report.read_text())
    assert data["level"] == "pool" and data["pool_level"]["samples_per_interval"] == 5
    assert all(len(t) == 6 for t in data["pool_level"]["sample_times"])  # 5 spread + the rail time
    for field in ("pool_weights", "multipliers", "raw_multipliers", "last_update", "last_interp", "fine_0", "fine_4", "fine_rail"):
        assert len(data["series"]["chain"][field]) == 6
    assert data["model_check"]["blocks_checked"] == 6
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pool_level_tolerance_override_turns_a_boundary_note_field_into_a_divergence(capsys):
    code, out, _ = run(capsys, "--level", "pool", "--backend", "revm", "--rule", "momentum", "--assets", "2",
                       "--blocks", "4", "--tolerance", "ewma=0", "--quiet")
    assert code == 1 and out.startswith("DIVERGENCE: momentum")


@pytest.mark.parametrize("args,message", [
    (["--update-jitter", "60"], "--update-jitter 60: applies to --level pool only"),
    (["--level", "pool", "--sender", "0x" + "11" * 20], "--sender: applies to --level rule only"),
    (["--level", "pool", "--update-jitter", "86400"], "update_jitter=86400"),
    (["--level", "pool", "--tolerance", "fine_9=1"], "--tolerance field 'fine_9' is unknown"),
])
def test_level_flags_are_checked(capsys, args, message):
    code, out, err = run(capsys, "--backend", "revm", "--rule", "momentum", "--assets", "2", "--blocks", "3", *args)
    assert code == 2 and message in err and err.count("\n") == 1
