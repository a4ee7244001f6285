#!/usr/bin/python3
"""Every key of the GSettings schema is read by some code under src/.

A key is read when its name appears quoted in a .c file ("policy-room") or as an attribute or
element value in a .ui file under src/. Preferences only shows the keys (it binds the person's own
settings, which other code reads too, and displays the fleet keys), so it does not count: a key
that nothing but Preferences mentions is not acted on.

Keys of features not built yet are allowed, each with the work that will read it. The test also
fails when an allowed key has become read (take it off the list) or is not in the schema.

Usage: check-gsettings-keys.py SCHEMA_XML SRC_DIR
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

# Keys no code reads yet, with the work that will read them. Do not delete these keys.
ALLOWED_UNREAD = {
    "notifications-enabled": "issue 11 item 6 (notifications)",
}

# Shows keys without acting on them (see the docstring).
DISPLAY_ONLY = {"tact-preferences-window.c", "tact-preferences-window.ui"}


def schema_keys(path):
    root = ET.parse(path).getroot()
    return [key.get("name") for schema in root.iter("schema") for key in schema.iter("key")]


def source_texts(src):
    for folder, _dirs, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith((".c", ".ui")) or name in DISPLAY_ONLY:
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                yield path, name.endswith(".ui"), f.read()


def readers(key, texts):
    c_pattern = re.compile(r'"' + re.escape(key) + r'"')
    ui_pattern = re.compile(r'(["\'>])' + re.escape(key) + r'(["\'<])')
    return [path for path, is_ui, text in texts
            if (ui_pattern if is_ui else c_pattern).search(text)]


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1])
        return 2
    schema, src = sys.argv[1], sys.argv[2]
    keys = schema_keys(schema)
    texts = list(source_texts(src))
    failures = []

    if not keys:
        failures.append("no keys found in " + schema)
    for key in keys:
        found = readers(key, texts)
        if key in ALLOWED_UNREAD:
            if found:
                failures.append("%s is read now (%s): take it off ALLOWED_UNREAD"
                                % (key, ", ".join(os.path.relpath(p, src) for p in found)))
            else:
                print("allowed: %s is not read yet; %s" % (key, ALLOWED_UNREAD[key]))
        elif found:
            print("ok: %s read by %s" % (key, ", ".join(os.path.relpath(p, src) for p in found)))
        else:
            failures.append("%s is in the schema but no code under src/ reads it: read it, or add it"
                            " to ALLOWED_UNREAD with the issue that will" % key)
    for key in sorted(set(ALLOWED_UNREAD) - set(keys)):
        failures.append("ALLOWED_UNREAD names %s, which is not in the schema" % key)

    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
