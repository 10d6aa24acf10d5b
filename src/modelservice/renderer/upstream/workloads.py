"""The model-serving workloads of an upstream release: Deployments, LeaderWorkerSets, the
requester ReplicaSet, the pods' ServiceAccount, PodMonitors, ResourceClaimTemplates and
the user's extra objects."""

from __future__ import annotations

from modelservice.datatree import copy_tree
from modelservice.renderer.upstream import pods
from modelservice.renderer.upstream.context import Ctx, Obj, fail
from modelservice.renderer.upstream.gosem import (
    default,
    get,
    go_str,
    has_key,
    printed,
    quote,
    truthy,
)
from modelservice.renderer.upstream.tplvalues import tpl_data

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

EXCLUSIVE_TOPOLOGY = "leaderworkerset.sigs.k8s.io/subgroup-exclusive-topology"


def _replicas(ctx: Ctx, own: Obj) -> Any:
    if ctx.b.replicas_hashkey:
        return printed(own["replicas"]) if "replicas" in own else 1
    return printed(default(1, own.get("replicas")))


def _annotations(ctx: Ctx, role: str, own: Obj) -> Obj | None:
    """Workload annotations: the role's own and, from 0.3.17, the accelerator warning."""
    out: Obj = {}
    if ctx.b.deployment_annotations and truthy(own.get("annotations")):
        _update(out, own["annotations"], f"{role}.annotations")
    warning = pods.accelerator_warning(ctx, role) if ctx.b.accelerator_warning else ""
    if warning:
        out["llm-d.ai/accelerator-warning"] = warning
    return out or None


def _update(out: Obj, block: Any, path: str) -> None:
    if not isinstance(block, dict):
        raise fail(path, "must be a map")
    out.update(copy_tree(block))


def _pod_annotations(ctx: Ctx, role: str, own: Obj) -> Obj | None:
    key = ctx.b.pod_annotations_key
    if key and truthy(own.get(key)):
        out: Obj = {}
        _update(out, own[key], f"{role}.{key}")
        return out
    return None


def _init_containers_wanted(ctx: Ctx, own: Obj) -> bool:
    mode = ctx.b.init_containers
    if mode == "haskey":
        return "initContainers" in own
    if mode == "truthy":
        return truthy(own.get("initContainers"))
    return False


def _user_init(own: Obj) -> list[Any]:
    items = own.get("initContainers")
    if not truthy(items):
        return []
    return copy_tree(items) if isinstance(items, list) else [items]


def _init_containers(ctx: Ctx, role: str, own: Obj, *, lws: bool) -> list[Any] | bool | None:
    """The pod's ``initContainers``: the proxy (decode) and the role's own. ``False`` means
    the chart writes no ``initContainers`` key at all."""
    b = ctx.b
    if role == "decode":
        if b.proxy_in_init_list:
            enabled = ctx.v("routing", "proxy", "enabled")
            if not (_init_containers_wanted(ctx, own) or enabled is True):
                return False
            proxy = pods.routing_proxy(ctx)
            user = _user_init(own) if _init_containers_wanted(ctx, own) else []
            if lws and b.lws_init_containers_indent_bug and proxy is not None and user:
                raise fail(
                    "decode.initContainers",
                    f"chart {ctx.chart.version} indents decode init containers under the "
                    "routing proxy in a LeaderWorkerSet, which is invalid YAML (helm refuses "
                    "it; fixed in 0.4.9)",
                )
            items = ([proxy] if proxy is not None else []) + user
            return items or None
        if not truthy(ctx.v("routing")):
            return False
        proxy = pods.routing_proxy(ctx)
        return [proxy] if proxy is not None else False
    if _init_containers_wanted(ctx, own):
        return _user_init(own) or None
    return False


def _pod_extras(ctx: Ctx, own: Obj, spec: Obj) -> None:
    if ctx.b.pod_spec_extras:
        for key in ("enableServiceLinks", "terminationGracePeriodSeconds"):
            if key in own:
                spec[key] = printed(own[key])


def _tolerations(ctx: Ctx, own: Obj, spec: Obj) -> None:
    if ctx.b.tolerations and truthy(own.get("tolerations")):
        spec["tolerations"] = copy_tree(own["tolerations"])


def _node_selector(ctx: Ctx, own: Obj, spec: Obj, *, enabled: bool) -> None:
    if enabled and truthy(own.get("nodeSelector")):
        spec["nodeSelector"] = copy_tree(own["nodeSelector"])


def deployment(ctx: Ctx, role: str, pd_spec: Obj) -> Obj:
    own = ctx.role(role)
    b = ctx.b
    meta: Obj = {"name": printed(ctx.role_name(role)), "labels": ctx.common_labels()}
    annotations = _annotations(ctx, role, own)
    if annotations:
        meta["annotations"] = annotations
    spec: Obj = {"replicas": _replicas(ctx, own)}
    if b.strategy and truthy(own.get("strategy")):
        spec["strategy"] = copy_tree(own["strategy"])
    spec["selector"] = {"matchLabels": ctx.role_labels(role)}
    template_meta: Obj = {"labels": ctx.role_labels(role)}
    pod_annotations = _pod_annotations(ctx, role, own)
    if pod_annotations:
        template_meta["annotations"] = pod_annotations
    pod: Obj = {}
    if role == "decode":
        _node_selector(ctx, own, pod, enabled=b.node_selector_deployment)
    init = _init_containers(ctx, role, own, lws=False)
    if init is not False:
        pod["initContainers"] = init
    _pod_extras(ctx, own, pod)
    pods.model_pod(ctx, role, pd_spec, pod)
    if role == "prefill":
        _node_selector(ctx, own, pod, enabled=b.node_selector_deployment)
    items = pods.containers(ctx, role, pd_spec)
    if items is not None:
        pod["containers"] = items
    _tolerations(ctx, own, pod)
    spec["template"] = {"metadata": template_meta, "spec": pod}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}


def leader_worker_set(ctx: Ctx, role: str, pd_spec: Obj) -> Obj:
    own = ctx.role(role)
    b = ctx.b
    par = own.get("parallelism")
    labels = {**ctx.common_labels(), **ctx.role_labels(role)}
    meta: Obj = {"name": printed(ctx.role_name(role)), "labels": labels}
    annotations = _lws_annotations(ctx, role, own)
    if annotations is not False:
        meta["annotations"] = annotations
    spec: Obj = {}
    autoscaling = own.get("autoscaling")
    if not isinstance(autoscaling, dict):
        raise fail(
            f"{role}.autoscaling",
            f"chart {ctx.chart.version} reads {role}.autoscaling.enabled in multinode and "
            'fails when autoscaling is not a map ("nil pointer evaluating interface '
            '{}.enabled"); set autoscaling: {enabled: false}',
        )
    if not truthy(autoscaling.get("enabled")):
        spec["replicas"] = _replicas(ctx, own)
    lwt: Obj = {"size": _lws_size(ctx, role, par)}
    if b.lws_subgroup == "default8":
        lwt["subGroupPolicy"] = (
            copy_tree(own["subGroupPolicy"])
            if truthy(own.get("subGroupPolicy"))
            else {"subGroupSize": 8}
        )
    elif b.lws_subgroup == "user" and truthy(own.get("subGroupPolicy")):
        lwt["subGroupPolicy"] = copy_tree(own["subGroupPolicy"])
    if b.lws_leader_template:
        if role == "decode":
            leader: Obj = {}
            init = _init_containers(ctx, role, own, lws=True)
            if init is not False:
                leader["initContainers"] = init
            pods.model_pod(ctx, role, pd_spec, leader)
            items = pods.containers(ctx, role, pd_spec)
            if items is not None:
                leader["containers"] = items
            lwt["leaderTemplate"] = {"metadata": {"labels": ctx.role_labels(role)}, "spec": leader}
        worker: Obj = {}
        pods.model_pod(ctx, role, pd_spec, worker)
        items = pods.containers(ctx, role, pd_spec)
        if items is not None:
            worker["containers"] = items
        lwt["workerTemplate"] = {"metadata": {"labels": ctx.role_labels(role)}, "spec": worker}
    else:
        lwt["workerTemplate"] = _worker_template(ctx, role, own, pd_spec)
    spec["leaderWorkerTemplate"] = lwt
    return {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": meta,
        "spec": spec,
    }


def _lws_size(ctx: Ctx, role: str, par: Any) -> int:
    path = f"{role}.parallelism"
    mode = ctx.b.lws_size
    if mode == "data_over_local":
        local = pods.data_local(ctx, par, path)
        return pods.data(ctx, par, path) // local
    if mode == "data":
        return pods.data(ctx, par, path)
    return pods.workers(ctx, par, path)


def _lws_annotations(ctx: Ctx, role: str, own: Obj) -> Obj | bool | None:
    """The LeaderWorkerSet's annotations; ``False``: no ``annotations`` key at all."""
    mode = ctx.b.lws_exclusive_topology
    if mode == "none":
        return False
    out: Obj = {}
    if mode == "always":
        out[EXCLUSIVE_TOPOLOGY] = "kubernetes.io/hostname"
    elif mode == "typo":
        if truthy(own.get("subGroupExclusiveToplogy")):
            out[EXCLUSIVE_TOPOLOGY] = "kubernetes.io/hostname"
    elif truthy(own.get("subGroupExclusiveTopology")):
        out[EXCLUSIVE_TOPOLOGY] = "kubernetes.io/hostname"
    if ctx.b.deployment_annotations and truthy(own.get("annotations")):
        _update(out, own["annotations"], f"{role}.annotations")
    warning = pods.accelerator_warning(ctx, role) if ctx.b.accelerator_warning else ""
    if warning:
        out["llm-d.ai/accelerator-warning"] = warning
    if mode == "key" and not out:
        return False
    return out or None


def _worker_template(ctx: Ctx, role: str, own: Obj, pd_spec: Obj) -> Obj:
    b = ctx.b
    meta: Obj = {"labels": ctx.role_labels(role)}
    if b.lws_exclusive_topology == "key":
        notes: Obj = {}
        if truthy(own.get("subGroupExclusiveTopology")):
            notes[EXCLUSIVE_TOPOLOGY] = "kubernetes.io/hostname"
        key = b.pod_annotations_key
        if key and truthy(own.get(key)):
            _update(notes, own[key], f"{role}.{key}")
        if notes:
            meta["annotations"] = notes
    spec: Obj = {}
    if b.lws_host_ipc == "always":
        spec["hostIPC"] = True
        spec["hostPID"] = True
    elif b.lws_host_ipc == "haskey":
        if "hostIPC" in own:
            spec["hostIPC"] = printed(own["hostIPC"])
        if "hostPID" in own:
            if role == "prefill" and b.prefill_host_pid_typo:
                raise fail(
                    "prefill.hostPID",
                    f"chart {ctx.chart.version} reads it through a misspelt key and fails "
                    '("nil pointer evaluating interface {}.hostPID"); remove it or use chart '
                    "0.2.0 or later",
                )
            spec["hostPID"] = printed(own["hostPID"])
    init = _init_containers(ctx, role, own, lws=True)
    if init is not False:
        spec["initContainers"] = init
    _pod_extras(ctx, own, spec)
    pods.model_pod(ctx, role, pd_spec, spec)
    items = pods.containers(ctx, role, pd_spec)
    if items is not None:
        spec["containers"] = items
    _node_selector(ctx, own, spec, enabled=b.node_selector_lws)
    _tolerations(ctx, own, spec)
    return {"metadata": meta, "spec": spec}


def requester_replica_set(ctx: Ctx) -> Obj:
    """0.3.4+: the dual-pod requester ReplicaSet that replaces decode's Deployment."""
    from modelservice.renderer.upstream.requester import server_patch

    own = ctx.role("decode")
    req = ctx.v("requester") or {}
    name = go_str(ctx.v("modelArtifacts", "name"))
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": printed(ctx.role_name("decode"))},
        "spec": {
            "replicas": _replicas(ctx, own),
            "selector": {"matchLabels": {"app": "dp-app"}},
            "template": {
                "metadata": {
                    "labels": {"app": "dp-app"},
                    "annotations": {
                        "dual-pod.llm-d.ai/admin-port": go_str(get(req, "adminPort")),
                        "dual-pod.llm-d.ai/server-patch": server_patch(ctx, name),
                    },
                },
                "spec": {
                    "containers": [
                        {
                            "name": "inference-server",
                            "image": printed(get(req, "image")),
                            "imagePullPolicy": "Always",
                            "command": ["/app/requester"],
                            "env": [
                                {"name": "PROBES_PORT", "value": quote(get(req, "port", "probes"))},
                                {"name": "SPI_PORT", "value": quote(get(req, "port", "spi"))},
                            ],
                            "ports": [
                                {
                                    "name": "probes",
                                    "containerPort": printed(get(req, "port", "probes")),
                                },
                                {"name": "spi", "containerPort": printed(get(req, "port", "spi"))},
                            ],
                            "readinessProbe": {
                                "httpGet": {
                                    "path": "/ready",
                                    "port": printed(get(req, "port", "probes")),
                                },
                                "initialDelaySeconds": printed(
                                    get(req, "readinessProbe", "initialDelaySeconds")
                                ),
                                "periodSeconds": printed(
                                    get(req, "readinessProbe", "periodSeconds")
                                ),
                            },
                            "resources": {
                                "limits": {
                                    "nvidia.com/gpu": printed(
                                        get(req, "resources", "limits", "gpus")
                                    ),
                                    "cpu": printed(get(req, "resources", "limits", "cpus")),
                                    "memory": printed(get(req, "resources", "limits", "memory")),
                                }
                            },
                        }
                    ]
                },
            },
        },
    }


def service_account(ctx: Ctx) -> Obj | None:
    if ctx.b.sa_override and truthy(ctx.v("serviceAccountOverride")):
        return None
    if not (truthy(ctx.v("prefill")) or truthy(ctx.v("decode"))):
        return None
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": printed(ctx.sa_name()), "labels": ctx.common_labels()},
    }


def pod_monitor(ctx: Ctx, role: str) -> Obj | None:
    own = ctx.role(role)
    pm = get(own, "monitoring", "podmonitor")
    if not (truthy(own.get("create")) and truthy(get(pm, "enabled"))):
        return None
    pm = pm if isinstance(pm, dict) else {}
    labels = {**ctx.common_labels(), "app.kubernetes.io/component": role}
    if truthy(pm.get("labels")):
        _update(labels, pm["labels"], f"{role}.monitoring.podmonitor.labels")
    meta: Obj = {
        "name": printed(f"{ctx.role_name(role)}-podmonitor"),
        "namespace": printed(ctx.namespace),
        "labels": labels,
    }
    if truthy(pm.get("annotations")):
        meta["annotations"] = copy_tree(pm["annotations"])
    if ctx.b.podmonitor_port == "name":
        port: Any = quote(default("metrics", pm.get("portName")))
    else:
        port = printed(default(pods.vllm_port(ctx, role), pm.get("port")))
    endpoint: Obj = {
        "port": port,
        "path": printed(default("/metrics", pm.get("path"))),
        "interval": printed(default("30s", pm.get("interval"))),
    }
    if truthy(pm.get("scrapeTimeout")):
        endpoint["scrapeTimeout"] = printed(pm["scrapeTimeout"])
    for key in ("relabelings", "metricRelabelings"):
        if truthy(pm.get(key)):
            endpoint[key] = copy_tree(pm[key])
    spec: Obj = {
        "selector": {"matchLabels": ctx.role_labels(role)},
        "podMetricsEndpoints": [endpoint],
    }
    if truthy(pm.get("namespaceSelector")):
        spec["namespaceSelector"] = copy_tree(pm["namespaceSelector"])
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": meta,
        "spec": spec,
    }


def resource_claim_templates(ctx: Ctx) -> list[Obj]:
    mode = ctx.b.resource_claims
    if mode == "dra":
        if not truthy(ctx.v("dra", "enabled")):
            return []
        claim = pods._dra_claim(ctx)
        request: Obj = {
            "name": printed(claim.get("name")),
            go_str(claim.get("match")): {
                "deviceClassName": printed(claim.get("class")),
                "count": printed(claim.get("count")),
            },
        }
        if truthy(claim.get("selectors")):
            request[go_str(claim.get("match"))]["selectors"] = copy_tree(claim["selectors"])
        return [
            {
                "apiVersion": "resource.k8s.io/v1",
                "kind": "ResourceClaimTemplate",
                "metadata": {
                    "name": printed(f"{go_str(ctx.v('dra', 'type'))}-resource-claim-template")
                },
                "spec": {"spec": {"devices": {"requests": [request]}}},
            }
        ]
    if mode == "accelerator":
        if not pods.dra_enabled(ctx, None):
            return []
        kind = pods.accelerator_type(ctx, None)
        par = ctx.role("decode").get("parallelism")
        template = _rct(ctx, kind, pods.claim_template_name(ctx, None), par, "decode.parallelism")
        return [] if template is None else [template]
    if mode == "role":
        out = []
        for role in ("decode", "prefill"):
            own = ctx.role(role)
            if not truthy(own.get("create")):
                continue
            if not pods.dra_enabled(ctx, role):
                continue
            kind = pods.accelerator_type(ctx, role)
            config = pods._claim_template(ctx, kind)
            if not truthy(config):
                continue
            name = (
                f"{go_str(config['name'])}-{role}"
                if has_key(config, "name")
                else f"{kind}-{role}-claim-template"
            )
            template = _rct(ctx, kind, name, own.get("parallelism"), f"{role}.parallelism")
            if template is not None:
                template["metadata"]["labels"]["llm-d.ai/role"] = role
                out.append(template)
        return out
    return []


def _rct(ctx: Ctx, kind: str, name: str, par: Any, path: str) -> Obj | None:
    config = pods._claim_template(ctx, kind)
    if not truthy(config) or not isinstance(config, dict):
        return None
    count = printed(config["count"]) if "count" in config else pods.gpus_per_worker(ctx, par, path)
    match = go_str(default("exactly", config.get("match")))
    device: Obj = {
        "deviceClassName": printed(default(f"gpu.{kind}.com", config.get("class"))),
        "count": count,
    }
    if truthy(config.get("selectors")):
        device["selectors"] = copy_tree(config["selectors"])
    return {
        "apiVersion": "resource.k8s.io/v1",
        "kind": "ResourceClaimTemplate",
        "metadata": {"name": printed(name), "labels": ctx.common_labels()},
        "spec": {"spec": {"devices": {"requests": [{"name": printed(kind), match: device}]}}},
    }


def extra_objects(ctx: Ctx) -> list[Obj]:
    out = []
    for i, item in enumerate(ctx.v("extraObjects") or []):
        path = f"extraObjects[{i}]"
        if isinstance(item, str):
            from modelservice.renderer.upstream.tplvalues import tpl_text
            from modelservice.renderer.upstream.yamltext import parse_document

            obj = parse_document(tpl_text(ctx, item, path))
        else:
            obj = tpl_data(ctx, item, path)
        if obj is None:
            continue
        if not isinstance(obj, dict):
            raise fail(path, "must be a Kubernetes object (a map)")
        out.append(obj)
    return out
