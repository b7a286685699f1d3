"""Paper claims as data: each study checks its claims and writes results/<study>/claims.tsv."""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field

from .io import atomic_path

COLUMNS = ["study", "claim", "description", "measured", "low", "high", "passed", "note"]


@dataclass
class Claim:
    """One claim: ``measured`` must lie in the closed range [low, high] to pass."""

    claim: str
    description: str
    measured: float
    low: float = -math.inf
    high: float = math.inf
    note: str = ""
    study: str = field(default="")

    @property
    def passed(self) -> bool:
        return (not math.isnan(self.measured)) and self.low <= self.measured <= self.high

    def row(self) -> dict:
        return {"study": self.study, "claim": self.claim, "description": self.description,
                "measured": _fmt(self.measured), "low": _fmt(self.low), "high": _fmt(self.high),
                "passed": "pass" if self.passed else "FAIL", "note": self.note}


def _fmt(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else str(value)


def write_claims(path: str | os.PathLike, claims: list[Claim], study: str) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as handle:
            writer = csv.DictWriter(handle, COLUMNS, delimiter="\t")
            writer.writeheader()
            for claim in claims:
                claim.study = study
                writer.writerow(claim.row())


def read_claims(path: str | os.PathLike) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def write_rows(path: str | os.PathLike, rows: list[dict]) -> None:
    """Claims rows (as read_claims returns them) as one table."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as handle:
            writer = csv.DictWriter(handle, COLUMNS, delimiter="\t")
            writer.writeheader()
            writer.writerows(rows)


def gather_claims(paths: list[str | os.PathLike], out: str | os.PathLike) -> list[dict]:
    rows = [row for path in paths for row in read_claims(path)]
    write_rows(out, rows)
    return rows


def summary(rows: list[dict]) -> str:
    """A short human summary: per study 'k/n claims hold', then each failing claim."""
    lines = []
    for study in dict.fromkeys(row["study"] for row in rows):
        mine = [r for r in rows if r["study"] == study]
        ok = sum(r["passed"] == "pass" for r in mine)
        lines.append(f"{study}: {ok}/{len(mine)} claims hold")
        for r in mine:
            if r["passed"] != "pass":
                lines.append(f"  FAIL {r['claim']}: {r['description']} "
                             f"(measured {r['measured']}, expected [{r['low']}, {r['high']}])")
    return "\n".join(lines)



def check_sweep(study: str, sweep: str, inputs: dict[str, str]) -> list[Claim]:
    """The claims one sweep's runs support. ``inputs`` holds the sweep's aggregate ('arrays',
    'index') and any other files its claims function reads."""
    from .aggregate import read_sweep
    from .study import get_spec, resolve

    spec = get_spec(study)
    extra = {name: str(inputs[name]) for name in spec.claim_inputs.get(sweep, {})}
    return resolve(study, spec.claims[sweep])(read_sweep(inputs["arrays"], inputs["index"]), **extra)
