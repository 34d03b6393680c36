"""`{{ name.field }}` templates: values saved by earlier steps, filled in just before a step is sent."""

from __future__ import annotations

from typing import Any

from bland_sms_mock.contracts.models.scenario import TEMPLATE_PATTERN


class TemplateError(LookupError):
    """A template names a value that the saved response does not have."""


def lookup(saved: dict[str, Any], name: str, path: str) -> Any:
    """The value at `name.path` (`path` like `.data.0.id`) among the saved values.

    Raises:
        TemplateError: no such name, key or index.
    """
    if name not in saved:
        raise TemplateError(f"{{{{ {name}{path} }}}}: nothing was saved as {name!r}")
    value = saved[name]
    for part in [p for p in path.split(".") if p]:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise TemplateError(f"{{{{ {name}{path} }}}}: {name} has no {part!r} (it holds {_short(value)})")
    return value


def render(value: Any, saved: dict[str, Any]) -> Any:
    """`value` with every template filled in; a string that is exactly one template takes the value's type.

    Raises:
        TemplateError: a template cannot be resolved.
    """
    if isinstance(value, str):
        whole = TEMPLATE_PATTERN.fullmatch(value.strip())
        if whole:
            return lookup(saved, whole[1], whole[2])
        return TEMPLATE_PATTERN.sub(lambda m: _text(lookup(saved, m[1], m[2])), value)
    if isinstance(value, dict):
        return {render(k, saved): render(v, saved) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, saved) for v in value]
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "keys " + ", ".join(sorted(map(str, value))[:12])
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return repr(value)[:60]
