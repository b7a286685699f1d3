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


def follow(schema: dict, root: dict) -> dict:
    """A property schema with its local $ref (a JSON pointer into ``root``) merged in; keys
    written beside the $ref (a description, say) win."""
    while "$ref" in schema:
        node = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def describe(schema: dict, root: dict) -> tuple[str, str]:
    """(allowed values, description) of one property schema."""
    schema = follow(schema, root)
    if schema.get("type") == "array" and "items" in schema:
        allowed, _ = describe(schema["items"], root)
        description = schema.get("description") or follow(schema["items"], root).get("description", "")
        return f"list of {allowed}", " ".join(str(description).split()).replace("|", "\\|")
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


def table(properties: dict, root: dict) -> list[str]:
    lines = ["| key | allowed | meaning |", "|---|---|---|"]
    for key, sub in properties.items():
        allowed, text = describe(sub, root)
        lines.append(f"| `{key}` | {allowed} | {text} |")
    return lines


def study_section(study: str, schema: dict) -> list[str]:
    lines = [f"## `config/{study}.yaml`", "", schema.get("description", ""), ""]
    sweeps = schema["$defs"]["scale"]["properties"]["sweeps"]
    if sweeps.get("description"):
        lines += [" ".join(sweeps["description"].split()), ""]
    # Sweeps declared by the same $ref share one schema: document it once, under all their names
    groups: dict[str, list[str]] = {}
    for sweep, sub in sweeps["properties"].items():
        groups.setdefault(sub.get("$ref", sweep), []).append(sweep)
    for names in groups.values():
        spec = follow(sweeps["properties"][names[0]], schema)
        title = "sweep" if len(names) == 1 else "sweeps"
        lines += [f"### {title} " + ", ".join(f"`{name}`" for name in names), ""]
        if spec.get("description"):
            lines += [" ".join(spec["description"].split()), ""]
        grid = follow(spec["properties"]["grid"], schema)
        lines += ["Grid axes:", ""] + table(grid["properties"], schema) + [""]
        settings = follow(spec["properties"].get("settings", {}), schema).get("properties", {})
        if settings:
            lines += ["Settings:", ""] + table(settings, schema) + [""]
    return lines


def render(root: str | Path = ".") -> str:
    schemas = Path(root) / "workflow" / "schemas"
    top = load_yaml(schemas / "config.schema.yaml")
    lines = [HEADER, "## `config/config.yaml`", ""] + table(top["properties"], top) + [""]
    for path in sorted(schemas.glob("*.schema.yaml")):
        if path.name != "config.schema.yaml":
            lines += study_section(path.name.removesuffix(".schema.yaml"), load_yaml(path))
    return "\n".join(lines).rstrip() + "\n"
