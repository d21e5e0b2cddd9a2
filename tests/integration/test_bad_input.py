"""Bad input to `parity verify`, `record` and `replay`: every case exits 2 with ONE line on stderr that
names the input and what is wrong, prints no traceback, deploys nothing and writes no output file.

The classes: inputs that used to give tracebacks, outputs (checked before the run), inputs that used to be
accepted silently, and inputs that used to give a wrong exit code or an unclear message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from parity import fixtures as F
from parity.cli import main

REPO = Path(__file__).resolve().parents[2]
PRICES = REPO / "fixtures" / "prices"
BTC_ETH = PRICES / "btc_eth_daily_2.csv"
SMALL_FIXTURE = REPO / "fixtures" / "golden" / "power_channel_btc_eth_2_raw.json"
DAY = 86400
T0 = 1704067200


def _csv(path: Path, rows, header="timestamp,A,B") -> Path:
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def _series(path: Path, a, b=2.0, rows=12, start=T0) -> Path:
    """A 2-column daily CSV; `a` is a constant or a function of the row."""
    return _csv(path, [(start + DAY * t, a(t) if callable(a) else a, b) for t in range(rows)])


@pytest.fixture
def no_chain(monkeypatch):
    """Bad input must be caught before any chain is started or contract deployed."""
    import parity.chain as chain_pkg

    def forbidden(*a, **k):
        raise AssertionError("a chain was started for a bad input")

    monkeypatch.setattr(chain_pkg, "make_chain", forbidden)


def _one_line_exit_2(capsys, argv, *needles):
    code = main(argv)
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert code == 2, out.out + out.err
    assert len(lines) == 1, out.err
    assert "Traceback" not in out.err and out.out == ""
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def _verify(*args):
    return ["verify", "--rule", "momentum", "--backend", "revm", "--blocks", "5", "--quiet", *args]


# ------------------------------------------------------------------------------------- tracebacks before


@pytest.mark.parametrize("price", ["1e300", "1e30", "1e35", "1e40"])
def test_prices_beyond_int128_fail_up_front(capsys, tmp_path, no_chain, price):
    path = _series(tmp_path / "p.csv", lambda t: float(price) * (1 + 0.01 * t))
    _one_line_exit_2(capsys, _verify("--prices", str(path)), f"--prices {path}", "column A", "int128")


def test_a_state_that_would_overflow_int128_fails_up_front(capsys, tmp_path, no_chain):
    # each price fits, but the gradient state (p − p̄)/(1 − λ) of a 4x jump grows beyond int128
    path = _series(tmp_path / "p.csv", lambda t: 1e19 if t < 3 else 4e19)
    _one_line_exit_2(capsys, _verify("--prices", str(path), "--lamb", "0.999"), "column A", "running_a", "revert")


def test_prices_below_one_wei(capsys, tmp_path, no_chain):
    path = _series(tmp_path / "p.csv", 1e-20)
    _one_line_exit_2(capsys, _verify("--prices", str(path)), "column A", "below 1 wei")


@pytest.mark.parametrize("start", [2**63, -10 * DAY])
def test_timestamps_outside_unix_seconds(capsys, tmp_path, start):
    path = _series(tmp_path / "p.csv", 1.0, start=start)
    _one_line_exit_2(capsys, _verify("--prices", str(path)), f"--prices {path}", "row 0", "timestamp")


@pytest.mark.parametrize("flag", ["--prices", "--params"])
@pytest.mark.parametrize("kind", ["directory", "binary", "device", "nested"])
def test_unreadable_input_files(capsys, tmp_path, flag, kind):
    path = {"directory": tmp_path, "device": Path("/dev/zero")}.get(kind, tmp_path / f"{kind}.x")
    if kind == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    if kind == "nested":
        path.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    expected = {"directory": "directory", "binary": "binary", "device": "not a regular file", "nested": "nested"}[kind]
    if kind == "nested" and flag == "--prices":
        expected = "not a price CSV"  # one 100,000-character field
    _one_line_exit_2(capsys, _verify(flag, str(path)), f"{flag} {path}", expected)


@pytest.mark.parametrize("kind", ["directory", "binary", "device", "nested"])
def test_unreadable_fixture_files(capsys, tmp_path, kind):
    path = {"directory": tmp_path, "device": Path("/dev/zero")}.get(kind, tmp_path / f"{kind}.json")
    if kind == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    if kind == "nested":
        path.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    expected = {"directory": "directory", "binary": "binary", "device": "not a regular file", "nested": "nested"}[kind]
    _one_line_exit_2(capsys, ["replay", str(path)], str(path), expected)


def test_non_ascii_digits_in_assets(capsys, no_chain):
    _one_line_exit_2(capsys, _verify("--assets", "\u0663"), "--assets", "0-9")


def test_unsupported_plot_extension_fails_before_the_run(capsys, tmp_path, no_chain):
    report, plot = tmp_path / "r.json", tmp_path / "p.xyz"
    _one_line_exit_2(capsys, _verify("--report", str(report), "--plot", str(plot)), f"--plot {plot}", "'.xyz'")
    assert not report.exists()


# ------------------------------------------------------------------------------------------------ outputs


@pytest.mark.parametrize("flag", ["--report", "--plot"])
def test_unwritable_output_fails_before_the_run(capsys, tmp_path, no_chain, flag):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    target = blocker / "out.png"  # its "directory" is a file: cannot be created
    _one_line_exit_2(capsys, _verify(flag, str(target)), f"{flag} {target}", "not a directory")


def test_record_out_unwritable_fails_before_the_run(capsys, tmp_path, no_chain):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    _one_line_exit_2(capsys, ["record", "--rule", "momentum", "--prices", str(BTC_ETH), "--blocks", "3",
                              "--out", str(blocker / "fx.json")], "--out", "not a directory")


def test_output_equal_to_an_input_is_refused(capsys, tmp_path, no_chain):
    prices = shutil.copyfile(BTC_ETH, tmp_path / "p.csv")
    before = prices.read_bytes()
    _one_line_exit_2(capsys, _verify("--prices", str(prices), "--report", str(prices)), "--report", "same file as --prices")
    params = tmp_path / "params.json"
    params.write_text('{"lamb": 0.9}')
    same = tmp_path / ".." / tmp_path.name / "params.json"  # another spelling of the same file
    _one_line_exit_2(capsys, _verify("--params", str(params), "--report", str(same)), "--report", "same file as --params")
    _one_line_exit_2(capsys, ["record", "--rule", "momentum", "--prices", str(prices), "--out", str(prices)],
                     "--out", "same file as --prices")
    assert prices.read_bytes() == before


def test_replay_report_onto_its_fixture_or_its_price_file_is_refused(capsys, tmp_path):
    fx = shutil.copyfile(SMALL_FIXTURE, tmp_path / "fx.json")
    before = fx.read_bytes()
    _one_line_exit_2(capsys, ["replay", str(fx), "--report", str(fx)], "--report", "same file as FIXTURE")
    assert fx.read_bytes() == before
    price_file = REPO / json.loads(before)["prices"]["path"]
    _one_line_exit_2(capsys, ["replay", str(fx), "--report", str(price_file)], "same file as the fixture's price file")


# ------------------------------------------------------------------------------------ accepted silently


def test_unknown_parameter_keys(capsys, tmp_path, no_chain):
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"lambda": 0.5, "kappa": 1.0}))
    _one_line_exit_2(capsys, _verify("--params", str(params)), "'lambda'", "not used by rule momentum")


def test_a_parameter_the_rule_does_not_have(capsys, no_chain):
    _one_line_exit_2(capsys, ["verify", "--rule", "min_variance", "--use-raw-price", "--quiet"], "'use_raw_price'",
                     "min_variance")


def test_tolerance_for_a_field_the_rule_does_not_have(capsys, no_chain):
    _one_line_exit_2(capsys, _verify("--tolerance", "variance=1e-3"), "--tolerance variance", "MomentumRule")


def test_replay_tolerance_for_a_field_the_rule_does_not_have(capsys):
    _one_line_exit_2(capsys, ["replay", str(SMALL_FIXTURE), "--tolerance", "short_ewma=1"], "--tolerance short_ewma")


def test_empty_column_name(capsys, tmp_path):
    path = _csv(tmp_path / "p.csv", [(T0 + DAY * t, 1.0, 2.0) for t in range(8)], header="timestamp,,B")
    _one_line_exit_2(capsys, _verify("--prices", str(path)), f"--prices {path}", "empty name")


def test_sender_not_among_the_revm_accounts(capsys):
    sender = "0x" + "11" * 20
    _one_line_exit_2(capsys, _verify("--sender", sender), f"--sender {sender}", "not one of the revm chain's")


# --------------------------------------------------------------------- wrong exit code / unclear message


def test_header_only_csv(capsys, tmp_path, no_chain):
    path = _csv(tmp_path / "p.csv", [])
    _one_line_exit_2(capsys, _verify("--prices", str(path)), f"--prices {path}", "need at least 2 rows")


def _fixture_with(tmp_path, edit, *, rehash=True) -> Path:
    data = json.loads(SMALL_FIXTURE.read_text())
    edit(data)
    if rehash:
        data["content_sha256"] = F.content_hash(data)
    path = tmp_path / "fx.json"
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return path


@pytest.mark.parametrize("value, bits", [(2**127, 128), (-(2**127) - 1, 128), (2**255, 256)])
def test_fixture_integers_outside_int128_int256_with_a_valid_hash(capsys, tmp_path, value, bits):
    def edit(data):
        if bits == 128:
            data["per_block"][3]["state"]["running_a"][0] = str(value)
        else:
            data["per_block"][3]["weights"][1] = str(value)

    path = _fixture_with(tmp_path, edit)
    field = "per_block[3].state.running_a[0]" if bits == 128 else "per_block[3].weights[1]"
    _one_line_exit_2(capsys, ["replay", str(path)], str(path), field, f"int{bits}")


def test_fixture_5000_digit_integer_as_a_string(capsys, tmp_path):
    path = _fixture_with(tmp_path, lambda d: d["per_block"][0]["weights"].__setitem__(0, "9" * 5000))
    _one_line_exit_2(capsys, ["replay", str(path)], str(path), "per_block[0].weights[0]", "5000-digit")


def test_fixture_5000_digit_integer_as_a_number(capsys, tmp_path):
    path = tmp_path / "fx.json"
    text = SMALL_FIXTURE.read_text()
    assert '"chain_block": 3,' in text
    path.write_text(text.replace('"chain_block": 3,', '"chain_block": ' + "7" * 5000 + ",", 1))
    _one_line_exit_2(capsys, ["replay", str(path)], str(path), "(json)")


def test_fixture_timestamp_beyond_uint64(capsys, tmp_path):
    path = _fixture_with(tmp_path, lambda d: d["per_block"][0].__setitem__("timestamp", 2**64))
    _one_line_exit_2(capsys, ["replay", str(path)], str(path), "per_block[0].timestamp")


def test_two_keys_for_one_parameter(capsys, tmp_path, no_chain):
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"width": 0.1, "sp_width": 0.3}))
    _one_line_exit_2(capsys, ["verify", "--rule", "mean_reversion_channel", "--params", str(params), "--quiet"],
                     "'sp_width'", "overridden")


def test_a_simulator_style_key_replaces_the_default_not_refused(capsys, tmp_path):
    """Control: `sp_width` alone replaces the default `width` (it used to be silently hidden by it)."""
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"sp_width": 0.3}))
    code = main(["verify", "--rule", "mean_reversion_channel", "--params", str(params), "--backend", "revm",
                 "--blocks", "5", "--quiet"])
    out = capsys.readouterr()
    assert code == 0, out.err


# ------------------------------------------------------------------------------------------ issue 20


def test_json_boolean_is_not_a_number(capsys, tmp_path, no_chain):
    params = tmp_path / "params.json"
    params.write_text('{"lamb": 0.9, "kappa": true}')
    _one_line_exit_2(capsys, _verify("--params", str(params)), f"--params {params}", "'kappa': true is a boolean")


@pytest.mark.parametrize("value", [[1, [2]], "0.9", None, {"a": 1}])
def test_parameter_values_that_are_not_numbers(capsys, tmp_path, no_chain, value):
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"kappa": value}))
    _one_line_exit_2(capsys, _verify("--params", str(params)), "'kappa'", "not a number")


@pytest.mark.parametrize("samples", ["100000000", "0", "-3"])
@pytest.mark.parametrize("verb", ["verify", "record"])
def test_samples_per_interval_limit(capsys, tmp_path, no_chain, samples, verb):
    out = tmp_path / "fx.json"
    argv = (_verify("--level", "pool") if verb == "verify" else
            ["record", "--rule", "momentum", "--level", "pool", "--prices", str(BTC_ETH), "--out", str(out)])
    _one_line_exit_2(capsys, [*argv, "--samples-per-interval", samples], f"--samples-per-interval {samples}",
                     "between 1 and 64")
    assert not out.exists()


@pytest.mark.parametrize("args, needle", [
    (["--level", "pool", "--stale-oracles", "1.5"], "--stale-oracles 1.5: must be a share in [0, 1]"),
    (["--level", "pool", "--stale-oracles", "nan"], "--stale-oracles nan"),
    (["--level", "pool", "--stale-seed", "-1"], "--stale-seed -1"),
    (["--stale-oracles", "0.2"], "--stale-oracles 0.2: applies to --level pool only"),
])
def test_stale_oracle_options(capsys, no_chain, args, needle):
    _one_line_exit_2(capsys, _verify(*args), needle)


def test_record_refuses_the_oracle_scenario(capsys, tmp_path, no_chain):
    out = tmp_path / "fx.json"
    _one_line_exit_2(capsys, ["record", "--rule", "momentum", "--level", "pool", "--prices", str(BTC_ETH), "--out",
                              str(out), "--stale-oracles", "0.3"], "--stale-oracles", "verify --level pool")
    assert not out.exists()
