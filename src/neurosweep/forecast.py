"""`neurosweep plan`: before launching, what is done, what is stale and why, what would run, and
what it would cost.

It reads the files (state.py), not a Snakemake DAG: Snakemake's dry run builds one job per point
and takes about half a minute for 10,000 points, while this reads one small record per point.
The triggers it applies are the rules' own (params, code and software as params entries, input
files by time), so its answer is what `snakemake` would do.

Cost: a training job's CPU- or GPU-hours come from the Snakemake benchmark files of earlier runs
(its own, else the mean of its sweep's or its study's packs' per point), and, for sweeps that
never ran, from the sweep's configured ``resources: runtime`` (the time limit a job asks for,
so an upper estimate), labelled as such.
"""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .provenance import read_card
from .state import DONE, MISSING, STALE, PointState, point_states

# At most this many benchmark files are read per sweep to estimate its mean job time.
BENCHMARK_SAMPLE = 200


@dataclass
class Cost:
    hours: float = 0.0  # CPU-hours of jobs that ask for no GPU
    gpu_hours: float = 0.0  # GPU-hours of jobs that ask for one
    measured: int = 0  # jobs whose time comes from benchmark records
    estimated: int = 0  # jobs whose time is the config's runtime

    def add(self, seconds: float, gpus: int, measured: bool) -> None:
        if gpus:
            self.gpu_hours += seconds * gpus / 3600
        else:
            self.hours += seconds / 3600
        if measured:
            self.measured += 1
        else:
            self.estimated += 1

    def merge(self, other: "Cost") -> None:
        self.hours += other.hours
        self.gpu_hours += other.gpu_hours
        self.measured += other.measured
        self.estimated += other.estimated

    @property
    def source(self) -> str:
        if not self.estimated:
            return "measured" if self.measured else "-"
        if not self.measured:
            return "config estimate"
        return f"{self.measured} measured, {self.estimated} config estimate"

    def as_dict(self) -> dict:
        return {"cpu_hours": round(self.hours, 4), "gpu_hours": round(self.gpu_hours, 4),
                "jobs_measured": self.measured, "jobs_estimated": self.estimated,
                "source": self.source}


@dataclass
class FigureForecast:
    study: str
    figure: str
    target: str
    sweep: str
    counts: dict[str, int]
    state: str  # done | stale | missing
    reasons: list[str] = field(default_factory=list)
    needs_data: bool = False  # rule figure_data would run (else only the drawing, if stale)


@dataclass
class StudyForecast:
    study: str
    counts: dict[str, int]  # over the study's distinct training runs
    stale_reasons: dict[str, int]
    jobs: dict[str, int]
    cost: Cost
    figures: list[FigureForecast]
    stale_points: list[PointState]


# --- files and times ---------------------------------------------------------------------------
def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def _benchmark_seconds(path: Path) -> float | None:
    """The wall seconds of one Snakemake benchmark file (column ``s``)."""
    try:
        with open(path, newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        return float(rows[-1]["s"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def _mean_benchmark(directory: Path, per: dict[str, int] | None = None) -> float | None:
    """Mean seconds over (a sample of) the benchmark files under ``directory``; with ``per``
    (file stem relative to directory -> members), seconds per member."""
    if not directory.is_dir():
        return None
    values = []
    for path in sorted(directory.rglob("*.tsv"))[:BENCHMARK_SAMPLE]:
        seconds = _benchmark_seconds(path)
        if seconds is None:
            continue
        if per is not None:
            members = per.get(str(path.relative_to(directory).with_suffix("")))
            if not members:
                continue
            seconds /= members
        values.append(seconds)
    return sum(values) / len(values) if values else None


# --- one study -------------------------------------------------------------------------------
def _training_cost(plan, study: str, stale: list[PointState], root: Path) -> tuple[dict[str, int], Cost]:
    """The training jobs that would run for these points, and their cost."""
    bench = root / "results" / study / "benchmarks"
    cost = Cost()
    jobs: dict[str, int] = {}
    if plan.packed(study):
        packs = plan.packs(study)
        to_run = {plan.pack_of(study, s.sweep, s.point) for s in stale}
        sizes = {name: len(members) for name, members in packs.items()}
        per_member = _mean_benchmark(bench / "packs", per=sizes)
        for pack in sorted(to_run):
            own = _benchmark_seconds(bench / "packs" / f"{pack}.tsv")
            gpus = plan.pack_resource(study, pack, "gpu")
            if own is not None:
                cost.add(own, gpus, True)
            elif per_member is not None:
                cost.add(per_member * sizes[pack], gpus, True)
            else:
                cost.add(plan.pack_resource(study, pack, "runtime") * 60, gpus, False)
        jobs["train_pack"] = len(to_run)
        jobs["publish_point"] = sum(sizes[p] for p in to_run)
        return jobs, cost
    means: dict[str, float | None] = {}
    for state in stale:
        sweep = state.sweep
        if sweep not in means:
            means[sweep] = _mean_benchmark(bench / sweep)
        gpus = plan.resource(study, sweep, "gpu")
        own = _benchmark_seconds(bench / sweep / f"{state.point}.tsv")
        if own is not None:
            cost.add(own, gpus, True)
        elif means[sweep] is not None:
            cost.add(means[sweep], gpus, True)
        else:
            cost.add(plan.resource(study, sweep, "runtime") * 60, gpus, False)
    jobs["train"] = len(stale)
    return jobs, cost


def _figure_forecast(plan, study: str, figure: str, target: str, states, aggregating: set[str],
                     root: Path) -> FigureForecast:
    spec = plan.figure(study, figure)
    mine = [states[(spec.sweep, p)] for p in plan.sweep(study, spec.sweep).paths]
    counts = {DONE: 0, STALE: 0, MISSING: 0}
    for s in mine:
        counts[s.state] += 1
    base = root / "results" / study / "figures" / figure
    card = read_card(f"{base}.json")
    reasons = []
    if counts[STALE] or counts[MISSING]:
        reasons.append("points")
    elif spec.sweep in aggregating:
        reasons.append("aggregate")
    needs_data = bool(reasons) or _mtime(base.with_suffix(".npz")) is None
    if card is None or _mtime(base.with_suffix(".pdf")) is None:
        return FigureForecast(study, figure, target, spec.sweep, counts, MISSING,
                              reasons or ["not drawn"], needs_data)
    code = plan.figure_code(study, figure)
    recorded = card.get("code", {})
    if recorded.get("figure_data") != code["data"]:
        reasons.append("code (figure data)")
        needs_data = True
    if recorded.get("draw") != code["draw"]:
        reasons.append("code (drawing)")
    return FigureForecast(study, figure, target, spec.sweep, counts, STALE if reasons else DONE,
                          reasons, needs_data)


def _aggregate_is_current(plan, study: str, sweep: str, states, root: Path) -> bool:
    """An aggregate is current when it exists, is newer than every run it gathers (Snakemake's
    mtime trigger) and gathers exactly the sweep's points of now (its input list)."""
    arrays, index = (root / f for f in plan.sweep_files(study, sweep))
    made = _mtime(arrays)
    points = plan.sweep(study, sweep).points
    if made is None or _mtime(index) is None:
        return False
    for p in points:
        state = states[(sweep, p.path)]
        if state.needs_training or (state.result_time or 0) > made:
            return False
    try:
        gathered = [entry["point"] for entry in json.loads(index.read_text())]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return gathered == [p.values for p in points]


def _sweeps_to_aggregate(plan, study: str, states, root: Path) -> set[str]:
    """Sweeps whose aggregate would be (re)made."""
    return {sweep for sweep in plan.study(study).sweeps
            if not _aggregate_is_current(plan, study, sweep, states, root)}


def forecast_study(plan, study: str, root: str | os.PathLike = ".",
                   figures: list[str] | None = None) -> StudyForecast:
    root = Path(root)
    states = point_states(plan, study, root)
    runs = {s.run_dir: s for s in states.values()}.values()  # distinct training runs
    counts = {DONE: 0, STALE: 0, MISSING: 0}
    reasons: dict[str, int] = {}
    for s in runs:
        counts[s.state] += 1
        for r in s.reasons:
            reasons[r] = reasons.get(r, 0) + 1
    stale = [s for s in runs if s.needs_training]
    jobs, cost = _training_cost(plan, study, stale, root)
    aggregating = _sweeps_to_aggregate(plan, study, states, root)
    targets = figure_targets(root, study)
    chosen = figures if figures is not None else plan.figures(study)
    forecasts = [_figure_forecast(plan, study, f, targets.get(f, f"{study}_{f}"), states, aggregating, root)
                 for f in chosen]
    jobs["aggregate"] = len(aggregating)
    jobs["sweep_claims"] = sum(
        1 for sweep in plan.study(study).sweeps
        if sweep in aggregating or _mtime(root / plan.sweep_claims_file(study, sweep)) is None)
    redraw = sum(f.state != DONE for f in forecasts)
    jobs["figure_data"] = sum(f.needs_data for f in forecasts)
    jobs["draw_figure"] = redraw
    rerun_sweep, rerun_point = plan.rerun_point(study)
    rerun_file = root / "results" / study / "rerun_check.json"
    rerun = states[(rerun_sweep, rerun_point)].needs_training or _mtime(rerun_file) is None
    jobs["rerun_check"] = int(rerun)
    if rerun:
        _, rerun_cost = _training_cost(plan, study, [states[(rerun_sweep, rerun_point)]], root) \
            if not plan.packed(study) else ({}, _rerun_cost_packed(plan, study, rerun_sweep, root))
        cost.merge(rerun_cost)
    claims_file = root / "results" / study / "claims.tsv"
    jobs["study_claims"] = int(bool(jobs["sweep_claims"] or rerun or _mtime(claims_file) is None))
    return StudyForecast(study, counts, reasons, {k: v for k, v in jobs.items() if v}, cost,
                         forecasts, stale)


def _rerun_cost_packed(plan, study: str, sweep: str, root: Path) -> Cost:
    """The rerun check re-trains one member alone: about one member's share of a pack."""
    cost = Cost()
    sizes = {name: len(members) for name, members in plan.packs(study).items()}
    per_member = _mean_benchmark(root / "results" / study / "benchmarks" / "packs", per=sizes)
    gpus = plan.resource(study, sweep, "gpu")
    if per_member is None:
        cost.add(plan.resource(study, sweep, "runtime") * 60, gpus, False)
    else:
        cost.add(per_member, gpus, True)
    return cost


# --- targets -----------------------------------------------------------------------------------
_RULE = re.compile(r"^rule (\w+):\n((?:[ \t]+.*\n|\n)*)", re.M)
_FIGURE_FILE = re.compile(r"figures/(\w+)\.pdf")
_FIGURE_LIST = re.compile(r"figure=\[([^\]]*)\]")


def figure_targets(root: str | os.PathLike, study: str) -> dict[str, str]:
    """figure -> the paper-named rule that builds it (from workflow/rules/<study>.smk)."""
    path = Path(root) / "workflow" / "rules" / f"{study}.smk"
    try:
        text = path.read_text()
    except OSError:
        return {}
    found: dict[str, str] = {}
    for rule, body in _RULE.findall(text):
        names = [n for n in _FIGURE_FILE.findall(body) if n != "{figure}"]
        for listed in _FIGURE_LIST.findall(body):
            names += re.findall(r"[\"'](\w+)[\"']", listed)
        for name in names:
            found.setdefault(name, rule)
    return found


def resolve_targets(plan, targets: list[str], root: str | os.PathLike = ".") -> dict[str, list[str] | None]:
    """study -> figures to show (None: all) for the command line's targets: a study name, a
    paper-named rule (``psychophysics_fig5``, ``feedback_supplement``), ``<study>_<figure>``
    or ``<study>/<figure>``. No targets: every configured study."""
    if not targets:
        return {study: None for study in plan.studies}
    chosen: dict[str, list[str] | None] = {}
    for target in targets:
        study, figures = _one_target(plan, target, root)
        if figures is None or chosen.get(study, []) is None:
            chosen[study] = None
        else:
            chosen.setdefault(study, [])
            chosen[study] += [f for f in figures if f not in chosen[study]]
    return chosen


def _one_target(plan, target: str, root) -> tuple[str, list[str] | None]:
    if target in plan.studies:
        return target, None
    for study in plan.studies:
        figures = plan.figures(study)
        by_rule: dict[str, list[str]] = {}
        for figure, rule in figure_targets(root, study).items():
            by_rule.setdefault(rule, []).append(figure)
        if target in by_rule:
            return study, [f for f in by_rule[target] if f in figures] or by_rule[target]
        for sep in ("/", "_"):
            prefix = study + sep
            if target.startswith(prefix) and target[len(prefix):] in figures:
                return study, [target[len(prefix):]]
        if target == f"{study}_claims":
            return study, None
    known = ", ".join(plan.studies)
    raise KeyError(f"unknown target {target!r}: give a study ({known}), a paper-named target such "
                   "as psychophysics_fig5, or <study>/<figure> (see `neurosweep plan --help`)")


# --- the whole plan ------------------------------------------------------------------------------
def forecast(plan, targets: list[str] = (), root: str | os.PathLike = ".") -> list[StudyForecast]:
    chosen = resolve_targets(plan, list(targets), root)
    return [forecast_study(plan, study, root, figures) for study, figures in chosen.items()]


def all_jobs(forecasts: list[StudyForecast], root: str | os.PathLike = ".") -> dict[str, int]:
    """Jobs per rule over the studies, with the table of every study's claims (all_claims)."""
    jobs: dict[str, int] = {}
    for f in forecasts:
        for rule, n in f.jobs.items():
            jobs[rule] = jobs.get(rule, 0) + n
    if jobs.get("study_claims") or _mtime(Path(root) / "results" / "claims.tsv") is None:
        jobs["all_claims"] = 1
    return jobs


def as_json(plan, forecasts: list[StudyForecast], root: str | os.PathLike = ".") -> dict:
    total = Cost()
    for f in forecasts:
        total.merge(f.cost)
    return {
        "scale": plan.scale,
        "studies": {
            f.study: {
                "points": f.counts, "stale_reasons": f.stale_reasons, "jobs": f.jobs,
                "cost": f.cost.as_dict(),
                "stale_points": [{"sweep": s.sweep, "point": s.point, "state": s.state,
                                  "reasons": s.reasons} for s in f.stale_points],
                "figures": {g.figure: {"target": g.target, "sweep": g.sweep, "points": g.counts,
                                       "state": g.state, "reasons": g.reasons} for g in f.figures},
            } for f in forecasts},
        "jobs": all_jobs(forecasts, root),
        "cost": total.as_dict(),
    }


def _fmt_hours(hours: float) -> str:
    if hours == 0:
        return "0"
    return f"{hours:.3g}" if hours < 100 else f"{hours:,.0f}"


def _counts(counts: dict[str, int]) -> str:
    return f"{counts[DONE]:>6} {counts[STALE]:>6} {counts[MISSING]:>7}"


def render(plan, forecasts: list[StudyForecast], root: str | os.PathLike = ".",
           max_stale: int = 5) -> str:
    """A table that fits a screen: per study its points and cost, per figure its state."""
    lines = [f"neurosweep plan: scale {plan.scale}", ""]
    header = f"{'study / figure target':<34} {'sweep':<14} {'done':>6} {'stale':>6} {'missing':>7}  state"
    lines.append(header)
    lines.append("-" * len(header))
    total = Cost()
    for f in forecasts:
        total.merge(f.cost)
        why = ", ".join(f"{r} {n}" for r, n in sorted(f.stale_reasons.items()))
        lines.append(f"{f.study:<34} {'(all runs)':<14} {_counts(f.counts)}  "
                     + (f"stale: {why}" if why else ("done" if not f.jobs else "to run")))
        for g in f.figures:
            state = g.state if g.state == DONE else f"{g.state}: {', '.join(g.reasons)}"
            lines.append(f"  {g.target + ('' if g.target.endswith(g.figure) else f' ({g.figure})'):<32} "
                         f"{g.sweep:<14} {_counts(g.counts)}  {state}")
        stale = [s for s in f.stale_points if s.state == STALE]
        for s in stale[:max_stale]:
            lines.append(f"    stale {s.sweep}/{s.point}: {', '.join(s.reasons)}")
        if len(stale) > max_stale:
            lines.append(f"    ... and {len(stale) - max_stale} more stale points (--json lists all)")
    lines.append("")
    jobs = all_jobs(forecasts, root)
    if not jobs:
        lines.append("nothing to run: every point, figure and claim is up to date")
        return "\n".join(lines)
    lines.append("jobs that would run: " + ", ".join(f"{rule} {n}" for rule, n in jobs.items()))
    lines.append(f"training cost: {_fmt_hours(total.hours)} CPU-hours, {_fmt_hours(total.gpu_hours)} "
                 f"GPU-hours ({total.source})")
    if total.estimated:
        lines.append("  (config estimate: the sweeps' `resources: runtime`, a job's time limit, for "
                     "jobs that never ran here)")
    return "\n".join(lines)
