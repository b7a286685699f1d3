"""Provenance cards: beside every figure, a JSON file saying exactly what made it.

A card names the git commit (and whether the tree had uncommitted changes), the hashes of the
drawing script and of every library module the figure's data and drawing code use, the config
subset of its sweep, every sweep point it used (id, values, a metrics summary, where and how long
it trained, the SLURM job id when it ran on SLURM) and the claims of its sweep with their
verdicts. Written by the drawing job (rule draw_figure), so a figure and its card never disagree.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from .claims import read_claims
from .codehash import closure, syntax
from .state import read_json_if_any


def git_state(root: str | os.PathLike = ".") -> dict:
    """The commit checked out in ``root`` and whether tracked files differ from it (None when
    ``root`` is not a git checkout, e.g. an unpacked archive)."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    changes = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(changes)}


def module_hashes(modules: list[str]) -> dict[str, str]:
    """Every library module the given modules use (their import closure), each with the hash of
    its syntax tree (what codehash.code_hash combines)."""
    return {name: hashlib.sha256(syntax(path).encode()).hexdigest()[:16]
            for name, path in sorted(closure(tuple(modules)).items())}


def file_sha256(path: str | os.PathLike) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def _scalars(metrics: dict) -> dict:
    """The metrics a card summarises: numbers, flags and short strings (arrays are in results)."""
    return {k: v for k, v in metrics.items()
            if isinstance(v, (int, float, bool)) or (isinstance(v, str) and len(v) <= 80)}


def point_entry(point: dict, root: Path) -> dict:
    """One point of a card: what the plan says of it and what its run record says."""
    record = read_json_if_any(root / point["run_dir"] / "record.json")
    if record is None:
        return {**point, "record": None}
    return {**point, "metrics": _scalars(record.get("metrics", {})),
            "wall_seconds": record.get("wall_seconds"), "host": record.get("host"),
            "cpu": (record.get("machine") or {}).get("cpu"),
            "torch_cpu_capability": (record.get("machine") or {}).get("torch_cpu_capability"),
            "slurm_job_id": record.get("slurm_job_id"), "code_hash": record.get("code_hash"),
            "trained_in_pack": (record.get("pack") or {}).get("name")}


def _number(text: str) -> float | str | None:
    """A claims-table cell as a JSON number; NaN (not measured) as null, infinite bounds as text."""
    try:
        value = float(text)
    except ValueError:
        return text
    if value != value:
        return None
    return text if value in (float("inf"), float("-inf")) else value


def figure_card(plan_part: dict, *, claims_path: str | os.PathLike | None, code: dict[str, str],
                script: str | os.PathLike, root: str | os.PathLike = ".",
                draft: dict | None = None) -> dict:
    """The card of one figure. ``plan_part`` is Plan.card_params (config subset and points);
    ``code`` the figure's data and draw hashes (Plan.figure_code), which `neurosweep plan`
    compares with the code of now."""
    root = Path(root)
    points = [point_entry(p, root) for p in plan_part["points"]]
    claims = read_claims(claims_path) if claims_path and Path(claims_path).exists() else []
    card = {
        "figure": f"{plan_part['study']}/{plan_part['figure']}",
        "title": plan_part["title"],
        "paper": plan_part["paper"],
        "scale": plan_part["scale"],
        "git": git_state(root),
        "code": {"figure_data": code["data"], "draw": code["draw"],
                 "drawing_script": {"path": str(script), "sha256": file_sha256(script)},
                 "modules": module_hashes(plan_part["modules"])},
        "config": plan_part["config"],
        "sweep": plan_part["sweep"],
        "points": points,
        "claims": [{"claim": c["claim"], "kind": c["kind"], "description": c["description"],
                    "measured": _number(c["measured"]), "worst": c["worst"],
                    "margin": _number(c["margin"]),
                    "expected": [_number(c["low"]), _number(c["high"])], "band": c["band"],
                    "source": c["source"], "verdict": c["passed"]} for c in claims],
    }
    if draft is not None:
        card["draft"] = draft
    return card
