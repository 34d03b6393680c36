"""The OpenAPI document is generated from the models, valid, and committed fresh."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from bland_sms_mock.contracts.openapi import build_document, render_yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_yaml_is_fresh() -> None:
    committed = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert committed == render_yaml(), "openapi.yaml is stale: run `make openapi` and commit it"


def test_module_prints_the_document() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "bland_sms_mock.contracts.openapi"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert yaml.safe_load(printed) == yaml.safe_load(render_yaml())


def test_document_validates_as_openapi_3_1() -> None:
    document = build_document()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_document_carries_security_and_error_responses() -> None:
    document = build_document()
    assert document["components"]["securitySchemes"]["apiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "authorization",
        "description": document["components"]["securitySchemes"]["apiKey"]["description"],
    }
    create = document["paths"]["/v1/sms/create"]["post"]["responses"]
    assert {"200", "400", "401", "404", "405", "413", "415"} <= create.keys()
    for status in ("400", "401", "413", "415"):
        assert create[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
    listing = document["paths"]["/v1/sms/conversations"]["get"]
    assert [p["name"] for p in listing["parameters"]] == ["page", "pageSize", "sortBy", "sortDir", "filters"]


def test_item_schema_lists_exactly_the_documented_fields() -> None:
    item = build_document()["components"]["schemas"]["ConversationItem"]
    assert set(item["required"]) == {
        "id",
        "created_at",
        "updated_at",
        "user_number",
        "agent_number",
        "variables",
        "current_node_id",
        "curr_pathway_id",
        "is_active",
        "message_count",
        "last_message",
        "last_message_at",
        "pathway_tags",
        "effective_channel",
        "summary",
        "citation_variables",
        "disposition_tag",
    }
    assert "timed_out_at" not in item["properties"]
    assert "curr_pathway_version" not in item["properties"]
