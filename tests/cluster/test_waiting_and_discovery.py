"""Waiting by watching and discovery cached between runs, against the real API server: what
a lifecycle command asks the server is counted, so a poll or a repeated lookup shows."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import modelservice
from modelservice.cluster.errors import KindNotServed

pytestmark = pytest.mark.cluster

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CRD_GROUP = "speed.modelservice.test"


def widget_crd(plural: str) -> dict[str, Any]:
    kind = plural.capitalize()[:-1]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{CRD_GROUP}"},
        "spec": {
            "group": CRD_GROUP,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


def established(api: modelservice.Cluster, name: str) -> bool:
    crd = api.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", name) or {}
    conds = (crd.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conds)


def test_discovery_is_cached_between_connections_and_refreshed_when_stale(
    cluster: Any, namespace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    admin = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)
    plural = f"widgets{int(time.time() * 1000) % 100000}"
    crd = widget_crd(plural)
    admin.apply(crd)
    deadline = time.monotonic() + 30
    while not established(admin, crd["metadata"]["name"]):
        assert time.monotonic() < deadline, "the CRD did not become established"
        time.sleep(0.2)
    kind = crd["spec"]["names"]["kind"]
    api_version = f"{CRD_GROUP}/v1"
    widget = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": "w", "namespace": namespace},
    }

    first = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)
    first.create(widget)
    assert first.requests >= 2  # discovery asked (server version, the groups), then the create
    assert list((tmp_path / "modelservice" / "discovery").iterdir()), "nothing cached"

    second = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)
    assert second.get(api_version, kind, "w") is not None
    assert second.get("apps/v1", "Deployment", "none") is None
    assert second.requests == 2  # the two GETs: no discovery at all

    admin.delete("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd["metadata"]["name"])
    deadline = time.monotonic() + 30
    while admin.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd["metadata"]["name"]):
        assert time.monotonic() < deadline, "the CRD was not removed"
        time.sleep(0.2)
    third = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)
    # the cache still lists the kind; the server's 404 for its path refreshes discovery,
    # and the answer is the plain "not served" error, not a missing object
    with pytest.raises(KindNotServed):
        third.get(api_version, kind, "w")
    fourth = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)
    with pytest.raises(KindNotServed):
        fourth.resource_type(api_version, kind)


def test_install_wait_watches_instead_of_polling(cluster: Any, namespace: str) -> None:
    """Waiting adds at most one watch per workload to an install's requests, whatever the
    time it takes (a poll reads every object each second); uninstall --wait adds none when
    the API server removes the objects at once."""
    vals = modelservice.load_values(files=[str(EXAMPLES / "simulator.yaml")])
    plain = modelservice.Release("plain", namespace=namespace, kubeconfig=cluster.kubeconfig)
    plain.install(vals)
    without_wait = plain.cluster.requests

    waited = modelservice.Release("waited", namespace=namespace, kubeconfig=cluster.kubeconfig)
    seen: list[int] = []
    waited.install(vals, wait=True, timeout=120, progress=lambda s: seen.append(len(s)))
    workloads = sum(
        1 for o in modelservice.render(vals, release="waited", namespace=namespace)
        if o["kind"] == "Deployment"
    )  # fmt: skip
    assert seen, "progress was reported"
    assert without_wait <= waited.cluster.requests <= without_wait + workloads
    status = waited.status()
    assert status.ready

    plain.cluster.requests = waited.cluster.requests = 0
    plain.uninstall()
    waited.uninstall(wait=True, timeout=60)
    assert waited.cluster.requests == plain.cluster.requests
    assert waited.history() == []


def test_a_watch_closed_from_another_thread_reads_nothing_after(
    cluster: Any, namespace: str, tmp_path: Path
) -> None:
    """``--wait`` closes its watches from the waiting thread while their own threads read.
    Closing a connection's socket under a reading thread frees its descriptor, the next file
    or connection opened takes that number, and the reader's TLS layer, woken by the
    server's next event, reads its five-byte record header from it: values files lost their
    first bytes ('did not find expected <document start>') and other connections failed
    with 'bad record mac'. A closed watch must stop reading without handing its descriptor
    to anyone while it still might."""
    import threading

    api = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": {"name": "watched", "namespace": namespace}, "data": {"n": "0"}}  # fmt: skip
    payload = b"# values\n" + b"x: 1\n" * 200
    victim = tmp_path / "values.yaml"
    victim.write_bytes(payload)
    for round_ in range(5):
        live = api.apply(cm)
        version = str(live["metadata"]["resourceVersion"])
        stream = api.watch("v1", "ConfigMap", name="watched", namespace=namespace,
                           resource_version=version, timeout=30)  # fmt: skip
        reader = threading.Thread(target=lambda s=stream: [t for t, _ in s])
        reader.start()
        time.sleep(0.3)  # the reader is blocked on the socket, waiting for an event
        stream.close()
        with open(victim, "rb") as held:  # may take the watch's descriptor number
            cm["data"] = {"n": str(round_ + 1)}
            api.apply(cm)  # an event on the watch's connection, had it stayed open
            time.sleep(0.3)
            assert held.read() == payload, f"round {round_}: the closed watch read the file"
        reader.join(timeout=30)
        assert not reader.is_alive()
