"""Many output files filled account by account through one bounded buffer (memory stays flat)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from pathlib import Path


class BucketWriter:
    """Appends text to the file of each key; a key's file starts with `header` when it is created."""

    def __init__(self, path_of: Callable[[Hashable], Path], header: str = "", limit: int = 8_000_000) -> None:
        self.path_of, self.header, self.limit = path_of, header, limit
        self.buffers: dict[Hashable, list[str]] = {}
        self.created: set[Hashable] = set()
        self.size = 0

    def touch(self, keys: Iterable[Hashable]) -> None:
        """Create these files now, so that they exist (header only) even if nothing is written."""
        for key in keys:
            self._create(key)

    def _create(self, key: Hashable) -> None:
        if key not in self.created:
            self.created.add(key)
            with open(self.path_of(key), "w", encoding="utf-8", newline="") as f:
                f.write(self.header)

    def write(self, key: Hashable, text: str) -> None:
        self.buffers.setdefault(key, []).append(text)
        self.size += len(text)
        if self.size > self.limit:
            self.flush()

    def flush(self) -> None:
        for key in sorted(self.buffers, key=str):
            self._create(key)
            with open(self.path_of(key), "a", encoding="utf-8", newline="") as f:
                f.write("".join(self.buffers[key]))
        self.buffers.clear()
        self.size = 0

    def close(self) -> None:
        self.flush()


def concatenate(target: Path, header: str, parts: Iterable[Path]) -> int:
    """Write `header` then the parts that exist, in order, into `target`; returns the bytes copied."""
    copied = 0
    with open(target, "w", encoding="utf-8", newline="") as out:
        out.write(header)
        for part in parts:
            if part.exists():
                with open(part, encoding="utf-8", newline="") as f:
                    text = f.read()
                out.write(text)
                copied += len(text)
    return copied
