"""Every object the renderer produces validates against Kubernetes' own schemas.

Built-in kinds are checked with ``kubernetes_validate`` in strict mode (unknown fields
fail); custom resources with ``jsonschema`` against the openAPIV3Schema of the matching
version of the real CRDs in ``../shared/crds``, plus a pruning check: every key must be a
property the CRD declares (unless the schema preserves unknown fields), because the API
server would silently drop it. The conformance cases' renderings and a few synthetic
values are covered; the expected outputs themselves are checked too, which keeps the
checker honest (it must accept what the reference produced).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate import utils as kv_utils

import modelservice
from tests.unit.helpers import CASES_DIR, CRDS_DIR, VLLM, vllm


def api_render(values: Any, *, release: str, namespace: str = "default") -> list[dict[str, Any]]:
    """The public API, as users call it: ``modelservice.render``."""
    objs: list[dict[str, Any]] = modelservice.render(values, release=release, namespace=namespace)
    return objs


def _k8s_version() -> str:
    """The newest 1.3x Kubernetes version kubernetes-validate ships."""
    versions = [v for v in kv_utils.all_versions() if re.match(r"^1\.3\d(\.|$)", v)]
    assert versions, kv_utils.all_versions()
    return kv_utils.major_minor(versions[-1])


K8S_VERSION = _k8s_version()

CR_KINDS = {
    ("inference.networking.x-k8s.io/v1alpha2", "InferencePool"),
    ("inference.networking.k8s.io/v1", "InferencePool"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"),
    ("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet"),
    ("inference.networking.x-k8s.io/v1alpha2", "InferenceModel"),
    ("monitoring.coreos.com/v1", "PodMonitor"),
}
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
CR_METADATA_KEYS = {"name", "namespace", "labels", "annotations"}


# --------------------------------------------------------------------------- CRD schemas


@lru_cache(maxsize=1)
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) → openAPIV3Schema, for every served version of every CRD."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(CRDS_DIR.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text("utf-8")):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            group = doc["spec"]["group"]
            kind = doc["spec"]["names"]["kind"]
            for version in doc["spec"]["versions"]:
                if version.get("served"):
                    schema = version["schema"]["openAPIV3Schema"]
                    out[(f"{group}/{version['name']}", kind)] = schema
    return out


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def unknown_fields(value: Any, schema: dict[str, Any], path: str) -> Iterator[str]:
    """Keys the API server would prune: not among the schema's properties, where the schema
    lists properties and does not preserve unknown fields."""
    preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if props is not None and key in props:
                yield from unknown_fields(item, props[key], _join(path, key))
            elif isinstance(extra, dict):
                yield from unknown_fields(item, extra, _join(path, key))
            elif props is not None and not preserve and extra is not True:
                yield _join(path, key)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            yield from unknown_fields(item, schema["items"], f"{path}[{i}]")


def check_custom_resource(obj: dict[str, Any]) -> list[str]:
    key = (obj["apiVersion"], obj["kind"])
    schema = crd_schemas().get(key)
    if schema is None:
        return [f"no CRD serves {key}"]
    problems = [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(obj)
    ]
    problems += [
        f"{p}: unknown field (pruned by the API server)" for p in unknown_fields(obj, schema, "")
    ]
    meta = obj.get("metadata", {})
    problems += [f"metadata.{k}: unknown field" for k in meta if k not in CR_METADATA_KEYS]
    return problems


@cache
def _builtin_validator(api_version: str, kind: str) -> jsonschema.Draft202012Validator | None:
    """kubernetes-validate's strict schema for one kind, compiled once (the library itself
    re-reads its definitions file on every call, which is too slow for hundreds of objects).
    """
    from referencing import Registry, Resource

    schema_dir = f"kubernetes-json-schema/v{_full_version()}-local-strict"
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = kv_utils.schema_contents(f"{schema_dir}/{kind.lower()}-{group}.json", K8S_VERSION)
    except FileNotFoundError:
        return None
    defs = kv_utils.schema_contents(f"{schema_dir}/_definitions.json", K8S_VERSION)
    registry: Registry[Any] = Resource.from_contents(defs) @ (
        Resource.from_contents(schema) @ Registry()
    )
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _full_version() -> str:
    return [v for v in kv_utils.all_versions() if kv_utils.major_minor(v) == K8S_VERSION][-1]


def check_builtin(obj: dict[str, Any]) -> list[str]:
    validator = _builtin_validator(obj["apiVersion"], obj["kind"])
    if validator is None:
        return [f"kubernetes-validate has no schema for {obj['apiVersion']} {obj['kind']}"]
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)
    ]


def _pod_specs(obj: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    spec = obj.get("spec", {})
    if obj["kind"] == "Deployment":
        yield "template", spec["template"]["spec"]
    elif obj["kind"] == "LeaderWorkerSet":
        for t in ("leaderTemplate", "workerTemplate"):
            if t in spec["leaderWorkerTemplate"]:
                yield t, spec["leaderWorkerTemplate"][t]["spec"]


def check_api_server_rules(obj: dict[str, Any]) -> list[str]:
    """Rules the API server enforces beyond the OpenAPI schema: names, label values, and
    pod-level uniqueness and references."""
    problems: list[str] = []
    meta = obj["metadata"]
    name = meta["name"]
    if not DNS1123_SUBDOMAIN.match(name) or len(name) > 253:
        problems.append(f"metadata.name {name!r} is not a DNS-1123 subdomain")
    if obj["kind"] == "Service" and (not DNS1035_LABEL.match(name) or len(name) > 63):
        problems.append(f"Service name {name!r} is not a DNS-1035 label")
    if obj["kind"] in ("Deployment", "LeaderWorkerSet") and len(name) > 63:
        problems.append(f"{obj['kind']} name {name!r} longer than 63")
    if "namespace" in meta and not DNS1123_LABEL.match(meta["namespace"]):
        problems.append(f"namespace {meta['namespace']!r} invalid")
    for k, v in (meta.get("labels") or {}).items():
        if not isinstance(v, str) or len(v) > 63 or not LABEL_VALUE.match(v):
            problems.append(f"label {k}={v!r} is not a valid label value")
    for where, pod in _pod_specs(obj):
        all_containers = pod.get("initContainers", []) + pod["containers"]
        names = [c["name"] for c in all_containers]
        if len(names) != len(set(names)):
            problems.append(f"{where}: duplicate container names {names}")
        volumes = [v["name"] for v in pod.get("volumes", [])]
        if len(volumes) != len(set(volumes)):
            problems.append(f"{where}: duplicate volume names {volumes}")
        for c in all_containers:
            if not DNS1123_LABEL.match(c["name"]):
                problems.append(f"{where}: container name {c['name']!r} invalid")
            for m in c.get("volumeMounts", []):
                if m["name"] not in volumes:
                    problems.append(f"{where}: {c['name']} mounts unknown volume {m['name']!r}")
            for side in ("limits", "requests"):
                for res, qty in (c.get("resources", {}).get(side) or {}).items():
                    if not isinstance(qty, str | int) or isinstance(qty, bool):
                        problems.append(f"{where}: {c['name']} {side}.{res}={qty!r}")
            gpu = c.get("resources", {})
            lim = (gpu.get("limits") or {}).get("nvidia.com/gpu")
            req = (gpu.get("requests") or {}).get("nvidia.com/gpu")
            if (lim is None) != (req is None) or (lim is not None and str(lim) != str(req)):
                problems.append(f"{where}: {c['name']} GPU limits {lim!r} != requests {req!r}")
    return problems


def check_object(obj: dict[str, Any]) -> list[str]:
    assert isinstance(obj, dict)
    assert obj.get("apiVersion") and obj.get("kind") and obj.get("metadata", {}).get("name")
    key = (obj["apiVersion"], obj["kind"])
    problems = check_custom_resource(obj) if key in CR_KINDS else check_builtin(obj)
    return problems + check_api_server_rules(obj)


def assert_all_valid(objs: list[dict[str, Any]]) -> None:
    assert objs, "nothing rendered"
    report = []
    for obj in objs:
        for p in check_object(obj):
            report.append(f"{obj['kind']}/{obj['metadata']['name']}: {p}")
    assert not report, "\n".join(report)


# --------------------------------------------------------------------------- the checker itself


def test_crd_schemas_cover_every_custom_kind() -> None:
    assert set(crd_schemas()) >= CR_KINDS


def test_checker_rejects_unknown_builtin_field() -> None:
    obj = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "a"}, "bogus": 1}
    assert check_object(obj)


def test_checker_rejects_unknown_cr_field_and_bad_type() -> None:
    pool = {
        "apiVersion": "inference.networking.x-k8s.io/v1alpha2",
        "kind": "InferencePool",
        "metadata": {"name": "p"},
        "spec": {
            "extensionRef": {"name": "epp"},
            "selector": {"a": "b"},
            "targetPortNumber": 8000,
        },
    }
    assert check_object(pool) == []
    pool["spec"]["unknownField"] = 1
    assert check_object(pool) == ["spec.unknownField: unknown field (pruned by the API server)"]
    del pool["spec"]["unknownField"]
    pool["spec"]["targetPortNumber"] = "8000"
    assert check_object(pool)


def test_cached_validator_agrees_with_kubernetes_validate() -> None:
    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "a"}}
    kubernetes_validate.validate(sa, K8S_VERSION, strict=True)
    assert check_builtin(sa) == []
    bad = {**sa, "bogus": 1}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)
    assert check_builtin(bad)
    deployment = next(o for o in api_render({}, release="rel") if o["kind"] == "Deployment")
    kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)
    assert check_builtin(deployment) == []


def test_checker_rejects_api_server_rule_violations() -> None:
    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "Bad_Name"}}
    assert check_object(sa)


# --------------------------------------------------------------------------- conformance cases


#: Shared expected outputs that themselves break a CRD schema (reported upstream).
EXPECTED_DATA_ISSUES: dict[str, str] = {}


def _case_dirs() -> list[Any]:
    assert CASES_DIR.is_dir(), f"conformance cases not found at {CASES_DIR}"
    params = []
    for d in sorted(p for p in CASES_DIR.iterdir() if (p / "expected.yaml").is_file()):
        marks = []
        if d.name in EXPECTED_DATA_ISSUES:
            # The renderer follows the conformance case (and the issue text) here.
            marks.append(pytest.mark.xfail(strict=True, reason=EXPECTED_DATA_ISSUES[d.name]))
        params.append(pytest.param(d, id=d.name, marks=marks))
    assert len(params) >= 20
    return params


def _render_case(case_dir: Path) -> list[dict[str, Any]]:
    case = yaml.safe_load((case_dir / "case.yaml").read_text("utf-8"))
    files = [str(case_dir / f) for f in case.get("values", ["values.yaml"])]
    values = modelservice.load_values(files, case.get("set", []))
    return api_render(values, release=case["release"], namespace=case["namespace"])


@pytest.mark.parametrize("case_dir", _case_dirs())
def test_conformance_rendering_validates(case_dir: Path) -> None:
    assert_all_valid(_render_case(case_dir))


def _expected_dirs() -> list[Any]:
    return [
        pytest.param(
            d,
            id=d.name,
            marks=[pytest.mark.xfail(strict=True, reason=EXPECTED_DATA_ISSUES[d.name])]
            if d.name in EXPECTED_DATA_ISSUES
            else [],
        )
        for d in sorted(p for p in CASES_DIR.iterdir() if (p / "expected.yaml").is_file())
    ]


@pytest.mark.parametrize("case_dir", _expected_dirs())
def test_conformance_expected_output_validates(case_dir: Path) -> None:
    docs = [d for d in yaml.safe_load_all((case_dir / "expected.yaml").read_text("utf-8")) if d]
    assert_all_valid(docs)


# --------------------------------------------------------------------------- synthetic values

SYNTHETIC: dict[str, dict[str, Any]] = {
    "multinode": {
        "multinode": True,
        "modelArtifacts": {"uri": "hf://deepseek-ai/DeepSeek-R1", "authSecretName": "hf"},
        "routing": {"modelName": "ds"},
        "decode": {
            "replicas": 2,
            "parallelism": {"tensor": 2, "data": 8, "dataLocal": 4},
            "acceleratorTypes": {"labelKey": "gpu.nvidia.com/model", "labelValues": ["H200"]},
            "containers": [
                vllm(
                    args=["--enable-expert-parallel"],
                    resources={"limits": {"memory": "1Ti", "rdma/ib": 1}, "requests": {"cpu": 64}},
                    ports=[{"containerPort": 8200, "name": "http", "protocol": "TCP"}],
                )
            ],
        },
        "prefill": {
            "autoscaling": {"enabled": True},
            "parallelism": {"data": 4, "dataLocal": 4},
            "containers": [vllm(modelCommand="imageDefault")],
        },
    },
    "pvc": {
        "modelArtifacts": {"uri": "pvc://model-pvc/models/llama", "authSecretName": "tok"},
        "routing": {
            "modelName": "llama",
            "servicePort": 8080,
            "proxy": {"targetPort": 8001},
            "epp": {"service": {"permissions": "existing-role"}},
        },
        "decode": {
            "replicas": 0,
            "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "2Gi"}}],
            "imagePullSecrets": [{"name": "pull"}],
            "podSecurityContext": {"runAsUser": 1000, "fsGroup": 2000},
            "containers": [
                vllm(
                    env=[
                        {"name": "A", "value": "1"},
                        {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                    ],
                    volumeMounts=[{"name": "dshm", "mountPath": "/dev/shm"}],
                    livenessProbe={
                        "httpGet": {"path": "/health", "port": 8001},
                        "periodSeconds": 5,
                    },
                    readinessProbe={"tcpSocket": {"port": 8001}},
                    securityContext={"allowPrivilegeEscalation": False},
                    imagePullPolicy="IfNotPresent",
                    workingDir="/w",
                    stdin=True,
                    tty=True,
                ),
                {"name": "sidecar", "image": "busybox:1", "command": ["sleep", "infinity"]},
            ],
        },
        "prefill": {
            "containers": [vllm(modelCommand="custom", command=["/bin/sh", "-c"], args=["x"])]
        },
    },
    "oci": {
        "modelArtifacts": {"uri": "oci://quay.io/org/model:1.0"},
        "routing": {
            "parentRefs": [{"name": "gw", "namespace": "infra", "sectionName": "http"}],
            "httpRoute": {"matches": [{"path": {"type": "PathPrefix", "value": "/v1"}}]},
        },
        "decode": {"containers": [vllm()]},
        "prefill": {"create": False},
    },
    "backend-refs-no-epp": {
        "fullnameOverride": "svc",
        "routing": {
            "epp": {"create": False},
            "inferencePool": {"extensionRef": "external-epp"},
            "httpRoute": {
                "backendRefs": [
                    {
                        "backendRefs": [
                            {
                                "group": "inference.networking.x-k8s.io",
                                "kind": "InferencePool",
                                "name": "svc",
                                "port": 8000,
                            }
                        ],
                        "matches": [{"headers": [{"name": "x-model", "value": "a"}]}],
                    }
                ]
            },
        },
        "decode": {"containers": [vllm(image=VLLM)]},
    },
}


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_synthetic_rendering_validates(name: str) -> None:
    objs = api_render(SYNTHETIC[name], release="synthetic", namespace="llm-d")
    assert_all_valid(objs)


def test_synthetic_multinode_has_custom_resources() -> None:
    objs = api_render(SYNTHETIC["multinode"], release="synthetic", namespace="llm-d")
    assert sorted({o["kind"] for o in objs}) == [
        "Deployment",
        "HTTPRoute",
        "InferencePool",
        "LeaderWorkerSet",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
    ]


def test_long_names_stay_valid() -> None:
    objs = api_render({}, release="r" * 53, namespace="default")
    assert_all_valid(objs)
