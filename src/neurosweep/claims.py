"""Claims as data: each sweep checks its claims, each study writes results/<study>/claims.tsv.

The standard every study follows (README, "Claims: what a row means"):

- Two kinds of row. A *paper claim* (``kind="paper"``) is a statement the paper makes; it cites
  the figure or section in its description. A *check* (``kind="check"``) is an identity, a unit
  check or a sanity check of the code. Summaries count the two apart.
- Every paper claim names the source of its threshold (``source``): the paper's own number, the
  research notes' tolerance, or a stated derivation. A paper claim without one is refused.
- Per-seed verdicts. :func:`per_seed` takes one value per seed and reports the worst seed (the one
  with the smallest margin): a claim holds only when it holds in every seed. Where the paper
  itself speaks of a rate, :func:`success_rate` states the rate, the number of seeds and the
  threshold in the row.
- A bound such as "> 0" needs an uncertainty: give ``interval`` (for example
  :func:`bootstrap_interval` over the independent units) and the claim holds only when the whole
  interval lies within [low, high].
- Scale-aware thresholds. ``bands={"quick": (low, high), "paper": (low, high)}`` states each
  scale's band; :func:`check_sweep` applies the band of the configured scale and the row says
  which one applied. Without ``bands`` the threshold holds at every scale (band "any").
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .io import atomic_path

KINDS = ("paper", "check")
COLUMNS = ["study", "claim", "kind", "description", "measured", "low", "high", "passed", "worst",
           "margin", "interval", "band", "source", "note"]


@dataclass
class Claim:
    """One row of a claims table: ``measured`` (and the whole ``interval``, when given) must lie
    in the closed range [low, high] for the claim to hold."""

    claim: str
    description: str
    measured: float
    low: float = -math.inf
    high: float = math.inf
    note: str = ""
    study: str = field(default="")
    kind: str = "paper"
    source: str = ""
    worst: str = ""  # the seed (run, unit) that gave `measured`, when it is a worst case
    interval: tuple[float, float] | None = None
    bands: dict[str, tuple[float, float]] | None = None
    band: str = "any"
    seeds: dict[str, float] | None = None  # per-seed values: `measured` is the worst of them
    unit: str = "seed"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"claim {self.claim}: kind must be one of {KINDS}, not {self.kind!r}")
        if self.kind == "paper" and not self.source.strip():
            raise ValueError(f"claim {self.claim}: a paper claim must name the source of its "
                             "threshold (source='paper Fig. 3: ...', 'notes §1.1: ...' or "
                             "'derivation: ...')")
        self.measured = float(self.measured)
        if self.seeds:
            self._pick_worst()

    def _pick_worst(self) -> None:
        """``measured`` and ``worst`` from the seed with the smallest margin (NaN is worst)."""
        def key(item):
            margin = _margin(item[1], self.low, self.high)
            return -math.inf if math.isnan(margin) else margin
        label, self.measured = min(self.seeds.items(), key=key)
        self.worst = f"{self.unit} {label}"

    def apply_scale(self, scale: str) -> Claim:
        """Use the band stated for ``scale`` (when the claim states bands)."""
        if self.bands:
            if scale in self.bands:
                self.low, self.high = self.bands[scale]
                self.band = scale
            elif "quick" in self.bands:  # a scale of the user's own (or a test's): the smallest band
                self.low, self.high = self.bands["quick"]
                self.band = f"quick (scale {scale} has no band of its own)"
            else:
                raise ValueError(f"claim {self.claim} states bands for {sorted(self.bands)}, "
                                 f"neither for scale {scale!r} nor 'quick'")
            if self.seeds:
                self._pick_worst()
        return self

    @property
    def margin(self) -> float:
        """How far inside [low, high] the claim is (negative: by how much it fails); with an
        interval, its nearer end counts too."""
        ends = [self.measured] + list(self.interval or [])
        if any(math.isnan(v) for v in ends):  # an interval that could not be computed fails
            return math.nan
        lo, hi = min(ends), max(ends)  # the value and its whole interval must be inside
        return min(lo - self.low, self.high - hi)

    @property
    def passed(self) -> bool:
        margin = self.margin
        return not math.isnan(self.measured) and not math.isnan(margin) and margin >= 0

    def row(self) -> dict:
        interval = "" if self.interval is None else f"[{_fmt(self.interval[0])}, {_fmt(self.interval[1])}]"
        return {"study": self.study, "claim": self.claim, "kind": self.kind,
                "description": self.description, "measured": _fmt(self.measured),
                "low": _fmt(self.low), "high": _fmt(self.high),
                "passed": "pass" if self.passed else "FAIL", "worst": self.worst,
                "margin": _fmt(self.margin), "interval": interval, "band": self.band,
                "source": self.source, "note": self.note}


def check(claim: str, description: str, measured: float, low: float = -math.inf,
          high: float = math.inf, **fields) -> Claim:
    """A check of the code (an identity, a unit check): reported apart from paper claims."""
    return Claim(claim, description, measured, low, high, kind="check", **fields)


def _margin(value: float, low: float, high: float) -> float:
    return math.nan if math.isnan(value) else min(value - low, high - value)


def per_seed(claim: str, description: str, values: Mapping, low: float = -math.inf,
             high: float = math.inf, *, source: str, note: str = "", bands=None,
             kind: str = "paper", unit: str = "seed") -> Claim:
    """A claim judged on every seed: ``values`` maps each seed (or run) to its value; the row
    reports the worst one (a NaN seed is the worst of all, no seeds give NaN) and lists every
    value in its note. With ``bands`` the worst seed is picked against the band applied."""
    seeds = {str(label): float(v) for label, v in values.items()}
    listed = ", ".join(f"{label} {_fmt(v)}" for label, v in seeds.items()) or "none"
    text = f"per {unit}: {listed}" + (f"; {note}" if note else "")
    return Claim(claim, description, math.nan, low, high, note=text, source=source, bands=bands,
                 kind=kind, seeds=seeds or None, unit=unit)


def per_seed_interval(claim: str, description: str, estimates: Mapping, low: float = -math.inf,
                      high: float = math.inf, *, source: str, note: str = "",
                      unit: str = "seed") -> Claim:
    """A claim with an uncertainty, judged on every seed: ``estimates`` maps each seed to
    (effect, (lo, hi)), its effect size and interval (e.g. :func:`bootstrap_interval` over that
    seed's contexts). The row shows the seed whose interval comes closest to (or furthest past)
    the band, and lists every seed; a seed without an interval fails the claim."""
    def margin(item):
        effect, (lo, hi) = item[1]
        value = min(lo - low, high - hi)
        return -math.inf if math.isnan(value) or math.isnan(effect) else value
    listed = ", ".join(f"{k} {_fmt(e)} [{_fmt(lo)}, {_fmt(hi)}]" for k, (e, (lo, hi)) in estimates.items())
    text = f"per {unit} (95% bootstrap interval): {listed or 'none'}" + (f"; {note}" if note else "")
    if not estimates:
        return Claim(claim, description, math.nan, low, high, source=source, note=text)
    label, (effect, interval) = min(estimates.items(), key=margin)
    if any(math.isnan(v) for v in interval):  # no interval: no verdict
        effect = math.nan
    return Claim(claim, description, effect, low, high, source=source, interval=interval,
                 worst=f"{unit} {label}", note=text)


def success_rate(claim: str, description: str, successes: Mapping, at_least: float, *,
                 source: str, note: str = "", unit: str = "seed") -> Claim:
    """A claim the paper states as a rate: the fraction of seeds that succeed must be at least
    ``at_least``. The row names the rate, the number of seeds and the failing seeds."""
    n = len(successes)
    ok = sum(bool(v) for v in successes.values())
    failing = [str(label) for label, v in successes.items() if not v]
    text = f"{ok} of {n} {unit}s succeed (at least {at_least:.3g} needed)"
    if failing:
        text += f"; failing {unit}s: {', '.join(failing)}"
    return Claim(claim, description, ok / n if n else math.nan, at_least, 1.0, source=source,
                 note=text + (f"; {note}" if note else ""),
                 worst=f"{unit} {failing[0]}" if failing else "")


def bootstrap_interval(units, statistic: Callable = np.mean, *, level: float = 0.95,
                       resamples: int = 4000, seed: int = 0) -> tuple[float, float]:
    """A percentile bootstrap interval of ``statistic`` over independent units (rows of
    ``units``: seeds, contexts, points). Resampling the units, never the pairs or samples built
    from them, keeps the interval honest when many values share a unit. ``statistic`` takes an
    array of resampled units (same shape as ``units``) and returns a number."""
    units = np.asarray(units, dtype=float)
    n = len(units)
    if n < 2:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    stats = np.array([statistic(units[rng.integers(0, n, n)]) for _ in range(resamples)])
    stats = stats[np.isfinite(stats)]
    if len(stats) == 0:
        return (math.nan, math.nan)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(stats, [tail, 100 - tail])
    return float(low), float(high)


def _fmt(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else str(value)


def write_claims(path: str | os.PathLike, claims: list[Claim], study: str) -> None:
    for claim in claims:
        claim.study = study
    write_rows(path, [claim.row() for claim in claims])


def read_claims(path: str | os.PathLike) -> list[dict]:
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if rows and "kind" not in rows[0]:
        raise ValueError(f"{path} is a claims table of an older format (no 'kind' column): "
                         "run the workflow again to rewrite it")
    return rows


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


def _bands(rows: list[dict]) -> str:
    bands = sorted({r["band"] for r in rows if r["band"] != "any"})
    return f" ({'/'.join(bands)} band)" if bands else ""


def summary(rows: list[dict]) -> str:
    """Per study: how many paper claims hold and how many checks pass, counted apart; then each
    failing row with its worst seed and margin."""
    lines = []
    for study in dict.fromkeys(row["study"] for row in rows):
        mine = [r for r in rows if r["study"] == study]
        paper = [r for r in mine if r["kind"] == "paper"]
        checks = [r for r in mine if r["kind"] == "check"]
        lines.append(f"{study}: {sum(r['passed'] == 'pass' for r in paper)} of {len(paper)} paper "
                     f"claims hold{_bands(paper)}; {sum(r['passed'] == 'pass' for r in checks)} "
                     f"of {len(checks)} checks pass")
        for r in mine:
            if r["passed"] != "pass":
                worst = f", worst {r['worst']}" if r["worst"] else ""
                lines.append(f"  FAIL {r['claim']} ({r['kind']}): {r['description']} (measured "
                             f"{r['measured']}{worst}, expected [{r['low']}, {r['high']}], "
                             f"margin {r['margin']})")
    return "\n".join(lines)


def apply_scale(claims: list[Claim], scale: str) -> list[Claim]:
    """Each claim with the band of ``scale`` applied (the worst seed re-picked against it)."""
    return [claim.apply_scale(scale) for claim in claims]


def check_sweep(study: str, sweep: str, inputs: dict[str, str], scale: str = "quick") -> list[Claim]:
    """The claims one sweep's runs support, with the band of ``scale`` applied. ``inputs`` holds
    the sweep's aggregate ('arrays', 'index') and any other files its claims function reads."""
    from .aggregate import read_sweep
    from .study import get_spec, resolve

    spec = get_spec(study)
    extra = {name: str(inputs[name]) for name in spec.claim_inputs.get(sweep, {})}
    claims = resolve(study, spec.claims[sweep])(read_sweep(inputs["arrays"], inputs["index"]), **extra)
    return apply_scale(claims, scale)
