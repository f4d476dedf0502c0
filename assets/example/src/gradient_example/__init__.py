"""Count words and lines in text files."""
from gradient_example.counting import Counts, count_text

__all__ = ["Counts", "count_text"]
