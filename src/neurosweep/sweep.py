"""Sweep grids declared in config, expanded statically into points with readable paths.

A sweep is declared as::

    grid:    {depth: [tied, 2, 3], kappa: [0, 0.5], seed: [0, 1]}   # cartesian product
    zip:     [[kappa, rotation]]        # optional: these axes vary together, element-wise
    exclude: [{kappa: 0, rotation: 45}] # optional: drop points matching all given values

Each point gets a readable relative path, ``depth~tied/kappa~0.5/seed~1``, that parses back
to exactly the same values and types (floats use Python's shortest round-trip repr), and a
stable short id (a hash of the values) for logs and file names that must be short.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass, field

SAFE_STRING = re.compile(r"^[A-Za-z_][A-Za-z0-9_.+-]*$")
INT = re.compile(r"^-?[0-9]+$")


class SweepError(ValueError):
    """A sweep declaration that cannot be expanded (the message names the sweep and key)."""


def format_value(value: object) -> str:
    """The path form of one value; ``parse_value(format_value(v)) == v`` with the same type."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SweepError(f"non-finite value {value!r} cannot be a sweep value")
        return repr(value)
    if isinstance(value, str):
        if not SAFE_STRING.match(value) or not isinstance(parse_value(value), str):
            # e.g. 'true', 'nan', 'Inf', 'Infinity': they would parse back as bool/float
            raise SweepError(
                f"string value {value!r} cannot appear in a path: use letters, digits, '_.+-', "
                "starting with a letter, and no word that reads as a number or boolean")
        return value
    raise SweepError(f"value {value!r} of type {type(value).__name__} cannot be a sweep value")


def parse_value(text: str) -> object:
    if text in ("true", "false"):
        return text == "true"
    if INT.match(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


def point_path(values: dict) -> str:
    """``{'alpha': 0.25, 'seed': 3}`` -> ``'alpha~0.25/seed~3'`` (axis order kept)."""
    return "/".join(f"{axis}~{format_value(value)}" for axis, value in values.items())


def parse_path(path: str) -> dict:
    """The inverse of :func:`point_path`."""
    values = {}
    for part in path.strip("/").split("/"):
        axis, sep, text = part.partition("~")
        if not sep:
            raise SweepError(f"path component {part!r} of {path!r} is not 'axis~value'")
        values[axis] = parse_value(text)
    return values


def point_id(values: dict) -> str:
    text = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Point:
    values: dict
    path: str
    id: str


@dataclass
class Sweep:
    """The points of one named sweep, in a stable order."""

    name: str
    points: list[Point]
    settings: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_path = {p.path: p for p in self.points}

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.points]

    def lookup(self, path: str) -> Point:
        try:
            return self._by_path[path]
        except KeyError:
            raise SweepError(f"{path!r} is not a point of sweep {self.name!r} "
                             f"(it has {len(self.points)} points, e.g. {self.paths[:2]})") from None

    def params(self, path: str) -> dict:
        """Everything the training function receives: settings overlaid by the point's values."""
        return {**self.settings, **self.lookup(path).values}


def expand_grid(grid: dict[str, list], zip_axes: list[list[str]] | None = None,
                exclude: list[dict] | None = None, name: str = "sweep") -> list[dict]:
    """All combinations of the grid, with zipped axes varying together, minus exclusions."""
    if not grid:
        raise SweepError(f"sweep {name!r}: the grid is empty")
    zip_axes = [list(group) for group in (zip_axes or [])]
    for group in zip_axes:
        missing = [a for a in group if a not in grid]
        if missing:
            raise SweepError(f"sweep {name!r}: zip names axes {missing} that are not in the grid "
                             f"(axes: {list(grid)})")
        lengths = {a: len(grid[a]) for a in group}
        if len(set(lengths.values())) != 1:
            raise SweepError(f"sweep {name!r}: zipped axes must have equal lengths, got {lengths}")
    for rule in exclude or []:
        unknown = set(rule) - set(grid)
        if unknown:
            raise SweepError(f"sweep {name!r}: exclude names unknown axes {sorted(unknown)} "
                             f"(axes: {list(grid)})")
    axes = list(grid)
    zipped = {a for group in zip_axes for a in group}
    group_at = {min(group, key=axes.index): group for group in zip_axes}
    factors: list[list[dict]] = []
    for axis, values in grid.items():
        if not isinstance(values, list) or not values:
            raise SweepError(f"sweep {name!r}: axis {axis!r} needs a non-empty list of values")
        if axis in group_at:
            group = group_at[axis]
            factors.append([dict(zip(group, combo)) for combo in zip(*(grid[a] for a in group))])
        elif axis not in zipped:
            factors.append([{axis: v} for v in values])
    points = []
    for combo in itertools.product(*factors):
        merged = {k: v for part in combo for k, v in part.items()}
        values = {axis: merged[axis] for axis in axes}  # declared axis order
        if not any(_matches(values, rule) for rule in exclude or []):
            points.append(values)
    if not points:
        raise SweepError(f"sweep {name!r}: every point is excluded")
    return points


def _matches(values: dict, rule: dict) -> bool:
    """True if the point has every value of the exclusion rule (0 and false are different)."""
    return all(k in values and values[k] == v and isinstance(values[k], bool) == isinstance(v, bool)
               for k, v in rule.items())


def build_sweep(name: str, spec: dict) -> Sweep:
    """A Sweep from its config block (keys grid, zip, exclude, settings)."""
    values_list = expand_grid(spec["grid"], spec.get("zip"), spec.get("exclude"), name=name)
    points = []
    for values in values_list:
        path = point_path(values)
        back = parse_path(path)
        if back != values or [type(v) for v in back.values()] != [type(v) for v in values.values()]:
            raise SweepError(f"sweep {name!r}: point {values} does not round-trip through {path!r}")
        points.append(Point(values=values, path=path, id=point_id(values)))
    if len({p.path for p in points}) != len(points):
        raise SweepError(f"sweep {name!r}: the grid has duplicate points")
    return Sweep(name=name, points=points, settings=dict(spec.get("settings", {})))
