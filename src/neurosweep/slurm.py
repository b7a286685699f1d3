"""Run work as SLURM jobs through submitit, away from the login node.

Login nodes kill long processes, and a Snakemake controller driving a paper-scale sweep runs
for days. ``submit_controller`` sends the controller itself to SLURM as a small 1-CPU job; it
then submits the training jobs as usual (profiles/slurm). ``submit_point`` trains one sweep
point as a SLURM job from Python (e.g. a notebook) and writes exactly the files the workflow's
``train`` rule writes, so a later ``snakemake`` run counts that point as done.

submitit is imported inside the functions: ``import neurosweep.slurm`` stays cheap.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:  # pragma: no cover
    import submitit

CONTROLLER_JOB_NAME = "neurosweep-controller"
CONTROLLER_LOGS = "logs/slurm/controller/%j"  # under the repository root; %j: the job id
POINT_LOGS = "logs/slurm/points/%j"
# Variables the jobs need whatever the site's sbatch --export default is (see _export_lines).
EXPORTED = ("PATH", "PYTHONPATH", "VIRTUAL_ENV")
EXPORTED_PREFIXES = ("NEUROSWEEP_", "SNAKEMAKE_")
SINFO_TIMEOUT_S = 20
# On `scancel` and at the time limit SLURM sends SIGTERM to every process of the job, and once
# the batch shell has died it kills the rest at once: Snakemake would get no time to cancel its
# jobs. With a trap the shell waits for its command (the controller) to finish first.
KEEP_BATCH_SHELL_ON_SIGTERM = "trap 'echo batch shell: got SIGTERM, waiting for the controller' TERM"


class SlurmUnavailable(RuntimeError):
    """SLURM cannot be used from this machine (no sbatch, or slurmctld does not answer)."""


# --- is SLURM there? ---------------------------------------------------------------------------
def slurm_problem() -> str | None:
    """None when jobs can be submitted from here, else a one-line reason why not."""
    if shutil.which("sbatch") is None:
        return "sbatch is not on PATH"
    try:
        probe = subprocess.run(["sinfo", "-h"], capture_output=True, text=True,
                               timeout=SINFO_TIMEOUT_S)
    except FileNotFoundError:
        return "sinfo is not on PATH"
    except subprocess.TimeoutExpired:
        return f"sinfo did not answer within {SINFO_TIMEOUT_S} s (is slurmctld down?)"
    if probe.returncode != 0:
        reason = probe.stderr.strip().splitlines()
        return f"sinfo failed: {reason[-1] if reason else f'exit code {probe.returncode}'}"
    return None


def require_slurm() -> None:
    problem = slurm_problem()
    if problem is not None:
        raise SlurmUnavailable(f"SLURM was not found: {problem}")


def status_tool() -> str:
    """How submitit reads job states: NEUROSWEEP_SLURM_STATUS, else sacct where it works, else
    squeue (clusters without accounting; the same rule as profiles/slurm)."""
    chosen = os.environ.get("NEUROSWEEP_SLURM_STATUS")
    if chosen:
        return chosen
    try:
        probe = subprocess.run(["sacct", "--noheader", "-X", "-j", "1"], capture_output=True,
                               timeout=SINFO_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return "squeue"
    return "sacct" if probe.returncode == 0 else "squeue"


# --- submitting --------------------------------------------------------------------------------
def _site(value: str | None, name: str) -> str | None:
    """An explicit argument, else the site setting NEUROSWEEP_SLURM_<name> (as profiles/slurm)."""
    return value if value is not None else (os.environ.get(f"NEUROSWEEP_SLURM_{name}") or None)


def _job_environment(root: Path) -> dict[str, str]:
    """What the job must see: this environment's PATH (with this Python's bin first, so the
    job finds the same snakemake and python), the repository's src/ on PYTHONPATH (the job
    function is imported from it), and the NEUROSWEEP_* / SNAKEMAKE_* site settings."""
    env = {key: value for key, value in os.environ.items()
           if key in EXPORTED or key.startswith(EXPORTED_PREFIXES)}
    env["PATH"] = _prepend(str(Path(sys.executable).parent), env.get("PATH", ""))
    env["PYTHONPATH"] = _prepend(str(root / "src"), env.get("PYTHONPATH", ""))
    return env


def _prepend(entry: str, search_path: str) -> str:
    """``entry`` first in a PATH-like value, not repeated."""
    rest = [part for part in search_path.split(os.pathsep) if part and part != entry]
    return os.pathsep.join([entry, *rest])


def _export_lines(env: dict[str, str]) -> list[str]:
    """submitit's sbatch script has no --export line, so what a job inherits depends on the
    site (sbatch exports everything unless SBATCH_EXPORT or the site's config says otherwise).
    Exporting the variables in the script itself makes the job see them either way."""
    return [f"export {key}={shlex.quote(value)}" for key, value in sorted(env.items())]


def _executor(root: Path, folder: str, *, job_name: str, time_min: int, mem_mb: int,
              partition: str | None, account: str | None, qos: str | None,
              gpus: int = 0, use_srun: bool, extra_sbatch: dict | None = None,
              extra_setup: Sequence[str] = ()):
    """A submitit SlurmExecutor whose jobs run in ``root`` with this session's environment."""
    import submitit

    from . import submitit_jobs

    executor = submitit.SlurmExecutor(folder=root / folder)
    parameters = dict(job_name=job_name, time=int(time_min), mem=f"{int(mem_mb)}M",
                      cpus_per_task=1, partition=partition, account=account, qos=qos,
                      gpus_per_node=gpus or None, use_srun=use_srun,
                      setup=[*_export_lines(_job_environment(root)), *extra_setup],
                      additional_parameters={"chdir": str(root), **(extra_sbatch or {})})
    executor.update_parameters(**{k: v for k, v in parameters.items() if v is not None})
    if status_tool() == "squeue":
        executor.job_class = submitit_jobs.SqueueSlurmJob  # else job.result() waits on sacct
    return executor


def controller_command(profile: str, targets: Sequence[str],
                       snakemake_args: Sequence[str]) -> list[str]:
    """The Snakemake command the controller job runs (this Python's snakemake)."""
    snakemake = Path(sys.executable).parent / "snakemake"
    # The job has one CPU: rules that run beside the controller (localrules) go one at a time.
    # Later options win, so `-- --local-cores N` still overrides this.
    return [str(snakemake), "--profile", profile, *targets, "--local-cores", "1", *snakemake_args]


def submit_controller(profile: str, targets: Sequence[str], snakemake_args: Sequence[str], *,
                      root: Path, time_min: int, partition: str | None, account: str | None,
                      qos: str | None, mem_mb: int = 2000) -> "submitit.Job":
    """Submit the Snakemake controller (``snakemake --profile PROFILE TARGETS ARGS`` run in
    ``root``) as a long-running 1-CPU SLURM job. Its output goes to the job's submitit log
    files under logs/slurm/controller/<job id>/."""
    require_slurm()
    root = Path(root).resolve()
    command = controller_command(profile, targets, snakemake_args)
    if not Path(command[0]).exists():
        raise FileNotFoundError(f"{command[0]} does not exist: install snakemake beside "
                                f"{sys.executable} (tools/setup-venv.sh)")
    # No srun step: the controller is one process in the batch step, where scancel's SIGTERM
    # reaches it (see run_controller), and no step settings can leak into its sbatch calls.
    executor = _executor(root, CONTROLLER_LOGS, job_name=CONTROLLER_JOB_NAME, time_min=time_min,
                         mem_mb=mem_mb, partition=_site(partition, "PARTITION"),
                         account=_site(account, "ACCOUNT"), qos=_site(qos, "QOS"),
                         use_srun=False, extra_setup=[KEEP_BATCH_SHELL_ON_SIGTERM])
    return executor.submit(run_controller, command, str(root))


def run_controller(command: list[str], cwd: str) -> int:
    """The controller job: run Snakemake with its output streaming into the job's log files
    (submitit's CommandFunction would hold days of output in memory). Its messages pass
    through this process, which notes the SLURM run ID (the job name of every job it submits)."""
    print("running:", shlex.join(command), flush=True)
    run = _SnakemakeRun()
    with subprocess.Popen(command, cwd=cwd, stderr=subprocess.PIPE, text=True,
                          bufsize=1) as snakemake:
        _stop_gracefully_on_signals(snakemake, run)
        for line in snakemake.stderr:
            sys.stderr.write(line)
            sys.stderr.flush()
            run.read(line)
        returncode = snakemake.wait()
    if returncode != 0:
        raise RuntimeError(f"snakemake exited with code {returncode}; its messages are in this "
                           "job's stderr log")
    return returncode


class _SnakemakeRun:
    """What the controller knows of the Snakemake run it drives: the name its SLURM jobs get."""
    RUN_ID = re.compile(r"SLURM run ID: (\S+)")

    def __init__(self):
        self.job_name: str | None = None

    def read(self, line: str) -> None:
        if self.job_name is None and (found := self.RUN_ID.search(line)):
            self.job_name = found.group(1)

    def cancel_jobs(self) -> None:
        """scancel every job of the run (by name; jobs that have ended are left alone)."""
        if self.job_name is None:
            return
        done = subprocess.run(["scancel", "--name", self.job_name], capture_output=True,
                              text=True, timeout=60)
        print(f"cancelled the jobs named {self.job_name}" if done.returncode == 0 else
              f"scancel --name {self.job_name} failed: {done.stderr.strip()}", flush=True)


def _stop_gracefully_on_signals(snakemake: subprocess.Popen, run: _SnakemakeRun) -> None:
    """`scancel ID` and the time limit (SIGTERM) should stop Snakemake the way Ctrl-C does: it
    then cancels the SLURM jobs it submitted (their training saves a checkpoint) and exits.
    On SIGTERM alone it would wait for those jobs and be killed first, leaving them running.
    SLURM signals every process of the job, so Snakemake gets the signal itself too; this
    process passes SIGTERM on as SIGINT and keeps waiting (by default a SIGINT here would make
    subprocess kill Snakemake). Python handlers, unlike SIG_IGN, are not inherited by it.
    A loaded Snakemake may take longer to shut down than SLURM waits before its SIGKILL, so
    this process also cancels the run's jobs itself, at once."""
    def interrupt(signum, frame):
        print(f"got {signal.Signals(signum).name}: waiting for Snakemake to cancel its jobs and "
              "exit", flush=True)
        if signum == signal.SIGTERM and snakemake.poll() is None:
            snakemake.send_signal(signal.SIGINT)
            run.cancel_jobs()

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)


def submit_point(study: str, sweep: str, point: str, *, root: Path,
                 configfiles: Sequence[str] = (), scale: str | None = None, time_min: int = 60,
                 mem_mb: int = 2000, partition: str | None = None, account: str | None = None,
                 qos: str | None = None, gpus: int = 0) -> "submitit.Job":
    """Train one sweep point as a SLURM job; ``job.result()`` is the run record.

    ``point`` is the point's path (``hue_rotation~0/seed~0``) or id, as `neurosweep points`
    lists them; ``configfiles`` and ``scale`` are what you would give Snakemake
    (``--configfile``, relative to ``root``). The job writes the train rule's outputs
    (results/<study>/runs/<sweep>/<point>/result.npz and record.json; checkpoints in
    work/<study>/<sweep>/<point>), so Snakemake then treats the point as done.
    """
    from .workflow import load_plan

    root = Path(root).resolve()
    configfiles = [str(path) for path in configfiles]
    # Fail here, not in the queue: a bad config, an unknown point or missing data.
    plan = load_plan(root, configfiles, scale)
    path = point_path(plan, study, sweep, point)
    check_inputs(root, plan.inputs(study, sweep, path), sweep)
    require_slurm()
    executor = _executor(root, POINT_LOGS, job_name=f"neurosweep-{study}-{sweep}",
                         time_min=time_min, mem_mb=mem_mb, partition=_site(partition, "PARTITION"),
                         account=_site(account, "ACCOUNT"), qos=_site(qos, "QOS"), gpus=gpus,
                         use_srun=True, extra_sbatch=_stop_signal(time_min))
    return executor.submit(train_point, str(root), study, sweep, path, configfiles, scale)


def _stop_signal(time_min: int) -> dict:
    """As profiles/slurm: USR1 two minutes before the time limit makes the harness save a
    checkpoint and stop (submit again to resume). Too close to the start of a short job, the
    signal would stop it at once, so short jobs rely on the SIGTERM at the limit instead."""
    return {"signal": "USR1@120"} if time_min >= 10 else {}


# --- one point, as the train rule runs it -------------------------------------------------------
def point_path(plan, study: str, sweep: str, point: str) -> str:
    """The point's path, given its path or its id."""
    points = plan.sweep(study, sweep).points
    by_id = {p.id: p.path for p in points}
    if point in by_id:
        return by_id[point]
    return plan.sweep(study, sweep).lookup(point).path  # raises SweepError naming the sweep


def check_inputs(root: Path, inputs: dict[str, str], sweep: str) -> None:
    """The sweep's data files must exist: the workflow makes them before training, a lone
    point cannot."""
    for path in inputs.values():
        if not (Path(root) / path).exists():
            raise FileNotFoundError(
                f"sweep {sweep!r} reads {path}, which does not exist under {root}: make it "
                f"first with `snakemake --profile profiles/local {path}` (its own target)")


def train_point(root: str, study: str, sweep: str, point: str, configfiles: Sequence[str],
                scale: str | None) -> dict:
    """The job: build the plan as the workflow does and train the point as workflow/scripts/
    train.py does, with the same relative paths (so params, and their hash that checkpoints are
    keyed by, match the workflow's)."""
    from . import harness
    from .study import get_spec, resolve
    from .workflow import load_plan

    os.chdir(root)  # the plan's paths are relative to the repository root, as in Snakemake
    _log_to_stderr()
    plan = load_plan(root, configfiles, scale)
    sweep, point = plan.owner(study, sweep, point)  # a point shared with another sweep trains there
    inputs = plan.inputs(study, sweep, point)
    check_inputs(Path(root), inputs, sweep)
    train = resolve(study, get_spec(study).trainers[sweep])
    params = dict(plan.params(study, sweep, point))
    params.update(inputs)  # data files it reads
    run, work = plan.run_dir(study, sweep, point), f"work/{study}/{sweep}/{point}"
    with harness.running_marker(work):
        # the same code hash the workflow's train rule passes, so the result counts as done
        return harness.run_point(train, params, result_path=f"{run}/result.npz",
                                 record_path=f"{run}/record.json", work_dir=work,
                                 point_id=plan.point_id(study, sweep, point),
                                 name=f"{study}/{sweep}/{point}", threads=1,
                                 code_hash=plan.train_code(study, sweep))


def _log_to_stderr() -> None:
    """The harness logs progress through `logging`; in a submitit job nothing shows it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("neurosweep")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
