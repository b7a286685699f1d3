"""The psychophysics config, schema and library defaults agree."""

from pathlib import Path

import pytest

from neurosweep.config import load_yaml
from neurosweep.studies.psychophysics import hue, linear, orientation, supervised

ROOT = Path(__file__).resolve().parents[1]
LIBRARY_DEFAULTS = {
    "linear": linear.DEFAULTS,
    "orientation": orientation.DEFAULTS,
    "hue": hue.QUICK,
    "supervised": supervised.QUICK,
}


def sweep_schema(sweep):
    return load_yaml(ROOT / "workflow" / "schemas" / "psychophysics.schema.yaml")["$defs"][sweep]


@pytest.mark.parametrize("sweep", sorted(LIBRARY_DEFAULTS))
def test_every_library_parameter_is_a_validated_config_key(sweep):
    spec = sweep_schema(sweep)["properties"]
    keys = set(spec["settings"]["properties"]) | set(spec["grid"]["properties"])
    assert set(LIBRARY_DEFAULTS[sweep]) <= keys


@pytest.mark.parametrize("sweep", sorted(LIBRARY_DEFAULTS))
def test_quick_config_equals_the_library_defaults(sweep):
    """Calling train() from Python with only the point's values gives the quick configuration."""
    quick = load_yaml(ROOT / "config" / "psychophysics.yaml")["psychophysics"]["quick"]["sweeps"]
    settings = quick[sweep]["settings"]
    defaults = {k: v for k, v in LIBRARY_DEFAULTS[sweep].items() if k in settings}
    assert defaults == settings
