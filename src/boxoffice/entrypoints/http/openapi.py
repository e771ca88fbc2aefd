"""The OpenAPI 3.1 document, written from the declared operations (contract.py) and types
(shapes.py), with the bounds the service enforces under the given limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from boxoffice.domain import rules
from boxoffice.entrypoints.http import shapes
from boxoffice.entrypoints.http.body import MAX_BODY_BYTES
from boxoffice.entrypoints.http.contract import OPERATIONS, Operation
from boxoffice.entrypoints.http.endpoints import IDEMPOTENCY_KEY
from boxoffice.version import package_version

Json = dict[str, Any]

_REFS = "#/components/schemas/{name}"
_ERRORS = {
    400: "Invalid input: malformed JSON, a missing or invalid field, or a bad parameter.",
    401: "Missing, invalid, expired or forged token, or a token whose user no longer exists.",
    403: "The caller's role may not do this.",
    404: "No such resource (someone else's booking is reported the same way).",
    409: "Conflict with the current state (for seats that are not free, the body's `seats` "
    "names them; for shows that would overlap on a screen, `conflicts` does; a ticket refused "
    "at the door says why in `result`; a waiting list refuses a party the show can seat now).",
    413: f"The body is larger than {MAX_BODY_BYTES} bytes.",
    415: "The body is not application/json.",
    422: "This Idempotency-Key was already used, within 24 hours, for a different request.",
    429: "Too many failed log-ins for this account or from this client; retry after the "
    "Retry-After seconds.",
    503: "Storage is temporarily unavailable, or (log-in, sign-up) too many are in progress; "
    "retry after the Retry-After seconds.",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
    429: {"Retry-After": {"schema": {"type": "string"}, "required": True}},
    503: {"Retry-After": {"schema": {"type": "string"}, "required": True}},
}
# Safe retries: the same key from the same user within 24 hours returns the first response.
_IDEMPOTENCY_KEY: Json = {
    "name": IDEMPOTENCY_KEY,
    "in": "header",
    "required": False,
    "description": "a retry with the same key returns the first request's booking; "
    "409 while that request is still in progress, 422 if the key was used for another request",
    "schema": {"type": "string", "pattern": f"^[!-~]{{1,{rules.MAX_IDEMPOTENCY_KEY_CHARS}}}$"},
}


def document(limits: rules.Limits, operations: Iterable[Operation] = OPERATIONS) -> Json:
    operations = tuple(operations)
    refined = shapes.bounded(limits)
    schemas = _Schemas(operations, refined)
    paths: Json = {}
    for op in operations:
        paths.setdefault(op.route, {})[op.method.lower()] = _operation(op, schemas, limits)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "boxoffice",
            "version": package_version(),
            "description": "Cinema ticket booking. Errors are JSON {title, description}.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


class _Schemas:
    """Every body's and response's schema, as components, from one pass of msgspec."""

    def __init__(
        self,
        operations: tuple[Operation, ...],
        refined: Mapping[type[msgspec.Struct], type[msgspec.Struct]],
    ) -> None:
        self.refined = refined
        # The clash shapes are named by ScheduleConflict's `conflicts` items.
        kinds: list[Any] = [shapes.Error, shapes.SeriesClash, shapes.MovieClash]
        for op in operations:
            kinds += [shape for _, shape in op.error_shapes]
            kinds += [self.body(op.body)] if op.body is not None else []
            kinds += [op.response] if op.response is not None else []
        kinds = list(dict.fromkeys(kinds))
        refs, components = msgspec.json.schema_components(kinds, ref_template=_REFS)
        self._refs = dict(zip(kinds, refs, strict=True))
        for component in components.values():
            _optional_not_null(component)
            _nullable_types(component.get("properties", {}))
        for kind in kinds:
            # What a body says as a whole, beyond its fields.
            if isinstance(kind, type) and issubclass(kind, shapes.Request):
                components[kind.__name__].update(kind.schema_extra)
        self.components = components

    def body(self, kind: type[msgspec.Struct]) -> type[msgspec.Struct]:
        return self.refined.get(kind, kind)

    def of(self, kind: Any) -> Json:
        return dict(self._refs[kind])


def _operation(op: Operation, schemas: _Schemas, limits: rules.Limits) -> Json:
    summary = op.summary.format(limits=limits)
    success: Json = {"description": summary}
    headers: Json = {}
    if op.response is not None:
        schema = schemas.of(op.response)
        if op.query is not None:
            schema = {"type": "array", "items": schema}
            headers["Link"] = {
                "description": 'rel="next" while more remain',
                "schema": {"type": "string"},
            }
        success["content"] = _content(op.media_type, schema)
        for media_type in op.alternatives:
            success["content"].update(_content(media_type, {"type": "string"}))
    if op.located is not None:
        headers["Location"] = {"schema": {"type": "string"}, "required": True}
    if headers:
        success["headers"] = headers
    operation: Json = {"summary": summary, "responses": {str(op.ok): success}}
    if op.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": _json(schemas.of(schemas.body(op.body))),
        }
    if op.secured:
        operation["security"] = [{"bearer": []}]
    operation["responses"].update(_error_responses(op.statuses, dict(op.error_shapes)))
    parameters = _parameters(op, schemas)
    if parameters:
        operation["parameters"] = parameters
    return operation


# Query parameters of paging, after the filters, in the order the Link header writes them.
_PAGING = ("limit", "after", "after_timing")


def _paging_last(parameter: Json) -> int:
    name = parameter["name"]
    return _PAGING.index(name) + 1 if parameter["in"] == "query" and name in _PAGING else 0


def _parameters(op: Operation, schemas: _Schemas) -> list[Json]:
    parameters: list[Json] = [
        {"name": name, "in": "path", "required": True, "schema": _path_schema(op, name)}
        for name in op.path_params
    ]
    query = op.query or op.params
    if query is not None:
        kind = schemas.body(query)
        component = msgspec.json.schema(kind)["$defs"][kind.__name__]
        required = set(component.get("required", ()))
        for name, schema in component["properties"].items():
            parameter: Json = {"name": name, "in": "query", "schema": _not_null(schema)}
            if name in required:
                parameter["required"] = True
            description = parameter["schema"].pop("description", None)
            if description:
                parameter["description"] = description
            parameters.append(parameter)
        parameters.sort(key=_paging_last)
    if op.idempotent:
        parameters.append(_IDEMPOTENCY_KEY)
    return parameters


def _path_schema(op: Operation, name: str) -> Json:
    if name in op.text_params:
        return msgspec.json.schema(shapes.TicketCode)
    return msgspec.json.schema(shapes.Id)


def _error_responses(statuses: Iterable[int], shaped: Mapping[int, type[shapes.Error]]) -> Json:
    responses: Json = {}
    for status in statuses:
        shape = shaped.get(status, shapes.Error)
        response: Json = {"description": _ERRORS[status], "content": _json(_ref(shape.__name__))}
        if status in _HEADERS:
            response["headers"] = _HEADERS[status]
        responses[str(status)] = response
    return responses


def _not_null(schema: Json) -> Json:
    """An optional parameter's schema: absent, not null, is how a query leaves it out."""
    schema = {key: value for key, value in schema.items() if key != "default"}
    choices = schema.pop("anyOf", None)
    if choices is None:
        return schema
    (kept,) = [choice for choice in choices if choice != {"type": "null"}]
    return {**kept, **schema}


def _optional_not_null(component: Json) -> None:
    """An optional field is documented as absent when left out. The service takes null for
    absent too, but a schema that allowed null would count {"seats": null} as naming seats.
    """
    required = set(component.get("required", ()))
    properties = component.get("properties", {})
    for name, schema in properties.items():
        if name not in required and "default" in schema and schema["default"] is None:
            properties[name] = _not_null(schema)


def _nullable_types(properties: Json) -> None:
    """{"anyOf": [{"type": "integer", ...}, {"type": "null"}]} as {"type": ["integer", "null"],
    ...}: the same schema, in the form readers and fuzzers take most easily."""
    for name, schema in properties.items():
        choices = schema.get("anyOf")
        if not choices or len(choices) != 2 or {"type": "null"} not in choices:
            continue
        (kept,) = [choice for choice in choices if choice != {"type": "null"}]
        if isinstance(kept.get("type"), str):
            rest = {key: value for key, value in schema.items() if key != "anyOf"}
            properties[name] = {**kept, **rest, "type": [kept["type"], "null"]}


def _ref(name: str) -> Json:
    return {"$ref": _REFS.format(name=name)}


def _json(schema: Json) -> Json:
    return {"application/json": {"schema": schema}}


def _content(media_type: str, schema: Json) -> Json:
    return {media_type: {"schema": schema}}
