"""What every import command shares: a progress bar with counts and the time left (tqdm), and
the summary it prints at the end: what was made, what an earlier run had made already, and
what was skipped and why.

An import remembers what it made of each record of the other system (each service's
`ImportedRecord`: source, kind, the record's id there, its id here), in the same transaction
as the row it made. Run again, or resumed after a stop, it skips the records it finds there.
"""

import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

from tqdm import tqdm

T = TypeVar("T")
EXAMPLES = 5  # source ids named per reason of skipping


class Summary:
    """Counts of what an import did with each kind of record (article, comment, …)."""

    def __init__(self) -> None:
        self.made: Counter[str] = Counter()
        self.kept: Counter[str] = Counter()  # made by an earlier run: left as they are
        self.skipped: Counter[tuple[str, str]] = Counter()
        self.examples: dict[tuple[str, str], list[str]] = {}
        # Records imported otherwise than they were (a reply made top-level, a name cleaned
        # into a nic), by what was done: counted with examples, as skips are.
        self.noted: Counter[tuple[str, str]] = Counter()
        self.noted_examples: dict[tuple[str, str], list[str]] = {}

    def make(self, kind: str, count: int = 1) -> None:
        self.made[kind] += count

    def keep(self, kind: str, count: int = 1) -> None:
        self.kept[kind] += count

    def skip(self, kind: str, source_id: str, reason: str) -> None:
        """Count a record left out, with the reason a reader of the summary is told."""
        self.skipped[kind, reason] += 1
        examples = self.examples.setdefault((kind, reason), [])
        if len(examples) < EXAMPLES:
            examples.append(source_id)

    def note(self, kind: str, source_id: str, remark: str) -> None:
        """Count a record imported otherwise than it was, with what was done to it."""
        self.noted[kind, remark] += 1
        examples = self.noted_examples.setdefault((kind, remark), [])
        if len(examples) < EXAMPLES:
            examples.append(source_id)

    def lines(self) -> list[str]:
        kinds = sorted(set(self.made) | set(self.kept) | {kind for kind, _ in self.skipped})
        lines = [f"{kind}: {self.made[kind]} imported, {self.kept[kind]} already here, "
                 f"{sum(n for (k, _), n in self.skipped.items() if k == kind)} skipped"
                 for kind in kinds]
        for (kind, reason), count in sorted(self.skipped.items()):
            shown = ", ".join(self.examples[kind, reason])
            more = ", …" if count > len(self.examples[kind, reason]) else ""
            lines.append(f"  skipped {count} {kind}: {reason} (ids {shown}{more})")
        for (kind, remark), count in sorted(self.noted.items()):
            shown = ", ".join(self.noted_examples[kind, remark])
            more = ", …" if count > len(self.noted_examples[kind, remark]) else ""
            lines.append(f"  note: {count} {kind}: {remark} (ids {shown}{more})")
        return lines

    def print(self, out: TextIO | None = None) -> None:
        print("\n".join(self.lines()), file=out or sys.stdout)


def progress(items: Iterable[T], what: str, total: int | None = None,
             out: TextIO | None = None) -> Iterator[T]:
    """`items`, drawing a progress bar on stderr as they go: how many of `total`, how fast,
    and how long is left. Without a terminal it prints a line now and then instead."""
    out = out or sys.stderr
    terminal = out.isatty()
    yield from tqdm(items, desc=what, total=total, unit=f" {what}", file=out,
                    mininterval=0.2 if terminal else 5.0, ascii=not terminal,
                    dynamic_ncols=terminal)
