"""Compiler profiles: legacy (default) and via-IR share every setting but the pipeline, are cached as two
entries, and an unknown profile is a clear error."""

from __future__ import annotations

import pytest

from parity.chain import compile as C
from parity.chain import compile_sources

TINY = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;
contract Tiny { uint256 public x; function set(uint256 v) external { x = v; } }
"""


def test_profiles_differ_only_in_the_pipeline():
    legacy, via_ir = C.profile_settings("legacy"), C.profile_settings("via-ir")
    assert legacy is C.SETTINGS and legacy["viaIR"] is False and via_ir["viaIR"] is True
    assert {k: v for k, v in via_ir.items() if k != "viaIR"} == {k: v for k, v in legacy.items() if k != "viaIR"}
    assert C.profile_of(legacy) == "legacy" and C.profile_of(via_ir) == "via-ir" and C.profile_of({}) == "legacy"


def test_each_profile_is_cached_separately(tmp_path):
    before = C.compiler_invocations()
    legacy = compile_sources({"Tiny.sol": TINY}, cache_dir=tmp_path)["Tiny"]
    via_ir = compile_sources({"Tiny.sol": TINY}, cache_dir=tmp_path, profile="via-ir")["Tiny"]
    assert C.compiler_invocations() == before + 2
    assert legacy.source_hash != via_ir.source_hash and via_ir.settings["viaIR"] is True
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == sorted([legacy.source_hash, via_ir.source_hash])
    assert compile_sources({"Tiny.sol": TINY}, cache_dir=tmp_path, profile="via-ir")["Tiny"] == via_ir
    assert C.compiler_invocations() == before + 2  # both served from the cache


def test_unknown_profile_names_the_choices(tmp_path):
    with pytest.raises(ValueError, match=r"compiler profile: got 'ir', must be one of legacy, via-ir"):
        compile_sources({"Tiny.sol": TINY}, cache_dir=tmp_path, profile="ir")
