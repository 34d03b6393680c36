"""Build the OpenAPI 3.1 document of the API from `bland_sms_mock.contracts.models.api`.

`python -m bland_sms_mock.contracts.openapi` prints it as YAML; `openapi.yaml` at the repository root is that output.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import click
import yaml
from bland_sms_mock.contracts.models.api import (
    ConversationResponse,
    CreateRequest,
    CreateResponse,
    DeleteConversationResponse,
    DeleteMessagesRequest,
    DeleteMessagesResponse,
    ErrorEnvelope,
    Filter,
    ListQuery,
    ListResponse,
    NumbersQuery,
    NumbersResponse,
    SendRequest,
    SendResponse,
    UpdateConversationRequest,
    UpdateConversationResponse,
    UpdateNumberRequest,
    UpdateNumberResponse,
    WebhookLogResponse,
)
from pydantic import BaseModel
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
    404: (
        "No such route (NOT_FOUND); on a conversation or number route, no such conversation or number in this "
        "account (CONVERSATION_NOT_FOUND, NUMBER_NOT_FOUND).",
        "NOT_FOUND",
        "no such route: /v1/sms/unknown",
    ),
    405: ("The route exists but not for this method.", "METHOD_NOT_ALLOWED", "DELETE is not allowed on /v1/sms/create"),
    409: (
        "The request conflicts with the state: an idempotency key reused with another body, or a second active "
        "conversation for a pair.",
        "IDEMPOTENCY_KEY_REUSED",
        "idempotency-key: was used before with a different body; use a new key for a new message",
    ),
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


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    query_schema = model.model_json_schema()
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


@dataclass(frozen=True)
class Operation:
    """One operation of the API: its route, models and the statuses it answers."""

    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    response: type[BaseModel]
    ok: str
    errors: tuple[int, ...]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: tuple[dict[str, Any], ...] = ()


_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The conversation's id.",
    "schema": {"type": "string", "minLength": 1},
}
_IDEMPOTENCY_KEY = {
    "name": "idempotency-key",
    "in": "header",
    "required": False,
    "description": "A repeat with the same key and body answers as the first time and sends nothing; the same key "
    "with another body is 409 IDEMPOTENCY_KEY_REUSED [mock].",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
_CONVERSATION = "/v1/sms/conversations/{id}"

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "post",
        "/v1/sms/create",
        "createConversation",
        "Store a message in a conversation",
        "Appends the message to the active conversation between `user_number` and `agent_number`, or starts one "
        "when there is none (or when `new_conversation` is true, which archives the active one first). An AGENT "
        "message starts the conversation's silence timer; a USER message stops it.",
        CreateResponse,
        "The message was stored.",
        (400, 401, 404, 405, 413, 415),
        body=CreateRequest,
    ),
    Operation(
        "post",
        "/v1/sms/send",
        "sendMessage",
        "Send an agent message",
        "Starts or continues the conversation between the two numbers with an AGENT message and starts its "
        "silence timer. `phone_number`, `from` and `message` are older names of `user_number`, `agent_number` "
        "and `agent_message`.",
        SendResponse,
        "The message was sent.",
        (400, 401, 404, 405, 409, 413, 415),
        body=SendRequest,
        headers=(_IDEMPOTENCY_KEY,),
    ),
    Operation(
        "get",
        "/v1/sms/conversations",
        "listConversations",
        "List the account's conversations",
        "Active and archived conversations of the calling account, filtered (every filter must hold), sorted "
        "(ties broken by id) and paged.",
        ListResponse,
        "One page of conversations and where it sits in the whole result.",
        (400, 401, 404, 405),
        query=ListQuery,
    ),
    Operation(
        "get",
        _CONVERSATION,
        "getConversation",
        "One conversation with its messages",
        "The conversation and its messages, oldest first. Another account's conversation is 404.",
        ConversationResponse,
        "The conversation.",
        (401, 404, 405),
    ),
    Operation(
        "patch",
        _CONVERSATION,
        "updateConversation",
        "End a conversation, or make it active again",
        "`is_active: false` ends the conversation and cancels its timer. The answer is not wrapped in `data`, "
        "as the reference shows it.",
        UpdateConversationResponse,
        "The conversation was updated.",
        (400, 401, 404, 405, 409, 413, 415),
        body=UpdateConversationRequest,
    ),
    Operation(
        "delete",
        _CONVERSATION,
        "deleteConversation",
        "Delete a conversation",
        "Removes the conversation and its messages for good; its timers never fire.",
        DeleteConversationResponse,
        "The conversation was deleted.",
        (401, 404, 405),
    ),
    Operation(
        "get",
        _CONVERSATION + "/webhook",
        "getConversationWebhook",
        "A conversation's webhook log",
        "The conversation's latest status webhook (URL, payload, the instant of its event) with every delivery "
        "attempt, or `data: null` when none has been sent. Another account's conversation is 404.",
        WebhookLogResponse,
        "The webhook log, or null.",
        (401, 404, 405),
    ),
    Operation(
        "delete",
        _CONVERSATION + "/messages",
        "deleteMessages",
        "Delete messages from a conversation",
        "The messages leave the history; the conversation's counts and last message follow.",
        DeleteMessagesResponse,
        "How many messages were deleted.",
        (400, 401, 404, 405, 413, 415),
        body=DeleteMessagesRequest,
    ),
    Operation(
        "get",
        "/v1/sms/numbers",
        "listNumbers",
        "List the account's SMS numbers",
        "Each number with its `sms_config` and how many conversations it has.",
        NumbersResponse,
        "The account's numbers.",
        (400, 401, 404, 405),
        query=NumbersQuery,
    ),
    Operation(
        "post",
        "/v1/sms/number/update",
        "updateNumber",
        "Change a number's sms_config",
        "The settings given replace the number's (null clears one), the others stay. Later conversations, and "
        "each later start of a conversation's timer, use them.",
        UpdateNumberResponse,
        "The number's settings after the update.",
        (400, 401, 404, 405, 413, 415),
        body=UpdateNumberRequest,
    ),
)
"""Every operation of the document, in the order it lists them."""


def _operation(operation: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    parameters = [_ID] if "{id}" in operation.path else []
    parameters += _query_parameters(operation.query, schemas) if operation.query else []
    parameters += list(operation.headers)
    document: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "description": operation.description,
    }
    if parameters:
        document["parameters"] = parameters
    if operation.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=operation.body.__name__)}}},
        }
    document["responses"] = {
        "200": {
            "description": operation.ok,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=operation.response.__name__)}}},
        },
        **_error_responses(list(operation.errors)),
    }
    return document


def build_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document as a plain dict."""
    models = [(op.body, "validation") for op in OPERATIONS if op.body is not None]
    models += [(Filter, "validation"), (ErrorEnvelope, "serialization")]
    models += [(op.response, "serialization") for op in OPERATIONS]
    _, top = models_json_schema(models, ref_template=REF)
    schemas: dict[str, Any] = top["$defs"]
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method] = _operation(operation, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Bland SMS API (as modelled by bland-sms-mock)",
            "version": "1.2.0",
            "description": (
                "The SMS endpoints of the Bland API that bland-sms-mock serves: store and send messages, list, "
                "read, end and delete conversations, read a conversation's webhook log, delete messages, list numbers "
                "and change their settings. "
                "Generated from contracts/models/api.py; do not edit by hand."
            ),
        },
        "servers": [{"url": "http://127.0.0.1:4010", "description": "bland-sms-mock serve"}],
        "security": [{"apiKey": []}],
        "paths": paths,
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
