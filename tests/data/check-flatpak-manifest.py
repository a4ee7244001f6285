#!/usr/bin/python3
"""Checks flatpak/<app-id>.json: valid JSON, the right app, the finish-args Tact needs,
every remote source pinned (git by tag or commit, archives by sha256), tact built last
from the source tree.  Usage: check-flatpak-manifest.py MANIFEST APP_ID"""

import json
import sys

REQUIRED_FINISH_ARGS = {
    "--share=network",
    "--share=ipc",
    "--socket=fallback-x11",
    "--socket=wayland",
    "--device=dri",
    "--talk-name=org.freedesktop.secrets",
}


def main():
    path, app_id = sys.argv[1], sys.argv[2]
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except json.JSONDecodeError as e:
        print(f"FAIL: {path} is not valid JSON: {e}")
        return 1

    errors = []
    if manifest.get("id", manifest.get("app-id")) != app_id:
        errors.append(f"id is {manifest.get('id')!r}, expected {app_id!r}")
    if manifest.get("command") != "tact":
        errors.append("command is not 'tact'")
    if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("sdk") != "org.gnome.Sdk":
        errors.append("runtime/sdk are not org.gnome.Platform/org.gnome.Sdk")
    missing = REQUIRED_FINISH_ARGS - set(manifest.get("finish-args", []))
    if missing:
        errors.append(f"finish-args lack {sorted(missing)}")

    modules = manifest.get("modules", [])
    names = [m.get("name") for m in modules if isinstance(m, dict)]
    for needed in ("sqlcipher", "vectorscan", "opencc"):
        if needed not in names:
            errors.append(f"no module {needed!r}")
    if not names or names[-1] != "tact":
        errors.append("the last module is not 'tact'")

    for module in modules:
        if not isinstance(module, dict):
            continue
        name = module.get("name")
        if "buildsystem" not in module:
            errors.append(f"module {name!r} has no buildsystem")
        for source in module.get("sources", []):
            kind = source.get("type")
            if kind == "git" and not (source.get("tag") or source.get("commit")):
                errors.append(f"module {name!r}: git source without tag or commit")
            elif kind in ("archive", "file") and "url" in source and not source.get("sha256"):
                errors.append(f"module {name!r}: {kind} source without sha256")
            for value in source.values():
                if isinstance(value, str) and ("PLACEHOLDER" in value.upper() or "TODO" in value.upper()):
                    errors.append(f"module {name!r}: placeholder in source: {value!r}")

    if names and names[-1] == "tact":
        sources = modules[-1].get("sources", [])
        if not any(s.get("type") == "dir" and s.get("path") == ".." for s in sources):
            errors.append("module 'tact' is not built from the source tree (type dir, path ..)")

    for e in errors:
        print(f"FAIL: {e}")
    if not errors:
        print(f"ok: {path}: {len(modules)} modules: {', '.join(names)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
