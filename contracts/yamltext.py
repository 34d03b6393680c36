"""YAML loading for the kit's files: safe, fast (libyaml when present), and timestamps kept as text.

PyYAML turns `2026-01-05T09:00:00Z` into a datetime; scenario, seed and config files compare and store
timestamps as the API's strings, so the timestamp resolver is left out.
"""

from __future__ import annotations

from typing import Any

import yaml

_BASE: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TextTimesLoader(_BASE):  # type: ignore[misc, valid-type]
    """The safe loader (in C when PyYAML has libyaml), with timestamps left as strings."""


TextTimesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BASE.yaml_implicit_resolvers.items()
}


def load_yaml(text: str) -> Any:
    """Parse YAML text safely, timestamps as strings."""
    return yaml.load(text, Loader=TextTimesLoader)
