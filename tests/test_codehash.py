"""Which library code a training job runs, as a hash that follows code, not file times."""

from __future__ import annotations

import ast

from neurosweep import codehash


def names(module: str) -> set[str]:
    return set(codehash.closure((module,)))


def test_closure_follows_imports_within_the_library_and_stops_there():
    used = names("neurosweep.studies.invariances.jobs")
    # direct, relative, nested and lazily imported (inside a function) modules all count
    for module in ("cppn", "training", "contrastive", "evaluate", "neurons", "macaque"):
        assert f"neurosweep.studies.invariances.{module}" in used, module
    assert {"neurosweep.harness", "neurosweep", "neurosweep.studies"} <= used
    # drawing code, figure data and the other studies are not what a training job runs
    assert not any(".plots" in n or n.endswith(".figures") for n in used)
    assert not any(n.startswith(("neurosweep.studies.feedback", "neurosweep.studies.psychophysics")) for n in used)
    assert not any(n.startswith(("torch", "numpy")) for n in used)


def test_sweeps_of_one_study_use_different_code():
    linear = names("neurosweep.studies.psychophysics.linear")
    hue = names("neurosweep.studies.psychophysics.hue")
    assert "neurosweep.studies.psychophysics.hue" not in linear
    assert "neurosweep.studies.psychophysics.linear" not in hue


def test_relative_imports_resolve_from_modules_and_packages():
    tree = ast.parse("from . import a\nfrom .b import c\nfrom .. import d\nfrom ..e import f\n")
    assert codehash.imported_names(tree, "neurosweep.x.y", is_package=False) >= {
        "neurosweep.x.a", "neurosweep.x.b", "neurosweep.d", "neurosweep.e"}
    assert "neurosweep.x.y.a" in codehash.imported_names(tree, "neurosweep.x.y", is_package=True)


def test_hash_is_of_the_syntax_tree():
    """Comments and layout do not change the tree, code does (the workflow test edits files)."""
    assert ast.dump(ast.parse("x = 1  # one\n\n")) == ast.dump(ast.parse("x = 1\n"))
    assert ast.dump(ast.parse("x = 1\n")) != ast.dump(ast.parse("x = 2\n"))
    first = codehash.code_hash(("neurosweep.studies.psychophysics.linear",))
    assert first == codehash.code_hash(("neurosweep.studies.psychophysics.linear",))
    assert first != codehash.code_hash(("neurosweep.studies.psychophysics.hue",))
