# Run by Gradient Studio with the target interpreter: compiles each module
# named on stdin (JSON: root, then [source, .pyc, name shown in tracebacks])
# into an unchecked-hash .pyc (PEP 552), which holds no timestamp, so builds
# stay reproducible. Prints JSON: the .pyc files written.
import json
import os
import py_compile
import sys

job = json.load(sys.stdin)
root = job["root"]
written = []
for source, target, display in job["files"]:
    try:
        py_compile.compile(
            os.path.join(root, source),
            cfile=os.path.join(root, target),
            dfile=display,
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    except (py_compile.PyCompileError, SyntaxError, ValueError, OSError):
        # Modules this interpreter cannot compile (Python 2 leftovers,
        # templates named .py) stay source-only, as with pip.
        continue
    written.append(target)
json.dump(written, sys.stdout)
