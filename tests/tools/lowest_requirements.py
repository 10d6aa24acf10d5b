#!/usr/bin/env python3
"""Print pip constraints pinning each runtime dependency (and the operator extra's) to the
lowest version pyproject.toml allows: ``PyYAML>=6.0.1`` becomes ``PyYAML==6.0.1``.

`make test-lowest` installs with these constraints and runs the unit tests, so that a
floor in pyproject.toml is a version known to work. Stdlib only.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
EXTRAS = ("operator",)


def lowest(requirements: list[str]) -> list[str]:
    out = []
    for req in requirements:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*>=\s*([^,;\s]+)\s*", req)
        if m:
            out.append(f"{m.group(1)}=={m.group(2)}")
        elif not re.match(r"\s*llm-d-modelservice\b", req):
            sys.exit(f"{PYPROJECT}: cannot pin {req!r}: give runtime dependencies as NAME>=FLOOR")
    return out


def main() -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in EXTRAS:
        reqs += project["optional-dependencies"][extra]
    print("\n".join(dict.fromkeys(lowest(reqs))))


if __name__ == "__main__":
    main()
