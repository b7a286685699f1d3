"""Workflow tests: Snakemake itself, on a scratch copy of the repository.

The tiny configuration (tests/config/tiny.yaml) runs every rule of the psychophysics study
end to end in well under a minute; its claims are not expected to hold at that size.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
TINY = ["--configfile", "tests/config/tiny.yaml"]

pytestmark = pytest.mark.workflow


def copy_repo(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".venv", "results", "work", "logs", ".snakemake", ".git", "__pycache__", "*.egg-info",
        ".pytest_cache"))
    return dest


def snakemake(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    # PYTHONPATH makes the jobs import the copy's library, not the installed one.
    env = {**os.environ, "PYTHONPATH": str(repo / "src")}
    proc = subprocess.run([SNAKEMAKE, *args], cwd=repo, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def planned_jobs(output: str) -> dict[str, int]:
    """The per-rule job counts of a dry run's 'Job stats' table."""
    counts = {}
    table = output.split("Job stats:", 1)[1] if "Job stats:" in output else ""
    for line in table.splitlines():
        match = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if match and match.group(1) != "total":
            counts[match.group(1)] = int(match.group(2))
    return counts


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return copy_repo(tmp_path_factory.mktemp("workflow") / "repo")


@pytest.fixture(scope="module")
def finished(repo) -> Path:
    """The tiny configuration run to completion (shared by the tests that need results)."""
    snakemake(repo, "--profile", "profiles/local", *TINY)
    return repo


def test_dry_run_lists_every_job_of_the_quick_config(repo):
    proc = snakemake(repo, "-n", "--profile", "profiles/local")
    jobs = planned_jobs(proc.stdout)
    # psychophysics: linear 3x2, orientation 2 models x 3 (kappa, rotation) x 2, hue 2x2,
    # supervised 5x2; popcoding: one job per (configuration, seed), every rate inside it, and
    # points equal to an earlier sweep's point trained once (neurons N = 8 and decoder gaussian
    # are lognormal seed 0; samples n = 500 and activity ising are neurons N = 6)
    popcoding = {"lognormal": 2, "gaussian": 1, "mixture": 2, "neurons": 3 - 1, "samples": 2 - 1,
                 "activity": 2 - 1, "decoder": 2 - 1, "frequency": 2}
    assert jobs["train"] == 6 + 12 + 4 + 10 + sum(popcoding.values())
    # feedback: 66 points, 56 that train (the others are another sweep's default), in 8 packs:
    # modulation seed 0 (17 points) and seed 1 (12), the sources sweep's two pairs (trained
    # longer), three sources, spatial seed 0 (9) and seed 1 (5), dale (6), controls (4 windows)
    # invariances: 17 points, all trained, one pack per topology and seed: circle seeds 41 and 42
    # (3 cells each), 1 (orientation), 43 and 44 (orientation + 3 temperatures each), torus 41, 42
    assert jobs["train_pack"] == 8 + 7 and jobs["publish_point"] == 56 + 17
    assert jobs["aggregate"] == 4 + len(popcoding) + 13 + 3
    assert jobs["figure_data"] == jobs["draw_figure"] == 6 + 14 + 16 + 7
    assert jobs["study_claims"] == 4 and jobs["all_claims"] == 1
    assert jobs["feedback_test_contexts"] == 1
    assert jobs["psychophysics_photos"] == 1 and jobs["popcoding_moore"] == 1
    # stimulus sets are shared: (lognormal, 500) x 2 seeds, (lognormal, 50), (gaussian, 500),
    # (mixture, 50), (mixture, 500), (frequency, 500)
    assert jobs["popcoding_stimuli"] == 7


def test_named_figure_target_plans_only_its_sweep(repo):
    jobs = planned_jobs(snakemake(repo, "-n", "psychophysics_fig5").stdout)
    assert jobs["train"] == 6  # the linear sweep only
    assert jobs["aggregate"] == 1 and jobs["draw_figure"] == 1


def test_bad_config_stops_before_any_job(repo, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("psychophysics:\n  quick:\n    sweeps:\n      linear:\n"
                   "        grid: {depth: [tied], seed: [0]}\n        resourcez: {}\n")
    proc = snakemake(repo, "-n", "--configfile", str(bad), check=False)
    assert proc.returncode != 0
    message = proc.stdout + proc.stderr
    assert "resourcez" in message and "config/psychophysics.yaml" in message
    assert "allowed keys" in message
    assert not (repo / "results").exists()


def test_lint_is_clean(repo):
    proc = snakemake(repo, "--lint", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Congratulations" in proc.stdout + proc.stderr


def test_slurm_profile_dry_run(repo):
    env_extra = {"NEUROSWEEP_SLURM_ACCOUNT": "lab", "NEUROSWEEP_SLURM_GPUS": "1"}
    old = {k: os.environ.get(k) for k in env_extra}
    os.environ.update(env_extra)
    try:
        proc = snakemake(repo, "-n", "--profile", "profiles/slurm")
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key)
            else:
                os.environ[key] = value
    jobs = planned_jobs(proc.stdout)
    assert jobs["train"] == 32 + 12  # psychophysics + popcoding
    assert jobs["train_pack"] == 8 + 7  # feedback + invariances


def test_tiny_run_produces_every_figure_and_claims(finished):
    results = finished / "results" / "psychophysics"
    for figure in ["fig2", "fig3", "fig5", "fig6", "figS1", "figS2"]:
        for ext in ["npz", "pdf", "png"]:
            assert (results / "figures" / f"{figure}.{ext}").stat().st_size > 0
    from neurosweep.claims import read_claims

    rows = read_claims(finished / "results" / "claims.tsv")
    ids = [row["claim"] for row in rows if row["study"] == "psychophysics"]
    assert ids == ["T1", "T2a", "T2b", "T5a", "T5b", "T3", "T4", "T6a", "T6b", "T6c",  # linear
                   "T0a", "T7a", "T7b", "T8a", "T8b", "T9a", "T9b", "T10", "T0c",  # orientation
                   "T11", "T12",  # hue
                   "T13", "T14", "T15", "T16", "T16b",  # supervised
                   "T17"]  # rerun check
    kinds = {row["claim"]: row["kind"] for row in rows if row["study"] == "psychophysics"}
    assert {c for c, k in kinds.items() if k == "check"} == {"T3", "T4", "T0a", "T0c", "T16b", "T17"}
    record = next((results / "runs" / "linear").rglob("record.json")).read_text()
    assert '"seed"' in record and '"torch"' in record
    # nothing is left to do
    assert planned_jobs(snakemake(finished, "-n", *TINY).stdout) == {}


def test_editing_one_figures_drawing_code_redraws_only_that_figure(finished):
    code = finished / "src" / "neurosweep" / "studies" / "psychophysics" / "plots" / "fig5.py"
    original = code.read_text()
    try:
        code.write_text(original + "\n# a cosmetic edit\n")  # comments change no figure
        assert planned_jobs(snakemake(finished, "-n", *TINY).stdout) == {}
        code.write_text(original + "\nLINE_WIDTH = 2.0\n")
        jobs = planned_jobs(snakemake(finished, "-n", *TINY).stdout)
        assert jobs.get("draw_figure") == 1
        assert set(jobs) <= {"draw_figure", "all"}, jobs
    finally:
        code.write_text(original)


def retrained_sweeps(repo: Path) -> set[str]:
    """Sweeps with a training job in the dry run."""
    proc = snakemake(repo, "-n", *TINY)
    blocks = re.split(r"\b(?:local)?rule ", proc.stdout)
    return {re.search(r"sweep=(\w+)", block).group(1) for block in blocks if block.startswith("train:")}


def test_training_reruns_follow_the_code_it_runs_not_file_times(finished):
    src = finished / "src" / "neurosweep"
    for path in src.rglob("*.py"):  # what a fresh clone or `git checkout` does to the library
        os.utime(path)
    assert "train" not in planned_jobs(snakemake(finished, "-n", *TINY).stdout)
    # ... and to the workflow scripts: the profiles leave out Snakemake's `code` trigger, which
    # compares script file times (the code params hash the scripts instead)
    scripts = {path: path.stat() for path in (finished / "workflow" / "scripts").glob("*.py")}
    try:
        for path in scripts:
            os.utime(path)
        assert planned_jobs(snakemake(finished, "-n", "--profile", "profiles/local", *TINY).stdout) == {}
    finally:
        for path, stat in scripts.items():
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    linear = src / "studies" / "psychophysics" / "linear.py"
    original = linear.read_text()
    try:
        linear.write_text("# a comment only\n" + original + "\n\n")
        assert retrained_sweeps(finished) == set()
        linear.write_text(original + "\nUNUSED_BUT_CODE = 1\n")
        # linear.py is the linear sweep's model and the orientation trainer imports it; the
        # hue and supervised trainers do not
        assert retrained_sweeps(finished) == {"linear", "orientation"}
        proc = snakemake(finished, "-n", *TINY)
        assert "Params have changed since last execution" in proc.stdout
    finally:
        linear.write_text(original)
    assert retrained_sweeps(finished) == set()


def test_killed_training_job_resumes_to_identical_results(tmp_path):
    """kill -9 of Snakemake and its job mid-training: the checkpoint in work/ survives (it is
    not a declared output), the rerun resumes from it, and the result equals a clean run's."""
    repo = copy_repo(tmp_path / "repo")
    slow = repo / "slow.yaml"  # enough steps that the job is still training when killed
    slow.write_text("psychophysics:\n  tiny:\n    sweeps:\n      linear:\n"
                    "        settings: {steps: 10000, snapshot_every: 2000}\n")
    point = "depth~tied/seed~0"
    target = f"results/psychophysics/runs/linear/{point}/result.npz"
    checkpoint = repo / "work" / "psychophysics" / "linear" / point / "checkpoint.pt"
    args = [SNAKEMAKE, "-c1", "--configfile", "tests/config/tiny.yaml", str(slow), "--", target]
    env = {**os.environ, "PYTHONPATH": str(repo / "src")}

    proc = subprocess.Popen(args, cwd=repo, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert checkpoint.exists(), "the training job never wrote a checkpoint"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (repo / target).exists()

    # A killed Snakemake leaves its lock behind; the user's recovery is --unlock, then rerun.
    snakemake(repo, "--unlock", "--configfile", "tests/config/tiny.yaml", str(slow))
    snakemake(repo, "-c1", "--rerun-incomplete", "--configfile", "tests/config/tiny.yaml",
              str(slow), "--", target)
    record = json.loads((repo / target).with_name("record.json").read_text())
    assert record["resumed_from_step"] is not None and record["resumed_from_step"] > 0
    assert not checkpoint.exists()  # cleared after success
    resumed = (repo / target).read_bytes()

    snakemake(repo, "-c1", "--forcerun", "train", "--configfile", "tests/config/tiny.yaml",
              str(slow), "--", target)
    record = json.loads((repo / target).with_name("record.json").read_text())
    assert record["resumed_from_step"] is None
    assert (repo / target).read_bytes() == resumed


# --- neurosweep plan, cards, drafts, status, report on the finished tiny run ------------------
def neurosweep(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(repo / "src")}
    proc = subprocess.run([sys.executable, "-m", "neurosweep", *args], cwd=repo, env=env,
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"neurosweep {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def plan_json(repo: Path, *targets: str) -> dict:
    return json.loads(neurosweep(repo, "plan", *targets, "--json", *TINY).stdout)


def stale_points(plan: dict) -> dict[str, set[str]]:
    """sweep -> the reasons its stale points give."""
    out: dict[str, set[str]] = {}
    for study in plan["studies"].values():
        for point in study["points_to_train"]:
            out.setdefault(point["sweep"], set()).update(point["reasons"])
    return out


def snakemake_jobs(repo: Path) -> dict[str, int]:
    jobs = planned_jobs(snakemake(repo, "-n", *TINY).stdout)
    jobs.pop("all", None)
    return jobs


def test_plan_after_a_full_run_reports_everything_done(finished):
    plan = plan_json(finished)
    study = plan["studies"]["psychophysics"]
    assert study["points"] == {"done": 15, "stale": 0, "missing": 0}
    assert all(f["state"] == "done" for f in study["figures"].values()), study["figures"]
    assert plan["jobs"] == {} and plan["cost"]["cpu_hours"] == 0
    assert study["figures"]["fig5"]["target"] == "psychophysics_fig5"
    assert study["figures"]["figS1"]["target"] == "psychophysics_controls"
    text = neurosweep(finished, "plan", *TINY).stdout
    assert "nothing to run" in text and "psychophysics_fig5" in text


def test_plan_names_code_as_the_reason_and_agrees_with_snakemake(finished):
    linear = finished / "src" / "neurosweep" / "studies" / "psychophysics" / "linear.py"
    original = linear.read_text()
    try:
        linear.write_text(original + "\nUNUSED_BUT_CODE = 1\n")
        plan = plan_json(finished)
        # the linear model module: its sweep and the orientation sweep (whose trainer imports it)
        assert stale_points(plan) == {"linear": {"code"}, "orientation": {"code"}}
        figures = plan["studies"]["psychophysics"]["figures"]
        assert {f for f, v in figures.items() if v["state"] != "done"} == {"fig2", "fig5", "figS1"}
        assert plan["jobs"] == snakemake_jobs(finished)
        # one figure target: only its sweep's chain, as `snakemake psychophysics_fig5` runs it
        fig5 = plan_json(finished, "psychophysics_fig5")
        dry = planned_jobs(snakemake(finished, "-n", *TINY, "--", "psychophysics_fig5").stdout)
        dry.pop("psychophysics_fig5")
        assert fig5["jobs"] == dry == {"train": 2, "aggregate": 1, "sweep_claims": 1,
                                       "figure_data": 1, "draw_figure": 1}
        # the cost comes from the benchmark files of the runs that made them
        assert plan["cost"]["source"] == "measured" and plan["cost"]["jobs_measured"] == 8
    finally:
        linear.write_text(original)
    # a drawing module that no other figure imports (figS2 draws with fig6's module)
    plot = finished / "src" / "neurosweep" / "studies" / "psychophysics" / "plots" / "fig5.py"
    original = plot.read_text()
    try:
        plot.write_text(original + "\nLINE_WIDTH = 2.0\n")
        plan = plan_json(finished)
        assert stale_points(plan) == {}
        figures = plan["studies"]["psychophysics"]["figures"]
        assert {f: v["reasons"] for f, v in figures.items() if v["state"] != "done"} == {
            "fig5": ["code (drawing)"]}
        assert plan["jobs"] == snakemake_jobs(finished) == {"draw_figure": 1}
    finally:
        plot.write_text(original)
    assert plan_json(finished)["jobs"] == {}


def test_plan_reads_targets_like_snakemake(finished):
    plan = plan_json(finished, "psychophysics_controls")
    assert set(plan["studies"]["psychophysics"]["figures"]) == {"figS1", "figS2"}
    assert set(plan_json(finished, "psychophysics/fig5")["studies"]["psychophysics"]["figures"]) == {"fig5"}
    proc = neurosweep(finished, "plan", "nosuchfigure", *TINY, check=False)
    assert proc.returncode == 1 and "unknown target 'nosuchfigure'" in proc.stderr


def test_every_figure_has_a_card_naming_its_points_and_claims(finished):
    figures = finished / "results" / "psychophysics" / "figures"
    index = {}
    for sweep in ["linear", "orientation", "hue", "supervised"]:
        index[sweep] = json.loads((finished / "results" / "psychophysics" / sweep / "runs.json").read_text())
    for figure, sweep in {"fig2": "orientation", "fig3": "hue", "fig5": "linear", "fig6": "supervised",
                          "figS1": "orientation", "figS2": "supervised"}.items():
        card = json.loads((figures / f"{figure}.json").read_text())
        assert card["figure"] == f"psychophysics/{figure}" and card["sweep"] == sweep
        assert [p["values"] for p in card["points"]] == [e["point"] for e in index[sweep]]
        first = card["points"][0]
        assert len(first["id"]) == 8 and first["wall_seconds"] > 0 and first["metrics"]
        assert "slurm_job_id" in first  # null: trained locally
        assert first["cpu"] and first["torch_cpu_capability"]  # where it ran, for its rounding
        assert card["config"]["sweeps"][sweep]["grid"]
        assert set(card["git"]) == {"commit", "dirty"}  # null here: the test copy has no .git
        assert f"neurosweep.studies.psychophysics.plots.{figure}" in card["code"]["modules"]
        assert card["code"]["drawing_script"]["path"] == "workflow/scripts/draw_figure.py"
        claims = {c["claim"]: c["verdict"] for c in card["claims"]}
        assert claims and set(claims.values()) <= {"pass", "FAIL"}
    fig5 = json.loads((figures / "fig5.json").read_text())
    assert {"T1", "T3", "T4"} <= {c["claim"] for c in fig5["claims"]}


def test_report_groups_figures_cards_and_claims(finished, tmp_path):
    report = tmp_path / "report.html"
    snakemake(finished, "--report", str(report), *TINY)
    html = report.read_text()
    assert "Linear networks learn principal components in order (Fig. 5)" in html
    assert "fig5.json" in html and "provenance card" in html and "claims table" in html


@pytest.fixture
def partial(finished, tmp_path) -> Path:
    """A copy of the finished run with one point of the linear sweep gone."""
    repo = tmp_path / "repo"
    shutil.copytree(finished, repo, ignore=shutil.ignore_patterns(".snakemake"))
    shutil.rmtree(repo / "results/psychophysics/runs/linear/depth~2/seed~0")
    return repo


def test_draft_draws_from_the_points_that_exist_and_trains_nothing(partial):
    figure = partial / "results/psychophysics/figures/fig5.pdf"
    before = figure.read_bytes()
    out = neurosweep(partial, "draft", "psychophysics_fig5", *TINY).stdout
    assert "draft from 1 of 2 points" in out
    drafts = partial / "results/psychophysics/drafts"
    assert (drafts / "fig5.png").stat().st_size > 0 and (drafts / "fig5.pdf").stat().st_size > 0
    card = json.loads((drafts / "fig5.json").read_text())
    assert card["draft"]["label"] == "draft: 1 of 2 points"
    assert [p["path"] for p in card["points"]] == ["depth~tied/seed~0"]
    assert figure.read_bytes() == before  # the workflow's figure is untouched
    assert not (partial / "results/psychophysics/runs/linear/depth~2/seed~0").exists()  # nothing trained


def test_the_draft_label_is_drawn_on_the_figure(partial, monkeypatch):
    import neurosweep.figures
    from neurosweep.draft import draw_draft
    from neurosweep.workflow import load_plan

    texts = []
    real = neurosweep.figures.save_figure

    def capture(figure, pdf, png):  # what draw_draft saves
        texts.extend(t.get_text() for t in figure.texts)
        real(figure, pdf, png)

    monkeypatch.setattr(neurosweep.figures, "save_figure", capture)
    made = draw_draft(load_plan(partial, ["tests/config/tiny.yaml"]), "psychophysics", "fig5", partial)
    assert (made["points"], made["of"]) == (1, 2)
    assert "draft: 1 of 2 points" in texts and "DRAFT" in texts


def test_draft_says_why_it_cannot_draw(partial):
    for run in (partial / "results/psychophysics/runs/linear").iterdir():
        shutil.rmtree(run)
    proc = neurosweep(partial, "draft", "psychophysics/fig5", *TINY, check=False)
    assert proc.returncode == 1
    assert "no point of sweep psychophysics/linear has finished yet (0 of 2)" in proc.stderr


def test_status_shows_done_running_queued_failed_and_missing(partial):
    from neurosweep.status import render, study_status
    from neurosweep.workflow import load_plan

    plan = load_plan(partial, ["tests/config/tiny.yaml"])
    orientation = plan.sweep("psychophysics", "orientation").paths
    # a running job (this process), a failed one (its log, no result), a queued SLURM job
    for point, state in [(orientation[0], "running"), (orientation[1], "failed")]:
        shutil.rmtree(partial / plan.run_dir("psychophysics", "orientation", point))
    work = partial / "work/psychophysics/orientation" / orientation[0]
    work.mkdir(parents=True, exist_ok=True)
    import socket
    (work / "running.json").write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                                   "slurm_job_id": None}))
    log = partial / "logs/psychophysics/train/orientation" / f"{orientation[1]}.log"
    log.write_text("Traceback: out of memory\n")
    queue = {("train", "psychophysics", "linear", "depth~2/seed~0"): ("4242", "PENDING")}
    table = study_status(plan, "psychophysics", partial, queue=queue)
    states = {(sweep, r.point): r for sweep, rows in table.items() for r in rows}
    assert states[("linear", "depth~2/seed~0")].state == "queued"
    assert states[("linear", "depth~2/seed~0")].job_id == "4242"
    assert states[("orientation", orientation[0])].state == "running"
    assert states[("orientation", orientation[1])].state == "failed"
    assert states[("orientation", orientation[1])].log == str(log.relative_to(partial))
    assert states[("hue", "hue_rotation~0/seed~0")].state == "done"
    text = render(plan, ["psychophysics"], partial, colour=False, queue=queue)
    assert "linear (2 points: 1 done, 1 queued)" in text
    assert f"failed   orientation/{orientation[1]}  log {log.relative_to(partial)}" in text
    assert "queued   linear/depth~2/seed~0  SLURM job 4242" in text
    assert "\033[" in render(plan, ["psychophysics"], partial, colour=True, queue=queue)
    # a marker whose process is gone is not running: the point is missing (its log is the
    # finished run's, which ends with "done in")
    (work / "running.json").write_text(json.dumps({"pid": 2 ** 22 + 7, "host": socket.gethostname()}))
    table = study_status(plan, "psychophysics", partial, queue={})
    assert {r.point: r.state for r in table["orientation"]}[orientation[0]] == "missing"
    out = neurosweep(partial, "status", "psychophysics", *TINY).stdout
    assert "orientation (6 points: 4 done, 1 failed, 1 missing)" in out
