"""Object history the store does not keep (items have no room for it), one table per server.

Marked by identity: an entry holds the item, so its id cannot be reused while marked. RENAME,
MOVE and SWAPDB keep the item (and the mark); storing a new value clears it; entries of items
that left the keyspace are swept once the table doubles.
- "raw": Redis's APPEND (to an existing key) and SETRANGE leave an unshared sds string, reported
  "raw" by OBJECT ENCODING whatever its length or content;
- "unshared": COPY duplicates the object, so a small integer is no longer the shared one
  (OBJECT REFCOUNT 1). A raw value is unshared too.
"""

from __future__ import annotations

from typing import Any

SWEEP_MIN = 1024


class ObjectMarks:
    __slots__ = ("_marks", "_sweep_at")

    def __init__(self) -> None:
        self._marks: dict[int, tuple[Any, str]] = {}
        self._sweep_at = SWEEP_MIN

    def __bool__(self) -> bool:
        """Is any item marked? (The cheap check before `forget` on a hot path.)"""
        return bool(self._marks)

    def forget(self, item: Any) -> None:
        """The item now holds a new value: drop its mark."""
        self._marks.pop(id(item), None)

    def mark(self, item: Any, kind: str) -> None:
        if item is None:
            return
        marks = self._marks
        marks[id(item)] = (item, kind)
        if len(marks) >= self._sweep_at:
            for ident, (it, _) in list(marks.items()):
                if not it.linked:
                    del marks[ident]
            self._sweep_at = max(SWEEP_MIN, 2 * len(marks))

    def kind(self, item: Any) -> str | None:
        if item is None:
            return None
        entry = self._marks.get(id(item))
        return entry[1] if entry is not None and entry[0] is item else None
