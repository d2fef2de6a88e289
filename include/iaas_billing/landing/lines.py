"""Splits a file's bytes into numbered text lines, flagging the ones that cannot be stored or read."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from iaas_billing.landing.records import Quarantined

MAX_LINE_BYTES = 1 << 20          # a line longer than this is quarantined, not parsed
RAW_RECORD_KEEP = 4096            # characters of an over-long line kept in the quarantine


@dataclass(frozen=True, slots=True)
class Line:
    number: int        # 1-based physical line number
    text: str          # without the line terminator (\n or \r\n)
    last_unterminated: bool  # the file's last line, with no newline after it


def printable(raw: bytes) -> str:
    """Bytes as text Postgres can store: invalid UTF-8 and NUL shown as \\xNN escapes."""
    return raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def _too_long(number: int, raw: bytes) -> Quarantined:
    digest = hashlib.sha256(raw).hexdigest()
    kept = printable(raw[:RAW_RECORD_KEEP])
    return Quarantined(number, "line_too_long",
                       f"line is {len(raw)} bytes, longer than the limit of {MAX_LINE_BYTES} bytes",
                       f"{kept}… [cut: {len(raw)} bytes, sha256 {digest}]")


def split(data: bytes) -> Iterator[Line | Quarantined]:
    """Each physical line as a Line, or as a Quarantined when it is too long, not UTF-8 or holds NUL.

    A final newline ends the last line (it does not start an empty one). An empty file yields nothing.
    """
    parts = data.split(b"\n")
    terminated = parts[-1] == b""
    if terminated:
        parts.pop()
    last = len(parts)
    for number, raw in enumerate(parts, start=1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if len(raw) > MAX_LINE_BYTES:
            yield _too_long(number, raw)
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Quarantined(number, "not_utf8",
                              f"line is not valid UTF-8: byte 0x{raw[exc.start]:02x} at byte {exc.start + 1}",
                              printable(raw))
            continue
        if "\x00" in text:
            yield Quarantined(number, "nul_byte",
                              f"line contains a NUL byte at character {text.index(chr(0)) + 1}", printable(raw))
            continue
        yield Line(number, text, number == last and not terminated)
