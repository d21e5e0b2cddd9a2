"""The user guide (docs/, mkdocs.yml) builds with `mkdocs build --strict`, and the strict build really fails on
the mistakes it is meant to catch: a broken link, a broken anchor, a nav entry without a page. A page that
exists but is not in the nav yet must not fail it (pages land before their nav line)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "mkdocs.yml"


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of one config into `site`, as a user (or CI) runs it."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(site)],
        capture_output=True, text=True, timeout=120, cwd=config.parent,
    )


def nav_pages(nav) -> list[str]:
    """Every page file named in a mkdocs nav (nested sections included)."""
    pages = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_the_guide_builds_strict_and_every_nav_page_is_rendered(tmp_path):
    proc = mkdocs_build(CONFIG, tmp_path / "site")
    assert proc.returncode == 0, proc.stderr
    nav = yaml.safe_load(CONFIG.read_text())["nav"]
    pages = nav_pages(nav)
    assert "index.md" in pages and len(pages) == len(set(pages))
    for page in pages:
        html = tmp_path / "site" / ("index.html" if page == "index.md" else page.removesuffix(".md") + "/index.html")
        assert html.is_file(), f"{page} is in the nav but {html} was not built"


def small_guide(tmp_path: Path, pages: dict[str, str], nav: list) -> Path:
    """A throw-away guide with the real mkdocs.yml's theme and validation settings, the given pages and nav."""
    real = yaml.safe_load(CONFIG.read_text())
    config = {"site_name": "t", "docs_dir": "docs", "theme": real["theme"], "validation": real["validation"],
              "nav": nav}
    (tmp_path / "docs").mkdir()
    for name, text in pages.items():
        (tmp_path / "docs" / name).write_text(text)
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    return tmp_path / "mkdocs.yml"


GOOD = {"index.md": "# Home\n\nSee [the page](page.md) and [its part](page.md#a-part).\n",
        "page.md": "# Page\n\n## A part\n\ntext\n"}
NAV = [{"Home": "index.md"}, {"Page": "page.md"}]


MISTAKES = {  # what each mistake makes MkDocs name in its warning
    "broken link": ("[gone](no-such-page.md)", "contains a link 'no-such-page.md', but the target is not found"),
    "broken anchor": ("[gone](page.md#no-such-part)", "the doc 'page.md' does not contain an anchor '#no-such-part'"),
    "absolute link": ("[abs](/page.md)", "contains an absolute link '/page.md'"),
    "nav entry without a page": (None, "'gone.md' is included in the 'nav' configuration, which is not found"),
}


def test_the_strict_build_fails_on_each_kind_of_broken_guide(tmp_path):
    """One throw-away guide with every mistake: each must be a warning (so --strict aborts on it alone)."""
    links = "\n\n".join(link for link, _ in MISTAKES.values() if link)
    guide = small_guide(tmp_path, {**GOOD, "index.md": f"# Home\n\n{links}\n"}, NAV + [{"Gone": "gone.md"}])
    proc = mkdocs_build(guide, tmp_path / "site")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    warnings = [line for line in output.splitlines() if line.startswith("WARNING")]
    for kind, (_, message) in MISTAKES.items():
        assert sum(message in line for line in warnings) == 1, f"{kind}: no warning {message!r} in\n{output}"
    assert len(warnings) == len(MISTAKES), output
    assert f"Aborted with {len(MISTAKES)} warnings in strict mode" in output


def test_a_page_not_yet_in_the_nav_builds(tmp_path):
    """The control for the test above: the same small guide builds, with an extra page that no nav line names."""
    proc = mkdocs_build(small_guide(tmp_path, {**GOOD, "new.md": "# New\n"}, NAV), tmp_path / "site")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "site" / "new" / "index.html").is_file()
