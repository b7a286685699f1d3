"""The `neurosweep` command: inspect sweeps and claims without running Snakemake.

    neurosweep points psychophysics orientation   # every point: id, path, values
    neurosweep validate                           # check config/*.yaml, as the workflow does
    neurosweep claims                             # summary of results/claims.tsv
    neurosweep config-docs > config/README.md     # every config key, from the schemas
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
    _add_submit_parser(sub)
    return parser


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
