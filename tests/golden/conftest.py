"""pytest fixtures of the golden-fixture tests: tmp_path copies of a committed fixture that tests corrupt."""

from __future__ import annotations

import json
import shutil

import pytest

from golden_helpers import SMALL, golden_file
from parity import fixtures as F


@pytest.fixture
def small_copy(tmp_path):
    """(path of a tmp copy of the SMALL fixture, its parsed JSON)."""
    path = tmp_path / f"{SMALL}.json"
    shutil.copyfile(golden_file(SMALL), path)
    return path, json.loads(path.read_text())


@pytest.fixture
def tmp_root(tmp_path):
    """(a repository root in tmp_path holding a copy of the SMALL fixture's price file, its relative path)."""
    data = json.loads(golden_file(SMALL).read_text())
    rel = data["prices"]["path"]
    dst = tmp_path / "root" / rel
    dst.parent.mkdir(parents=True)
    shutil.copyfile(F.REPO_ROOT / rel, dst)
    return tmp_path / "root", rel
