"""Write config/README.md from the JSON Schemas, so the documented keys are the validated keys."""

from __future__ import annotations

from pathlib import Path

from .config import load_yaml

HEADER = """# Configuration reference

Generated from `workflow/schemas/*.schema.yaml` by `neurosweep config-docs > config/README.md`
(a test checks it is up to date). Every key below is validated when the workflow starts.

`config/config.yaml` picks the studies and the scale; `config/<study>.yaml` has one block per
scale (`quick`, `paper`, or a test scale), each with `sweeps:`. Every sweep has `grid` (axis →
list of values, crossed), optional `zip` (axes varying together), `exclude` (points to drop),
`settings` (fixed values) and `resources` (`mem_mb`, `runtime` in minutes, per training job).
"""


def describe(schema: dict, defs: dict) -> tuple[str, str]:
    """(allowed values, description) of one property schema, following one $ref."""
    if "$ref" in schema:
        target = defs[schema["$ref"].split("/")[-1]]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    if schema.get("type") == "array" and "items" in schema:
        allowed, _ = describe(schema["items"], defs)
        return f"list of {allowed}", schema.get("description", "")
    if "enum" in schema:
        allowed = " \\| ".join(f"`{v}`" for v in schema["enum"])
    else:
        allowed = str(schema.get("type", "any")).replace("'", "")
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if low is not None or high is not None:
            left = "[" if "minimum" in schema else "("
            right = "]" if "maximum" in schema else ")"
            allowed += f" in {left}{'−∞' if low is None else low}, {'∞' if high is None else high}{right}"
        if "multipleOf" in schema:
            allowed += f", multiple of {schema['multipleOf']}"
    if "default" in schema:
        allowed += f" (default `{schema['default']}`)"
    text = " ".join(str(schema.get("description", "")).split())
    return allowed, text.replace("|", "\\|")  # a bare | would split the table cell


def table(properties: dict, defs: dict) -> list[str]:
    lines = ["| key | allowed | meaning |", "|---|---|---|"]
    for key, sub in properties.items():
        allowed, text = describe(sub, defs)
        lines.append(f"| `{key}` | {allowed} | {text} |")
    return lines


def study_section(study: str, schema: dict) -> list[str]:
    defs = schema["$defs"]
    lines = [f"## `config/{study}.yaml`", "", schema.get("description", ""), ""]
    for sweep in defs["scale"]["properties"]["sweeps"]["properties"]:
        spec = defs[sweep]
        lines += [f"### sweep `{sweep}`", "", " ".join(spec.get("description", "").split()), ""]
        lines += ["Grid axes:", ""] + table(spec["properties"]["grid"]["properties"], defs) + [""]
        settings = spec["properties"].get("settings", {}).get("properties", {})
        if settings:
            lines += ["Settings:", ""] + table(settings, defs) + [""]
    return lines


def render(root: str | Path = ".") -> str:
    schemas = Path(root) / "workflow" / "schemas"
    top = load_yaml(schemas / "config.schema.yaml")
    lines = [HEADER, "## `config/config.yaml`", ""] + table(top["properties"], {}) + [""]
    for path in sorted(schemas.glob("*.schema.yaml")):
        if path.name != "config.schema.yaml":
            lines += study_section(path.name.removesuffix(".schema.yaml"), load_yaml(path))
    return "\n".join(lines).rstrip() + "\n"
