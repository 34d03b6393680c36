"""Build the OpenAPI 3.1 document of the two endpoints from `bland_sms_mock.contracts.models`.

`python -m bland_sms_mock.contracts.openapi` prints it as YAML; `openapi.yaml` at the repository root is that output.
"""

from __future__ import annotations

import sys
from typing import Any

import click
import yaml
from bland_sms_mock.contracts.models.api import (
    CreateRequest,
    CreateResponse,
    ErrorEnvelope,
    Filter,
    ListQuery,
    ListResponse,
)
from pydantic.json_schema import models_json_schema

REF = "#/components/schemas/{model}"

_ERRORS: dict[int, tuple[str, str, str]] = {
    400: (
        "The request is invalid; one error object per problem, each naming the field.",
        "INVALID_FIELD",
        "time_out: must be an integer",
    ),
    401: (
        "The `authorization` header is missing or holds an unknown API key.",
        "AUTH_FAILURE",
        "authorization: unknown API key",
    ),
    404: ("No such route.", "NOT_FOUND", "no such route: /v1/sms/unknown"),
    405: ("The route exists but not for this method.", "METHOD_NOT_ALLOWED", "DELETE is not allowed on /v1/sms/create"),
    413: ("The body is larger than 1 MiB.", "PAYLOAD_TOO_LARGE", "body: larger than 1 MiB"),
    415: (
        "The body's content type is not JSON.",
        "UNSUPPORTED_MEDIA_TYPE",
        "content-type: text/plain is not supported; send application/json",
    ),
}


def _error_responses(statuses: list[int]) -> dict[str, Any]:
    responses = {}
    for status in statuses:
        description, code, message = _ERRORS[status]
        responses[str(status)] = {
            "description": description,
            "content": {
                "application/json": {
                    "schema": {"$ref": REF.format(model="ErrorEnvelope")},
                    "example": {"data": None, "errors": [{"error": code, "message": message}]},
                }
            },
        }
    return responses


def _list_parameters(schemas: dict[str, Any]) -> list[dict[str, Any]]:
    query_schema = ListQuery.model_json_schema()
    parameters = []
    for name, prop in query_schema["properties"].items():
        description = prop.pop("description", None)
        prop.pop("title", None)
        if "$ref" in prop:
            target = prop["$ref"].rsplit("/", 1)[-1]
            schemas.setdefault(target, query_schema["$defs"][target])
            prop["$ref"] = REF.format(model=target)
            description = description or schemas[target].get("description")
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": False, "description": description}
        if name == "filters":
            parameter["content"] = {
                "application/json": {
                    "schema": {"type": "array", "items": {"$ref": REF.format(model="Filter")}},
                    "example": [{"field": "is_active", "operator": "eq", "value": True}],
                }
            }
        else:
            parameter["schema"] = prop
        parameters.append(parameter)
    return parameters


def build_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document as a plain dict."""
    _, top = models_json_schema(
        [
            (CreateRequest, "validation"),
            (Filter, "validation"),
            (CreateResponse, "serialization"),
            (ListResponse, "serialization"),
            (ErrorEnvelope, "serialization"),
        ],
        ref_template=REF,
    )
    schemas: dict[str, Any] = top["$defs"]
    parameters = _list_parameters(schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Bland SMS conversations API (as modelled by bland-sms-mock)",
            "version": "1.0.0",
            "description": (
                "Two endpoints of the Bland SMS API: store a message in a conversation (creating the "
                "conversation when none is active between the two numbers) and list an account's "
                "conversations with paging, sorting and filters. Generated from contracts/models.py; "
                "do not edit by hand."
            ),
        },
        "servers": [{"url": "http://127.0.0.1:4010", "description": "bland-sms-mock serve"}],
        "security": [{"apiKey": []}],
        "paths": {
            "/v1/sms/create": {
                "post": {
                    "operationId": "createConversation",
                    "summary": "Store a message in a conversation",
                    "description": (
                        "Appends the message to the active conversation between `user_number` and "
                        "`agent_number`, or starts one when there is none (or when `new_conversation` is "
                        "true, which archives the active one first). An AGENT message starts the "
                        "conversation's silence timer; a USER message stops it."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": REF.format(model="CreateRequest")}}},
                    },
                    "responses": {
                        "200": {
                            "description": "The message was stored.",
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="CreateResponse")}}},
                        },
                        **_error_responses([400, 401, 404, 405, 413, 415]),
                    },
                }
            },
            "/v1/sms/conversations": {
                "get": {
                    "operationId": "listConversations",
                    "summary": "List the account's conversations",
                    "description": (
                        "Active and archived conversations of the calling account, filtered (every filter "
                        "must hold), sorted (ties broken by id) and paged."
                    ),
                    "parameters": parameters,
                    "responses": {
                        "200": {
                            "description": "One page of conversations and where it sits in the whole result.",
                            "content": {"application/json": {"schema": {"$ref": REF.format(model="ListResponse")}}},
                        },
                        **_error_responses([400, 401, 404, 405]),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "authorization",
                    "description": "The account's API key, sent as is (a `Bearer ` prefix is tolerated).",
                }
            },
            "schemas": dict(sorted(schemas.items())),
        },
    }


def render_yaml() -> str:
    """The document as YAML text, exactly as `openapi.yaml` holds it."""
    return yaml.safe_dump(build_document(), sort_keys=False, allow_unicode=True, width=100)


@click.command("openapi")
def openapi_command() -> None:
    """Print the OpenAPI document of the API (YAML)."""
    click.echo(render_yaml(), nl=False)


if __name__ == "__main__":
    sys.stdout.write(render_yaml())
