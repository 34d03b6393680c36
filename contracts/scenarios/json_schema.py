"""The JSON Schema of scenario files, generated from the pydantic models (`fixtures/scenario.schema.json`).

`make fixtures` regenerates it; a test fails when
the committed file is stale. Editors use it for completion: add `# yaml-language-server: $schema=...`.
"""

from __future__ import annotations

import json

from bland_sms_mock.contracts.models.scenario import Scenario


def render_schema() -> str:
    """The scenario JSON Schema as indented JSON text."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **Scenario.model_json_schema()}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render_schema(), end="")
