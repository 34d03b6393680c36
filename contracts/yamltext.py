"""Reading the project's YAML and JSON files: safe, fast (libyaml when present), timestamps kept as text.

PyYAML turns `2026-01-05T09:00:00Z` into a datetime; scenario, seed and config files compare and store
timestamps as the API's strings, so the timestamp resolver is left out.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any


@cache
def text_times_loader() -> type:
    """The safe loader (in C when PyYAML has libyaml), with timestamps left as strings.

    Built on first use: PyYAML is imported only when a YAML file or body is read (a lazy import, for
    start-up speed: `serve` with the demo account reads no YAML).
    """
    import yaml

    base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class TextTimesLoader(base):  # type: ignore[misc, valid-type]
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
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return TextTimesLoader


def load_yaml(text: str) -> Any:
    """Parse YAML text safely, timestamps as strings.

    Raises:
        yaml.YAMLError: malformed YAML.
    """
    import yaml  # lazy, for start-up speed (see text_times_loader)

    return yaml.load(text, Loader=text_times_loader())


def read_document(path: str | Path) -> Any:
    """Read a config, seed or snapshot file: JSON when it ends in `.json`, else YAML.

    Raises:
        ValueError: unreadable or malformed, naming the file.
    """
    import yaml  # lazy, for start-up speed (see text_times_loader)

    try:
        text = Path(path).read_text(encoding="utf-8")
        return json.loads(text) if str(path).endswith(".json") else load_yaml(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: {exc}") from None
