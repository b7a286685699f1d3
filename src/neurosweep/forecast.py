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

from .codehash import params_hash
from .state import DONE, MISSING, STALE, PointState, file_time, point_states, read_json_if_any

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
    to_train: list[PointState]  # missing and stale runs


# --- files and times ---------------------------------------------------------------------------
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
def _pack_member_seconds(plan, study: str, root: Path) -> float | None:
    """Measured seconds per member of the study's packs (their benchmark files), if any ran."""
    sizes = {name: len(members) for name, members in plan.packs(study).items()}
    return _mean_benchmark(root / "results" / study / "benchmarks" / "packs", per=sizes)


def _training_cost(plan, study: str, points: list[PointState], packs: list[str],
                   root: Path) -> Cost:
    """The cost of training these points (an unpacked study) or these packs (a packed one)."""
    bench = root / "results" / study / "benchmarks"
    cost = Cost()
    if plan.packed(study):
        sizes = {name: len(members) for name, members in plan.packs(study).items()}
        per_member = _pack_member_seconds(plan, study, root)
        for pack in packs:
            own = _benchmark_seconds(bench / "packs" / f"{pack}.tsv")
            gpus = plan.pack_resource(study, pack, "gpu")
            if own is not None:
                cost.add(own, gpus, True)
            elif per_member is not None:
                cost.add(per_member * sizes[pack], gpus, True)
            else:
                cost.add(plan.pack_resource(study, pack, "runtime") * 60, gpus, False)
        return cost
    means: dict[str, float | None] = {}
    for state in points:
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
    return cost


def _older(path: Path, *than: Path) -> bool:
    """True when ``path`` is missing or older than any existing file of ``than`` (Snakemake's
    mtime trigger)."""
    made = file_time(path)
    if made is None:
        return True
    return any((file_time(other) or 0) > made for other in than)


class _Chain:
    """What would re-run in one study, rule by rule, following Snakemake's triggers downstream:
    training -> publishing -> aggregates -> per-sweep claims -> figure data -> drawing (and the
    card) -> rerun check -> the study's claims table. Only the parts the targets need count."""

    def __init__(self, plan, study: str, root: Path, sweeps: list[str]):
        self.plan, self.study, self.root = plan, study, root
        self.states = point_states(plan, study, root)
        self.sweeps = sweeps
        self.results = root / "results" / study
        # training runs the targets need: distinct run directories, in sweep order
        runs = {self.states[(s, p)].run_dir: self.states[(s, p)]
                for s in sweeps for p in plan.sweep(study, s).paths}
        self.runs = list(runs.values())
        self.to_train = [r for r in self.runs if r.needs_training]
        self.packs_to_run = self._packs_to_run() if plan.packed(study) else []
        remade = {r.run_dir for r in self.to_train}
        for pack in self.packs_to_run:  # a re-run pack publishes every member again
            remade |= {plan.run_dir(study, *m) for m in plan.packs(study)[pack]}
        self.remade = remade & set(runs)
        self.aggregating = {s for s in sweeps if not self._aggregate_current(s)}
        self.claims_rerun = {s for s in sweeps if self._claims_rerun(s)}

    def _packs_to_run(self) -> list[str]:
        """Packs with a member to train, no manifest, or other members than their manifest's
        (Snakemake re-runs a pack when its `members` param changes)."""
        plan, study = self.plan, self.study
        needed = {plan.pack_of(study, r.sweep, r.point) for r in self.runs}
        stale = {plan.pack_of(study, r.sweep, r.point) for r in self.to_train}
        out = []
        for pack in plan.packs(study):
            if pack not in needed:
                continue
            manifest = read_json_if_any(self.root / plan.pack_dir(study, pack) / "pack.json")
            members_now = params_hash(plan.pack_members(study, pack))
            if pack in stale or manifest is None or manifest.get("members_hash") != members_now:
                out.append(pack)
        return out

    def _aggregate_current(self, sweep: str) -> bool:
        """Exists, newer than every run it gathers, none of them remade, and it gathers exactly
        the sweep's points of now (its input list)."""
        plan, study = self.plan, self.study
        arrays, index = (self.root / f for f in plan.sweep_files(study, sweep))
        made = file_time(arrays)
        if made is None or file_time(index) is None:
            return False
        points = plan.sweep(study, sweep).points
        for p in points:
            state = self.states[(sweep, p.path)]
            if state.run_dir in self.remade or (state.result_time or 0) > made:
                return False
        try:
            gathered = [entry["point"] for entry in json.loads(index.read_text())]
        except (OSError, ValueError, KeyError, TypeError):
            return False
        return gathered == [p.values for p in points]

    def _remade_file(self, path: str) -> bool:
        """Whether a file another rule makes (a sweep's aggregate) is made again."""
        return any(path in self.plan.sweep_files(self.study, s) for s in self.aggregating)

    def _claims_rerun(self, sweep: str) -> bool:
        plan, study = self.plan, self.study
        table = self.root / plan.sweep_claims_file(study, sweep)
        made_by = read_json_if_any(table.with_suffix(".json"))
        inputs = [*plan.sweep_files(study, sweep), *plan.sweep_claim_inputs(study, sweep).values()]
        return (sweep in self.aggregating or made_by is None
                or made_by.get("code") != plan.claims_code(study, sweep)
                or any(self._remade_file(p) for p in inputs)
                or _older(table, *(self.root / p for p in inputs)))

    def figure(self, figure: str, target: str) -> FigureForecast:
        plan, study = self.plan, self.study
        spec = plan.figure(study, figure)
        counts = {DONE: 0, STALE: 0, MISSING: 0}
        for p in plan.sweep(study, spec.sweep).paths:
            counts[self.states[(spec.sweep, p)].state] += 1
        base = self.results / "figures" / figure
        arrays = self.root / plan.sweep_files(study, spec.sweep)[0]
        card = read_json_if_any(base.with_suffix(".json"))
        code = plan.figure_code(study, figure)
        reasons = []
        if counts[STALE] or counts[MISSING]:
            reasons.append("points")
        elif spec.sweep in self.aggregating:
            reasons.append("aggregate")
        inputs = [self.root / p for p in spec.inputs.values()]
        needs_data = (bool(reasons) or _older(base.with_suffix(".npz"), arrays, *inputs)
                      or any(self._remade_file(p) for p in spec.inputs.values()))
        if card is not None and card.get("code", {}).get("figure_data") != code["data"]:
            reasons.append("code (figure data)")
            needs_data = True
        if needs_data and not reasons:
            reasons.append("figure data")
        drawn = [base.with_suffix(ext) for ext in (".pdf", ".png", ".json")]
        claims = self.root / plan.sweep_claims_file(study, spec.sweep)
        if card is None or any(file_time(f) is None for f in drawn):
            return FigureForecast(study, figure, target, spec.sweep, counts, MISSING,
                                  reasons or ["not drawn"], needs_data)
        if card.get("code", {}).get("draw") != code["draw"]:
            reasons.append("code (drawing)")
        if card.get("title") != spec.title:
            reasons.append("title")
        if spec.sweep in self.claims_rerun:
            reasons.append("claims")
        if not reasons and any(_older(f, base.with_suffix(".npz"), claims) for f in drawn):
            reasons.append("newer inputs")
        return FigureForecast(study, figure, target, spec.sweep, counts,
                              STALE if reasons else DONE, reasons, needs_data)

    def rerun_check(self) -> bool:
        plan, study = self.plan, self.study
        sweep, point = plan.rerun_point(study)
        done = self.results / "rerun_check.json"
        record = read_json_if_any(done)
        reference = self.root / plan.run_dir(study, sweep, point) / "result.npz"
        return (record is None or (record.get("sweep"), record.get("point")) != (sweep, point)
                or plan.run_dir(study, sweep, point) in self.remade
                or self.states[(sweep, point)].needs_training or _older(done, reference))

    def missing_inputs(self, figures: list[str]) -> set[str]:
        """Data files (downloads, generated inputs) the targets need and that do not exist yet:
        each is one job of the study's data rules."""
        plan, study = self.plan, self.study
        files = {path for r in self.to_train for path in plan.inputs(study, r.sweep, r.point).values()}
        for sweep in self.sweeps:
            files |= set(plan.sweep_claim_inputs(study, sweep).values())
        for figure in figures:
            files |= set(plan.figure(study, figure).inputs.values())
        made_here = {f for s in plan.study(study).sweeps for f in plan.sweep_files(study, s)}
        return {f for f in files - made_here if file_time(self.root / f) is None}


def forecast_study(plan, study: str, root: str | os.PathLike = ".",
                   figures: list[str] | None = None) -> StudyForecast:
    """The forecast of a study, or, with ``figures``, of only what those figures need (as
    `snakemake <figure target>` would run it)."""
    root = Path(root)
    whole = figures is None
    chosen = plan.figures(study) if whole else figures
    sweeps = list(plan.study(study).sweeps) if whole else \
        list(dict.fromkeys(plan.figure(study, f).sweep for f in chosen))
    chain = _Chain(plan, study, root, sweeps)
    targets = figure_targets(root, study)
    forecasts = [chain.figure(f, targets.get(f, f"{study}_{f}")) for f in chosen]
    counts = {DONE: 0, STALE: 0, MISSING: 0}
    reasons: dict[str, int] = {}
    for r in chain.runs:
        counts[r.state] += 1
        for why in r.reasons:
            reasons[why] = reasons.get(why, 0) + 1
    jobs: dict[str, int] = {"data files": len(chain.missing_inputs(chosen))}
    if plan.packed(study):
        jobs["train_pack"] = len(chain.packs_to_run)
        jobs["publish_point"] = len(chain.remade)
    else:
        jobs["train"] = len(chain.to_train)
    cost = _training_cost(plan, study, chain.to_train, chain.packs_to_run, root)
    jobs["aggregate"] = len(chain.aggregating)
    jobs["sweep_claims"] = len(chain.claims_rerun)
    jobs["figure_data"] = sum(f.needs_data for f in forecasts)
    jobs["draw_figure"] = sum(f.state != DONE for f in forecasts)
    if whole:
        rerun = chain.rerun_check()
        jobs["rerun_check"] = int(rerun)
        if rerun:
            cost.merge(_rerun_cost(plan, study, root, chain))
        table = root / "results" / study / "claims.tsv"
        sweep_tables = [root / plan.sweep_claims_file(study, s) for s in sweeps]
        jobs["study_claims"] = int(bool(chain.claims_rerun) or rerun or _older(table, *sweep_tables))
    return StudyForecast(study, counts, reasons, {k: v for k, v in jobs.items() if v}, cost,
                         forecasts, chain.to_train)


def _rerun_cost(plan, study: str, root: Path, chain: _Chain) -> Cost:
    """The rerun check re-trains one point alone: its own benchmark's time, or in a packed study
    one member's share of a pack."""
    sweep, point = plan.rerun_point(study)
    if not plan.packed(study):
        return _training_cost(plan, study, [chain.states[(sweep, point)]], [], root)
    cost = Cost()
    per_member = _pack_member_seconds(plan, study, root)
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
        names = _FIGURE_FILE.findall(body)  # literal paths; expand()'s lists below
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


def all_jobs(forecasts: list[StudyForecast], root: str | os.PathLike = ".",
             everything: bool = True) -> dict[str, int]:
    """Jobs per rule over the studies; with ``everything`` (no targets: rule all) also the
    table of every study's claims (all_claims)."""
    jobs: dict[str, int] = {}
    for f in forecasts:
        for rule, n in f.jobs.items():
            jobs[rule] = jobs.get(rule, 0) + n
    if everything:
        tables = [Path(root) / "results" / f.study / "claims.tsv" for f in forecasts]
        if jobs.get("study_claims") or _older(Path(root) / "results" / "claims.tsv", *tables):
            jobs["all_claims"] = 1
    return jobs


def as_json(plan, forecasts: list[StudyForecast], root: str | os.PathLike = ".",
            everything: bool = True) -> dict:
    total = Cost()
    for f in forecasts:
        total.merge(f.cost)
    return {
        "scale": plan.scale,
        "studies": {
            f.study: {
                "points": f.counts, "stale_reasons": f.stale_reasons, "jobs": f.jobs,
                "cost": f.cost.as_dict(),
                "points_to_train": [{"sweep": s.sweep, "point": s.point, "state": s.state,
                                     "reasons": s.reasons} for s in f.to_train],
                "figures": {g.figure: {"target": g.target, "sweep": g.sweep, "points": g.counts,
                                       "state": g.state, "reasons": g.reasons} for g in f.figures},
            } for f in forecasts},
        "jobs": all_jobs(forecasts, root, everything),
        "cost": total.as_dict(),
    }


def _fmt_hours(hours: float) -> str:
    if hours == 0:
        return "0"
    return f"{hours:.3g}" if hours < 100 else f"{hours:,.0f}"


def _counts(counts: dict[str, int]) -> str:
    return f"{counts[DONE]:>6} {counts[STALE]:>6} {counts[MISSING]:>7}"


def render(plan, forecasts: list[StudyForecast], root: str | os.PathLike = ".",
           everything: bool = True, max_stale: int = 5) -> str:
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
        stale = [s for s in f.to_train if s.state == STALE]
        for s in stale[:max_stale]:
            lines.append(f"    stale {s.sweep}/{s.point}: {', '.join(s.reasons)}")
        if len(stale) > max_stale:
            lines.append(f"    ... and {len(stale) - max_stale} more stale points (--json lists all)")
    lines.append("")
    jobs = all_jobs(forecasts, root, everything)
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
