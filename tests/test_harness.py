"""The training harness: run records, determinism, checkpoints, kill -9 and SIGUSR1 resume."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import toy_training
from neurosweep.harness import Checkpoint, params_hash, run_point, seed_everything
from neurosweep.io import read_json, read_npz

torch.set_num_threads(1)

TESTS = Path(__file__).resolve().parent
STEPS = 1000
EVERY = 50
PARAMS = {"seed": 3, "steps": STEPS, "lr": 0.05}


@pytest.fixture(autouse=True)
def _keep_sigusr1():
    """run_point installs a SIGUSR1 handler; give pytest its own back."""
    previous = signal.getsignal(signal.SIGUSR1)
    yield
    signal.signal(signal.SIGUSR1, previous)


def _run(directory: Path, params=PARAMS, every=EVERY, **kwargs) -> dict:
    return run_point(toy_training.train, dict(params), result_path=directory / "result.npz",
                     record_path=directory / "record.json", work_dir=directory / "work",
                     point_id="toy", name="toy", checkpoint_every=every, **kwargs)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """An uninterrupted run (in this process) to compare resumed runs against."""
    previous = signal.getsignal(signal.SIGUSR1)
    directory = tmp_path_factory.mktemp("reference")
    _run(directory)
    signal.signal(signal.SIGUSR1, previous)
    return directory


def _start(directory: Path, pause: float = 0.0) -> subprocess.Popen:
    env = dict(os.environ, TOY_STEP_SLEEP=str(pause), OMP_NUM_THREADS="1")
    env.pop("SLURM_JOB_ID", None)
    return subprocess.Popen(
        [sys.executable, str(TESTS / "toy_training.py"), str(directory / "result.npz"),
         str(directory / "record.json"), str(directory / "work"), json.dumps(PARAMS), str(EVERY)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path: Path, proc: subprocess.Popen, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"training exited ({proc.returncode}) before checkpointing: "
                        f"{proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("no checkpoint appeared")
        time.sleep(0.01)


def _saved_step(checkpoint: Path) -> int:
    return int(torch.load(checkpoint, weights_only=True)["step"])


# --- records and determinism --------------------------------------------------------------

def test_record_contents(tmp_path, monkeypatch):
    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    params = {"seed": 7, "steps": 120, "extra": "x"}
    record = _run(tmp_path, params=params)
    assert record == read_json(tmp_path / "record.json")
    assert record["seed"] == 7 and record["params"] == params
    assert record["params_hash"] == params_hash(params) and len(record["params_hash"]) == 12
    assert record["point_id"] == "toy" and record["name"] == "toy"
    assert record["slurm_job_id"] == "4242"
    assert record["versions"]["torch"] == torch.__version__
    assert {"python", "numpy", "neurosweep"} <= set(record["versions"])
    # what of the machine can change a result's rounding (and so a chaotic run's outcome)
    assert record["machine"]["torch_cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert record["machine"]["cpu"] and isinstance(record["machine"]["vector_flags"], list)
    assert isinstance(record["wall_seconds"], float) and record["wall_seconds"] >= 0
    assert record["resumed_from_step"] is None
    assert record["checkpoints_saved"] == 2  # steps 50 and 100, not the last (120)
    assert record["metrics"]["steps"] == 120
    assert np.isfinite(record["metrics"]["final_loss"])
    arrays = read_npz(tmp_path / "result.npz")
    assert set(arrays) == {"weights", "losses", "probe"} and arrays["losses"].shape == (120,)
    assert not (tmp_path / "work" / "checkpoint.pt").exists()  # cleared after success


def test_slurm_job_id_absent(tmp_path, monkeypatch):
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    assert _run(tmp_path, params={"seed": 0, "steps": 5})["slurm_job_id"] is None


def test_seed_is_required(tmp_path):
    with pytest.raises(KeyError, match="seed"):
        _run(tmp_path, params={"steps": 5})
    assert not (tmp_path / "result.npz").exists()


def test_same_seed_identical_bytes_different_seed_differs(tmp_path):
    small = {"seed": 1, "steps": 200}
    _run(tmp_path / "a", params=small)
    torch.manual_seed(12345)  # global state left over from elsewhere must not matter
    torch.rand(10)
    _run(tmp_path / "b", params=small)
    _run(tmp_path / "c", params={**small, "seed": 2})
    a, b, c = (tmp_path / d / "result.npz" for d in "abc")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert read_json(tmp_path / "a" / "record.json")["params_hash"] != \
        read_json(tmp_path / "c" / "record.json")["params_hash"]


def test_train_receives_a_copy_of_params(tmp_path):
    def train(params, ckpt):
        params["seed"] = 99
        params["new"] = 1
        return {}, {"x": np.zeros(1)}

    params = {"seed": 4}
    record = run_point(train, params, result_path=tmp_path / "r.npz",
                       record_path=tmp_path / "r.json", work_dir=None)
    assert params == {"seed": 4} and record["params"] == {"seed": 4} and record["seed"] == 4


def test_failed_training_writes_no_outputs(tmp_path):
    def train(params, ckpt):
        raise RuntimeError("diverged")

    with pytest.raises(RuntimeError, match="diverged"):
        run_point(train, {"seed": 0}, result_path=tmp_path / "r.npz",
                  record_path=tmp_path / "r.json", work_dir=tmp_path / "w")
    assert not (tmp_path / "r.npz").exists() and not (tmp_path / "r.json").exists()


def test_params_hash():
    assert params_hash({"a": 1, "b": 0.5}) == params_hash({"b": 0.5, "a": 1})
    assert params_hash({"a": 1}) != params_hash({"a": 1.0})
    assert params_hash({"a": 1}) != params_hash({"a": 2})


# --- Checkpoint ------------------------------------------------------------------------------

def test_checkpoint_restores_torch_rng_and_state(tmp_path):
    seed_everything(0)
    torch.rand(3)
    ckpt = Checkpoint(tmp_path)
    assert ckpt.restore() is None and ckpt.resumed_from is None
    ckpt.save(5, {"w": torch.arange(4.0), "step": 5})
    expected = torch.rand(6)
    torch.manual_seed(999)
    again = Checkpoint(tmp_path)
    state = again.restore()
    assert again.resumed_from == 5
    assert torch.equal(state["w"], torch.arange(4.0)) and state["step"] == 5
    assert torch.equal(torch.rand(6), expected)
    again.clear()
    assert not again.path.exists()
    again.clear()  # idempotent


def test_tick_saves_every_n_steps_but_not_at_the_end(tmp_path):
    ckpt = Checkpoint(tmp_path, every_steps=3, every_seconds=1e9)
    saved = []
    for step in range(1, 11):
        ckpt.tick(step, 10, lambda: {"step": step})
        if ckpt.path.exists():
            saved.append(_saved_step(ckpt.path))
            ckpt.path.unlink()
    assert saved == [3, 6, 9] and ckpt.saves == 3


def test_tick_saves_when_time_is_due(tmp_path):
    ckpt = Checkpoint(tmp_path, every_steps=10**6, every_seconds=0.0)
    for step in range(1, 5):
        ckpt.tick(step, 10, lambda: {})
    assert ckpt.saves == 4 and _saved_step(ckpt.path) == 4


def test_checkpoint_without_directory_never_saves():
    ckpt = Checkpoint(None, every_steps=1)
    assert ckpt.path is None and ckpt.restore() is None
    for step in range(1, 4):
        ckpt.tick(step, 3, lambda: pytest.fail("state_fn must not be called"))
    assert ckpt.saves == 0
    ckpt.clear()


def test_request_stop_saves_then_exits(tmp_path):
    ckpt = Checkpoint(tmp_path, every_steps=100)
    ckpt.tick(1, 10, lambda: {"s": 1})
    assert ckpt.saves == 0
    ckpt.request_stop(signal.SIGUSR1, None)
    with pytest.raises(SystemExit, match="stopped by signal after saving step 2"):
        ckpt.tick(2, 10, lambda: {"s": 2})
    assert ckpt.saves == 1 and _saved_step(ckpt.path) == 2


# --- real interruptions ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def killed(tmp_path_factory, request):
    """A slowed-down training subprocess killed with SIGKILL right after its first checkpoint.
    The uninterrupted reference run is computed meanwhile in this process."""
    directory = tmp_path_factory.mktemp("killed")
    proc = _start(directory, pause=0.003)
    request.getfixturevalue("reference")
    checkpoint = directory / "work" / "checkpoint.pt"
    _wait_for(checkpoint, proc)
    assert proc.poll() is None, "training finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    return directory, proc.returncode, err


def test_kill_9_then_resume_is_identical(killed, reference):
    directory, returncode, err = killed
    checkpoint = directory / "work" / "checkpoint.pt"
    assert returncode == -signal.SIGKILL, err
    assert not (directory / "result.npz").exists()
    assert not (directory / "record.json").exists()
    killed_at = _saved_step(checkpoint)
    assert 0 < killed_at < STEPS and killed_at % EVERY == 0

    proc = _start(directory)  # a new process picks up the checkpoint
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert (directory / "result.npz").read_bytes() == (reference / "result.npz").read_bytes()
    record = read_json(directory / "record.json")
    assert record["resumed_from_step"] == killed_at
    assert record["metrics"] == read_json(reference / "record.json")["metrics"]
    assert not checkpoint.exists()


def test_sigusr1_saves_exits_and_resumes_identically(tmp_path, reference, monkeypatch):
    """SLURM's warning signal, delivered for real (from another thread, at an arbitrary point
    of the loop) to the handler run_point installs: save, exit; the rerun resumes."""
    directory = tmp_path / "run"
    checkpoint = directory / "work" / "checkpoint.pt"
    monkeypatch.setenv("TOY_STEP_SLEEP", "0.003")
    early = []  # a signal before run_point installs its handler must not kill pytest
    signal.signal(signal.SIGUSR1, lambda *_: early.append(True))
    timer = threading.Timer(0.4, os.kill, (os.getpid(), signal.SIGUSR1))
    timer.start()
    try:
        with pytest.raises(SystemExit) as info:
            _run(directory)
    finally:
        timer.cancel()
    assert not early
    message = str(info.value)
    assert "stopped by signal after saving step" in message
    stopped_at = int(message.rsplit("saving step", 1)[1].split()[0])
    assert 0 < stopped_at < STEPS
    assert _saved_step(checkpoint) == stopped_at
    assert not (directory / "result.npz").exists()
    assert not (directory / "record.json").exists()

    monkeypatch.delenv("TOY_STEP_SLEEP")
    record = _run(directory)  # the rerun
    assert record["resumed_from_step"] == stopped_at
    assert (directory / "result.npz").read_bytes() == (reference / "result.npz").read_bytes()
    assert not checkpoint.exists()


def test_resume_in_process_matches(tmp_path, reference):
    """A run stopped at a checkpoint (simulated) and resumed gives the same bytes."""
    directory = tmp_path / "run"

    def stop_after(step_limit):
        def train(params, ckpt):
            original = ckpt.tick

            def tick(step, total, state_fn):
                original(step, total, state_fn)
                if step == step_limit:
                    raise KeyboardInterrupt

            ckpt.tick = tick
            return toy_training.train(params, ckpt)
        return train

    with pytest.raises(KeyboardInterrupt):
        run_point(stop_after(2 * EVERY), dict(PARAMS), result_path=directory / "result.npz",
                  record_path=directory / "record.json", work_dir=directory / "work",
                  checkpoint_every=EVERY)
    assert _saved_step(directory / "work" / "checkpoint.pt") == 2 * EVERY
    record = _run(directory)
    assert record["resumed_from_step"] == 2 * EVERY
    assert (directory / "result.npz").read_bytes() == (reference / "result.npz").read_bytes()


def test_checkpoint_from_other_params_is_ignored(tmp_path):
    """A checkpoint written before the point's settings changed must not be resumed."""
    old = Checkpoint(tmp_path, params_hash="old-settings")
    old.save(5, {"w": torch.zeros(2)})
    assert Checkpoint(tmp_path, params_hash="old-settings").restore() is not None
    fresh = Checkpoint(tmp_path, params_hash="new-settings")
    assert fresh.restore() is None and fresh.resumed_from is None
