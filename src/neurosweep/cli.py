"""The `neurosweep` command: inspect sweeps and claims without running Snakemake.

    neurosweep points psychophysics orientation   # every point: id, path, values
    neurosweep validate                           # check config/*.yaml, as the workflow does
    neurosweep claims                             # summary of results/claims.tsv
    neurosweep config-docs > config/README.md     # every config key, from the schemas
    neurosweep plan [targets] [--json]            # done / stale (why) / missing, jobs, cost
    neurosweep status [study] [--watch]           # the sweep grids coloured by state
    neurosweep draft psychophysics_fig5           # a figure from the points finished so far
    neurosweep submit --profile profiles/slurm    # run Snakemake itself as a SLURM job
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .claims import read_claims, summary
from .config import ConfigError
from .sweep import SweepError


def _plan(args):
    from .workflow import load_plan

    return load_plan(args.root, scale=args.scale)


def cmd_points(args) -> int:
    plan = _plan(args)
    if args.study not in plan.studies:
        print(f"unknown study {args.study!r}; configured studies: {', '.join(plan.studies)}",
              file=sys.stderr)
        return 1
    sweeps = [args.sweep] if args.sweep else list(plan.study(args.study).sweeps)
    for name in sweeps:
        sweep = plan.sweep(args.study, name)
        print(f"# {args.study}/{name}: {len(sweep.points)} points")
        for point in sweep.points:
            owner = plan.owner(args.study, name, point.path)
            shared = "" if owner == (name, point.path) else f"  ({point.path}: the same run as {owner[0]} {owner[1]})"
            print(f"{point.id}  {plan.run_dir(args.study, name, point.path)}{shared}")
    return 0


def cmd_validate(args) -> int:
    plan = _plan(args)
    for study in plan.studies:
        counts = {name: len(s.points) for name, s in plan.study(study).sweeps.items()}
        print(f"{study} ({plan.scale}): " + ", ".join(f"{k} {v} point{'s' * (v != 1)}" for k, v in counts.items()))
    print("configuration is valid")
    return 0


def cmd_claims(args) -> int:
    path = Path(args.file)
    if not path.exists():
        print(f"{path} does not exist yet: run the workflow first (see README)", file=sys.stderr)
        return 1
    rows = read_claims(path)
    print(summary(rows))
    return 0 if all(r["passed"] == "pass" for r in rows) else 2


def _plan_with_configfiles(args):
    from .workflow import load_plan

    return load_plan(args.root, configfiles=args.configfile or (), scale=args.scale)


def cmd_plan(args) -> int:
    import json

    from .forecast import as_json, forecast, render

    plan = _plan_with_configfiles(args)
    try:
        forecasts = forecast(plan, args.targets, args.root)
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(as_json(plan, forecasts, args.root, everything=not args.targets), indent=2))
    else:
        print(render(plan, forecasts, args.root, everything=not args.targets))
    return 0


def cmd_status(args) -> int:
    from .status import render, watch

    plan = _plan_with_configfiles(args)
    studies = args.studies or plan.studies
    unknown = [s for s in studies if s not in plan.studies]
    if unknown:
        print(f"unknown study {unknown[0]!r}; configured studies: {', '.join(plan.studies)}",
              file=sys.stderr)
        return 1
    colour = args.colour == "always" or (args.colour == "auto" and sys.stdout.isatty())
    if args.watch:
        watch(plan, studies, args.root, args.every, colour)
    else:
        print(render(plan, studies, args.root, colour))
    return 0


def cmd_draft(args) -> int:
    from .draft import DraftError, draw_draft
    from .forecast import resolve_targets

    plan = _plan_with_configfiles(args)
    try:
        chosen = resolve_targets(plan, args.figure, args.root)
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 1
    failed = 0
    for study, figures in chosen.items():
        for figure in figures if figures is not None else plan.figures(study):
            try:
                made = draw_draft(plan, study, figure, args.root)
            except DraftError as error:
                print(f"{study}/{figure}: {error}", file=sys.stderr)
                failed += 1
                continue
            print(f"{study}/{figure}: draft from {made['points']} of {made['of']} points -> "
                  f"{_shown(Path(made['png']))} (and .pdf, .json)")
    return 1 if failed else 0


def cmd_config_docs(args) -> int:
    from .configdoc import render

    print(render(args.root), end="")
    return 0


SUBMIT_HELP = """\
Run the Snakemake controller (`snakemake --profile PROFILE [targets] [ARGS]`, in --root) as a
small 1-CPU SLURM job instead of on the login node, which kills long processes. It submits the
training jobs as usual; local rules (aggregation, figures) run inside it.

examples:
  neurosweep submit --profile profiles/slurm
  neurosweep submit --profile profiles/slurm psychophysics_fig5 -- --configfile my.yaml

It prints the job id and log files. Watch with `squeue -j ID` and `tail -f LOG`. `scancel ID`
stops it: Snakemake cancels the training jobs it submitted (they save a checkpoint) and exits;
submit again to carry on where it stopped.

Partition, account and QoS default to NEUROSWEEP_SLURM_PARTITION, NEUROSWEEP_SLURM_ACCOUNT and
NEUROSWEEP_SLURM_QOS, as in profiles/slurm. The job sees this shell's PATH, PYTHONPATH and
NEUROSWEEP_*/SNAKEMAKE_* variables. Its log is under logs/slurm/controller/<job id>/.
"""


def cmd_submit(args) -> int:
    from .slurm import SlurmUnavailable, submit_controller

    root = Path(args.root).resolve()
    if "/" in args.profile and not (root / args.profile).is_dir():
        print(f"no profile directory {args.profile} in {root}", file=sys.stderr)
        return 2
    try:
        job = submit_controller(args.profile, args.targets, args.snakemake_args, root=root,
                                time_min=args.time, partition=args.partition,
                                account=args.account, qos=args.qos, mem_mb=args.mem_mb)
    except SlurmUnavailable as error:
        print(f"{error}.\n`neurosweep submit` needs a machine that can submit SLURM jobs; "
              "to run the workflow here instead: snakemake --profile profiles/local [targets]",
              file=sys.stderr)
        return 2
    print(_submitted_message(job))
    return 0


def _shown(path: Path) -> str:
    """A path as short as it can be from here."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def _submitted_message(job) -> str:
    out, err = _shown(job.paths.stdout), _shown(job.paths.stderr)
    return "\n".join([
        f"submitted the Snakemake controller as SLURM job {job.job_id}",
        f"  log (Snakemake's messages): {err}",
        f"  log (stdout):               {out}",
        f"  watch:   squeue -j {job.job_id}    tail -f {err}",
        f"  cancel:  scancel {job.job_id}    (Snakemake then cancels the jobs it submitted)",
    ])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neurosweep", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=".", help="the repository root (default: .)")
    sub = parser.add_subparsers(dest="command", required=True)
    points = sub.add_parser("points", help="list the points of a study's sweeps")
    points.add_argument("study")
    points.add_argument("sweep", nargs="?")
    points.add_argument("--scale", help="override config.yaml's scale (quick, paper)")
    points.set_defaults(func=cmd_points)
    validate = sub.add_parser("validate", help="validate the configuration and count points")
    validate.add_argument("--scale", help="override config.yaml's scale (quick, paper)")
    validate.set_defaults(func=cmd_validate)
    claims = sub.add_parser("claims", help="summarise a claims table (exit 2 if any fails)")
    claims.add_argument("file", nargs="?", default="results/claims.tsv")
    claims.set_defaults(func=cmd_claims)
    docs = sub.add_parser("config-docs", help="print the configuration reference (config/README.md)")
    docs.set_defaults(func=cmd_config_docs)
    _add_plan_parsers(sub)
    _add_submit_parser(sub)
    return parser


PLAN_HELP = """\
For each study and each figure target: its sweep points done / stale (with the reason: params,
code, software or input changed) / missing, the jobs that would run per rule, and the training
cost in CPU- and GPU-hours, from the benchmark files of earlier runs (results/<study>/benchmarks/)
or, for sweeps that never ran, from their configured `resources: runtime` (labelled "config
estimate"). It reads the result records, not a Snakemake DAG, so it answers in seconds for
10,000 points; `snakemake -n` lists the same jobs one by one.

targets: a study (feedback), a paper-named target (psychophysics_fig5, feedback_supplement),
or <study>/<figure>; none: every configured study.
"""


def _add_config_options(parser) -> None:
    parser.add_argument("--configfile", nargs="+", metavar="FILE",
                        help="config files merged over config/config.yaml, as for snakemake")
    parser.add_argument("--scale", help="override config.yaml's scale (quick, paper)")


def _add_plan_parsers(sub) -> None:
    plan = sub.add_parser("plan", help="what is done, stale (why) and missing; jobs and cost",
                          description=PLAN_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    plan.add_argument("targets", nargs="*", help="studies or figure targets (default: all)")
    plan.add_argument("--json", action="store_true", help="print JSON for machines")
    _add_config_options(plan)
    plan.set_defaults(func=cmd_plan)
    status = sub.add_parser(
        "status", help="sweep grids coloured by state (done, stale, running, queued, failed, missing)",
        description="The sweep grid of each study as a table: a column per seed, a row per "
        "combination of the other axes, one symbol per point coloured by its state "
        "(done, stale, running, queued, failed, missing). Failed points are listed with their log; "
        "running and queued ones with their SLURM job id. Reads the SLURM queue where squeue exists.")
    status.add_argument("studies", nargs="*", help="studies (default: all configured)")
    status.add_argument("--watch", action="store_true", help="redraw until Ctrl-C")
    status.add_argument("--every", type=float, default=10.0, metavar="S",
                        help="seconds between redraws with --watch (default: 10)")
    status.add_argument("--colour", "--color", choices=["auto", "always", "never"], default="auto",
                        help="colour the symbols (default: when printing to a terminal)")
    _add_config_options(status)
    status.set_defaults(func=cmd_status)
    draft = sub.add_parser(
        "draft", help="draw figures from the sweep points finished so far (no training)",
        description="Draw figures from the points whose results exist now, marked 'draft: k of n "
        "points', into results/<study>/drafts/ (the workflow's figures are not touched, nothing "
        "trains). Figures: paper-named targets (psychophysics_fig5), <study>/<figure>, or a study "
        "(all its figures).")
    draft.add_argument("figure", nargs="+", help="figure targets or studies")
    _add_config_options(draft)
    draft.set_defaults(func=cmd_draft)


def _add_submit_parser(sub) -> None:
    submit = sub.add_parser(
        "submit", help="run the Snakemake controller as a SLURM job (login nodes kill long "
        "processes)", description=SUBMIT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="neurosweep submit [options] [targets ...] [-- snakemake arguments ...]")
    submit.add_argument("targets", nargs="*",
                        help="Snakemake targets (files or rules; default: the workflow's all)")
    submit.add_argument("--profile", default="profiles/slurm",
                        help="Snakemake profile (default: profiles/slurm)")
    submit.add_argument("--time", type=int, default=4320, metavar="MIN",
                        help="the controller job's time limit in minutes (default: 4320, 3 days)")
    submit.add_argument("--partition", help="default: $NEUROSWEEP_SLURM_PARTITION, else the "
                        "cluster's default partition")
    submit.add_argument("--account", help="default: $NEUROSWEEP_SLURM_ACCOUNT")
    submit.add_argument("--qos", help="default: $NEUROSWEEP_SLURM_QOS")
    submit.add_argument("--mem-mb", type=int, default=2000, metavar="N",
                        help="the controller job's memory in MB (default: 2000)")
    submit.set_defaults(func=cmd_submit)


def _split_passthrough(argv: list[str]) -> tuple[list[str], list[str]]:
    """`neurosweep submit T -- --configfile x`: what follows `--` goes to Snakemake untouched
    (argparse would read it as more targets)."""
    if "--" not in argv:
        return argv, []
    cut = argv.index("--")
    return argv[:cut], argv[cut + 1:]


def main(argv: list[str] | None = None) -> int:
    argv, passthrough = _split_passthrough(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    if passthrough and args.command != "submit":
        parser.error(f"arguments after `--` are for `submit` only: {' '.join(passthrough)}")
    args.snakemake_args = passthrough
    try:
        return args.func(args)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 1
    except SweepError as error:  # e.g. `points <study> <unknown sweep>`
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
