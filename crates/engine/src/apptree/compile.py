# Run by Gradient Studio with the target interpreter: compiles the modules
# named on stdin (JSON) into unchecked-hash .pyc files (PEP 552), which do
# not depend on timestamps, so builds stay reproducible. Prints JSON: the
# .pyc files written, with their sizes.
import importlib.util
import json
import os
import py_compile
import sys

job = json.load(sys.stdin)
root = job["root"]
written = []
for rel, display in job["files"]:
    source = os.path.join(root, rel)
    if job["placement"] == "legacy":
        target = source[:-3] + ".pyc"
    else:
        target = importlib.util.cache_from_source(source)
    try:
        py_compile.compile(
            source,
            cfile=target,
            dfile=display,
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    except (py_compile.PyCompileError, SyntaxError, ValueError, OSError):
        # Modules this interpreter cannot compile (Python 2 leftovers,
        # templates named .py) are left as source, as pip does.
        continue
    written.append([os.path.relpath(target, root).replace(os.sep, "/"), os.path.getsize(target)])
json.dump(written, sys.stdout)
