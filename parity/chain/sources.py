"""A user's Solidity file and its imports, read only from the places the user named (a security property).

`parity verify --contract path/X.sol` compiles X.sol and everything it imports; `parity verify --level pool
--contracts SRC_DIR` compiles the files under SRC_DIR that define the stack's contracts. An import may come
from exactly three roots: the directory of X.sol, or SRC_DIR (and below), the target directories of
``--remap PREFIX=DIR`` and the pinned node packages (``contracts/package.json``'s Solidity dependencies,
@prb/math 2.5.0). Every import is checked by name *before* any file is opened:

* an absolute path (``import "/etc/passwd";``), a path with a backslash or NUL, or a relative path that
  climbs out of the importing unit's root (``import "../../secret.sol";`` from X.sol) is refused;
* a candidate file is opened only when its real path (symbolic links resolved) lies under one of the
  roots, so a link inside the source directory cannot reach outside it either.

Only files read this way go into the compiler's input, and the compiler reads nothing itself (the input
is self-contained: parity.chain.compile), so neither the compiled sources nor a compiler error excerpt can
contain a file from outside the roots.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from parity.chain.compile import NODE_MODULES, close_imports
from parity.errors import InputError
from parity.io import MAX_DOCUMENT_BYTES, read_input_text

COMPILER_PACKAGES = ("solc",)  # node packages that are tools, not Solidity sources (and solc-<version> aliases)


class ImportRefused(InputError):
    """An import outside the roots the user named (refused by name, before anything is read)."""


def pinned_packages(node_modules: Path = NODE_MODULES) -> tuple[str, ...]:
    """The Solidity packages pinned in contracts/package.json's dependencies (e.g. "@prb/math")."""
    try:
        deps = json.loads((node_modules.parent / "package.json").read_text()).get("dependencies", {})
    except (OSError, ValueError):
        return ()
    return tuple(sorted(name for name in deps if name not in COMPILER_PACKAGES and not name.startswith("solc-")))


@dataclass
class ImportRoots:
    """Where a user's imports may come from: the source directory, the remap targets, the pinned packages."""

    source_dir: Path
    remappings: list  # (prefix, directory), longest prefix first
    packages: tuple = field(default_factory=pinned_packages)
    node_modules: Path = NODE_MODULES

    def roots(self) -> list[Path]:
        pkgs = [self.node_modules / p for p in self.packages]
        return [p.resolve() for p in (self.source_dir, *(t for _, t in self.remappings), *pkgs)]

    def describe(self) -> str:
        remaps = ", ".join(f"{t}" for _, t in self.remappings)
        return (f"{self.source_dir} (the source's directory)" + (f", the --remap targets {remaps}" if remaps else "")
                + f" and the pinned node packages ({', '.join(self.packages) or 'none'})")

    def inside(self, path: Path) -> bool:
        real = path.resolve()
        return any(real == r or r in real.parents for r in self.roots())

    def candidates(self, name: str) -> list[Path]:
        """Where unit `name` may be read from, in order: the remappings, the source directory, a package."""
        out = [t / name[len(prefix):].lstrip("/") for prefix, t in self.remappings if name.startswith(prefix)]
        out.append(self.source_dir / name)
        out += [self.node_modules / name for p in self.packages if name.startswith(p + "/")]
        return out


def check_import_name(name: str, importer: str, roots: ImportRoots, label: str) -> None:
    """ImportRefused for an import name that cannot lie under the roots, judged on the name alone."""
    why = None
    if "\\" in name or "\x00" in name:
        why = "contains a backslash or NUL (escape sequences are not allowed in import paths)"
    elif name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        why = "is an absolute path"
    elif name == ".." or name.startswith("../"):
        why = "climbs out of the directory of the file that imports it"
    if why is not None:
        raise ImportRefused(f'{label}: import "{name}" (from "{importer}") {why}; imports resolve only under '
                            f"{roots.describe()}")


def read_import(name: str, importer: str, roots: ImportRoots, label: str) -> str | None:
    """The source of unit `name` from the first candidate that exists under the roots (None: not found);
    ImportRefused, before anything is read, for a name or a resolved file outside the roots."""
    check_import_name(name, importer, roots, label)
    for candidate in roots.candidates(name):
        if not roots.inside(candidate):
            raise ImportRefused(f'{label}: import "{name}" (from "{importer}") resolves to {candidate.resolve()}, '
                                f"outside {roots.describe()}")
        if candidate.is_file():
            return read_input_text(candidate, f'{label}: import "{name}"', max_bytes=MAX_DOCUMENT_BYTES)
    return None


def _main_units(paths, base: Path | None, remappings, label: str) -> tuple[dict[str, Path], ImportRoots]:
    """{unit name: file} of the given files and the roots: one file without `base` is named by its file name
    and its directory is the root; files under `base` are named relative to it (`--contracts SRC_DIR`), and a
    file whose real path (links resolved) leaves `base` is refused before it is read."""
    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if base is None:
        if len(paths) != 1:
            raise ValueError("user_sources: several files need the source directory `base`")
        return {paths[0].name: paths[0]}, ImportRoots(paths[0].resolve().parent, list(remappings))
    roots = ImportRoots(Path(base).resolve(), list(remappings))
    mains = {}
    for path in paths:
        name = Path(os.path.relpath(path.absolute(), Path(base).absolute())).as_posix()
        if name.startswith("../") or not (path.resolve() == roots.source_dir or roots.source_dir in path.resolve().parents):
            raise ImportRefused(f"{label}: {path} resolves to {path.resolve()}, outside the source directory {base}")
        mains[name] = path
    return mains, roots


def user_sources(paths, remappings, label: str, *, base=None) -> tuple[dict[str, str], dict[str, Path]]:
    """({unit name: source}, {unit name: file}) of the user's file(s) and everything they import, read only
    under the roots (see the module docstring); the given files come first. One file (`--contract X.sol`):
    its unit name is its name in its directory, the root. Several under `base` (`--contracts SRC_DIR`): unit
    names relative to `base`, the root."""
    mains, roots = _main_units(paths, base, remappings, label)
    files: dict[str, Path] = dict(mains)

    def load(name: str, importer: str) -> str | None:
        source = read_import(name, importer, roots, label)
        if source is not None:
            files[name] = next(c for c in roots.candidates(name) if c.is_file())
        return source

    def missing(name: str, importer: str) -> None:
        raise InputError(f'{label}: import "{name}" (from "{importer}") not found under {roots.describe()}: '
                         "add --remap PREFIX=DIR")

    sources = {name: read_input_text(path, label, max_bytes=MAX_DOCUMENT_BYTES) for name, path in mains.items()}
    return close_imports(sources, load, missing), files
