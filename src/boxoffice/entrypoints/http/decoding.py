"""Outside input to the declared types (shapes.py), once, at the edge that received it.

A body, a path id or a query parameter that does not fit is a ValidationError naming the field
(`num_seats: must be an integer`), which errors.py answers with a 400.
"""

from __future__ import annotations

import json
import re
from typing import Any, Generic, TypeVar

import falcon
import msgspec
from msgspec import inspect

from boxoffice.domain.errors import ValidationError
from boxoffice.entrypoints.http import shapes

T = TypeVar("T", bound=msgspec.Struct)

# More digits than any id can have; refusing earlier keeps int() off pathological input.
_MAX_DIGITS = 20


class MissingField(ValidationError):
    """A declared field the input lacks."""

    def __init__(self, field: str) -> None:
        super().__init__(field, "is required")


class BodyDecoder(Generic[T]):
    """JSON bytes to a T, checked field by field in one pass, in C."""

    def __init__(self, kind: type[T]) -> None:
        self._kind = kind
        self._decoder = msgspec.json.Decoder(kind)

    def __call__(self, raw: bytes) -> T:
        try:
            return self._decoder.decode(raw)
        except msgspec.ValidationError as error:
            refusal = _refusal(error, self._kind)
            if refusal is not None:
                raise refusal from None
        except msgspec.DecodeError:
            pass
        # Not an object, or not JSON to msgspec: read as Python reads JSON, which tells a bad
        # body from one whose strings hold lone surrogates (JSON, refused by the domain by name).
        return self._converted(_python_json(raw))

    def _converted(self, parsed: dict[str, Any]) -> T:
        try:
            return msgspec.convert(parsed, self._kind)
        except msgspec.ValidationError as error:
            raise _refusal(error, self._kind) or ValidationError("body", str(error)) from None


class QueryDecoder(Generic[T]):
    """Query parameters to a T whose fields are integers or text; any other parameter is
    refused."""

    def __init__(self, kind: type[T]) -> None:
        self._kind = kind
        # Each parameter with its declared type, looked up once: a request only reads them.
        self._declared = {
            field.encode_name: _type_at(kind, field.encode_name)
            for field in msgspec.structs.fields(kind)
        }
        self._names = tuple(self._declared)

    def __call__(self, req: falcon.Request) -> T:
        for name in sorted(set(req.params) - set(self._names)):
            raise ValidationError(name, "is not a known query parameter")
        values = {}
        for name in self._names:
            text = req.get_param(name)
            if text is not None:
                declared = self._declared[name]
                # Text stays text: the declared type (a choice of words, say) judges it.
                is_int = isinstance(declared, inspect.IntType)
                values[name] = integer(name, text, declared) if is_int else text
        try:
            return msgspec.convert(values, self._kind)
        except msgspec.ValidationError as error:
            raise _refusal(error, self._kind) or ValidationError("query", str(error)) from None


def integer(field: str, text: str, declared: inspect.Type | None = None) -> int:
    """A decimal integer as text; the declared type checks its range, and names it here too
    when the text is no integer at all."""
    if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
        if isinstance(declared, inspect.IntType) and declared.ge is not None:
            raise ValidationError(field, f"must be between {declared.ge} and {declared.le}")
        raise ValidationError(field, "must be a non-negative integer")
    return int(text)


def path_text(field: str, text: str) -> str:
    """A path parameter declared text: a ticket's code (shapes.TicketCode)."""
    if not _TICKET_CODE.match(text):
        raise ValidationError(field, "must be a ticket code: 1 to 64 of A-Z, a-z, 0-9, _ and -")
    return text


_TICKET_CODE = re.compile(shapes.TICKET_CODE_PATTERN.replace("$", r"\Z"))


def path_id(field: str, text: str) -> int:
    """A path parameter that is an id (shapes.Id): all but those declared text."""
    low, high = _ID_BOUNDS
    if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
        raise ValidationError(field, f"must be between {low} and {high}")
    value = int(text)
    if not low <= value <= high:
        raise ValidationError(field, f"must be between {low} and {high}")
    return value


def _python_json(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        # ValueError covers bad syntax, bad UTF-8 and integers too long to convert.
        raise falcon.HTTPBadRequest(description="the body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise falcon.HTTPBadRequest(description="the body must be a JSON object")
    return parsed


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON, whatever Python's json module tolerates.
    raise ValueError(name)


# msgspec says what is wrong in English, then where: "Expected `int`, got `str` - at `$.n`".
_AT = re.compile(r"^(?P<problem>.*?)(?: - at `\$(?P<path>.*)`)?$", re.DOTALL)
_MISSING = re.compile(r"^Object missing required field `(?P<name>.*)`$", re.DOTALL)
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<name>.*)`$", re.DOTALL)
_TYPE = re.compile(r"^Expected `(?P<expected>[^`]*)`, got `[^`]*`$")
_BOUND = re.compile(r"^Expected `int` [<>]=? -?\d+$")
_OUT_OF_RANGE = ("Integer value out of range", "Number out of range")
_LENGTH = re.compile(r"^Expected `array` of length (?P<op>[<>]=) (?P<n>\d+)$")
_INSPECTED_KINDS: dict[type[inspect.Type], str] = {
    inspect.StrType: "a string",
    inspect.ListType: "a list",
    inspect.StructType: "an object",
}
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
_KINDS = {
    "int": "an integer",
    "str": "a string",
    "array": "a list",
    "object": "an object",
    "bool": "true or false",
}


def _refusal(error: msgspec.ValidationError, kind: type[msgspec.Struct]) -> ValidationError | None:
    """The error in our words, naming the field; None for the body as a whole."""
    text = str(error)
    match = _AT.match(text)
    problem, path = (match["problem"], match["path"] or "") if match else (text, "")
    path = path.removeprefix(".")
    if missing := _MISSING.match(problem):
        return MissingField(_joined(path, missing["name"]))
    if unknown := _UNKNOWN.match(problem):
        return ValidationError(_joined(path, unknown["name"]), "is not a known field")
    if not path:
        return None
    return ValidationError(path, _phrase(problem, _type_at(kind, path)))


def _joined(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _phrase(problem: str, declared: inspect.Type | None) -> str:
    if expected := _TYPE.match(problem):
        name = expected["expected"].removesuffix(" | null")
        return f"must be {_KINDS.get(name, name)}"
    if problem in _OUT_OF_RANGE or _BOUND.match(problem):
        # A number too large to read is out of range for an integer, and the wrong type for
        # anything else.
        if isinstance(declared, inspect.IntType) and declared.ge is not None:
            return f"must be between {declared.ge} and {declared.le}"
        kind = _INSPECTED_KINDS.get(type(declared)) if declared is not None else None
        if kind is not None:
            return f"must be {kind}"
    if length := _LENGTH.match(problem):
        if length["op"] == ">=":
            return (
                "must not be empty"
                if length["n"] == "1"
                else f"must have at least {length['n']} items"
            )
        return f"must have at most {length['n']} items"
    if problem.startswith("Invalid enum value") and isinstance(declared, inspect.EnumType):
        return f"must be one of: {', '.join(str(member.value) for member in declared.cls)}"
    if problem.startswith("Invalid enum value") and isinstance(declared, inspect.LiteralType):
        return f"must be one of: {', '.join(str(value) for value in declared.values)}"
    return problem[:1].lower() + problem[1:]


def _type_at(kind: type[msgspec.Struct], path: str) -> inspect.Type | None:
    """The declared type at a path like `seat_map.rows[0].seats`, to say its bounds."""
    node: inspect.Type | None = inspect.type_info(kind)
    for name, _index in _STEP.findall(f".{path}"):
        node = _unwrapped(node)
        if isinstance(node, inspect.StructType) and name:
            node = next((f.type for f in node.fields if f.encode_name == name), None)
        elif isinstance(node, inspect.ListType) and not name:
            node = node.item_type
        else:
            return None
    return _unwrapped(node)


def _unwrapped(node: inspect.Type | None) -> inspect.Type | None:
    while True:
        if isinstance(node, inspect.Metadata):
            node = node.type
        elif isinstance(node, inspect.UnionType):
            node = next((t for t in node.types if not isinstance(t, inspect.NoneType)), None)
        else:
            return node


def _bounds(declared: Any) -> tuple[int, int]:
    info = _unwrapped(inspect.type_info(declared))
    if not isinstance(info, inspect.IntType) or info.ge is None or info.le is None:
        raise TypeError(f"{declared} is not an integer with both bounds")
    return info.ge, info.le


_ID_BOUNDS = _bounds(shapes.Id)
