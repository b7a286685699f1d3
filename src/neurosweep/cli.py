"""The `neurosweep` command: inspect sweeps and claims without running Snakemake.

    neurosweep points psychophysics orientation   # every point: id, path, values
    neurosweep validate                           # check config/*.yaml, as the workflow does
    neurosweep claims                             # summary of results/claims.tsv
    neurosweep config-docs > config/README.md     # every config key, from the schemas
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .claims import read_claims, summary
from .config import ConfigError, load_yaml
from .sweep import SweepError


def _plan(args):
    from .workflow import Plan

    config = load_yaml(Path(args.root) / "config" / "config.yaml")
    if args.scale:
        config["scale"] = args.scale
    return Plan.from_config(config, root=args.root)


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
            print(f"{point.id}  {plan.run_dir(args.study, name, point.path)}")
    return 0


def cmd_validate(args) -> int:
    plan = _plan(args)
    for study in plan.studies:
        counts = {name: len(s.points) for name, s in plan.study(study).sweeps.items()}
        print(f"{study} ({plan.scale}): " + ", ".join(f"{k} {v} points" for k, v in counts.items()))
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
