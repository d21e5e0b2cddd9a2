"""Bad pool-level fixtures to `parity replay`: every field is required, typed and range-checked even when the
content hash was recomputed after the edit (the hash alone is not trusted): one line naming the field, exit
2, nothing replayed or written. Every committed fixture of both levels passes the schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parity import fixtures as F

from bad_input_helpers import REPO, one_line_exit_2

GOLDEN = REPO / "fixtures" / "golden"
POOL_FIXTURE = GOLDEN / "pool" / "pool_momentum_btc_eth_2_jitter.json"


@pytest.fixture
def no_replay(monkeypatch):
    """A refused fixture must never reach the replay."""
    import parity.fixtures.files as files

    def forbidden(*a, **k):
        raise AssertionError("a fixture that failed validation was replayed")

    monkeypatch.setattr(files, "replay_pool", forbidden)
    monkeypatch.setattr(files, "replay_rule", forbidden)


def _edited(tmp_path: Path, edit, *, rehash: bool = True) -> Path:
    data = json.loads(POOL_FIXTURE.read_text())
    edit(data)
    if rehash:
        data["content_sha256"] = F.content_hash(data)
    path = tmp_path / "fx.json"
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return path


def _set(path, value):
    """An edit that sets data[path[0]][path[1]]... to value."""

    def edit(d):
        for key in path[:-1]:
            d = d[key]
        d[path[-1]] = value

    return edit


def _pop(path):
    def edit(d):
        for key in path[:-1]:
            d = d[key]
        d.pop(path[-1])

    return edit


def _rename(path, new):
    def edit(d):
        for key in path[:-1]:
            d = d[key]
        d[new] = d.pop(path[-1])

    return edit


CASES = {
    # the three the issue names: an edited sample_times, level or stack backend was accepted
    "sample-times": (_set(("per_block", 2, "sample_times", 1), 2000350000), "per_block[2].sample_times", "spread over"),
    "level": (_set(("level",), "rule"), "level", "expected 'pool'"),
    "backend": (_set(("stack", "backend"), "rpc"), "stack.backend", "in-process"),
    # a missing or misspelt field gave a traceback
    "missing-top": (_pop(("stack",)), "(top level)", "missing key(s) stack"),
    "missing-block-field": (_pop(("per_block", 1, "gas")), "per_block[1]", "missing key(s) gas"),
    "misspelt-block-field": (_rename(("per_block", 0, "sample_times"), "sample_time"), "per_block[0]", "sample_time"),
    "missing-stack-field": (_pop(("stack", "update_jitter")), "stack", "missing key(s) update_jitter"),
    "misspelt-address": (_rename(("stack", "addresses", "runner"), "runer"), "stack.addresses", "runer"),
    "unknown-field": (_set(("per_block", 3, "note"), "x"), "per_block[3]", "unknown key(s) note"),
    # state outside int128 surfaced later as MODEL MISMATCH
    "state-int128": (_set(("per_block", 2, "state", "running_a", 0), str(2**127)), "per_block[2].state.running_a[0]", "int128"),
    "initial-int128": (_set(("initial", "ewma", 1), str(-(2**127) - 1)), "initial.ewma[1]", "int128"),
    # times: uint40, and consistent with the run they claim to come from
    "timestamp-uint40": (_set(("per_block", 0, "timestamp"), 2**40), "per_block[0].timestamp", "1099511627775"),
    "timestamp-moved": (_set(("per_block", 4, "timestamp"), 2000500000), "per_block[4].timestamp", "jitter"),
    "last-interp": (_set(("per_block", 1, "last_interp", 0), str(2**41 * 10**18)), "per_block[1].last_interp", "uint40"),
    "last-update": (_set(("per_block", 1, "last_update", 0), "5"), "per_block[1].last_update", "seconds"),
    "start": (_set(("stack", "start_timestamp"), 2**40), "stack.start_timestamp", "1099511627775"),
    "jitter-seed": (_set(("stack", "jitter_seed"), "2"), "per_block[0].timestamp", "jitter"),
    "interval": (_set(("stack", "update_interval_s"), 3600), "stack.update_interval_s", "chunk_period"),
    # types, storage and shapes
    "samples-count": (_set(("stack", "samples_per_interval"), 4), "per_block[0].sample_times", "4 times"),
    "samples-limit": (_set(("stack", "samples_per_interval"), 10**8), "stack.samples_per_interval", "<= 64"),
    "bool-as-int": (_set(("stack", "update_jitter"), True), "stack.update_jitter", "integer"),
    "stored-quantum": (_set(("per_block", 0, "pool_weights", 0), "500000000000000001"), "per_block[0].pool_weights[0]", "9 decimals"),
    "oracles": (_set(("stack", "addresses", "oracles", 0), []), "stack.addresses.oracles[0]", "1 addresses"),
    "address": (_set(("stack", "addresses", "pool"), "0xabc"), "stack.addresses.pool", "checksum"),
    "events": (_set(("per_block", 0, "events", 0), "x"), "per_block[0].events[0]", "emitter"),
    "price": (_set(("per_block", 0, "price", 0), "1"), "per_block[0].price", "price source"),
    "artifact": (_set(("contract_artifact", "source_hash"), "zz"), "contract_artifact.source_hash", "hex"),
    # the V1-shaped stack's keys: together or not at all, each checked, the rule artifact the stack's rule
    "stack-contracts-alone": (_pop(("stack", "compiler_profile")), "stack.compiler_profile", "come together"),
    "stack-vault-without-contracts": (lambda d: [d["stack"].pop(k) for k in ("contracts", "compiler_profile")],
                                      "stack.addresses.vault", "absent without them"),
    "stack-vault-missing": (_pop(("stack", "addresses", "vault")), "stack.addresses.vault", "expected with"),
    "stack-profile": (_set(("stack", "compiler_profile"), "v2"), "stack.compiler_profile", "legacy, via-ir"),
    "stack-role-missing": (_pop(("stack", "contracts", "vault")), "stack.contracts", "missing key(s) vault"),
    "stack-role-hash": (_set(("stack", "contracts", "pool", "source_hash"), "sha256:zz"),
                        "stack.contracts.pool.source_hash", "hex"),
    "stack-role-name": (_set(("stack", "contracts", "runner", "contract"), ""), "stack.contracts.runner.contract",
                        "non-empty"),
    "artifact-not-the-rule": (_set(("contract_artifact", "contract_name"), "UpdateWeightRunner"),
                              "contract_artifact.contract_name", "stack.contracts.rule.contract"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_edited_pool_fixture_with_a_valid_hash(capsys, tmp_path, no_replay, case):
    edit, field, fragment = CASES[case]
    path = _edited(tmp_path, edit)
    report = tmp_path / "report.json"
    one_line_exit_2(capsys, ["replay", path, "--report", report], str(path), field, fragment,
                    inputs=[path], outputs=[report])


def test_edited_pool_fixture_without_rehash_fails_the_hash(capsys, tmp_path, no_replay):
    path = _edited(tmp_path, _set(("level",), "rule"), rehash=False)
    one_line_exit_2(capsys, ["replay", path], "content_sha256", inputs=[path])


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json")) + sorted(GOLDEN.glob("pool/*.json")),
                         ids=lambda p: p.stem)
def test_every_committed_fixture_passes_the_schema(path):
    fx = F.load_fixture(path)
    assert fx.blocks == len(fx.data["per_block"])


@pytest.mark.parametrize("level", ["rule", "pool"])
def test_a_boolean_where_a_number_is_recorded(capsys, tmp_path, no_replay, level):
    """JSON true == 1 in Python: a re-hashed `kappa: [true]` must not pass as κ = 1."""
    source = GOLDEN / "momentum_btc_eth_2_scalar.json" if level == "rule" else POOL_FIXTURE
    data = json.loads(source.read_text())
    key = next(k for k, v in data["parameters"]["float"].items() if k != "use_raw_price")
    data["parameters"]["float"][key] = [True if x == 1.0 else x for x in data["parameters"]["float"][key]]
    data["parameters"]["float"][key][0] = True
    data["content_sha256"] = F.content_hash(data)
    path = tmp_path / "fx.json"
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    one_line_exit_2(capsys, ["replay", path], f"parameters.float.{key}", "expected a list of numbers", inputs=[path])
