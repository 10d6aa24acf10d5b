"""The routing objects upstream releases before 0.3.0 rendered: the endpoint picker (EPP)
and its ServiceAccount, Role, RoleBinding, Service and plugins ConfigMap, the
InferencePool, the InferenceModel and the HTTPRoute."""

from __future__ import annotations

from modelservice.datatree import copy_tree
from modelservice.renderer.upstream.context import Ctx, Obj, fail
from modelservice.renderer.upstream.gosem import default, get, go_str, printed, truthy
from modelservice.renderer.upstream.tplvalues import tpl_data

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

_READ = ["get", "watch", "list"]


def epp_name(ctx: Ctx) -> str:
    return f"{ctx.fullname}-epp"


def pool_name(ctx: Ctx) -> Any:
    name = ctx.v("routing", "inferencePool", "name")
    if ctx.b.epp_pool_key == "pool" and truthy(name):
        return printed(name)
    return printed(ctx.fullname)


def _epp_pool_arg(ctx: Ctx) -> Any:
    if ctx.b.epp_pool_key == "epp":
        override = ctx.v("routing", "epp", "inferencePool")
        if truthy(override):
            return printed(override)
    return pool_name(ctx)


def _probe() -> Obj:
    return {
        "grpc": {"port": 9003, "service": "envoy.service.ext_proc.v3.ExternalProcessor"},
        "initialDelaySeconds": 5,
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


def epp_objects(ctx: Ctx) -> list[tuple[str, Obj]]:
    """(template file, object) for the EPP family, when ``routing.epp.create``."""
    b = ctx.b
    epp = ctx.v("routing", "epp")
    epp = epp if isinstance(epp, dict) else {}
    if not truthy(epp.get("create")):
        return []
    name = printed(epp_name(ctx))
    out: list[tuple[str, Obj]] = []
    out.append(
        (
            "epp-sa.yaml",
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": name, "labels": ctx.common_labels()},
            },
        )
    )
    rules: list[Obj] = [
        {
            "apiGroups": ["inference.networking.x-k8s.io"],
            "resources": ["inferencemodels", "inferencepools"],
            "verbs": list(_READ),
        },
        {"apiGroups": [""], "resources": ["pods"], "verbs": list(_READ)},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": list(_READ)},
        {
            "apiGroups": ["authentication.k8s.io"],
            "resources": ["tokenreviews"],
            "verbs": ["create"],
        },
        {
            "apiGroups": ["authorization.k8s.io"],
            "resources": ["subjectaccessreviews"],
            "verbs": ["create"],
        },
    ]
    out.append(
        (
            "epp-role.yaml",
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {"name": name},
                "rules": rules,
            },
        )
    )
    role_ref = printed(epp["permissions"]) if truthy(epp.get("permissions")) else name
    out.append(
        (
            "epp-rolebinding.yaml",
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": name},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": role_ref,
                },
                "subjects": [{"kind": "ServiceAccount", "name": name}],
            },
        )
    )
    service = epp.get("service")
    service = service if isinstance(service, dict) else {}
    port: Obj = {}
    if b.epp_extra_ports:
        port["name"] = "grpc-ext-proc"
    port.update(
        {
            "port": printed(service.get("port")),
            "targetPort": printed(service.get("targetPort")),
            "protocol": "TCP",
            "appProtocol": printed(service.get("appProtocol")),
        }
    )
    ports = [port]
    if b.epp_extra_ports and truthy(service.get("extraPorts")):
        ports += _list(service["extraPorts"])
    out.append(
        (
            "epp-service.yaml",
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name, "labels": ctx.common_labels()},
                "spec": {
                    "type": printed(service.get("type")),
                    "ports": ports,
                    "selector": {"llm-d.ai/epp": name},
                },
            },
        )
    )
    config_file = epp.get("pluginsConfigFile") if b.epp_configmap else None
    args: list[Any] = [
        "--poolName",
        _epp_pool_arg(ctx),
        "--poolNamespace",
        printed(ctx.namespace),
        "-v",
        go_str(default(4, epp.get("debugLevel"))),
        "--zap-encoder",
        "json",
        "--grpcPort",
        "9002",
        "--grpcHealthPort",
        "9003",
    ]
    if truthy(config_file):
        args += ["-configFile", f"{b.epp_config_path}{go_str(config_file)}"]
    if not truthy(epp.get("image")):
        raise fail(
            "routing.epp.image", 'required (the chart: "routing.epp.image must be specified")'
        )
    container: Obj = {
        "name": "epp",
        "imagePullPolicy": "Always",
        "image": printed(epp["image"]),
        "args": args,
    }
    if truthy(epp.get("env")):
        container["env"] = copy_tree(epp["env"])
    container_ports: list[Any] = [
        {"containerPort": 9002, "name": "grpc", "protocol": "TCP"},
        {"containerPort": 9003, "name": "grpc-health", "protocol": "TCP"},
        {"containerPort": 9090, "name": "metrics", "protocol": "TCP"},
    ]
    if b.epp_extra_ports and truthy(epp.get("extraContainerPorts")):
        container_ports += _list(epp["extraContainerPorts"])
    container["ports"] = container_ports
    if not truthy(epp.get("disableReadinessProbe")):
        container["readinessProbe"] = _probe()
    if not truthy(epp.get("disableLivenessProbe")):
        container["livenessProbe"] = _probe()
    pod: Obj = {"containers": [container]}
    if truthy(config_file):
        container["volumeMounts"] = [{"name": "plugins-config-volume", "mountPath": "/config"}]
        pod["volumes"] = [{"name": "plugins-config-volume", "configMap": {"name": name}}]
    pod["serviceAccount"] = name
    pod["serviceAccountName"] = name
    labels = {"llm-d.ai/epp": name}
    out.append(
        (
            "epp-deployment.yaml",
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "name": name,
                    "labels": dict(labels),
                    "namespace": printed(ctx.namespace),
                },
                "spec": {
                    "replicas": printed(default(1, epp.get("replicas"))),
                    "selector": {"matchLabels": dict(labels)},
                    "template": {"metadata": {"labels": dict(labels)}, "spec": pod},
                },
            },
        )
    )
    if truthy(config_file):
        out.append(("epp-plugin-configmap.yaml", config_map(ctx, epp, name)))
    return out


def _list(value: Any) -> list[Any]:
    return copy_tree(value) if isinstance(value, list) else [copy_tree(value)]


def config_map(ctx: Ctx, epp: Obj, name: Any) -> Obj:
    from modelservice.charts.epp_configs import CONFIGS

    data: Obj = dict(CONFIGS[ctx.b.epp_config_set])
    if "pluginsCustomConfig" in epp:
        custom = epp["pluginsCustomConfig"]
        if isinstance(custom, dict):
            data.update(copy_tree(custom))
        elif custom is not None:
            raise fail(
                "routing.epp.pluginsCustomConfig",
                "must be a map of file names to configurations (the chart adds them to the "
                "ConfigMap's data)",
            )
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": printed(ctx.namespace)},
        "data": data,
    }


def inference_pool(ctx: Ctx, multinode: bool) -> Obj | None:
    if not truthy(ctx.v("routing", "inferencePool", "create")):
        return None
    ref = ctx.v("routing", "inferencePool", "extensionRef")
    selector: Obj = {}
    if ctx.b.lws_worker_index_selector and multinode:
        selector["leaderworkerset.sigs.k8s.io/worker-index"] = "0"
    selector.update(ctx.pd_labels())
    return {
        "apiVersion": "inference.networking.x-k8s.io/v1alpha2",
        "kind": "InferencePool",
        "metadata": {"name": pool_name(ctx), "namespace": printed(ctx.namespace)},
        "spec": {
            "extensionRef": {
                "failureMode": "FailClose",
                "group": "",
                "kind": "Service",
                "name": printed(ref) if truthy(ref) else printed(epp_name(ctx)),
            },
            "selector": selector,
            "targetPortNumber": printed(ctx.v("routing", "servicePort")),
        },
    }


def inference_model(ctx: Ctx) -> Obj | None:
    b = ctx.b
    if not (b.inference_model and truthy(ctx.v("routing", "inferenceModel", "create"))):
        return None
    own = ctx.v("routing", "inferenceModel")
    name = printed(own["name"]) if truthy(get(own, "name")) else printed(ctx.fullname)
    spec: Obj = {}
    if b.inference_model_criticality and truthy(get(own, "criticality")):
        spec["criticality"] = printed(own["criticality"])
    model = (
        ctx.v("routing", "modelName")
        if b.inference_model_name == "routing"
        else ctx.v("modelArtifacts", "name")
    )
    spec["modelName"] = printed(model)
    spec["poolRef"] = {"name": pool_name(ctx)}
    return {
        "apiVersion": "inference.networking.x-k8s.io/v1alpha2",
        "kind": "InferenceModel",
        "metadata": {"labels": ctx.pd_labels(), "name": name},
        "spec": spec,
    }


def http_route(ctx: Ctx) -> Obj | None:
    b = ctx.b
    route = ctx.v("routing", "httpRoute")
    route = route if isinstance(route, dict) else {}
    if not truthy(route.get("create")):
        return None
    meta: Obj = {
        "name": printed(ctx.fullname),
        "namespace": printed(ctx.namespace),
        "labels": ctx.common_labels(),
    }
    if b.route_hook:
        meta["annotations"] = {"helm.sh/hook": "post-install,post-upgrade"}
    spec: Obj = {}
    parents = ctx.v("routing", "parentRefs")
    if truthy(parents):
        spec["parentRefs"] = (
            tpl_data(ctx, parents, "routing.parentRefs") if b.route_tpl else copy_tree(parents)
        )
    custom = route.get(b.route_rules_key)
    if truthy(custom):
        spec["rules"] = _list(custom)
    else:
        backend: Obj = {
            "group": printed(ctx.v("routing", "inferencePool", "apiGroup"))
            if b.route_group_key
            else "inference.networking.x-k8s.io",
            "kind": "InferencePool",
        }
        if b.route_rules_key == "backendRefs" and truthy(route.get("inferencePool")):
            backend["name"] = printed(route["inferencePool"])
        else:
            backend["name"] = pool_name(ctx)
        backend["port"] = printed(ctx.v("routing", "servicePort"))
        backend["weight"] = 1
        rule: Obj = {}
        if b.route_timeouts == "zero":
            rule["timeouts"] = {"backendRequest": "0s", "request": "0s"}
        rule["backendRefs"] = [backend]
        timeouts: Any = route.get("timeouts")
        if b.route_timeouts == "values" and truthy(timeouts):
            t: Obj = {}
            for key in ("backendRequest", "request"):
                if truthy(get(timeouts, key)):
                    t[key] = printed(timeouts[key])
            rule["timeouts"] = t or None
        matches = route.get("matches")
        if truthy(matches):
            if b.route_tpl:
                first = tpl_data(ctx, matches, "routing.httpRoute.matches")
                rule["matches"] = tpl_data(ctx, first, "routing.httpRoute.matches")
            else:
                rule["matches"] = copy_tree(matches)
        else:
            rule["matches"] = [{"path": {"type": "PathPrefix", "value": "/"}}]
        spec["rules"] = [rule]
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": meta,
        "spec": spec,
    }
