"""Atomic writes and deterministic npz files."""

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from neurosweep import io as nio
from neurosweep.io import atomic_path, read_json, read_npz, write_json, write_npz, write_text


def _leftovers(directory: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name not in keep)


def test_write_text_and_json(tmp_path):
    path = tmp_path / "deep" / "er" / "out.json"  # parents created
    write_json(path, {"b": 1, "a": [1.5, "x"], "n": np.float64(0.25), "i": np.int64(3),
                      "arr": np.arange(3), "p": Path("/x/y")})
    assert read_json(path) == {"a": [1.5, "x"], "b": 1, "n": 0.25, "i": 3, "arr": [0, 1, 2],
                               "p": "/x/y"}
    text = path.read_text()
    assert text.endswith("\n") and text.index('"a"') < text.index('"b"')  # sorted keys
    write_text(tmp_path / "t.txt", "hello\n")
    assert (tmp_path / "t.txt").read_text() == "hello\n"
    assert _leftovers(tmp_path, {"deep", "t.txt"}) == []
    assert _leftovers(path.parent, {"out.json"}) == []


def test_write_json_rejects_unknown_types_atomically(tmp_path):
    path = tmp_path / "r.json"
    write_json(path, {"ok": 1})
    with pytest.raises(TypeError, match="cannot write object"):
        write_json(path, {"bad": object()})
    assert read_json(path) == {"ok": 1}
    assert _leftovers(tmp_path, {"r.json"}) == []


def test_atomic_path_failure_leaves_old_content(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_path(path) as tmp:
            assert tmp.parent == tmp_path and tmp != path
            tmp.write_text("half-writ")
            assert path.read_text() == "old"  # nothing visible before the block ends
            raise RuntimeError("boom")
    assert path.read_text() == "old"
    assert _leftovers(tmp_path, {"out.txt"}) == []


def test_atomic_path_failure_leaves_no_destination(tmp_path):
    path = tmp_path / "new.txt"
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(path) as tmp:
            tmp.write_text("partial")
            raise KeyboardInterrupt
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("writer", ["text", "json", "npz"])
def test_failed_replace_leaves_destination_untouched(tmp_path, monkeypatch, writer):
    path = tmp_path / f"out.{writer}"
    write = {"text": lambda p: write_text(p, "new content"),
             "json": lambda p: write_json(p, {"new": True}),
             "npz": lambda p: write_npz(p, {"x": np.arange(5)})}[writer]
    path.write_bytes(b"old bytes")

    def failing_replace(src, dst):
        assert Path(src).exists() and Path(src).stat().st_size > 0  # fully written temp file
        raise OSError("disk on fire")

    monkeypatch.setattr(nio.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk on fire"):
        write(path)
    assert path.read_bytes() == b"old bytes"
    assert _leftovers(tmp_path, {path.name}) == []
    monkeypatch.undo()
    write(path)
    assert path.read_bytes() != b"old bytes"
    assert _leftovers(tmp_path, {path.name}) == []


def test_npz_failure_mid_write(tmp_path):
    path = tmp_path / "r.npz"
    write_npz(path, {"a": np.ones(3)})
    before = path.read_bytes()

    class Bad:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("cannot convert")

    with pytest.raises(RuntimeError, match="cannot convert"):
        write_npz(path, {"a": np.zeros(3), "z": Bad()})
    assert path.read_bytes() == before
    assert _leftovers(tmp_path, {"r.npz"}) == []


def test_outputs_get_normal_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        write_text(tmp_path / "a.txt", "x")
        write_npz(tmp_path / "a.npz", {"x": np.zeros(1)})
    finally:
        os.umask(mask)
    for name in ("a.txt", "a.npz"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {"weights": rng.normal(size=(17, 5)).astype(np.float32), "loss": rng.random(100),
            "counts": np.arange(10, dtype=np.int64), "scalar": np.float64(2.5),
            "flags": np.array([True, False])}


def test_write_npz_byte_identical(tmp_path):
    import time
    write_npz(tmp_path / "a.npz", _arrays())
    time.sleep(2.1)  # zip timestamps have 2 s resolution: a clock-dependence would show
    # insertion order must not matter either
    write_npz(tmp_path / "b.npz", dict(reversed(list(_arrays().items()))))
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    write_npz(tmp_path / "c.npz", _arrays(seed=1))
    assert (tmp_path / "a.npz").read_bytes() != (tmp_path / "c.npz").read_bytes()


def test_read_npz_round_trip(tmp_path):
    arrays = _arrays()
    arrays["0/nested"] = np.eye(2)  # aggregate.py uses 'i/name' keys
    write_npz(tmp_path / "r.npz", arrays)
    back = read_npz(tmp_path / "r.npz")
    assert set(back) == set(arrays)
    for key, value in arrays.items():
        value = np.asarray(value)
        assert back[key].dtype == value.dtype and back[key].shape == value.shape, key
        np.testing.assert_array_equal(back[key], value)
    # np.load reads it too, and it is a plain dict of arrays (file closed)
    with np.load(tmp_path / "r.npz") as data:
        np.testing.assert_array_equal(data["weights"], arrays["weights"])


def test_write_npz_refuses_object_arrays(tmp_path):
    with pytest.raises(ValueError):
        write_npz(tmp_path / "o.npz", {"o": np.array([{"a": 1}], dtype=object)})
    assert list(tmp_path.iterdir()) == []


def test_write_json_is_valid_json(tmp_path):
    write_json(tmp_path / "x.json", [1, {"k": "v"}])
    assert json.loads((tmp_path / "x.json").read_text()) == [1, {"k": "v"}]
