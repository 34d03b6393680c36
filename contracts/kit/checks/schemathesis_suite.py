"""Schemathesis over the OpenAPI document (built from the models) against a target.

For both operations it generates schema-valid and schema-invalid requests and judges each answer:
never a 5xx [inferred]; every answer matches the documented response schemas, success or error
envelope [documented]; an invalid request is refused with a 4xx, at the level of the rule it breaks
(a bad sortBy or a missing field is [inferred], a page of 0 or a 1601-character message only [mock]);
only documented status codes [mock]. Whether a schema-valid request is accepted is not judged: the
schema cannot say which agent numbers an account owns, nor how a filter value is typed by its field.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import schemathesis
from bland_sms_mock.contracts.client import CREATE_PATH, LIST_PATH, Exchange
from bland_sms_mock.contracts.kit.context import KitContext, Violation, first_of
from bland_sms_mock.contracts.kit.registry import check
from bland_sms_mock.contracts.models.api import E164_PATTERN, Level
from bland_sms_mock.contracts.openapi import build_document
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

INFERRED_QUERY = {"sortBy", "sortDir"}
_E164 = re.compile(E164_PATTERN)


@cache
def _schema() -> Any:
    return schemathesis.openapi.from_dict(build_document())


def invalid_at_inferred_level(body: Any) -> bool:
    """Whether a create body breaks a rule of level [inferred] or above (not only a [mock] limit)."""
    if not isinstance(body, dict):
        return True
    for name in ("user_number", "agent_number", "message"):
        if not isinstance(body.get(name), str):
            return True
    if not _E164.fullmatch(body["user_number"]) or not _E164.fullmatch(body["agent_number"]):
        return True
    if "sender" in body and body["sender"] not in ("USER", "AGENT"):
        return True
    if "new_conversation" in body and not isinstance(body["new_conversation"], bool):
        return True
    for name in ("time_out", "warning_time"):
        value = body.get(name)
        if name in body and value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            return True
    texts = (
        "message_sid",
        "curr_pathway_id",
        "curr_pathway_version",
        "current_node_id",
        "timeout_message",
        "warning_message",
    )
    if any(name in body and body[name] is not None and not isinstance(body[name], str) for name in texts):
        return True
    return "request_data" in body and body["request_data"] is not None and not isinstance(body["request_data"], dict)


def _negative_level(case: Any, method: str) -> Level:
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    location = str(getattr(data, "parameter_location", "") or "").lower()
    parameter = getattr(data, "parameter", None)
    if "header" in location:
        return Level.DOCUMENTED
    if method == "POST":
        return Level.INFERRED if invalid_at_inferred_level(case.body) else Level.MOCK
    return Level.INFERRED if parameter in INFERRED_QUERY else Level.MOCK


def _send(ctx: KitContext, case: Any, method: str, mode: GenerationMode) -> Exchange:
    header_negative = mode is GenerationMode.NEGATIVE and _negative_level(case, method) is Level.DOCUMENTED
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    api_key: Any = (case.headers or {}).get("authorization") if header_negative else ctx.primary.api_key
    client = ctx.primary.client
    if method == "GET":
        exchange = client.request("GET", LIST_PATH, api_key=api_key, params=dict(case.query or {}), headers=headers)
        return ctx.record(exchange)
    body = case.body
    if mode is GenerationMode.POSITIVE and isinstance(body, dict):
        extra = body.get("request_data") if isinstance(body.get("request_data"), dict) else {}
        body = {**body, "request_data": {**extra, **ctx.tag()}}
    ctx.may_create()
    if isinstance(body, bytes | str):
        exchange = client.request("POST", CREATE_PATH, api_key=api_key, content=body, headers=headers)
    else:
        exchange = client.request("POST", CREATE_PATH, api_key=api_key, json_body=body, headers=headers)
    ctx.count_create(exchange)
    return ctx.record(exchange)


@cache
def documented_statuses(method: str, path: str) -> frozenset[str]:
    """The status codes the OpenAPI document lists for an operation."""
    return frozenset(build_document()["paths"][path][method.lower()]["responses"])


def _judge(case: Any, exchange: Exchange, method: str, mode: GenerationMode) -> None:
    if exchange.status >= 500:
        raise Violation(f"{method} answered {exchange.status} to a generated request", Level.INFERRED, [exchange])
    path = LIST_PATH if method == "GET" else CREATE_PATH
    if str(exchange.status) not in documented_statuses(method, path):
        body = exchange.json
        if exchange.status >= 400 and not (isinstance(body, dict) and body.get("data") is None and body.get("errors")):
            raise Violation(
                "a refusal is not the error envelope (data null, errors a non-empty list)", Level.DOCUMENTED, [exchange]
            )
        raise Violation(f"undocumented status code {exchange.status}", Level.MOCK, [exchange])
    try:
        case.validate_response(exchange.raw, checks=[response_schema_conformance])
    except (Exception, BaseExceptionGroup) as error:  # schemathesis raises its own failure groups
        raise Violation(
            f"the answer does not match the documented schema: {_short(error)}", Level.DOCUMENTED, [exchange]
        ) from None
    if mode is GenerationMode.NEGATIVE and exchange.status < 400 and "additionalProperties" not in _why(case):
        # Unknown fields and parameters are ignored by contract [mock]; any other invalid input must be refused.
        level = _negative_level(case, method)
        raise Violation(
            f"an invalid request was accepted ({_why(case)}): {exchange.response_line(200)}", level, [exchange]
        )


def _why(case: Any) -> str:
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    return str(getattr(data, "description", None) or "schema-invalid data")


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:400] + ("…" if len(text) > 400 else "")


def run_operation(ctx: KitContext, method: str, path: str, mode: GenerationMode) -> None:
    """Generate up to `ctx.max_examples` requests for one operation in one mode and judge each answer.

    Raises:
        Violation: the first (shrunk) failing request, at the level of the rule it breaks.
    """
    operation = _schema()[path][method]
    config = settings(
        max_examples=ctx.max_examples,
        deadline=None,
        database=None,
        derandomize=ctx.seed is None,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        report_multiple_bugs=False,
    )

    @config
    @given(case=operation.as_strategy(generation_mode=mode))
    def generated(case: Any) -> None:
        try:
            _judge(case, _send(ctx, case, method, mode), method, mode)
        except Violation as violation:
            if ctx.binding(violation.level):
                raise
            ctx.note(violation)

    test = seed(ctx.seed)(generated) if ctx.seed is not None else generated
    try:
        test()
    except BaseExceptionGroup as group:  # Hypothesis reports a failure it could not replay as a group
        found = first_of(group, Violation)
        if found is None:
            raise
        raise found from None


@check("schema.list", Level.DOCUMENTED, "schema", writes=False)
def schema_list(ctx: KitContext) -> None:
    """Generated valid and invalid list queries: no 5xx, documented schemas, invalid ones refused."""
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        run_operation(ctx, "GET", LIST_PATH, mode)
    ctx.raise_notes()


@check("schema.create", Level.DOCUMENTED, "schema")
def schema_create(ctx: KitContext) -> None:
    """Generated valid and invalid create bodies: no 5xx, documented schemas, invalid ones refused."""
    ctx.writing()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        run_operation(ctx, "POST", CREATE_PATH, mode)
    ctx.raise_notes()
