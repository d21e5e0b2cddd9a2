"""Corrupted fixtures are rejected before any of them is used, with a message naming file, field, expected
and found; an edited value with a recomputed hash replays as a divergence at exactly the edited block."""

from __future__ import annotations

import copy

import pytest

from parity import fixtures as F

from golden_helpers import write_json


def _reject(path, field_fragment: str, *, root=F.REPO_ROOT, monkeypatch=None) -> F.FixtureError:
    if monkeypatch is not None:  # the driver must never start on a rejected fixture
        import parity.harness.driver as driver

        def forbidden(*a, **k):
            raise AssertionError("replay used a fixture that failed validation")

        monkeypatch.setattr(driver, "run_lockstep", forbidden)
    with pytest.raises(F.FixtureError) as info:
        F.replay(path, root=root)
    err = info.value
    assert str(path) in str(err)
    assert field_fragment in err.field
    return err


def test_edited_value_without_rehash_fails_the_content_hash(small_copy, monkeypatch):
    path, data = small_copy
    data["per_block"][5]["weights"][0] = str(int(data["per_block"][5]["weights"][0]) + 1)
    write_json(path, data, rehash=False)
    err = _reject(path, "content_sha256", monkeypatch=monkeypatch)
    assert data["content_sha256"] in err.problem and F.content_hash(data) in err.problem


def test_wrong_hash_is_rejected(small_copy, monkeypatch):
    path, data = small_copy
    data["content_sha256"] = "0" * 64
    write_json(path, data, rehash=False)
    err = _reject(path, "content_sha256", monkeypatch=monkeypatch)
    assert "0" * 64 in err.problem


def test_edited_weight_with_valid_hash_replays_as_divergence_at_that_block(small_copy):
    path, data = small_copy
    block, asset = 7, 1
    w = data["per_block"][block - 1]["weights"]
    w[asset] = str(int(w[asset]) + 10**12)  # 1e-6 in weight: far above the weight tolerance
    write_json(path, data, rehash=True)
    result = F.replay(path, model_check=False)
    assert result.status == "divergence"
    d = result.first_divergence
    assert (d.block, d.field, d.asset) == (block, "weights", asset)
    assert d.chain_value == int(w[asset])
    # with the integer model on, the model (fed the same inputs) disagrees with the edited "chain" value
    checked = F.replay(path)
    assert checked.status == "model_mismatch"
    mm = checked.model_mismatch
    assert (mm.block, mm.field, mm.asset, mm.chain_value) == (block, "weights", asset, int(w[asset]))
    assert mm.model_value == int(w[asset]) - 10**12


def test_truncated_file_is_rejected(small_copy, monkeypatch):
    path, _ = small_copy
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    _reject(path, "(file)", monkeypatch=monkeypatch)
    # cut at a line end: the newline check passes, the JSON parser names the problem
    lines = text.splitlines(keepends=True)
    path.write_text("".join(lines[: len(lines) // 2]))
    err = _reject(path, "(json)", monkeypatch=monkeypatch)
    assert "not valid JSON" in err.problem


@pytest.mark.parametrize("rehash", [True, False])
def test_wrong_format_version_is_rejected(small_copy, monkeypatch, rehash):
    path, data = small_copy
    data["format_version"] = F.FORMAT_VERSION + 1
    write_json(path, data, rehash=rehash)
    err = _reject(path, "format_version", monkeypatch=monkeypatch)
    assert f"expected {F.FORMAT_VERSION}" in err.problem and f"found {F.FORMAT_VERSION + 1}" in err.problem


def test_wrong_length_weight_array_is_rejected(small_copy, monkeypatch):
    path, data = small_copy
    data["per_block"][3]["weights"].pop()
    write_json(path, data, rehash=True)
    err = _reject(path, "per_block[3].weights", monkeypatch=monkeypatch)
    assert "expected 2 entries" in err.problem and "found 1" in err.problem


def test_wrong_length_state_array_is_rejected(small_copy, monkeypatch):
    path, data = small_copy
    data["per_block"][0]["state"]["running_a"].append("0")
    write_json(path, data, rehash=True)
    err = _reject(path, "per_block[0].state.running_a", monkeypatch=monkeypatch)
    assert "expected 2 entries" in err.problem and "found 3" in err.problem


def test_missing_block_is_rejected(small_copy, monkeypatch):
    path, data = small_copy
    data["per_block"].pop()
    write_json(path, data, rehash=True)
    err = _reject(path, "per_block", monkeypatch=monkeypatch)
    assert f"expected {data['blocks']} blocks" in err.problem and f"found {data['blocks'] - 1}" in err.problem


def test_missing_price_file_is_rejected(small_copy, tmp_root, monkeypatch):
    path, _ = small_copy
    root, rel = tmp_root
    (root / rel).unlink()
    err = _reject(path, "prices.path", root=root, monkeypatch=monkeypatch)
    assert "not found" in err.problem and rel in err.problem


def test_changed_price_file_is_rejected(small_copy, tmp_root, monkeypatch):
    path, data = small_copy
    root, rel = tmp_root
    price = root / rel
    lines = price.read_text().splitlines(keepends=True)
    ts, first, rest = lines[3].split(",", 2)
    lines[3] = ",".join([ts, repr(float(first) * 1.001), rest])
    price.write_text("".join(lines))
    err = _reject(path, "prices.sha256", root=root, monkeypatch=monkeypatch)
    assert data["prices"]["sha256"] in err.problem


def test_replay_with_a_copied_price_root_works(small_copy, tmp_root):
    """Control for the two tests above: the same tmp root with an intact price file validates."""
    path, data = small_copy
    root, _ = tmp_root
    fx = F.load_fixture(path, root=root)
    assert fx.blocks == data["blocks"]


def test_edited_recorded_price_is_rejected(small_copy, monkeypatch):
    path, data = small_copy
    p = data["per_block"][2]["price"]
    p[0] = str(int(p[0]) + 1)
    write_json(path, data, rehash=True)
    err = _reject(path, "per_block[2].price", monkeypatch=monkeypatch)
    assert p[0] in err.problem


@pytest.mark.parametrize(
    "edit, field, fragment",
    [
        (lambda d: d.update(rule="index_market_cap"), "rule", "found 'index_market_cap'"),
        (lambda d: d.update(contract="MomentumRule"), "contract", "expected 'PowerChannelRule'"),
        (lambda d: d.update(blocks=21), "prices.rows", "span of 22 rows"),
        (lambda d: d["parameters"]["lambdaStore"].__setitem__(0, "900000000000000000"), "parameters.float.lamb", "expected [0.9]"),
        (lambda d: d["parameters"].update(epsilonMax="1"), "parameters.epsilonMax", "fingerprint.epsilon_max"),
        (lambda d: d["fingerprint"].update(n_assets=3), "fingerprint.n_assets", "expected 2"),
        (lambda d: d["initial"]["weights"].__setitem__(0, "1"), "initial.weights", "sum"),
        (lambda d: d["per_block"][4].update(block=9), "per_block[4].block", "expected 5"),
        (lambda d: d["per_block"][1]["weights"].__setitem__(1, 12.5), "per_block[1].weights[1]", "decimal string"),
        (lambda d: d["prices"].update(path="/etc/passwd"), "prices.path", "relative"),
        (lambda d: d.update(extra=1), "(top level)", "unknown key(s) extra"),
        (lambda d: d["per_block"][0]["state"].pop("ewma"), "per_block[0].state", "missing key(s) ewma"),
    ],
    ids=["unknown-rule", "wrong-contract", "block-count", "lambda-vs-float", "epsilon", "fingerprint-n",
         "initial-weights", "block-number", "non-string-int", "absolute-path", "unknown-key", "missing-state"],
)
def test_schema_violations_are_rejected(small_copy, monkeypatch, edit, field, fragment):
    path, data = small_copy
    data = copy.deepcopy(data)
    edit(data)
    write_json(path, data, rehash=True)
    err = _reject(path, field, monkeypatch=monkeypatch)
    assert fragment in err.problem, err.problem


def test_missing_fixture_file(tmp_path):
    err = _reject(tmp_path / "nope.json", "(file)")
    assert "not found" in err.problem
