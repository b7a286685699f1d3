"""Load and validate configuration: JSON Schema with defaults, errors that say how to fix them.

The workflow validates ``config/config.yaml`` and every study's ``config/<study>.yaml`` at
start-up, before any job is planned. A bad key, type or value stops the run with one message
naming the file, the key (as a dotted path) and what is allowed.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml


class ConfigError(ValueError):
    """A configuration problem; the message names the file, the key and the allowed values."""


def load_yaml(path: str | os.PathLike) -> Any:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    try:
        return yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None


def deep_merge(base: dict, override: dict) -> dict:
    """A new dict: ``override`` merged into ``base`` recursively (override wins)."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _local_ref_target(root: dict, sub: Any) -> Any:
    """Follow ``{$ref: "#/$defs/x"}`` chains inside ``root`` (our schemas use local refs only)."""
    while isinstance(sub, dict) and "$ref" in sub and "default" not in sub:
        node: Any = root
        for part in sub["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        sub = node
    return sub


def default_filling_validator(schema: dict):
    """A validator for ``schema`` that also writes defaults into the instance (as Snakemake's
    does), including defaults of properties declared through a local $ref."""
    base = jsonschema.Draft202012Validator
    validate_properties = base.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, subschema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                sub = _local_ref_target(schema, sub)
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, subschema)

    return jsonschema.validators.extend(base, {"properties": set_defaults})(schema)


def validate(data: Any, schema: dict, source: str) -> Any:
    """Validate ``data`` in place (defaults filled) or raise ConfigError about ``source``."""
    validator = default_filling_validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.path), list(map(str, e.path))))
    if errors:
        best = jsonschema.exceptions.best_match(errors)
        raise ConfigError(describe_error(best, source))
    return data


def key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(top level)"


def describe_error(error: jsonschema.ValidationError, source: str) -> str:
    """One sentence: file, dotted key, what is wrong, what is allowed."""
    where = key_path(error)
    schema, kind = error.schema, error.validator
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        patterns = list(schema.get("patternProperties", {}))
        unknown = [u for u in unknown if not any(re.search(p, str(u)) for p in patterns)]
        kinds = ([", ".join(allowed)] if allowed else []) + [f"keys matching {p!r}" for p in patterns]
        hint = f"allowed keys: {' or '.join(kinds)}" if kinds else "no keys are allowed here"
        return f"{source}: unknown key {', '.join(map(repr, unknown))} under '{where}'; {hint}"
    if kind == "required":
        return f"{source}: '{where}' is missing a required key: {error.message}"
    if kind == "enum":
        return (f"{source}: '{where}' is {error.instance!r}; allowed values: "
                f"{', '.join(map(repr, schema['enum']))}")
    if kind == "type":
        return f"{source}: '{where}' is {error.instance!r}, which is not of type {schema['type']}"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        low = f"[{schema['minimum']}" if "minimum" in schema else f"({schema.get('exclusiveMinimum', '-inf')}"
        high = f"{schema['maximum']}]" if "maximum" in schema else f"{schema.get('exclusiveMaximum', 'inf')})"
        return f"{source}: '{where}' is {error.instance!r}, outside the allowed range {low}, {high}"
    if kind == "items" or kind == "minItems":
        return f"{source}: '{where}': {error.message}"
    return f"{source}: '{where}': {error.message}"


def load_validated(path: str | os.PathLike, schema_path: str | os.PathLike,
                   override: dict | None = None) -> dict:
    """Load a YAML file, deep-merge ``override`` over it, validate against the schema file."""
    data = load_yaml(path)
    if override:
        data = deep_merge(data, override)
    schema = load_yaml(schema_path)
    source = str(path) if not override else f"{path} (with overrides)"
    return validate(data, schema, source)
