"""Reads an RFC 4180 CSV inbox file into numbered records: header check, column count, quoting, encoding."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass

from iaas_billing.landing.lines import MAX_LINE_BYTES, Line, split
from iaas_billing.landing.records import Quarantined

MAX_RECORD_LINES = 50  # a quoted field may span lines; an unbalanced quote never swallows more than this


@dataclass(frozen=True, slots=True)
class Record:
    line_number: int   # the physical line the record starts on; the header is line 1
    fields: list[str]
    raw: str           # the record as it came (lines joined by \n when a quoted field spans lines)


def _fields(text: str) -> list[str]:
    return next(csv.reader([text], strict=True))


def _records(items: list[Line | Quarantined], width: int) -> Iterator[Record | Quarantined]:
    index = 0
    while index < len(items):
        item = items[index]
        index += 1
        if isinstance(item, Quarantined):
            yield item
            continue
        text = item.text
        if not text.strip():
            yield Quarantined(item.number, "blank_line", "blank line: expected a CSV record", text)
            continue
        truncated = item.last_unterminated
        if '"' not in text:  # the common case: no quoting at all
            fields = text.split(",")
            if len(fields) == width:
                yield Record(item.number, fields, text)
                continue
        elif text.count('"') % 2:  # an open quoted field continues on the next line(s)
            joined, end = text, index
            while joined.count('"') % 2 and end < len(items) and end - index < MAX_RECORD_LINES:
                following = items[end]
                if not isinstance(following, Line):
                    break
                joined += "\n" + following.text
                end += 1
            if joined.count('"') % 2:
                code, reason = "bad_quoting", "malformed CSV: a quoted field is never closed"
                if truncated:
                    code, reason = "truncated_line", "truncated record: a quoted field is never closed"
                yield Quarantined(item.number, code, reason, text)
                continue
            text, truncated, index = joined, items[end - 1].last_unterminated, end
        try:
            fields = _fields(text)
        except csv.Error as exc:
            yield Quarantined(item.number, "bad_quoting", f"malformed CSV: {exc}", text)
            continue
        if len(fields) != width:
            if truncated and len(fields) < width:
                yield Quarantined(item.number, "truncated_line",
                                  f"truncated last line (no newline at the end of the file): "
                                  f"expected {width} fields, got {len(fields)}", text)
            else:
                yield Quarantined(item.number, "wrong_column_count",
                                  f"wrong number of fields: expected {width}, got {len(fields)}", text)
            continue
        yield Record(item.number, fields, text)


def read_plain(data: bytes, header: tuple[str, ...]) -> list[str] | None:
    """The data lines of a plain file, else None (then read() takes it record by record).

    Plain means: UTF-8, ends with a newline, no quote, NUL or CR anywhere (so a line is a record and a
    comma always separates fields), the exact header, at least one data line, every line short enough.
    """
    if not data.endswith(b"\n") or b'"' in data or b"\x00" in data or b"\r" in data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    lines.pop()
    if len(lines) < 2 or lines[0].removeprefix("\ufeff") != ",".join(header):
        return None
    body = lines[1:]
    if max(map(len, body)) * 4 > MAX_LINE_BYTES:  # 4 bytes per character at most
        return None
    return body


def read_clean(data: bytes, header: tuple[str, ...]) -> tuple[list[str], list[list[str]]] | None:
    """(data lines, their fields) of a plain file whose every line has the header's number of fields."""
    body = read_plain(data, header)
    if body is None:
        return None
    width = len(header)
    rows = [line.split(",") for line in body]
    if any(len(row) != width for row in rows):
        return None
    return body, rows


def read(data: bytes, header: tuple[str, ...], expected: str | None = None) -> Iterator[Record | Quarantined]:
    """The data records of a CSV file with the given header, or why each cannot be read.

    A file with the right header and no data line is a valid empty feed: it yields nothing (blank lines
    after the header are still quarantined one by one). An empty file (not even a header) and a file whose
    header is wrong yield quarantined records only: line 1 stands for the file when it has no data line,
    otherwise every data line is quarantined with the header problem. expected: how those reasons name the
    accepted header(s), when not just `header`.
    """
    shown_header = expected or repr(",".join(header))
    if not data:
        yield Quarantined(1, "empty_file", f"empty file: expected the header {shown_header} and data rows", "")
        return
    items = list(split(data))
    first, rest = items[0], items[1:]
    problem = None
    if isinstance(first, Quarantined):
        problem = f"unreadable header ({first.reason})"
        head_text = first.raw_record
    else:
        head_text = first.text.removeprefix("\ufeff")
        try:
            got = tuple(_fields(head_text)) if head_text else ()
        except csv.Error:
            got = None
        if got != header:
            problem = f"wrong header: expected {shown_header}, got {head_text[:300]!r}"
    if problem:
        if not rest:  # nothing but the header: line 1 stands for the file
            yield Quarantined(1, "wrong_header", problem, head_text)
            return
        for item in rest:  # every line read is quarantined under the file's problem, as in any wrong-header file
            yield item if isinstance(item, Quarantined) else Quarantined(item.number, "wrong_header", problem,
                                                                         item.text)
        return
    if not any(isinstance(i, Quarantined) or i.text.strip() for i in rest):
        # the right header and no data line: a valid empty feed; blank trailing lines are still lines read
        for line in rest:
            yield Quarantined(line.number, "blank_line", "blank line: expected a CSV record", line.text)
        return
    yield from _records(rest, len(header))
