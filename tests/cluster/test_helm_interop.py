"""Helm and modelservice take turns on one release, both ways, with the real helm binary
and the real 0.0.9 chart package, on the seed's example values (issue 11, bug 1).

Before the fix, Helm's ownership label reached the EPP Deployment's immutable selector:
`helm upgrade` of a release installed here failed with "field is immutable", and so did
our diff/upgrade of a release Helm installed.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.cluster.test_lifecycle import CASES, SHARED, cli

from modelservice.cli.common import EXIT_CHANGES, EXIT_OK

pytestmark = pytest.mark.cluster

CHART = SHARED / "reference" / "charts" / "llm-d-modelservice-0.0.9.tgz"
EXAMPLES = sorted(p.name for p in CASES.iterdir() if p.name.startswith("example-"))


def run_helm(helm: Path, kubeconfig: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUBECONFIG": kubeconfig}
    proc = subprocess.run(
        [str(helm), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, f"helm {' '.join(args)}:\n{proc.stderr}"
    return proc


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == EXIT_OK, proc.stdout + proc.stderr
    return proc.stdout


def epp_selector(cluster: Any, release: str, namespace: str) -> dict[str, str]:
    from lightkube.resources.apps_v1 import Deployment

    name = f"{release}-llm-d-modelservice-epp"
    dep = cluster.client.get(Deployment, name, namespace=namespace)
    return dict(dep.spec.selector.matchLabels)


def helm_history(helm: Path, kubeconfig: str, release: str, namespace: str) -> list[Any]:
    out = run_helm(helm, kubeconfig, "history", release, "-n", namespace, "-o", "json").stdout
    return [(h["revision"], h["status"]) for h in json.loads(out)]


@pytest.mark.parametrize("example", EXAMPLES)
def test_ours_then_helm_then_ours_then_helm_rollback(
    cluster: Any, namespace: str, helm: Path, example: str
) -> None:
    """modelservice install → helm upgrade → modelservice upgrade → helm rollback →
    modelservice diff: no changes."""
    kc, values = cluster.kubeconfig, str(CASES / example / "values.yaml")
    ok(cli(kc, "install", "ms1", "-n", namespace, "-f", values))
    run_helm(helm, kc, "upgrade", "ms1", str(CHART), "-n", namespace, "-f", values)
    assert epp_selector(cluster, "ms1", namespace) == {"llm-d.ai/epp": "ms1-llm-d-modelservice-epp"}
    ok(cli(kc, "upgrade", "ms1", "-n", namespace, "-f", values, "--set", "decode.replicas=2"))
    run_helm(helm, kc, "rollback", "ms1", "1", "-n", namespace)
    assert helm_history(helm, kc, "ms1", namespace) == [
        (1, "superseded"),
        (2, "superseded"),
        (3, "superseded"),
        (4, "deployed"),
    ]
    diff = cli(kc, "diff", "ms1", "-n", namespace, "-f", values)
    assert diff.returncode == EXIT_OK, diff.stdout + diff.stderr
    assert "no changes" in diff.stderr
    assert epp_selector(cluster, "ms1", namespace) == {"llm-d.ai/epp": "ms1-llm-d-modelservice-epp"}


@pytest.mark.parametrize("example", EXAMPLES)
def test_helm_install_then_ours(cluster: Any, namespace: str, helm: Path, example: str) -> None:
    """helm install → modelservice diff: no changes (rendered as the chart Helm recorded) →
    diff in the default mode (our fixes over the chart, nothing refused) → modelservice
    upgrade to the default mode → modelservice diff: no changes; helm sees our revision."""
    kc, values = cluster.kubeconfig, str(CASES / example / "values.yaml")
    run_helm(helm, kc, "install", "hx", str(CHART), "-n", namespace, "-f", values)
    same = cli(kc, "diff", "hx", "-n", namespace, "-f", values)
    assert same.returncode == EXIT_OK, same.stdout + same.stderr
    default = ("--chart-version", "default")
    diff = cli(kc, "diff", "hx", "-n", namespace, "-f", values, *default)
    assert diff.returncode == EXIT_CHANGES, diff.stdout + diff.stderr
    assert "(update)" in diff.stdout and "immutable" not in diff.stdout + diff.stderr
    assert "Deployment/hx-llm-d-modelservice-epp" not in diff.stdout  # same as the chart's
    ok(cli(kc, "upgrade", "hx", "-n", namespace, "-f", values, *default))
    again = cli(kc, "diff", "hx", "-n", namespace, "-f", values)
    assert again.returncode == EXIT_OK, again.stdout + again.stderr
    assert helm_history(helm, kc, "hx", namespace) == [(1, "superseded"), (2, "deployed")]
    assert epp_selector(cluster, "hx", namespace) == {"llm-d.ai/epp": "hx-llm-d-modelservice-epp"}
