# Run by Gradient Studio with the interpreter being described: prints what
# the engine needs to pick wheels and evaluate markers for it, as JSON.
# Must run on every Python 3 still in use, with nothing but the stdlib.
import json
import os
import platform
import sys
import sysconfig


def version_text(v):
    # "Dependency specifiers" § Environment markers: implementation_version.
    text = "%d.%d.%d" % (v.major, v.minor, v.micro)
    if v.releaselevel != "final":
        text += v.releaselevel[0] + str(v.serial)
    return text


def libc():
    try:
        glibc = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, OSError, ValueError):
        glibc = None
    if glibc:
        return glibc
    name, version = platform.libc_ver()
    return ("%s %s" % (name, version)).strip() or None


cv = sysconfig.get_config_var
print(json.dumps({
    "executable": sys.executable,
    "implementation": sys.implementation.name,
    "cache_tag": sys.implementation.cache_tag,
    "version": list(sys.version_info[:3]),
    "gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "debug": hasattr(sys, "gettotalrefcount"),
    "platform": sysconfig.get_platform(),
    "libc": libc(),
    # Where the installation's parts are, for freezing it.
    "installation": {
        "executable": os.path.realpath(sys.executable),
        "stdlib": sysconfig.get_path("stdlib"),
        "dynload": cv("DESTSHARED")
        or os.path.join(sysconfig.get_path("platstdlib"), "lib-dynload"),
        "libdir": cv("LIBDIR"),
        "libpython": cv("INSTSONAME") if cv("Py_ENABLE_SHARED") else None,
    },
    "markers": {
        "implementation_name": sys.implementation.name,
        "implementation_version": version_text(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
}))
