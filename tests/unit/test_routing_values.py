"""Values keys this tool adds for routing and beyond: routing proxy options, InferencePool
name and v1 API, InferenceModel, HTTPRoute rules/timeouts, extraObjects, EPP options,
additivity, and the JSON Schema entries of every added key."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from modelservice.values.schema import values_schema
from tests.unit.helpers import (
    FULL,
    find,
    first,
    kinds,
    objects,
    paths,
    pod_spec,
    problem_at,
    values_error,
    vllm,
    workload,
)

COMMON = {
    "helm.sh/chart": "llm-d-modelservice-0.0.9",
    "app.kubernetes.io/version": "0.0.1",
    "app.kubernetes.io/managed-by": "Helm",
}
POOL_LABELS = {"llm-d.ai/inferenceServing": "true", "llm-d.ai/model": FULL}
EPP = f"{FULL}-epp"
V1 = "inference.networking.k8s.io/v1"
ALPHA = "inference.networking.x-k8s.io/v1alpha2"
V1_GROUP = "inference.networking.k8s.io"
READ = ["get", "watch", "list"]


def base(**extra: Any) -> dict[str, Any]:
    v: dict[str, Any] = {
        "modelArtifacts": {"uri": "hf://facebook/opt-125m"},
        "routing": {"modelName": "opt"},
        "decode": {"containers": [vllm()]},
        "prefill": {"containers": [vllm()]},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(v.get(key), dict):
            v[key] = {**v[key], **value}
        else:
            v[key] = value
    return v


def routing(**r: Any) -> dict[str, Any]:
    return base(routing={"modelName": "opt", **r})


def proxy_of(objs: list[dict[str, Any]]) -> dict[str, Any]:
    init = pod_spec(objs, "decode")["initContainers"]
    hits = [c for c in init if c["name"] == "routing-proxy"]
    assert len(hits) == 1
    return hits[0]


def epp_container(objs: list[dict[str, Any]]) -> dict[str, Any]:
    c: dict[str, Any] = find(objs, "Deployment", EPP)["spec"]["template"]["spec"]["containers"][0]
    return c


def port_arg(c: dict[str, Any]) -> str:
    args = c["args"]
    return str(args[args.index("--port") + 1])


# =========================================================================== routing proxy


def test_proxy_disabled_no_init_container_and_service_port() -> None:
    objs = objects(routing(servicePort=9000, proxy={"enabled": False}))
    assert "initContainers" not in pod_spec(objs, "decode")
    assert port_arg(first(objs, "decode")) == "9000"
    assert port_arg(first(objs, "prefill")) == "9000"


def test_proxy_disabled_keeps_user_init_containers() -> None:
    init = [{"name": "warm", "image": "busybox", "command": ["true"]}]
    objs = objects(
        base(
            routing={"modelName": "opt", "proxy": {"enabled": False}},
            decode={"containers": [vllm()], "initContainers": init},
        )
    )
    assert pod_spec(objs, "decode")["initContainers"] == init


def test_proxy_disabled_needs_no_image() -> None:
    objs = objects(routing(proxy={"enabled": False, "image": None}))
    assert port_arg(first(objs, "decode")) == "8000"


def test_proxy_enabled_without_image_is_error() -> None:
    err = values_error(routing(proxy={"image": None}))
    assert paths(err) == ["routing.proxy.image"]


def test_proxy_image_not_required_without_decode() -> None:
    objs = objects(
        base(routing={"modelName": "opt", "proxy": {"image": None}}, decode={"create": False})
    )
    assert workload(objs, "prefill")["kind"] == "Deployment"


def test_proxy_disabled_multinode_decode() -> None:
    objs = objects(base(multinode=True, routing={"modelName": "opt", "proxy": {"enabled": False}}))
    lwt = workload(objs, "decode")["spec"]["leaderWorkerTemplate"]
    for t in ("leaderTemplate", "workerTemplate"):
        if t in lwt:
            assert "initContainers" not in lwt[t]["spec"]
            c = lwt[t]["spec"]["containers"][0]
            assert port_arg(c) == "8000"


def test_proxy_default_args() -> None:
    p = proxy_of(objects(base()))
    assert p["args"] == ["--port=8000", "--vllm-port=8200", "--connector=nixlv2", "-v=5"]
    assert p["imagePullPolicy"] == "Always"


def test_proxy_all_options_order() -> None:
    objs = objects(
        routing(
            proxy={
                "image": "proxy:1",
                "connector": "lmcache",
                "imagePullPolicy": "Never",
                "secure": False,
                "prefillerUseTLS": True,
                "certPath": "/etc/tls",
                "extraArgs": ["--a=1", "--b"],
                "debugLevel": 2,
            }
        )
    )
    p = proxy_of(objs)
    assert p["args"] == [
        "--port=8000",
        "--vllm-port=8200",
        "--connector=lmcache",
        "-v=2",
        "--secure-proxy=false",
        "--prefiller-use-tls=true",
        "--cert-path=/etc/tls",
        "--a=1",
        "--b",
    ]
    assert p["imagePullPolicy"] == "Never"
    assert p["image"] == "proxy:1"


@pytest.mark.parametrize(
    ("opts", "extra"),
    [
        ({"secure": True}, ["--secure-proxy=true"]),
        ({"prefillerUseTLS": False}, ["--prefiller-use-tls=false"]),
        ({"certPath": "/c"}, ["--cert-path=/c"]),
        ({"extraArgs": ["--x"]}, ["--x"]),
        ({"connector": "sglang"}, []),
    ],
)
def test_proxy_single_options(opts: dict[str, Any], extra: list[str]) -> None:
    p = proxy_of(objects(routing(proxy=opts)))
    connector = opts.get("connector", "nixlv2")
    assert p["args"] == [
        "--port=8000",
        "--vllm-port=8200",
        f"--connector={connector}",
        "-v=5",
        *extra,
    ]


# =========================================================================== InferencePool


def test_pool_name_followed_by_epp_and_route() -> None:
    objs = objects(routing(inferencePool={"name": "my-pool"}))
    pool = find(objs, "InferencePool", "my-pool")
    assert pool["metadata"] == {"name": "my-pool", "namespace": "default"}
    args = epp_container(objs)["args"]
    assert args[args.index("--poolName") + 1] == "my-pool"
    route = find(objs, "HTTPRoute", FULL)
    assert route["spec"]["rules"][0]["backendRefs"] == [
        {
            "group": "inference.networking.x-k8s.io",
            "kind": "InferencePool",
            "name": "my-pool",
            "port": 8000,
            "weight": 1,
        }
    ]
    assert not [o for o in objs if o["kind"] == "InferencePool" and o["metadata"]["name"] == FULL]


def test_pool_name_overridden_by_epp_and_route_pool() -> None:
    objs = objects(
        routing(
            inferencePool={"name": "my-pool"},
            epp={"inferencePool": "epp-pool"},
            httpRoute={"inferencePool": "route-pool"},
        )
    )
    args = epp_container(objs)["args"]
    assert args[args.index("--poolName") + 1] == "epp-pool"
    ref = find(objs, "HTTPRoute", FULL)["spec"]["rules"][0]["backendRefs"][0]
    assert ref["name"] == "route-pool"
    find(objs, "InferencePool", "my-pool")


def test_pool_v1_spec() -> None:
    objs = objects(
        routing(servicePort=8080, inferencePool={"apiVersion": V1}, epp={"service": {"port": 9100}})
    )
    pool = find(objs, "InferencePool", FULL)
    assert pool == {
        "apiVersion": V1,
        "kind": "InferencePool",
        "metadata": {"name": FULL, "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": POOL_LABELS},
            "targetPorts": [{"number": 8080}],
            "endpointPickerRef": {
                "name": EPP,
                "port": {"number": 9100},
                "failureMode": "FailClose",
            },
        },
    }


def test_pool_v1_extension_ref_and_name() -> None:
    objs = objects(
        routing(inferencePool={"apiVersion": V1, "name": "p1", "extensionRef": "ext-epp"})
    )
    pool = find(objs, "InferencePool", "p1")
    assert pool["spec"]["endpointPickerRef"] == {
        "name": "ext-epp",
        "port": {"number": 9002},
        "failureMode": "FailClose",
    }


def test_pool_v1_multinode_selects_leaders() -> None:
    objs = objects(
        base(multinode=True, routing={"modelName": "opt", "inferencePool": {"apiVersion": V1}})
    )
    pool = find(objs, "InferencePool", FULL)
    assert pool["spec"]["selector"] == {
        "matchLabels": {**POOL_LABELS, "leaderworkerset.sigs.k8s.io/worker-index": "0"}
    }


def test_pool_v1_route_group_and_role_rule() -> None:
    objs = objects(routing(inferencePool={"apiVersion": V1}))
    ref = find(objs, "HTTPRoute", FULL)["spec"]["rules"][0]["backendRefs"][0]
    assert ref == {
        "group": "inference.networking.k8s.io",
        "kind": "InferencePool",
        "name": FULL,
        "port": 8000,
        "weight": 1,
    }
    # What the v1 picker watches: its pool, InferenceObjectives, pods (tests/unit/test_epp_v1.py)
    rules = find(objs, "Role", EPP)["rules"]
    assert {"apiGroups": [V1_GROUP], "resources": ["inferencepools"], "verbs": READ} in rules


def test_pool_v1alpha2_explicit_equals_default() -> None:
    assert objects(routing(inferencePool={"apiVersion": ALPHA})) == objects(base())


@pytest.mark.parametrize(
    "api", ["inference.networking.k8s.io/v1alpha2", "v1", "inference.networking.x-k8s.io/v1"]
)
def test_pool_bad_api_version_is_error(api: str) -> None:
    err = values_error(routing(inferencePool={"apiVersion": api}))
    assert paths(err) == ["routing.inferencePool.apiVersion"]


# =========================================================================== InferenceModel


def test_inference_model_defaults_and_order() -> None:
    objs = objects(routing(inferenceModel={"create": True}), namespace="llm")
    im = find(objs, "InferenceModel", FULL)
    assert im == {
        "apiVersion": ALPHA,
        "kind": "InferenceModel",
        "metadata": {"name": FULL, "namespace": "llm"},
        "spec": {"modelName": "opt", "criticality": "Critical", "poolRef": {"name": FULL}},
    }
    ks = kinds(objs)
    assert ks.index(f"InferenceModel/{FULL}") > ks.index(f"HTTPRoute/{FULL}")
    assert ks.index(f"InferenceModel/{FULL}") > ks.index(f"InferencePool/{FULL}")
    assert ks[-1] == f"InferenceModel/{FULL}"


def test_inference_model_custom() -> None:
    values = base(modelArtifacts={"uri": "hf://facebook/opt-125m", "name": "served/opt"})
    values["routing"] = {
        "inferencePool": {"name": "pool-x"},
        "inferenceModel": {"create": True, "name": "im", "criticality": "Sheddable"},
    }
    objs = objects(values)
    assert find(objs, "InferenceModel", "im")["spec"] == {
        "modelName": "served/opt",
        "criticality": "Sheddable",
        "poolRef": {"name": "pool-x"},
    }


def test_inference_model_not_created_by_default() -> None:
    assert not [o for o in objects(base()) if o["kind"] == "InferenceModel"]


def test_inference_model_bad_criticality() -> None:
    err = values_error(routing(inferenceModel={"create": True, "criticality": "critical"}))
    assert paths(err) == ["routing.inferenceModel.criticality"]


def test_inference_model_with_v1_pool_is_error() -> None:
    err = values_error(routing(inferencePool={"apiVersion": V1}, inferenceModel={"create": True}))
    assert paths(err) == ["routing.inferenceModel.create"]


def test_inference_model_create_false_with_v1_pool_ok() -> None:
    objs = objects(routing(inferencePool={"apiVersion": V1}, inferenceModel={"create": False}))
    assert not [o for o in objs if o["kind"] == "InferenceModel"]


# =========================================================================== HTTPRoute


RULES = [
    {
        "matches": [{"path": {"type": "PathPrefix", "value": "/v1"}}],
        "backendRefs": [{"group": "", "kind": "Service", "name": "svc-a", "port": 80}],
    },
    {
        "matches": [{"headers": [{"name": "x-model", "value": "b"}]}],
        "backendRefs": [{"kind": "Service", "name": "svc-b", "port": 81, "weight": 3}],
        "timeouts": {"request": "10s"},
    },
]


def test_httproute_rules_replace_all() -> None:
    objs = objects(routing(httpRoute={"rules": RULES}))
    route = find(objs, "HTTPRoute", FULL)
    assert route["spec"]["rules"] == RULES
    assert route["spec"]["parentRefs"] == [
        {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "inference-gateway"}
    ]


def test_httproute_rules_and_backend_refs_is_error() -> None:
    err = values_error(routing(httpRoute={"rules": RULES, "backendRefs": RULES[:1]}))
    assert paths(err) == ["routing.httpRoute.rules"]


def test_httproute_backend_refs_keeps_meaning() -> None:
    objs = objects(routing(httpRoute={"backendRefs": RULES[:1]}))
    assert find(objs, "HTTPRoute", FULL)["spec"]["rules"] == RULES[:1]


def test_httproute_timeouts_on_default_rule() -> None:
    objs = objects(routing(httpRoute={"timeouts": {"request": "60s", "backendRequest": "30s"}}))
    assert find(objs, "HTTPRoute", FULL)["spec"]["rules"] == [
        {
            "backendRefs": [
                {
                    "group": "inference.networking.x-k8s.io",
                    "kind": "InferencePool",
                    "name": FULL,
                    "port": 8000,
                    "weight": 1,
                }
            ],
            "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
            "timeouts": {"request": "60s", "backendRequest": "30s"},
        }
    ]


def test_httproute_timeouts_only_request() -> None:
    objs = objects(routing(httpRoute={"timeouts": {"request": "5m"}}))
    assert find(objs, "HTTPRoute", FULL)["spec"]["rules"][0]["timeouts"] == {"request": "5m"}


# =========================================================================== extraObjects


EXTRA = [
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm1"}, "data": {"k": "v"}},
    {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s1", "namespace": "other", "labels": {"a": "b"}},
        "type": "Opaque",
        "stringData": {"x": "y"},
    },
]


def test_extra_objects_rendered_last_exactly() -> None:
    before = copy.deepcopy(EXTRA)
    objs = objects(
        base(
            extraObjects=EXTRA,
            decode={"containers": [vllm()], "monitoring": {"podmonitor": {"enabled": True}}},
            routing={"modelName": "opt", "inferenceModel": {"create": True}},
        )
    )
    assert objs[-2:] == before
    assert kinds(objs)[-3] == f"PodMonitor/{FULL}-decode"
    assert before == EXTRA


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "ConfigMap", "metadata": {"name": "x"}},
        {"apiVersion": "v1", "metadata": {"name": "x"}},
        {"apiVersion": "v1", "kind": "ConfigMap"},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": ""}},
        "not-a-mapping",
        ["a", "list"],
    ],
)
def test_extra_objects_invalid_entry_names_index(bad: Any) -> None:
    err = values_error(base(extraObjects=[EXTRA[0], bad]))
    assert paths(err)
    assert all(p.startswith("extraObjects[1]") for p in paths(err)), paths(err)


def test_extra_object_same_as_rendered_is_error() -> None:
    clash = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": FULL}}
    err = values_error(base(extraObjects=[EXTRA[0], clash]))
    assert paths(err) == ["extraObjects[1]"]


def test_extra_object_same_as_rendered_explicit_namespace_is_error() -> None:
    clash = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": FULL, "namespace": "ns1"},
    }
    err = values_error(base(extraObjects=[clash]), namespace="ns1")
    assert paths(err) == ["extraObjects[0]"]


def test_extra_object_other_namespace_or_kind_is_fine() -> None:
    other_ns = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": FULL, "namespace": "x"},
    }
    other_kind = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": FULL}}
    objs = objects(base(extraObjects=[other_ns, other_kind]))
    assert objs[-2:] == [other_ns, other_kind]


# =========================================================================== EPP


def test_epp_options() -> None:
    res = {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}}
    tol = [{"key": "dedicated", "operator": "Equal", "value": "epp", "effect": "NoSchedule"}]
    objs = objects(
        routing(
            epp={
                "resources": res,
                "nodeSelector": {"pool": "cpu"},
                "tolerations": tol,
                "extraArgs": ["--foo", "bar"],
                "imagePullPolicy": "IfNotPresent",
            }
        )
    )
    spec = find(objs, "Deployment", EPP)["spec"]["template"]["spec"]
    c = spec["containers"][0]
    assert c["resources"] == res
    assert c["imagePullPolicy"] == "IfNotPresent"
    assert c["args"] == [
        "--poolName", FULL,
        "--poolNamespace", "default",
        "-v", "4",
        "--zap-encoder", "json",
        "--grpcPort", "9002",
        "--grpcHealthPort", "9003",
        "--foo", "bar",
    ]  # fmt: skip
    assert spec["nodeSelector"] == {"pool": "cpu"}
    assert spec["tolerations"] == tol


def test_epp_defaults() -> None:
    objs = objects(base())
    spec = find(objs, "Deployment", EPP)["spec"]["template"]["spec"]
    c = spec["containers"][0]
    assert c["imagePullPolicy"] == "Always"
    assert "resources" not in c
    assert "nodeSelector" not in spec and "tolerations" not in spec
    assert c["args"][-1] == "9003"


# =========================================================================== additivity


def test_additivity_explicit_defaults_change_nothing() -> None:
    plain = base()
    explicit = base(
        accelerator={"type": "nvidia"},
        routing={
            "modelName": "opt",
            "proxy": {"enabled": True, "connector": "nixlv2", "imagePullPolicy": "Always"},
            "inferencePool": {"apiVersion": ALPHA},
            "inferenceModel": {"create": False},
            "epp": {"imagePullPolicy": "Always"},
        },
        modelArtifacts={"uri": "hf://facebook/opt-125m", "mountPath": "/model-cache"},
        decode={"containers": [vllm()], "monitoring": {"podmonitor": {"enabled": False}}},
        extraObjects=[],
    )
    assert objects(explicit) == objects(plain)


def test_additivity_pvc_read_only_true_default() -> None:
    plain = base(modelArtifacts={"uri": "pvc://c/m"})
    explicit = base(modelArtifacts={"uri": "pvc://c/m", "readOnly": True})
    assert objects(explicit) == objects(plain)


def test_additivity_defaults_file_release() -> None:
    assert objects({}) == objects(
        {"accelerator": {"type": "nvidia"}, "routing": {"proxy": {"enabled": True}}}
    )


# =========================================================================== schema


NEW_KEYS = [
    "accelerator",
    "accelerator.type",
    "accelerator.resources",
    "accelerator.env",
    "schedulerName",
    "serviceAccountOverride",
    "extraObjects",
    "modelArtifacts.name",
    "modelArtifacts.mountPath",
    "modelArtifacts.readOnly",
    "routing.proxy.enabled",
    "routing.proxy.connector",
    "routing.proxy.imagePullPolicy",
    "routing.proxy.secure",
    "routing.proxy.prefillerUseTLS",
    "routing.proxy.certPath",
    "routing.proxy.extraArgs",
    "routing.inferencePool.name",
    "routing.inferencePool.apiVersion",
    "routing.inferenceModel",
    "routing.inferenceModel.create",
    "routing.inferenceModel.name",
    "routing.inferenceModel.criticality",
    "routing.httpRoute.rules",
    "routing.httpRoute.timeouts",
    "routing.httpRoute.timeouts.request",
    "routing.httpRoute.timeouts.backendRequest",
    "routing.epp.resources",
    "routing.epp.nodeSelector",
    "routing.epp.tolerations",
    "routing.epp.extraArgs",
    "routing.epp.imagePullPolicy",
]
ROLE_KEYS = [
    "accelerator",
    "accelerator.type",
    "parallelism.workers",
    "annotations",
    "podAnnotations",
    "podLabels",
    "nodeSelector",
    "tolerations",
    "priorityClassName",
    "runtimeClassName",
    "terminationGracePeriodSeconds",
    "enableServiceLinks",
    "hostIPC",
    "hostPID",
    "schedulerName",
    "affinity",
    "initContainers",
    "strategy",
    "subGroupPolicy",
    "startupPolicy",
    "monitoring",
    "monitoring.podmonitor",
    "monitoring.podmonitor.enabled",
    "monitoring.podmonitor.portName",
    "monitoring.podmonitor.path",
    "monitoring.podmonitor.interval",
    "monitoring.podmonitor.labels",
    "monitoring.podmonitor.annotations",
    "containers[].startupProbe",
    "containers[].lifecycle",
    "containers[].envFrom",
]


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _lookup(path: str) -> tuple[dict[str, Any], str]:
    """The schema node at a dotted path, and the description found at that property
    (the description may sit beside a ``$ref``)."""
    root = values_schema()
    node: dict[str, Any] = root
    desc = ""
    for part in path.split("."):
        node = _resolve(node, root)
        many = part.endswith("[]")
        key = part[:-2] if many else part
        props = node.get("properties", {})
        assert key in props, f"{path}: {key!r} missing from schema (have {sorted(props)})"
        prop = props[key]
        desc = prop.get("description") or _resolve(prop, root).get("description", "")
        node = prop
        if many:
            node = _resolve(node, root)["items"]
    return node, desc


@pytest.mark.parametrize(
    "path", NEW_KEYS + [f"{r}.{k}" for r in ("decode", "prefill") for k in ROLE_KEYS]
)
def test_schema_has_new_key_with_description(path: str) -> None:
    _, desc = _lookup(path)
    assert isinstance(desc, str) and desc.strip(), f"{path} has no description"


def test_schema_api_version_and_criticality_enums() -> None:
    node, _ = _lookup("routing.inferencePool.apiVersion")
    assert set(_resolve(node, values_schema())["enum"]) == {ALPHA, V1}
    node, _ = _lookup("routing.inferenceModel.criticality")
    assert set(_resolve(node, values_schema())["enum"]) == {"Critical", "Standard", "Sheddable"}


@pytest.mark.parametrize(
    ("values", "path", "hint"),
    [
        ({"decode": {"podLabel": {"a": "b"}}}, "decode.podLabel", "podLabels"),
        ({"prefill": {"podAnnotation": {"a": "b"}}}, "prefill.podAnnotation", "podAnnotations"),
        ({"routing": {"proxy": {"conector": "x"}}}, "routing.proxy.conector", "connector"),
        ({"modelArtifacts": {"mountpath": "/x"}}, "modelArtifacts.mountpath", "mountPath"),
        ({"extraObject": []}, "extraObject", "extraObjects"),
        ({"routing": {"inferenceModels": {}}}, "routing.inferenceModels", "inferenceModel"),
        ({"decode": {"parallelism": {"worker": 2}}}, "decode.parallelism.worker", "workers"),
    ],
)
def test_misspelled_new_key_is_unknown_with_hint(
    values: dict[str, Any], path: str, hint: str
) -> None:
    err = values_error(values)
    p = problem_at(err, path)
    assert "unknown key" in p.message
    assert f"did you mean {hint!r}" in p.message


def test_extra_object_clash_namespace_written_equal_to_release_namespace() -> None:
    clash = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": EPP, "namespace": "team"},
    }
    err = values_error(base(extraObjects=[clash]), namespace="team")
    assert paths(err) == ["extraObjects[0]"]


def test_extra_object_clash_with_pod_monitor() -> None:
    clash = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": f"{FULL}-decode"},
    }
    values = base(extraObjects=[clash])
    values["decode"]["monitoring"] = {"podmonitor": {"enabled": True}}
    err = values_error(values)
    assert paths(err) == ["extraObjects[0]"]
