"""Parses an orders_*.jsonl extract: one event per line, validated against the contract, with its content hash."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from iaas_billing.landing import order_columns, vocab
from iaas_billing.landing.lines import Line, split
from iaas_billing.landing.records import Quarantined
from iaas_billing.landing.values import (
    FieldError,
    check_decimal,
    check_text,
    json_type,
    parse_choice,
    shown,
)

try:  # msgspec (an Airflow dependency) decodes and type-checks in C; json gives the same results, slower
    import msgspec
except ImportError:  # pragma: no cover
    msgspec = None

REQUIRED = ("event_id", "event_time", "seq", "account_id", "resource_id", "event_type")
COPY_COLUMNS = order_columns.NAMES  # a parsed event's row: (line number, _finish's columns, raw line)

# RFC 3339 in UTC: Z, z, +00:00 or -00:00; at most microseconds (Postgres' precision).
_INSTANT = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])"
                      r"(\.[0-9]{1,6})?(?:[Zz]|[+-]00:00)\Z")
_valid_days: dict[str, bool] = {}
_sku_json: dict[str, str] = {}


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


if msgspec is not None:
    _decode_any = msgspec.json.Decoder(float_hook=Decimal).decode
    _DECODE_ERRORS: tuple[type[BaseException], ...] = (msgspec.DecodeError, RecursionError)

    class _Component(msgspec.Struct):
        sku: str
        quantity: int | float  # a float sends the event to the exact (Decimal) path

    class _Event(msgspec.Struct):
        event_id: str
        event_time: str
        seq: int
        account_id: str
        resource_id: str
        event_type: str
        resource_type: str | None = None
        region: str | None = None
        components: list[_Component] | None = None

    _decode_typed = msgspec.json.Decoder(_Event).decode
else:  # pragma: no cover
    def _decode_any(text: str):
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)

    _DECODE_ERRORS = (ValueError, RecursionError)
    _decode_typed = None


def canonical_instant(text: str) -> str | None:
    """'YYYY-MM-DDTHH:MM:SS[.ffffff]Z' for a valid RFC 3339 UTC instant (fraction without trailing zeros)."""
    match = _INSTANT.match(text)
    if match is None:
        return None
    day = match.group(1)
    valid = _valid_days.get(day)
    if valid is None:
        try:
            valid = date.fromisoformat(day).year >= 1
        except ValueError:
            valid = False
        if len(_valid_days) < 100_000:
            _valid_days[day] = valid
    if not valid:
        return None
    fraction = (match.group(5) or "").rstrip("0").rstrip(".")
    return f"{day}T{match.group(2)}:{match.group(3)}:{match.group(4)}{fraction}Z"


def _sku(sku: str) -> str:
    """The sku as a JSON string (cached: a file holds few distinct skus)."""
    text = _sku_json.get(sku)
    if text is None:
        text = json.dumps(sku)
        if len(_sku_json) < 100_000:
            _sku_json[sku] = text
    return text


def _finish(event_id: str, instant: str, seq: int, account_id: str, resource_id: str, resource_type: str | None,
            region: str | None, event_type: str, pairs: list[tuple[str, str]] | None) -> tuple:
    """The typed columns of a valid event, its components as jsonb text, and its content hash.

    The content is the canonical form of the parsed event: every contract field (the instant in UTC,
    quantities without trailing zeros, components sorted by sku) NUL-separated (NUL cannot occur in a
    landed string), so key order, whitespace and number spelling do not change it.
    """
    parts = [event_id, instant, str(seq), account_id, resource_id,
             "s" + resource_type if resource_type is not None else "n",
             "s" + region if region is not None else "n", event_type]
    components = None
    if pairs is not None:
        components = "[" + ",".join(f'{{"sku":{_sku(s)},"quantity":{q}}}' for s, q in pairs) + "]"
        for sku, quantity in sorted(pairs):
            parts.append(sku)
            parts.append(quantity)
    content_hash = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return (event_id, instant, seq, account_id, resource_id, resource_type, region, event_type, components,
            content_hash)


def _clean(value: str) -> bool:
    """A string Postgres can store as is: non-empty, no NUL (non-ASCII goes the careful way)."""
    return bool(value) and value.isascii() and "\x00" not in value


def _fast(text: str) -> tuple | None:
    """The common case in C (msgspec typed decode) plus a few checks; None sends the line to _careful."""
    try:
        ev = _decode_typed(text)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    # A line that is ASCII without a backslash decodes to ASCII strings without NUL (no JSON escape, and a raw
    # control character is not valid JSON): then _clean is just "non-empty" (bool, in C: ~8 % of the parse).
    clean = bool if text.isascii() and "\\" not in text else _clean
    if not (clean(ev.event_id) and clean(ev.account_id) and clean(ev.resource_id)):
        return None
    if ev.event_type not in vocab.EVENT_TYPES or not -vocab.INT64_MAX <= ev.seq <= vocab.INT64_MAX:
        return None
    if (ev.resource_type is not None and not clean(ev.resource_type)) \
            or (ev.region is not None and not clean(ev.region)):
        return None
    instant = canonical_instant(ev.event_time)
    if instant is None:
        return None
    pairs = None
    if ev.event_type in vocab.EVENTS_WITH_COMPONENTS:
        if not ev.components:
            return None
        pairs = []
        for c in ev.components:
            q = c.quantity
            if type(q) is not int or not 0 < q < 1 << 60 or not clean(c.sku):
                return None
            pairs.append((c.sku, str(q)))
        if len({s for s, _ in pairs}) != len(pairs):
            return None
    elif ev.components is not None:
        return None
    return _finish(ev.event_id, instant, ev.seq, ev.account_id, ev.resource_id, ev.resource_type, ev.region,
                   ev.event_type, pairs)


def _quantity(value: object, where: str) -> str:
    """A positive decimal quantity as canonical text (no exponent, no trailing zeros)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise FieldError("bad_quantity", f"{where} must be a number, got {json_type(value)} {shown(value)}")
    if isinstance(value, int):
        if value <= 0:
            raise FieldError("bad_quantity", f"{where} must be positive, got {value}")
        if value >= 1 << 60:
            raise FieldError("out_of_range", f"{where} is too large: {value}")
        return str(value)
    value = check_decimal(value, where)
    if value <= 0:
        raise FieldError("bad_quantity", f"{where} must be positive, got {value}")
    return format(value.normalize(), "f")


def _components(value: object, event_type: str) -> list[tuple[str, str]]:
    if type(value) is not list:
        raise FieldError("mistyped_field", f"components must be an array, got {json_type(value)}")
    if not value:
        raise FieldError("empty_components", f"components is empty on a {event_type} event")
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        where = f"components[{index}]"
        if type(item) is not dict:
            raise FieldError("mistyped_field", f"{where} must be an object, got {json_type(item)}")
        for key in ("sku", "quantity"):
            if item.get(key) is None:
                raise FieldError("missing_field", f"missing field '{where}.{key}'")
        sku = check_text(item["sku"], f"{where}.sku")
        quantity = _quantity(item["quantity"], f"{where}.quantity")
        if sku in seen:
            raise FieldError("duplicate_sku", f"sku {shown(sku)} appears more than once in components")
        seen.add(sku)
        pairs.append((sku, quantity))
    return pairs


def _optional_text(obj: dict, field: str) -> str | None:
    value = obj.get(field)
    if value is None:
        return None
    if type(value) is not str:
        raise FieldError("mistyped_field", f"{field} must be a string, got {json_type(value)} {shown(value)}")
    return check_text(value, field) if value else value


def parse_event(obj: object) -> tuple | list[FieldError]:
    """The careful path: the typed columns of one decoded event, or every problem found in it."""
    if type(obj) is not dict:
        return [FieldError("not_object", f"line is JSON but not an object: {json_type(obj)}")]
    problems: list[FieldError] = []
    for field in REQUIRED:
        if obj.get(field) is None:
            problems.append(FieldError("missing_field", f"missing field '{field}'" if field not in obj
                                       else f"field '{field}' is null"))
    values: dict[str, object] = {}
    for field in ("event_id", "account_id", "resource_id"):
        if obj.get(field) is not None:
            try:
                values[field] = check_text(obj[field], field)
            except FieldError as exc:
                problems.append(exc)
    instant = None
    if obj.get("event_time") is not None:
        raw_time = obj["event_time"]
        if type(raw_time) is not str:
            problems.append(FieldError("mistyped_field", f"event_time must be an RFC 3339 string, got "
                                       f"{json_type(raw_time)} {shown(raw_time)}"))
        else:
            instant = canonical_instant(raw_time)
            if instant is None:
                problems.append(FieldError("bad_timestamp",
                                           f"event_time is not an RFC 3339 UTC timestamp: {shown(raw_time)}"))
    seq = obj.get("seq")
    if seq is not None:
        if isinstance(seq, bool) or not isinstance(seq, int):
            problems.append(FieldError("mistyped_field", f"seq must be an integer, got {json_type(seq)} {shown(seq)}"))
        elif not -vocab.INT64_MAX <= seq <= vocab.INT64_MAX:
            problems.append(FieldError("out_of_range", f"seq is out of range: {seq}"))
    event_type = obj.get("event_type")
    if event_type is not None:
        try:
            parse_choice(check_text(event_type, "event_type"), "event_type", vocab.EVENT_TYPES,
                         "unknown_event_type")
        except FieldError as exc:
            problems.append(exc)
            event_type = None
    for field in ("resource_type", "region"):
        try:
            values[field] = _optional_text(obj, field)
        except FieldError as exc:
            problems.append(exc)
    pairs = None
    raw_components = obj.get("components")
    if event_type in vocab.EVENTS_WITH_COMPONENTS:
        if raw_components is None:
            problems.append(FieldError("components_missing", f"components is required on a {event_type} event"))
        else:
            try:
                pairs = _components(raw_components, event_type)
            except FieldError as exc:
                problems.append(exc)
    elif event_type is not None and raw_components is not None:
        problems.append(FieldError("components_not_allowed", f"components must be absent on a {event_type} event"))
    if problems:
        return problems
    return _finish(values["event_id"], instant, seq, values["account_id"], values["resource_id"],
                   values["resource_type"], values["region"], event_type, pairs)


def parse_line(line: Line) -> tuple | Quarantined:
    """One line as (line_number, *columns, raw_record) or as a Quarantined with every problem named."""
    text = line.text
    if _decode_typed is not None:
        row = _fast(text)
        if row is not None:
            return (line.number, *row, text)
    if not text.strip():
        return Quarantined(line.number, "blank_line", "blank line: expected one JSON object", text)
    try:
        obj = _decode_any(text)
    except _DECODE_ERRORS as exc:
        if line.last_unterminated:
            return Quarantined(line.number, "truncated_line",
                               f"truncated last line (no newline at the end of the file): not valid JSON ({exc})",
                               text)
        return Quarantined(line.number, "not_json", f"not valid JSON: {exc}", text)
    result = parse_event(obj)
    if type(result) is list:
        return Quarantined(line.number, result[0].code, "; ".join(p.message for p in result), text)
    return (line.number, *result, text)


def parse(data: bytes) -> Iterator[tuple | Quarantined]:
    """Each line as a COPY row (COPY_COLUMNS) or as a Quarantined.

    An empty file is a valid extract of an hour without events (the order stream writes one every
    hour): it yields nothing. A file of blank lines is not: each blank line is quarantined.
    """
    for line in split(data):
        yield line if isinstance(line, Quarantined) else parse_line(line)
