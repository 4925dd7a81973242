#!/usr/bin/env python3
"""Keeps the layering of ARCHITECTURE.md true, and source files short.

Fails (exit 1, one line per problem) when a file of src/LAYER/ or include/pma/LAYER/
includes a layer that LAYERS below does not allow it, names a folder that is not a
layer, or when a source file of src/ or include/ is over MAX_LINES lines.
Usage: scripts/check-layers.py [--graph]   (--graph: print the includes between layers, and stop)
"""
import re
import sys
from pathlib import Path

# Each layer and the layers it may include; it may also include whatever those may
# include. ARCHITECTURE.md ("Dependency rule") draws this table: change both together.
LAYERS = {
    "util": [],
    "transport": ["util"],
    "oci": ["util"],
    "context": ["transport", "oci"],
    "libpod": ["transport", "oci"],
    "config": ["transport", "oci"],
    "auth": ["transport", "oci"],
    "registry": ["auth"],
    "hosts": ["libpod", "config"],
    "sign": ["oci"],
    "job": ["hosts", "context", "registry", "sign"],
    "bake": ["job"],
    "app": ["bake"],
    "output": ["app"],
    "cli": ["output"],
}
MAX_LINES = 500
SOURCES = (".cpp", ".hpp", ".h", ".in")

ROOT = Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def allowed(layer, seen=None):
    """The layers `layer` may include: itself and the closure of its table row."""
    seen = seen if seen is not None else set()
    if layer not in seen:
        seen.add(layer)
        for below in LAYERS[layer]:
            allowed(below, seen)
    return seen


def layer_of(path):
    """src/L/… and include/pma/L/… are in layer L; anything else (src/main.cpp,
    the generated include/pma/version.hpp) in none."""
    parts = path.relative_to(ROOT).parts if path.is_relative_to(ROOT) else ()
    if parts[:1] == ("src",) and len(parts) > 2:
        return parts[1]
    if parts[:2] == ("include", "pma") and len(parts) > 3:
        return parts[2]
    return None


def target_of(path, bracket, name):
    """The file an include names: <…> under include/, "…" next to the includer, else there."""
    beside = path.parent / name
    return (beside if bracket == '"' and beside.exists() else ROOT / "include" / name).resolve()


def main():
    problems, edges = [], set()
    files = sorted(p for top in ("src", "include") for p in (ROOT / top).rglob("*") if p.suffix in SOURCES)
    for path in files:
        rel = path.relative_to(ROOT)
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        if len(lines) > MAX_LINES:
            problems.append(f"{rel}: {len(lines)} lines, over {MAX_LINES}: split it")
        source = layer_of(path)
        if source is not None and source not in LAYERS:
            problems.append(f"{rel}: {source} is not a layer")
        for number, line in enumerate(lines, 1):
            match = INCLUDE.match(line)
            dest = match and layer_of(target_of(path, *match.groups()))
            if source is None or dest is None or source == dest:
                continue
            edges.add((source, dest))
            if source not in LAYERS:
                continue  # reported once above
            if dest not in LAYERS:
                problems.append(f"{rel}:{number}: {source} → {dest}: {dest} is not a layer")
            elif dest not in allowed(source):
                problems.append(f"{rel}:{number}: {source} → {dest}: not allowed ({source} may include "
                                f"{', '.join(sorted(allowed(source) - {source})) or 'no other layer'})")
    if "--graph" in sys.argv:
        for source in sorted({s for s, _ in edges}):
            print(f"{source} → {', '.join(sorted(d for s, d in edges if s == source))}")
        return 0
    for problem in problems:
        print(problem)
    if problems:
        print(f"check-layers: {len(problems)} problem(s) of layering (the table LAYERS in scripts/check-layers.py, "
              f"drawn in ARCHITECTURE.md) or of file size")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
