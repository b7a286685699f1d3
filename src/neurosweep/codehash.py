"""Which library code a job runs, as one hash: reruns follow the code that matters.

A training job's result depends on the modules its trainer imports, directly or through other
neurosweep modules, and on nothing else of the library. :func:`code_hash` follows those imports
statically (every ``import`` statement in the module, also those inside functions, so lazily
imported stages count) and hashes what the modules *say*, not when their files were touched: the
parsed syntax tree, so a comment or a reformatted line changes nothing, while any change to code
or docstrings does. A fresh clone or a ``git checkout`` that only changes file times leaves the
hash as it was.

The workflow passes the hash as a `params` entry of the training rules, so Snakemake's own
params trigger reruns exactly the jobs whose code changed (and `neurosweep plan` reports them as
stale because of "code"). The figure rules carry the hash of their data and drawing modules the
same way. :func:`software` does the same for the numeric libraries' versions.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGE = "neurosweep"
PACKAGE_DIR = Path(__file__).resolve().parent


def module_file(name: str) -> Path | None:
    """The source file of a neurosweep module (a package's __init__.py), None if there is none.

    Resolved by path under the package's folder, not by importlib, which would import the parent
    packages (and so torch) just to find a file."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def imported_names(tree: ast.Module, name: str, is_package: bool) -> set[str]:
    """The neurosweep modules a parsed module imports (absolute names)."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            found.add(base)
            # `from pkg import mod` imports a module when mod is one
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {n for n in found if n == PACKAGE or n.startswith(PACKAGE + ".")}


def closure(modules: tuple[str, ...]) -> dict[str, Path]:
    """Every neurosweep module the given modules use, transitively: name -> file. The parent
    packages of a module count too (importing a.b.c runs a/__init__ and a/b/__init__)."""
    seen: dict[str, Path] = {}
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = module_file(name)
        if path is None:  # a name imported from a module, not a module
            continue
        seen[name] = path
        parent = name.rpartition(".")[0]
        if parent.startswith(PACKAGE):
            todo.append(parent)
        tree = ast.parse(path.read_text(), filename=str(path))
        todo.extend(imported_names(tree, name, path.name == "__init__.py"))
    return seen


def syntax(path: Path) -> str:
    """What a source file says, without comments or layout: its syntax tree, dumped."""
    return ast.dump(ast.parse(path.read_text(), filename=str(path)))


@functools.lru_cache(maxsize=None)
def code_hash(modules: tuple[str, ...], scripts: tuple[str, ...] = ()) -> str:
    """A short hash of the code of the modules, everything of neurosweep they import, and the
    given script files (a rule's thin workflow script), each over its syntax tree."""
    digest = hashlib.sha256()
    for name, path in sorted(closure(modules).items()):
        digest.update(name.encode() + b"\0" + syntax(path).encode() + b"\0")
    for script in map(Path, scripts):
        digest.update(script.name.encode() + b"\0" + syntax(script).encode() + b"\0")
    return digest.hexdigest()[:16]


def params_hash(params) -> str:
    """A short stable hash of a point's params (canonical JSON): what record.json stores and
    what a pack's reuse and `neurosweep plan` compare."""
    text = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# The libraries whose version can change a trained result's numbers.
NUMERIC_LIBRARIES = ("torch", "numpy")


@functools.lru_cache(maxsize=None)
def software() -> str:
    """The numeric software a training job runs on, e.g. "python 3.11, torch 2.13.0, numpy 2.2.6",
    read from package metadata (no import of torch). A `params` entry of the training rules, so
    a changed torch or numpy re-trains (as Snakemake's software-env trigger does for conda)."""
    parts = [f"python {'.'.join(platform.python_version_tuple()[:2])}"]
    for package in NUMERIC_LIBRARIES:
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package} not installed")
    return ", ".join(parts)
