"""The plan the Snakefile builds from config: studies, their sweeps, and every file path.

Kept free of Snakemake imports so it can be tested (and used by the command-line tool)
without a workflow. All output paths are defined here and nowhere else.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .claims import read_claims, summary
from .codehash import code_hash
from .config import ConfigError, deep_merge, validate, load_yaml
from .study import FigureSpec, StudySpec, build_sweeps, get_spec, load_study_config
from .sweep import Sweep, SweepError, parse_path

__all__ = ["Plan", "ConfigError", "load_plan"]

RESULTS = "results"


@dataclass
class StudyPlan:
    spec: StudySpec
    block: dict  # the validated config block of the chosen scale
    sweeps: dict[str, Sweep]


class Plan:
    def __init__(self, scale: str, studies: dict[str, StudyPlan], root: Path, pack: bool = True):
        self.scale = scale
        self._studies = studies
        self.root = root
        self._owners = self._find_shared_points()
        self._packs = self._find_packs(pack)
        self._pack_index: dict[str, dict[tuple[str, str], str]] = {}

    @classmethod
    def from_config(cls, config: dict, root: str | os.PathLike = ".") -> "Plan":
        root = Path(root)
        schema = load_yaml(root / "workflow" / "schemas" / "config.schema.yaml")
        validate(config, schema, "config/config.yaml (with any --config/--configfile values)")
        studies = {}
        for name in config["studies"]:
            block = load_study_config(name, config["scale"], root / "config",
                                      root / "workflow" / "schemas", override=config.get(name))
            spec = get_spec(name)
            sweeps = build_sweeps(name, block, f"config/{name}.yaml")
            missing = [s for s in spec.trainers if s not in sweeps and s not in spec.optional]
            if missing:
                raise ConfigError(f"config/{name}.yaml: scale {config['scale']!r} does not define "
                                  f"sweeps {missing}, which the study's figures need")
            studies[name] = StudyPlan(spec=spec, block=block, sweeps=sweeps)
        return cls(config["scale"], studies, root, pack=config.get("pack", True))

    # --- what exists -------------------------------------------------------------------
    @property
    def studies(self) -> list[str]:
        return list(self._studies)

    def study(self, name: str) -> StudyPlan:
        return self._studies[name]

    def sweep(self, study: str, sweep: str) -> Sweep:
        try:
            return self._studies[study].sweeps[sweep]
        except KeyError:
            if sweep in self._studies[study].spec.optional:
                raise SweepError(f"sweep {study}.{sweep} is an optional stage that is not configured "
                                 f"for scale {self.scale!r}: add it to config/{study}.yaml "
                                 "(see README)") from None
            raise SweepError(f"study {study!r} has no sweep {sweep!r}") from None

    def figure(self, study: str, figure: str) -> FigureSpec:
        figures = self._studies[study].spec.figures
        if figure not in figures:
            raise KeyError(f"study {study!r} has no figure {figure!r} (figures: {', '.join(figures)})")
        return figures[figure]

    # --- per point -------------------------------------------------------------------------
    def params(self, study: str, sweep: str, point: str) -> dict:
        return self.sweep(study, sweep).params(point)

    def point_id(self, study: str, sweep: str, point: str) -> str:
        return self.sweep(study, sweep).lookup(point).id

    def inputs(self, study: str, sweep: str, point: str) -> dict[str, str]:
        """Files a point's training job reads; paths may name the point's parameters."""
        templates = self._studies[study].spec.inputs.get(sweep, {})
        values = self.params(study, sweep, point)
        try:
            return {name: path.format(**values) for name, path in templates.items()}
        except KeyError as missing:
            raise ConfigError(f"config/{study}.yaml: sweep {study}.{sweep} needs setting {missing} "
                              f"(its input files are named after it)") from None

    def resource(self, study: str, sweep: str, key: str) -> int:
        return int(self._studies[study].block["sweeps"][sweep]["resources"][key])

    # --- points that several sweeps share ---------------------------------------------------
    def _find_shared_points(self) -> dict[tuple[str, str, str], tuple[str, str]]:
        """(study, sweep, point) -> the (sweep, point) that trains it.

        Two points of a study with the same trainer, the same params and the same input files
        are the same training run (a study's default configuration often appears in several
        sweeps, e.g. as one value of a population-size sweep and as the main sweep's seed 0).
        The first of them in config order trains it; the others read its run directory."""
        owners = {}
        for study, plan in self._studies.items():
            first: dict[str, tuple[str, str]] = {}
            for name, sweep in plan.sweeps.items():
                for path in sweep.paths:
                    key = json.dumps([plan.spec.trainers[name], sweep.params(path),
                                      self.inputs(study, name, path)], sort_keys=True, default=str)
                    owners[(study, name, path)] = first.setdefault(key, (name, path))
        return owners

    def owner(self, study: str, sweep: str, point: str) -> tuple[str, str]:
        """The (sweep, point) whose training job makes this point's results (itself, unless an
        earlier sweep of the study has an identical point)."""
        self.sweep(study, sweep).lookup(point)  # a clear error for an unknown point
        return self._owners[(study, sweep, point)]

    # --- packs: several points trained in one job ----------------------------------------------
    def _find_packs(self, enabled: bool) -> dict[str, dict[str, list[tuple[str, str]]]]:
        """study -> pack name -> its points (sweep, point), for studies that pack. Only points
        that train (owners) are members; with packing off every point is a pack of one."""
        packs: dict[str, dict[str, list[tuple[str, str]]]] = {}
        for study, plan in self._studies.items():
            if plan.spec.pack is None:
                continue
            packs[study] = {}
            for name, sweep in plan.sweeps.items():
                for path in sweep.paths:
                    if self._owners[(study, name, path)] != (name, path):
                        continue
                    pack = plan.spec.pack(sweep.params(path)) if enabled else f"sweep~{name}/{path}"
                    try:
                        parse_path(pack)
                    except SweepError as error:
                        raise ConfigError(f"study {study}: pack name {pack!r} of {name}/{path} is not "
                                          f"a path of key~value parts ({error})") from None
                    packs[study].setdefault(pack, []).append((name, path))
        return packs

    def packed(self, study: str) -> bool:
        return study in self._packs

    @property
    def packed_studies(self) -> list[str]:
        return list(self._packs)

    def packs(self, study: str) -> dict[str, list[tuple[str, str]]]:
        return self._packs.get(study, {})

    def pack_of(self, study: str, sweep: str, point: str) -> str:
        owner = self.owner(study, sweep, point)
        if study not in self._pack_index:  # owner -> pack, built once (sweeps can be large)
            self._pack_index[study] = {m: pack for pack, members in self._packs.get(study, {}).items()
                                       for m in members}
        try:
            return self._pack_index[study][owner]
        except KeyError:
            raise SweepError(f"{study}/{sweep}/{point} belongs to no pack") from None

    def _pack(self, study: str, pack: str) -> list[tuple[str, str]]:
        try:
            return self._packs[study][pack]
        except KeyError:
            raise SweepError(f"study {study!r} has no pack {pack!r}") from None

    def pack_members(self, study: str, pack: str) -> list[dict]:
        """What a pack's job needs of each member: sweep, point, id, params (with the paths
        of the files it reads) and where its published result goes."""
        members = []
        for sweep, point in self._pack(study, pack):
            params = {**self.params(study, sweep, point), **self.inputs(study, sweep, point)}
            members.append({"sweep": sweep, "point": point, "id": self.point_id(study, sweep, point),
                            "params": params, "run_dir": self.run_dir(study, sweep, point)})
        return members

    def pack_inputs(self, study: str, pack: str) -> list[str]:
        files = {path for sweep, point in self._pack(study, pack)
                 for path in self.inputs(study, sweep, point).values()}
        return sorted(files)

    def pack_resource(self, study: str, pack: str, key: str) -> int:
        """The largest of the members' sweeps' resources: members train side by side, so a pack
        takes about as long as its longest member."""
        return max(self.resource(study, sweep, key) for sweep, _ in self._pack(study, pack))

    def pack_dir(self, study: str, pack: str) -> str:
        return f"{RESULTS}/{study}/packs/{pack}"

    # --- paths ------------------------------------------------------------------------------
    def run_dir(self, study: str, sweep: str, point: str) -> str:
        """Where a point's results live: under the sweep that trains it (see :meth:`owner`)."""
        owner_sweep, owner_point = self.owner(study, sweep, point)
        return f"{RESULTS}/{study}/runs/{owner_sweep}/{owner_point}"

    def run_files(self, study: str, sweep: str) -> list[str]:
        files = []
        for path in self.sweep(study, sweep).paths:
            run = self.run_dir(study, sweep, path)
            files += [f"{run}/result.npz", f"{run}/record.json"]
        return files

    def sweep_files(self, study: str, sweep: str) -> list[str]:
        return [f"{RESULTS}/{study}/{sweep}/runs.npz", f"{RESULTS}/{study}/{sweep}/runs.json"]

    def rerun_point(self, study: str) -> tuple[str, str]:
        """The point re-trained by the rerun check: the first point of the study's rerun sweep
        (by default its first sweep). In a packed study, the first point of its smallest pack:
        re-trained alone, it retraces its pack's computation exactly when the pack has one member."""
        plan = self._studies[study]
        if self.packed(study):
            smallest = min(self.packs(study).values(), key=len)
            return smallest[0]
        sweep = plan.spec.rerun_sweep or next(iter(plan.sweeps))
        return sweep, self.sweep(study, sweep).points[0].path

    def rerun_inputs(self, study: str) -> dict[str, str]:
        sweep, point = self.rerun_point(study)
        run = self.run_dir(study, sweep, point)
        return {**self.inputs(study, sweep, point), "reference": f"{run}/result.npz",
                "record": f"{run}/record.json"}

    def all_sweep_files(self, study: str) -> list[str]:
        return [f for sweep in self._studies[study].sweeps for f in self.sweep_files(study, sweep)]

    def sweep_claim_inputs(self, study: str, sweep: str) -> dict[str, str]:
        """Other files a sweep's claims function reads, {keyword: path}."""
        return dict(self._studies[study].spec.claim_inputs.get(sweep, {}))

    def sweep_claims_file(self, study: str, sweep: str) -> str:
        return f"{RESULTS}/{study}/{sweep}/claims.tsv"

    def claims_code(self, study: str, sweep: str) -> str:
        target = self._studies[study].spec.claims[sweep]
        return code_hash((library_module(study, target),), self._script("sweep_claims"))

    def figure_inputs(self, study: str, figure: str) -> dict[str, str]:
        return dict(self.figure(study, figure).inputs)

    def _script(self, name: str) -> tuple[str, ...]:
        """The workflow script a rule runs, as code_hash's ``scripts`` argument."""
        return (str(self.root / "workflow" / "scripts" / f"{name}.py"),)

    def train_code(self, study: str, sweep: str) -> str:
        """Hash of the code a sweep's training job runs (codehash: the trainer's library modules
        and the rule's script): a `params` entry of the training rules, so editing that code,
        and nothing else, re-trains the sweep."""
        return code_hash((library_module(study, self._studies[study].spec.trainers[sweep]),),
                         self._script("train"))

    def pack_code(self, study: str, pack: str | None = None) -> str:
        """The same for every pack of a study: one pack trainer trains them all."""
        return code_hash((library_module(study, self._studies[study].spec.pack_trainer),),
                         self._script("train_pack"))

    def point_code(self, study: str, sweep: str) -> str:
        """The code hash a point's training job records: its pack's in a packed study."""
        return self.pack_code(study) if self.packed(study) else self.train_code(study, sweep)

    def figure_code(self, study: str, figure: str) -> dict[str, str]:
        """Hashes of the code a figure's two jobs run: its data function's module and its drawing
        module, each with what it imports of the library (params of rules figure_data and
        draw_figure; recorded in the figure's card)."""
        spec = self.figure(study, figure)
        return {"data": code_hash((library_module(study, spec.data),), self._script("figure_data")),
                "draw": code_hash((library_module(study, spec.draw),), self._script("draw_figure"))}

    def card_params(self, study: str, figure: str) -> dict:
        """What a figure's provenance card says about the plan: the config subset and every point
        the figure uses (the drawing job adds commit, code hashes, metrics and claims)."""
        spec = self.figure(study, figure)
        block = self._studies[study].block
        sweep = self.sweep(study, spec.sweep)
        return {
            "study": study, "figure": figure, "title": spec.title, "scale": self.scale,
            "paper": self._studies[study].spec.paper, "sweep": spec.sweep,
            "config": {"sweeps": {spec.sweep: block["sweeps"][spec.sweep]},
                       "figure_inputs": dict(spec.inputs)},
            "modules": [library_module(study, spec.data), library_module(study, spec.draw)],
            "code": self.figure_code(study, figure),
            "points": [{"id": p.id, "path": p.path, "values": p.values,
                        "run_dir": self.run_dir(study, spec.sweep, p.path)} for p in sweep.points],
        }

    def figures(self, study: str) -> list[str]:
        """The study's figures whose sweep is configured (optional stages may be off)."""
        plan = self._studies[study]
        return [name for name, fig in plan.spec.figures.items() if fig.sweep in plan.sweeps]

    def figure_files(self, study: str) -> list[str]:
        return [f"{RESULTS}/{study}/figures/{fig}.{ext}"
                for fig in self.figures(study) for ext in ("pdf", "png")]

    def all_targets(self) -> list[str]:
        targets = []
        for study in self.studies:
            targets += self.figure_files(study) + [f"{RESULTS}/{study}/claims.tsv"]
        return targets + ([f"{RESULTS}/claims.tsv"] if self.studies else [])

    def print_claims_summary(self) -> None:
        path = Path(RESULTS) / "claims.tsv"
        if path.exists():
            print("\nClaims (results/claims.tsv):\n" + summary(read_claims(path)), flush=True)


def load_plan(root: str | os.PathLike = ".", configfiles: Sequence[str | os.PathLike] = (),
              scale: str | None = None) -> Plan:
    """The plan Snakemake builds for ``snakemake --configfile F1 F2 ...`` (and ``--config
    scale=...``).

    Snakemake merges the config files recursively over config/config.yaml, later files winning;
    relative paths are read from ``root``, where Snakemake runs.
    """
    root = Path(root)
    config = load_yaml(root / "config" / "config.yaml")
    for path in configfiles:
        config = deep_merge(config, load_yaml(root / path))
    if scale:
        config["scale"] = scale
    return Plan.from_config(config, root=root)


def library_module(study: str, target: str) -> str:
    """The module of a study's ``"module:function"`` (or ``"plots.fig2"``) target:
    ``"jobs:train_pack"`` -> ``"neurosweep.studies.<study>.jobs"``."""
    return f"neurosweep.studies.{study}.{target.partition(':')[0]}"
