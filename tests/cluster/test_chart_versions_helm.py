"""Chart versions on the cluster, with the real helm binary and the upstream chart packages
of ../shared/reference/charts: a release moves between Helm and modelservice in both
directions and keeps rendering as the chart version it was made with.

- Helm installs (0.0.9, 0.2.16 with its HTTPRoute hook, 0.4.12 with templated values) →
  ``modelservice diff`` shows no change → ``modelservice upgrade`` (new values) →
  ``helm upgrade`` (the chart, the same values: no pod-template change) → ``helm
  rollback`` → ``modelservice status/history`` and a diff against the rolled-back values.
- modelservice installs ``--chart-version`` X → ``helm upgrade`` with the packaged chart X
  and the same values succeeds with no pod-template change, and helm reads the release.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.cluster.test_lifecycle import SHARED, cli

pytestmark = pytest.mark.cluster

CHARTS = SHARED / "reference" / "charts"
CASES = SHARED / "conformance" / "cases"
VERSIONS = SHARED / "conformance" / "versions"

#: (chart package, chart version as Helm records it, values written for it)
HELM_FIRST = {
    "0.0.9": ("llm-d-modelservice-0.0.9.tgz", "0.0.9", CASES / "example-vllm-sim"),
    "0.2.16": ("llm-d-modelservice-v0.2.16.tgz", "v0.2.16", VERSIONS / "v0.2.16-example-cpu"),
    "0.4.12": ("llm-d-modelservice-v0.4.12.tgz", "v0.4.12", VERSIONS / "v0.4.12-example-cpu"),
}
OURS_FIRST = {
    "0.0.9": ("llm-d-modelservice-0.0.9.tgz", "0.0.9", CASES / "example-vllm-sim"),
    "0.4.9": ("llm-d-modelservice-v0.4.9.tgz", "v0.4.9", VERSIONS / "v0.4.9-gen0"),
}


def helm_run(helm: Path, kubeconfig: str, *args: str) -> str:
    env = {**os.environ, "KUBECONFIG": kubeconfig}
    proc = subprocess.run(
        [str(helm), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, f"helm {' '.join(args)}:\n{proc.stderr}"
    return proc.stdout


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def helm_history(helm: Path, kubeconfig: str, release: str, ns: str) -> list[tuple[Any, ...]]:
    out = helm_run(helm, kubeconfig, "history", release, "-n", ns, "-o", "json")
    return [(h["revision"], h["status"], h["chart"], h["app_version"]) for h in json.loads(out)]


def pod_templates(cluster: Any, release: str, ns: str) -> dict[str, tuple[int, Any]]:
    """(generation, pod template) of each of the release's Deployments: a change of the
    pod template makes a new generation and rolls the pods."""
    from lightkube.resources.apps_v1 import Deployment

    out = {}
    for dep in cluster.client.list(Deployment, namespace=ns):
        meta = dep.metadata
        if (meta.annotations or {}).get("meta.helm.sh/release-name") == release:
            out[meta.name] = (meta.generation, dep.spec.template.to_dict())
    return out


def hook_route(cluster: Any, release: str, ns: str) -> dict[str, Any] | None:
    from lightkube.generic_resource import create_namespaced_resource

    route_cls = create_namespaced_resource(
        "gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes"
    )
    for route in cluster.client.list(route_cls, namespace=ns):
        if route.metadata.name == f"{release}-llm-d-modelservice":
            return dict(route.metadata.to_dict())
    return None


@pytest.mark.parametrize("version", sorted(HELM_FIRST))
def test_helm_installs_modelservice_carries_on_helm_takes_it_back(
    cluster: Any, namespace: str, helm: Path, version: str
) -> None:
    package, recorded, case = HELM_FIRST[version]
    chart, kc, ns = str(CHARTS / package), cluster.kubeconfig, namespace
    values = str(case / "values.yaml")
    helm_run(helm, kc, "install", "hx", chart, "-n", ns, "-f", values)

    # the same values: no change, rendered as the version Helm recorded
    diff = cli(kc, "diff", "hx", "-n", ns, "-f", values)
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert "no changes" in diff.stderr
    assert f"rendering as chart llm-d-modelservice {recorded}, as recorded in revision 1" in (
        diff.stderr
    )

    # new values, still that version; helm sees our revision as one of that chart
    up = ok(cli(kc, "upgrade", "hx", "-n", ns, "-f", values, "--set", "decode.replicas=2"))
    assert f"upgrading as chart llm-d-modelservice {recorded}" in up.stderr
    templates = pod_templates(cluster, "hx", ns)
    assert templates, "the release has Deployments"
    history = helm_history(helm, kc, "hx", ns)
    assert [h[:3] for h in history] == [
        (1, "superseded", f"llm-d-modelservice-{recorded}"),
        (2, "deployed", f"llm-d-modelservice-{recorded}"),
    ]
    assert history[0][3] == history[1][3]  # the app version, as the chart has it
    user = json.loads(helm_run(helm, kc, "get", "values", "hx", "-n", ns, "-o", "json"))
    assert user["decode"]["replicas"] == 2

    # helm upgrades with the chart and the same values: nothing to roll
    helm_run(helm, kc, "upgrade", "hx", chart, "-n", ns, "-f", values, "--set", "decode.replicas=2")
    assert pod_templates(cluster, "hx", ns) == templates
    helm_run(helm, kc, "rollback", "hx", "1", "-n", ns)

    status = ok(cli(kc, "status", "hx", "-n", ns)).stdout
    assert "REVISION: 4\nSTATUS: deployed" in status
    assert f"CHART: llm-d-modelservice-{recorded}\n" in status
    assert "DESCRIPTION: Rollback to 1" in status
    hist = ok(cli(kc, "history", "hx", "-n", ns)).stdout.splitlines()[1:]
    assert [line.split()[2] for line in hist] == ["superseded"] * 3 + ["deployed"]
    assert all(f"llm-d-modelservice-{recorded}" in line for line in hist)
    back = cli(kc, "diff", "hx", "-n", ns, "-f", values)
    assert back.returncode == 0 and "no changes" in back.stderr, back.stdout + back.stderr


def test_the_0_2_httproute_hook_is_run_as_helm_runs_it(
    cluster: Any, namespace: str, helm: Path
) -> None:
    """0.2.1 to 0.2.16 render the HTTPRoute as a post-install,post-upgrade hook: created
    without release marks and kept out of the manifest, by Helm and by modelservice alike;
    each upgrade replaces it; uninstall leaves it (and says so)."""
    package, _, case = HELM_FIRST["0.2.16"]
    kc, ns, values = cluster.kubeconfig, namespace, str(case / "values.yaml")
    ok(cli(kc, "install", "hk", "-n", ns, "-f", values, "--chart-version", "0.2.16"))
    route = hook_route(cluster, "hk", ns)
    assert route is not None
    assert route["annotations"] == {"helm.sh/hook": "post-install,post-upgrade"}
    manifest = helm_run(helm, kc, "get", "manifest", "hk", "-n", ns)
    assert "kind: HTTPRoute" not in manifest
    hooks = helm_run(helm, kc, "get", "hooks", "hk", "-n", ns)
    assert "kind: HTTPRoute" in hooks and "name: hk-llm-d-modelservice" in hooks
    helm_run(helm, kc, "upgrade", "hk", str(CHARTS / package), "-n", ns, "-f", values)
    after_helm = hook_route(cluster, "hk", ns)
    assert after_helm is not None and after_helm["uid"] != route["uid"]  # replaced by Helm
    ok(cli(kc, "upgrade", "hk", "-n", ns, "-f", values))
    after_ours = hook_route(cluster, "hk", ns)
    assert after_ours is not None and after_ours["uid"] != after_helm["uid"]
    gone = ok(cli(kc, "uninstall", "hk", "-n", ns))
    assert "left in place, as Helm leaves them" in gone.stderr
    assert hook_route(cluster, "hk", ns) is not None


@pytest.mark.parametrize("version", sorted(OURS_FIRST))
def test_modelservice_installs_a_version_helm_upgrades_it_unchanged(
    cluster: Any, namespace: str, helm: Path, version: str
) -> None:
    package, recorded, case = OURS_FIRST[version]
    chart, kc, ns = str(CHARTS / package), cluster.kubeconfig, namespace
    values = str(case / "values.yaml")
    ok(cli(kc, "install", "mx", "-n", ns, "-f", values, "--chart-version", version))
    listed = json.loads(helm_run(helm, kc, "list", "-n", ns, "-o", "json"))
    assert [(r["name"], r["chart"]) for r in listed] == [("mx", f"llm-d-modelservice-{recorded}")]
    templates = pod_templates(cluster, "mx", ns)
    assert templates

    helm_run(helm, kc, "upgrade", "mx", chart, "-n", ns, "-f", values)
    assert pod_templates(cluster, "mx", ns) == templates  # no pod-template change, no roll
    assert [h[:3] for h in helm_history(helm, kc, "mx", ns)] == [
        (1, "superseded", f"llm-d-modelservice-{recorded}"),
        (2, "deployed", f"llm-d-modelservice-{recorded}"),
    ]
    # helm upgrade --reuse-values over a revision of ours renders with the chart defaults
    # that revision recorded (as Helm records a chart's values.yaml)
    ok(cli(kc, "upgrade", "mx", "-n", ns, "-f", values))
    helm_run(helm, kc, "upgrade", "mx", chart, "-n", ns, "--reuse-values")
    assert pod_templates(cluster, "mx", ns) == templates
    again = cli(kc, "diff", "mx", "-n", ns, "-f", values)
    assert again.returncode == 0 and "no changes" in again.stderr, again.stdout + again.stderr


def test_default_mode_and_switches_are_said_and_other_charts_refused(
    cluster: Any, namespace: str, helm: Path, tmp_path: Path
) -> None:
    kc, ns = cluster.kubeconfig, namespace
    _, _, case = OURS_FIRST["0.4.9"]
    values = str(case / "values.yaml")
    ok(cli(kc, "install", "sw", "-n", ns, "-f", values, "--chart-version", "0.4.9"))
    switched = ok(cli(kc, "upgrade", "sw", "-n", ns, "-f", values, "--chart-version", "0.4"))
    assert (
        "upgrading as chart llm-d-modelservice v0.4.12: switching from chart "
        "llm-d-modelservice v0.4.9 (revision 1)" in switched.stderr
    )
    assert [h[2] for h in helm_history(helm, kc, "sw", ns)] == [
        "llm-d-modelservice-v0.4.9",
        "llm-d-modelservice-v0.4.12",
    ]

    sim = str(CASES / "example-vllm-sim" / "values.yaml")
    ok(cli(kc, "install", "dm", "-n", ns, "-f", sim))
    status = ok(cli(kc, "status", "dm", "-n", ns)).stdout
    assert "CHART: llm-d-modelservice-0.0.9 (modelservice's default mode)" in status

    tiny = tmp_path / "tiny"
    (tiny / "templates").mkdir(parents=True)
    (tiny / "Chart.yaml").write_text("apiVersion: v2\nname: tiny\nversion: 1.2.3\n")
    (tiny / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tiny\ndata:\n  a: b\n"
    )
    helm_run(helm, kc, "install", "other", str(tiny), "-n", ns)
    refused = cli(kc, "upgrade", "other", "-n", ns, "-f", sim, "--chart-version", "0.0.9")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "error: release 'other' was made from chart 'tiny' version '1.2.3'" in refused.stderr


def test_plan_cluster_at_a_chart_version(cluster: Any, namespace: str) -> None:
    values = str(OURS_FIRST["0.4.9"][2] / "values.yaml")
    args = ("plan", "p", "-n", namespace, "-f", values, "--chart-version", "0.4.9", "--cluster")
    fits = cli(cluster.kubeconfig, *args, "-o", "json")
    assert fits.returncode == 0, fits.stderr
    data = json.loads(fits.stdout)
    assert data["cluster"]["fits"] is True
    too_big = cli(cluster.kubeconfig, *args, "--set", "decode.replicas=100")
    assert too_big.returncode == 3, too_big.stdout + too_big.stderr
    assert "decode pods do not fit" in too_big.stdout
