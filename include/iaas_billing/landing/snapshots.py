"""Tax rate and sales entity snapshots are all or nothing, like a catalogue upload: one bad row rejects the file."""

from __future__ import annotations

from dataclasses import dataclass

from iaas_billing.landing.catalog import CatalogCheck
from iaas_billing.landing.csv_rows import Row
from iaas_billing.landing.records import Quarantined

SHOWN_LINES = 5  # invalid lines named in each good row's file_rejected reason


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:SHOWN_LINES])
    more = f" and {len(numbers) - SHOWN_LINES} more" if len(numbers) > SHOWN_LINES else ""
    return f"line {shown} is invalid" if len(numbers) == 1 else f"lines {shown}{more} are invalid"


@dataclass
class SnapshotCheck(CatalogCheck):
    """The verdict on a snapshot file: accepted when no row is invalid and at least one is valid."""

    @property
    def rejected(self) -> list[Quarantined]:
        """Every row of the file as quarantined when it is rejected whole: the invalid ones with their reason,
        the valid ones with file_rejected naming the invalid lines (so the file's rows are conserved)."""
        note = f"file rejected, nothing applied (a snapshot is all or nothing): " \
            f"{_lines([q.line_number for q in self.invalid])}"
        rows = self.invalid + [Quarantined(line, "file_rejected", note, raw) for line, _, raw in self.valid]
        return sorted(rows, key=lambda q: q.line_number)


def check(kind: str, data: bytes, rows: list[Row], quarantined: list[Quarantined]) -> SnapshotCheck:
    """The verdict on a parsed snapshot file (rows valid, quarantined the rest: field rules, duplicate keys,
    framing). A file with the header and no row is invalid too: a full snapshot is never empty, and an empty
    one must not replace the table in force (its line 1 stands for the file)."""
    if not rows and not quarantined:
        header = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace").removeprefix("\ufeff")
        return SnapshotCheck([], [Quarantined(1, "empty_snapshot",
                                              f"empty {kind} snapshot: the header and no row (a full snapshot "
                                              f"is never empty; the one in force stays)", header)])
    return SnapshotCheck(rows, sorted(quarantined, key=lambda q: q.line_number))
