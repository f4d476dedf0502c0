# Run by Gradient Studio with the interpreter being frozen: where its parts
# are, as JSON.
import json
import os
import sys
import sysconfig

cv = sysconfig.get_config_var
stdlib = sysconfig.get_path("stdlib")
print(json.dumps({
    "executable": os.path.realpath(sys.executable),
    "version": list(sys.version_info[:3]),
    "cache_tag": sys.implementation.cache_tag,
    "stdlib": stdlib,
    "dynload": cv("DESTSHARED") or os.path.join(sysconfig.get_path("platstdlib"), "lib-dynload"),
    "libdir": cv("LIBDIR"),
    "libpython": cv("INSTSONAME") if cv("Py_ENABLE_SHARED") else None,
    "platlibdir": getattr(sys, "platlibdir", "lib"),
}))
