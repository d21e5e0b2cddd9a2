"""Helpers for the golden-fixture tests: the committed set, and tmp_path copies that tests corrupt."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import parity  # noqa: F401  (float64 before any array)
from parity import fixtures as F

SPECS = {s.name: s for s in F.GOLDEN}
# The smallest committed fixture (2 assets, 20 blocks): the corruption tests copy it.
SMALL = "power_channel_btc_eth_2_raw"


def golden_file(name: str) -> Path:
    return F.golden_path(SPECS[name])


def write_json(path: Path, data: dict, *, rehash: bool) -> Path:
    """Write `data` as JSON; rehash=True recomputes content_sha256 (so only the edit itself is wrong),
    rehash=False keeps the stored hash (so the edit is caught by the integrity check)."""
    if rehash:
        data = {**data, "content_sha256": F.content_hash(data)}
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return path


@pytest.fixture
def small_copy(tmp_path):
    """(path of a tmp copy of the SMALL fixture, its parsed JSON)."""
    path = tmp_path / f"{SMALL}.json"
    shutil.copyfile(golden_file(SMALL), path)
    return path, json.loads(path.read_text())


@pytest.fixture
def tmp_root(tmp_path):
    """A repository root in tmp_path holding a copy of the SMALL fixture's price file."""
    data = json.loads(golden_file(SMALL).read_text())
    rel = data["prices"]["path"]
    dst = tmp_path / "root" / rel
    dst.parent.mkdir(parents=True)
    shutil.copyfile(F.REPO_ROOT / rel, dst)
    return tmp_path / "root", rel
