"""Parses a CSV feed file into rows to load and quarantined records (pure CPU: runs ahead on the prefetch thread)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from iaas_billing.landing import parse_csv
from iaas_billing.landing.feeds import CsvFeed, NumberedLines
from iaas_billing.landing.records import Quarantined

Row = tuple[int, tuple, str]  # (line number, typed values, raw record)
FILE_ID = "\x00"  # stands for the file_id in COPY text made ahead (a plain line holds no NUL)
_TAB = "\t"


@dataclass
class ParsedCsv:
    """A CSV file parsed: a plain file's lines to COPY as they are, or else its typed rows (the other is None);
    the quarantined records either way."""

    plain: NumberedLines | None
    rows: list[Row] | None
    quarantined: list[Quarantined]
    copy_text: str | None = None  # the plain lines as COPY text (made ahead), FILE_ID for file_id
    copy_format: str = "csv"      # the COPY format of that text: "csv", or "text" (copy_load.copy_csv_text)


def plain_copy_text(lines: Iterable[tuple[int, str]]) -> str:
    """Plain lines (no quote, CR or NUL) as COPY CSV rows: file_id (FILE_ID), line number, the fields, the
    line itself as raw_record."""
    return "".join([f'{FILE_ID},{number},{line},"{line}"\n' for number, line in lines])


def plain_copy_tsv(lines: Iterable[tuple[int, str]]) -> str:
    """The same rows in COPY's text format (tab-separated, ~13 % less server CPU than CSV with its quoted
    raw_record), for plain lines that also hold no backslash or tab (text_format_fits): then no field needs
    escaping, and the commas are the only separators to turn into tabs."""
    return "".join([f"{FILE_ID}\t{number}\t{line.replace(',', _TAB)}\t{line}\n" for number, line in lines])


def text_format_fits(data: bytes) -> bool:
    """A plain file's lines need no escaping in COPY's text format: no backslash, no tab. (Text format and
    CSV read the same values from such a line: no field is empty, as every copy_as_text parser refuses an
    empty value, so CSV's unquoted-empty-is-null never applies, and without a backslash text format has no
    escape and no \\N.)"""
    return b"\\" not in data and b"\t" not in data


def plain_copy_chunks(parsed: ParsedCsv, size: int = 10_000) -> Iterator[str]:
    """The plain lines' COPY text (in parsed.copy_format): as made ahead, or made now size lines at a time."""
    if parsed.copy_text is not None:
        yield parsed.copy_text
        return
    make = plain_copy_tsv if parsed.copy_format == "text" else plain_copy_text
    for start in range(0, len(parsed.plain), size):
        yield make(parsed.plain[start:start + size])


def parse_feed(feed: CsvFeed, data: bytes) -> tuple[list[Row], list[Quarantined]]:
    """Valid rows (line, typed values, raw) and quarantined ones; a repeated key keeps its first row."""
    clean = parse_csv.read_clean(data, feed.header)
    typed = feed.parse_columns(clean[1]) if clean is not None else None
    if typed is not None:
        return list(zip(range(2, len(typed) + 2), typed, clean[0], strict=True)), []
    valid: list[Row] = []
    quarantined: list[Quarantined] = []
    first_line: dict[tuple, int] = {}
    for record in parse_csv.read(data, feed.header, feed.expected_header):
        if isinstance(record, Quarantined):
            quarantined.append(record)
            continue
        result = feed.parse(record.fields)
        if type(result) is list:
            quarantined.append(Quarantined(record.line_number, result[0].code,
                                           "; ".join(p.message for p in result), record.raw))
            continue
        key = feed.key_of(result)
        if key in first_line:
            quarantined.append(Quarantined(record.line_number, "duplicate_key",
                                           feed.duplicate_reason(key, first_line[key]), record.raw))
            continue
        first_line[key] = record.line_number
        valid.append((record.line_number, result, record.raw))
    return valid, quarantined


def sort_plain(feed: CsvFeed, data: bytes) -> tuple[NumberedLines, list[Quarantined]] | None:
    """For a copy_as_text feed: a plain file's (line number, line) to COPY as is and its quarantined lines;
    None when the file is not plain (quotes, CR, bad bytes, wrong header …: parsed record by record)."""
    if not feed.copy_as_text:
        return None
    lines = parse_csv.read_plain(data, feed.header)
    return feed.sort_plain(lines) if lines is not None else None


def parse_file(feed: CsvFeed, data: bytes, *, copy_text: bool = False, text_format: bool = False) -> ParsedCsv:
    """The file's plain lines when it is plain and its feed is copy_as_text (with their COPY text if copy_text:
    in COPY's text format if text_format and the file fits it, else CSV), else its typed rows."""
    plain = sort_plain(feed, data)
    if plain is not None:
        fmt = "text" if text_format and text_format_fits(data) else "csv"
        made = None
        if copy_text:
            made = plain_copy_tsv(plain[0]) if fmt == "text" else plain_copy_text(plain[0])
        return ParsedCsv(plain[0], None, plain[1], made, fmt)
    rows, quarantined = parse_feed(feed, data)
    return ParsedCsv(None, rows, quarantined)
