"""The `gradient-example` command."""
import sys

from gradient_example.counting import Counts, count_text
from gradient_example.report import line


def main(argv=None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        counts = count_text(sys.stdin.read())
        print(line("<stdin>", counts))
        return 0
    total = Counts(0, 0)
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                counts = count_text(handle.read())
        except OSError as error:
            print(f"gradient-example: {error}", file=sys.stderr)
            return 1
        total = total + counts
        print(line(path, counts))
    if len(paths) > 1:
        print(line("total", total))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
