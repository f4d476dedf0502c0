"""Run one PEP 517 build-backend hook in this fresh interpreter.

Usage: python hook_runner.py HOOK CONTROL_DIR

CONTROL_DIR/input.json holds {"backend", "backend_path", "kwargs"}; the
answer is written to CONTROL_DIR/output.json as one of
{"return": value}, {"unsupported": message} (the backend raised its
UnsupportedOperation), {"missing_hook": true}, {"backend_unavailable": text},
{"backend_invalid": text} or {"error": traceback}. Everything the backend
prints goes to this process's stdout and stderr, which the frontend streams.
"""

import importlib
import json
import os
import shutil
import sys
import traceback
import zipfile


def write_answer(control, answer):
    tmp = os.path.join(control, "output.json.part")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(answer, f)
    os.replace(tmp, os.path.join(control, "output.json"))


class BackendUnavailable(Exception):
    pass


class BackendInvalid(Exception):
    pass


def load_backend(spec, backend_path):
    # PEP 517 "In-tree build backends": backend-path entries go first on
    # sys.path, and the backend must then come from one of them.
    if backend_path:
        sys.path[:0] = backend_path
    module_name, _, obj_path = spec.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except ImportError:
        raise BackendUnavailable(traceback.format_exc())
    if backend_path:
        where = os.path.realpath(getattr(obj, "__file__", None) or "")
        if not any(
            os.path.commonpath([where, os.path.realpath(p)]) == os.path.realpath(p)
            for p in backend_path
        ):
            raise BackendInvalid(
                "backend %r was loaded from %s, not from backend-path %s"
                % (spec, where, backend_path)
            )
    for attr in filter(None, obj_path.split(".")):
        obj = getattr(obj, attr)
    return obj


def metadata_from_wheel(backend, metadata_directory, config_settings):
    # PEP 517: without prepare_metadata_for_build_wheel the frontend builds
    # the wheel and takes its .dist-info.
    wheel_dir = os.path.join(metadata_directory, ".wheel")
    os.makedirs(wheel_dir, exist_ok=True)
    name = backend.build_wheel(wheel_dir, config_settings)
    with zipfile.ZipFile(os.path.join(wheel_dir, name)) as zf:
        tops = {n.split("/", 1)[0] for n in zf.namelist()}
        infos = [t for t in tops if t.endswith(".dist-info")]
        if len(infos) != 1:
            raise ValueError("%s holds %d .dist-info directories" % (name, len(infos)))
        for member in zf.namelist():
            if member.startswith(infos[0] + "/"):
                zf.extract(member, metadata_directory)
    shutil.rmtree(wheel_dir)
    return infos[0]


# PEP 517 gives each hook's parameters by position; backends name them as
# they like, so they are passed positionally, as pyproject_hooks does.
PARAMETERS = {
    "get_requires_for_build_wheel": ["config_settings"],
    "get_requires_for_build_sdist": ["config_settings"],
    "prepare_metadata_for_build_wheel": ["metadata_directory", "config_settings"],
    "build_wheel": ["wheel_directory", "config_settings", "metadata_directory"],
    "build_sdist": ["sdist_directory", "config_settings"],
}


def call(backend, hook, kwargs):
    fn = getattr(backend, hook, None)
    if fn is None:
        if hook.startswith("get_requires_for_build_"):
            return []
        if hook == "prepare_metadata_for_build_wheel":
            return metadata_from_wheel(
                backend, kwargs["metadata_directory"], kwargs["config_settings"]
            )
        raise AttributeError("the backend has no hook %s" % hook)
    return fn(*[kwargs[name] for name in PARAMETERS[hook]])


def main():
    hook, control = sys.argv[1], sys.argv[2]
    with open(os.path.join(control, "input.json"), encoding="utf-8") as f:
        request = json.load(f)
    try:
        backend = load_backend(request["backend"], request["backend_path"])
    except BackendUnavailable as e:
        write_answer(control, {"backend_unavailable": str(e)})
        return
    except BackendInvalid as e:
        write_answer(control, {"backend_invalid": str(e)})
        return
    unsupported = getattr(backend, "UnsupportedOperation", None)
    try:
        value = call(backend, hook, request["kwargs"])
    except Exception as e:
        if unsupported is not None and isinstance(e, unsupported):
            write_answer(control, {"unsupported": str(e)})
            return
        traceback.print_exc()
        write_answer(control, {"error": traceback.format_exc()})
        sys.exit(1)
    write_answer(control, {"return": value})


if __name__ == "__main__":
    main()
