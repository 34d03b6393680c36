"""`load_yaml` resolves each plain text once (a cache before PyYAML's resolver): the result is PyYAML's own."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from bland_sms_mock.contracts.yamltext import load_yaml, text_times_loader

ROOT = Path(__file__).resolve().parents[2]


class PlainPyYaml(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """PyYAML's safe loader with the same resolvers and no shortcut."""


PlainPyYaml.yaml_implicit_resolvers = text_times_loader().yaml_implicit_resolvers

TRICKY = """
base: &base {x: 1, y: [1, 2, {deep: true}]}
merged: {<<: *base, z: 0x1F}
alias: *base
list_alias: &items [a, b]
again: *items
ints: [1_000, 0o17, 1:30, -3, +4, 0b101]
floats: [1.5, .inf, -.Inf, 6.8523015e+5]
bools: [yes, No, on, true, FALSE]
nulls: [~, null, ]
when: 2026-01-05T09:00:00Z
day: 2026-01-05
binary: !!binary aGVsbG8=
set: !!set {a, b}
omap: !!omap [{a: 1}, {b: 2}]
strs: ['1', "true", !!str 5, plain text, "", '']
1: an int key
null: a null key
"""


@pytest.mark.parametrize("text", [TRICKY, "", "just a string", "- 1\n- two\n", "{a: [1, 2]}"])
def test_the_same_values_as_pyyaml(text: str) -> None:
    expected = yaml.load(text, Loader=PlainPyYaml)
    assert load_yaml(text) == expected
    assert repr(load_yaml(text)) == repr(expected)  # same types too (1 is not True, "1" is not 1)


def test_aliases_share_one_value() -> None:
    loaded = load_yaml(TRICKY)
    assert loaded["alias"] is loaded["base"] and loaded["again"] is loaded["list_alias"]
    assert loaded["when"] == "2026-01-05T09:00:00Z"  # timestamps stay text


@pytest.mark.parametrize(
    "text", ["{a: [1, 2", "? [complex, key]\n: no\n", "a: !!python/object:os.system {}", "a: 1\n---\nb: 2\n"]
)
def test_the_same_errors_as_pyyaml(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.load(text, Loader=PlainPyYaml)
    with pytest.raises(type(expected.value)):
        load_yaml(text)


def test_every_shipped_yaml_file() -> None:
    files = [p for p in ROOT.glob("fixtures/**/*.yaml") if p.name != "busy_account.yaml"] + [ROOT / "openapi.yaml"]
    # (busy_account.yaml is generated, 3.6 MB of the same few shapes: 18 s to read twice, nothing new to compare)
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.load(text, Loader=PlainPyYaml), path
