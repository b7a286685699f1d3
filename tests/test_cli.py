"""The `neurosweep` command line: help, validate, points, claims."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from neurosweep.claims import Claim, check, write_claims
from neurosweep.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "neurosweep", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_help():
    result = _cli("--help")
    assert result.returncode == 0, result.stderr
    for word in ("neurosweep", "points", "validate", "claims", "--root"):
        assert word in result.stdout


def test_validate_subprocess_in_repo():
    result = _cli("validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "psychophysics (quick): linear 6 points, orientation 12 points, hue 4 points, "
        "supervised 10 points",
        "popcoding (quick): lognormal 2 points, gaussian 1 point, mixture 2 points, neurons 3 points, "
        "samples 2 points, activity 2 points, decoder 2 points, frequency 2 points",
        "feedback (quick): seeds 2 points, noise 4 points, sources 3 points, frequency 1 point, "
        "generalise 2 points, controls 4 points, tau_input 24 points, nfb 4 points, width 10 points, "
        "nfb_width 4 points, population 1 point, dale 1 point, dale_target 6 points",
        "invariances (quick): circle 9 points, temperature 6 points, torus 2 points",
        "configuration is valid"]


def test_validate_with_root_and_scale(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # --root, not the working directory, locates the config
    assert main(["--root", str(ROOT), "validate", "--scale", "paper"]) == 0
    out = capsys.readouterr().out
    assert "psychophysics (paper): linear 9 points, orientation 18 points, hue 6 points, " \
           "supervised 15 points" in out


def test_validate_unknown_scale(capsys):
    assert main(["--root", str(ROOT), "validate", "--scale", "galactic"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("configuration error:") and "'galactic'" in err
    assert "psychophysics.yaml" in err


def test_validate_bad_config_file(capsys, tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "config", root / "config")
    shutil.copytree(ROOT / "workflow" / "schemas", root / "workflow" / "schemas")
    (root / "config" / "config.yaml").write_text(
        yaml.safe_dump({"scale": "quick", "studies": ["psychophysics"], "typo": 1}))
    assert main(["--root", str(root), "validate"]) == 1
    err = capsys.readouterr().err
    assert "configuration error" in err and "'typo'" in err and "allowed keys" in err


def test_validate_missing_root(capsys, tmp_path):
    assert main(["--root", str(tmp_path), "validate"]) == 1
    assert "file not found" in capsys.readouterr().err


def test_points(capsys):
    assert main(["--root", str(ROOT), "points", "psychophysics", "hue"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "# psychophysics/hue: 4 points"
    assert len(lines) == 5
    ident, path = lines[1].split()
    assert len(ident) == 8 and path == "results/psychophysics/runs/hue/hue_rotation~0/seed~0"
    assert lines[4].endswith("results/psychophysics/runs/hue/hue_rotation~90/seed~1")


def test_points_all_sweeps(capsys):
    assert main(["--root", str(ROOT), "points", "psychophysics"]) == 0
    headers = [l for l in capsys.readouterr().out.splitlines() if l.startswith("#")]
    assert headers == ["# psychophysics/linear: 6 points", "# psychophysics/orientation: 12 points",
                       "# psychophysics/hue: 4 points", "# psychophysics/supervised: 10 points"]


def test_points_unknown_study_or_sweep(capsys):
    assert main(["--root", str(ROOT), "points", "astrology"]) == 1
    assert "'astrology'" in capsys.readouterr().err
    assert main(["--root", str(ROOT), "points", "psychophysics", "bogus"]) == 1
    assert "no sweep 'bogus'" in capsys.readouterr().err


def test_claims_missing_file(tmp_path):
    missing = tmp_path / "claims.tsv"
    result = _cli("claims", str(missing), cwd=tmp_path)
    assert result.returncode == 1
    assert str(missing) in result.stderr and "does not exist" in result.stderr
    assert result.stdout == ""


def test_claims_default_path_missing(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["claims"]) == 1
    assert "results/claims.tsv does not exist" in capsys.readouterr().err


def test_claims_exit_codes(capsys, tmp_path):
    good = tmp_path / "good.tsv"
    write_claims(good, [Claim("T1", "holds", 0.5, 0.0, 1.0, source="paper")], study="s")
    assert main(["claims", str(good)]) == 0
    assert "s: 1 of 1 paper claims hold; 0 of 0 checks pass" in capsys.readouterr().out
    bad = tmp_path / "bad.tsv"
    write_claims(bad, [Claim("T1", "holds", 0.5, 0.0, 1.0, source="paper"),
                       check("T2", "breaks", 5.0, 0.0, 1.0)], study="s")
    assert main(["claims", str(bad)]) == 2
    out = capsys.readouterr().out
    assert "s: 1 of 1 paper claims hold; 0 of 1 checks pass" in out and "FAIL T2 (check): breaks" in out


def test_no_command_is_an_error(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2


def test_config_reference_is_up_to_date():
    """config/README.md documents exactly the validated keys: regenerate it after schema edits
    with `neurosweep config-docs > config/README.md`."""
    from neurosweep.configdoc import render

    assert (ROOT / "config" / "README.md").read_text() == render(ROOT)


def test_config_reference_lists_every_setting_of_every_sweep():
    from neurosweep.configdoc import render
    from neurosweep.config import load_yaml

    text = render(ROOT)
    for study in load_yaml(ROOT / "workflow" / "schemas" / "config.schema.yaml")["properties"]["studies"]["items"]["enum"]:
        section = text[text.index(f"## `config/{study}.yaml`"):]
        headings = [line for line in section.splitlines() if line.startswith("### sweep")]
        for scale in load_yaml(ROOT / "config" / f"{study}.yaml")[study].values():
            for sweep, spec in scale["sweeps"].items():
                assert any(f"`{sweep}`" in line for line in headings), (study, sweep)
                for key in list(spec["settings"]) + list(spec["grid"]):
                    assert f"| `{key}` |" in section, (study, sweep, key)
