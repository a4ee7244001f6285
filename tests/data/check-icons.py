#!/usr/bin/python3
"""Checks the app icons: SVG root, the viewBox GNOME expects (128 for the full-colour icon,
16 for the symbolic one), and that the symbolic icon is monochrome with no raster images.
Usage: check-icons.py SCALABLE.svg SYMBOLIC.svg"""

import re
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|rgba?\([^)]*\)")


def check(path, size, symbolic):
    errors = []
    root = ET.parse(path).getroot()
    if root.tag != SVG + "svg":
        return [f"{path}: root element is {root.tag}, not svg"]
    if root.get("viewBox", "").split() != ["0", "0", str(size), str(size)]:
        errors.append(f"{path}: viewBox is {root.get('viewBox')!r}, expected '0 0 {size} {size}'")
    colours = set()
    for el in root.iter():
        if el.tag in (SVG + "image", SVG + "text"):
            errors.append(f"{path}: contains <{el.tag[len(SVG):]}> (use paths)")
        for attr in ("fill", "stroke", "stop-color", "style"):
            colours.update(c.lower() for c in COLOUR.findall(el.get(attr, "")))
    if symbolic and len(colours) > 1:
        errors.append(f"{path}: symbolic icon uses several colours {sorted(colours)}")
    if not symbolic and not colours:
        errors.append(f"{path}: full-colour icon has no colours")
    return errors


def main():
    errors = check(sys.argv[1], 128, False) + check(sys.argv[2], 16, True)
    for e in errors:
        print(f"FAIL: {e}")
    if not errors:
        print("ok: both icons are well-formed SVG of the expected size")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
