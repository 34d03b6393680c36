"""Reading the project's YAML and JSON files: safe, fast (libyaml when present), timestamps kept as text.

PyYAML turns `2026-01-05T09:00:00Z` into a datetime; scenario, seed and config files compare and store
timestamps as the API's strings, so the timestamp resolver is left out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

_BASE: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TextTimesLoader(_BASE):  # type: ignore[misc, valid-type]
    """The safe loader (in C when PyYAML has libyaml), with timestamps left as strings."""

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        """The tag of a node; a plain scalar's depends on its text alone, so each text is resolved once.

        A seed repeats the same few texts (senders, numbers, lines of dialogue) thousands of times, and
        resolving one runs several regular expressions in Python.
        """
        if kind is not yaml.ScalarNode or not implicit[0]:
            return super().resolve(kind, value, implicit)
        known: dict[str, str] = self.__dict__.setdefault("_plain_tags", {})
        tag = known.get(value)
        if tag is None:
            tag = known[value] = super().resolve(kind, value, implicit)
        return tag


TextTimesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BASE.yaml_implicit_resolvers.items()
}


def load_yaml(text: str) -> Any:
    """Parse YAML text safely, timestamps as strings.

    libyaml parses and resolves each node's tag in C; PyYAML would then build the Python values with its
    general constructor, which costs most of the time on a big file. Plain strings, lists and mappings
    are built here directly instead (about three times faster); any other node (numbers, booleans,
    null, merge keys, explicit tags) goes to PyYAML's own constructor, so the result is the same.
    """
    loader = TextTimesLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _value(loader, node, {})
    finally:
        loader.dispose()


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


def _value(loader: Any, node: yaml.Node, made: dict[int, Any]) -> Any:
    """The Python value of `node`; `made` holds the lists and mappings built so far (aliases share them)."""
    tag = node.tag
    if tag == _STR and type(node) is yaml.ScalarNode:
        return node.value
    if id(node) in made:
        return made[id(node)]
    if tag == _SEQ and type(node) is yaml.SequenceNode:
        items: list[Any] = []
        made[id(node)] = items
        items.extend(_value(loader, item, made) for item in node.value)
        return items
    if tag == _MAP and type(node) is yaml.MappingNode and all(_plain_key(key) for key, _ in node.value):
        mapping: dict[Any, Any] = {}
        made[id(node)] = mapping
        for key, item in node.value:
            mapping[_value(loader, key, made)] = _value(loader, item, made)
        return mapping
    if type(node) is yaml.ScalarNode and (scalar := loader.yaml_constructors.get(tag)) is not None:
        return scalar(loader, node)  # null, bool, int, float, binary: PyYAML's own scalar constructors
    return loader.construct_object(node, deep=True)


def _plain_key(key: yaml.Node) -> bool:
    """A key PyYAML's mapping constructor would take as it is: a scalar, not a merge (`<<`) or value (`=`) key."""
    return type(key) is yaml.ScalarNode and key.tag not in ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


def read_document(path: str | Path) -> Any:
    """Read a config, seed or snapshot file: JSON when it ends in `.json`, else YAML.

    Raises:
        ValueError: unreadable or malformed, naming the file.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
        return json.loads(text) if str(path).endswith(".json") else load_yaml(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: {exc}") from None
