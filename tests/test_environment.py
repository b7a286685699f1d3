"""environment.yml (conda) and pyproject.toml (pip) must pin the same dependencies."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def normalise(requirement: str) -> str:
    name, _, version = requirement.partition("==")
    return f"{re.sub(r'[-_.]+', '-', name.strip().lower())}=={version.strip()}"


def pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {normalise(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}


def environment_requirements() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return {normalise(r) for r in pip if not r.startswith("-e")}


def test_every_dependency_is_pinned_exactly():
    for requirement in pyproject_requirements():
        assert re.match(r"^[a-z0-9-]+==[0-9][0-9a-z.]*$", requirement), requirement


def test_environment_yml_agrees_with_pyproject():
    assert environment_requirements() == pyproject_requirements()


def test_torch_is_the_pinned_cpu_release():
    assert "torch==2.13.0" in pyproject_requirements()
