"""The counting itself: pure functions over text."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Counts:
    lines: int
    words: int

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.lines + other.lines, self.words + other.words)


def count_text(text: str) -> Counts:
    return Counts(lines=len(text.splitlines()), words=len(text.split()))
