# Shared by every study: config validation (before any job), sweep expansion into the
# PLAN, and the input/param/resource functions the rules in pipeline.smk call.
import os
import sys
from pathlib import Path

# The library in src/ is importable here and in every job (jobs inherit the environment,
# also on SLURM), whether or not the package is installed.
SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)
# (the old value is read through dict() so that --lint does not take it for a required variable)
os.environ.update(PYTHONPATH=os.pathsep.join(filter(None, [SRC, dict(os.environ).get("PYTHONPATH")])))

from neurosweep.codehash import software
from neurosweep.workflow import Plan, ConfigError

try:
    PLAN = Plan.from_config(config, root=Path(workflow.basedir))
except ConfigError as error:
    raise WorkflowError(f"configuration error: {error}") from None

# The numeric software training runs on (python, torch, numpy versions): a param of the
# training rules, so an upgrade re-trains, as a changed conda environment would.
SOFTWARE = software()

STUDY_PATTERN = "|".join(PLAN.studies) or "no-study"
# Studies that train their points several to a job (packs) publish each point from its pack;
# the others train one point per job. Each kind of study matches only its own rule.
PACKED_PATTERN = "|".join(PLAN.packed_studies) or "no-study"
UNPACKED_PATTERN = "|".join(s for s in PLAN.studies if not PLAN.packed(s)) or "no-study"


wildcard_constraints:
    study=STUDY_PATTERN,
    sweep="[A-Za-z0-9_]+",
    point="[A-Za-z0-9_]+~[^/]+(/[A-Za-z0-9_]+~[^/]+)*",
    figure="[A-Za-z0-9_]+",


# Aggregation, figures and claims are quick: never send them to a cluster queue.
localrules:
    publish_point,
    aggregate,
    figure_data,
    draw_figure,
    sweep_claims,
    study_claims,
    all_claims,


def all_targets():
    return PLAN.all_targets()


def train_params(wildcards):
    return PLAN.params(wildcards.study, wildcards.sweep, wildcards.point)


def train_code(wildcards):
    return PLAN.train_code(wildcards.study, wildcards.sweep)


def pack_code(wildcards):
    return PLAN.pack_code(wildcards.study, wildcards.pack)


def train_inputs(wildcards):
    return PLAN.inputs(wildcards.study, wildcards.sweep, wildcards.point)


def train_point_id(wildcards):
    return PLAN.point_id(wildcards.study, wildcards.sweep, wildcards.point)


def scaled_resource(study, sweep, key, attempt):
    """A sweep's configured resource, multiplied by the attempt number (retries get more)."""
    return PLAN.resource(study, sweep, key) * attempt


def train_mem_mb(wildcards, attempt):
    return scaled_resource(wildcards.study, wildcards.sweep, "mem_mb", attempt)


def train_runtime(wildcards, attempt):
    return scaled_resource(wildcards.study, wildcards.sweep, "runtime", attempt)


def train_gpu(wildcards):
    return PLAN.resource(wildcards.study, wildcards.sweep, "gpu")


# Points of at most this many minutes (a sweep's `resources: runtime`) are small enough to bundle.
BUNDLE_MAX_MINUTES = 30


def train_group(wildcards):
    """Small CPU points share group jobs on a cluster (fewer, fuller SLURM jobs, run one after
    another); GPU points and long points are one job each."""
    runtime = PLAN.resource(wildcards.study, wildcards.sweep, "runtime")
    if train_gpu(wildcards) or runtime > BUNDLE_MAX_MINUTES:
        return None
    return "train_bundle"


def pack_params(wildcards):
    return PLAN.pack_members(wildcards.study, wildcards.pack)


def pack_inputs(wildcards):
    return PLAN.pack_inputs(wildcards.study, wildcards.pack)


def pack_mem_mb(wildcards, attempt):
    return PLAN.pack_resource(wildcards.study, wildcards.pack, "mem_mb") * attempt


def pack_runtime(wildcards, attempt):
    return PLAN.pack_resource(wildcards.study, wildcards.pack, "runtime") * attempt


def pack_gpu(wildcards):
    return PLAN.pack_resource(wildcards.study, wildcards.pack, "gpu")


def published_from(wildcards):
    """The manifest of the pack that trains this point (publish_point's input)."""
    pack = PLAN.pack_of(wildcards.study, wildcards.sweep, wildcards.point)
    return {"manifest": f"{PLAN.pack_dir(wildcards.study, pack)}/pack.json"}


def sweep_results(wildcards):
    return PLAN.run_files(wildcards.study, wildcards.sweep)


def sweep_points(wildcards):
    return PLAN.sweep(wildcards.study, wildcards.sweep).paths


def figure_data_inputs(wildcards):
    sweep = PLAN.figure(wildcards.study, wildcards.figure).sweep
    arrays, index = PLAN.sweep_files(wildcards.study, sweep)
    return {"arrays": arrays, "index": index, **PLAN.figure_inputs(wildcards.study, wildcards.figure)}


def figure_data_code(wildcards):
    return PLAN.figure_code(wildcards.study, wildcards.figure)["data"]


def figure_draw_code(wildcards):
    return PLAN.figure_code(wildcards.study, wildcards.figure)["draw"]


def figure_title(wildcards):
    return PLAN.figure(wildcards.study, wildcards.figure).title


def figure_sweep_claims(wildcards):
    return PLAN.sweep_claims_file(wildcards.study, PLAN.figure(wildcards.study, wildcards.figure).sweep)


def sweep_claim_inputs(wildcards):
    arrays, index = PLAN.sweep_files(wildcards.study, wildcards.sweep)
    return {"arrays": arrays, "index": index, **PLAN.sweep_claim_inputs(wildcards.study, wildcards.sweep)}


def sweep_claims_code(wildcards):
    return PLAN.claims_code(wildcards.study, wildcards.sweep)


def study_sweep_claims(wildcards):
    return [PLAN.sweep_claims_file(wildcards.study, sweep) for sweep in PLAN.study(wildcards.study).sweeps]


def rerun_inputs(wildcards):
    return PLAN.rerun_inputs(wildcards.study)


def rerun_mem_mb(wildcards, attempt):
    return scaled_resource(wildcards.study, PLAN.rerun_point(wildcards.study)[0], "mem_mb", attempt)


def rerun_runtime(wildcards, attempt):
    return scaled_resource(wildcards.study, PLAN.rerun_point(wildcards.study)[0], "runtime", attempt)


def rerun_gpu(wildcards):
    return PLAN.resource(wildcards.study, PLAN.rerun_point(wildcards.study)[0], "gpu")


def rerun_params(wildcards):
    sweep, point = PLAN.rerun_point(wildcards.study)
    return {"sweep": sweep, "point": point, "values": PLAN.params(wildcards.study, sweep, point)}


def publish_point(manifest, sweep, point, result, record, log):
    """Copy one point's staged files from its pack to the point's own result paths."""
    import shutil

    staged = Path(manifest).parent / "members" / sweep / point
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    Path(log).write_text(f"published {sweep}/{point} from {staged}\n")
    for source, target in ((staged / "result.npz", result), (staged / "record.json", record)):
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(f"{target}.tmp")
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)


def print_claims_summary():
    PLAN.print_claims_summary()
