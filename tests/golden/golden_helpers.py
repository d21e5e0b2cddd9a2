"""Shared helpers of the golden-fixture tests (imported by name; conftest.py holds the pytest fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

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
