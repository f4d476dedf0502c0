"""Formatting counts for people."""
from gradient_example.counting import Counts


def line(name: str, counts: Counts) -> str:
    return f"{name}: {counts.lines} lines, {counts.words} words"
