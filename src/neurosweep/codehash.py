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
stale because of "code").
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
from pathlib import Path

PACKAGE = "neurosweep"


def module_file(name: str) -> Path | None:
    """The source file of a neurosweep module (a package's __init__.py), None if there is none."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin in (None, "built-in", "frozen"):
        return None
    return Path(spec.origin)


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


@functools.lru_cache(maxsize=None)
def code_hash(modules: tuple[str, ...]) -> str:
    """A short hash of the code of the modules and everything of neurosweep they import."""
    digest = hashlib.sha256()
    for name, path in sorted(closure(modules).items()):
        tree = ast.parse(path.read_text(), filename=str(path))
        digest.update(name.encode() + b"\0" + ast.dump(tree).encode() + b"\0")
    return digest.hexdigest()[:16]
