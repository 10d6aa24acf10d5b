"""Routing objects: the endpoint picker (EPP) and the Gateway API (Inference Extension)
resources that send a gateway's requests to the model servers."""

from __future__ import annotations

from modelservice.datatree import copy_items, copy_tree
from modelservice.naming import POOL_ALPHA_GROUP as ALPHA_GROUP
from modelservice.naming import POOL_V1 as V1_API_VERSION
from modelservice.naming import POOL_V1_GROUP as V1_GROUP
from modelservice.naming import POOL_V1ALPHA2 as ALPHA_API_VERSION
from modelservice.renderer import names
from modelservice.values import epp as epp_config
from modelservice.values.model import ModelService, Obj

_EPP_GRPC_PORT = 9002
_EPP_HEALTH_PORT = 9003
_EPP_METRICS_PORT = 9090
_READ = ["get", "watch", "list"]
_EXT_PROC_SERVICE = "envoy.service.ext_proc.v3.ExternalProcessor"
_CONFIG_VOLUME = "plugins-config-volume"


def pool_name(ms: ModelService) -> str:
    return ms.routing.pool_name or names.pool_name(ms)


def pool_group(ms: ModelService) -> str:
    return V1_GROUP if ms.routing.pool_api_version == V1_API_VERSION else ALPHA_GROUP


def epp_service_name(ms: ModelService) -> str:
    """The EPP Service the pool calls: an external one if configured, else ours."""
    return ms.routing.pool_extension_ref or names.epp_name(ms)


def epp_role_rules(ms: ModelService) -> list[Obj]:
    """What the EPP reads (and, in HA, writes) through its ServiceAccount."""
    if pool_group(ms) == V1_GROUP:
        return _v1_role_rules(ms)
    rules: list[Obj] = [
        {
            "apiGroups": [ALPHA_GROUP],
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
    if pool_group(ms) == V1_GROUP:
        rules.append(
            {"apiGroups": [V1_GROUP], "resources": ["inferencepools"], "verbs": list(_READ)}
        )
    return rules


def _v1_role_rules(ms: ModelService) -> list[Obj]:
    """A v1-era picker watches its pool (of --pool-group), the model-server pods and
    InferenceObjectives; nothing else. Leader election (replicas > 1) adds its Lease and
    the Events it records. The seed's tokenreviews/subjectaccessreviews rules are left out:
    they are cluster-scoped and a Role cannot grant them."""
    rules: list[Obj] = [
        {"apiGroups": [V1_GROUP], "resources": ["inferencepools"], "verbs": list(_READ)},
        {
            "apiGroups": [ALPHA_GROUP],
            "resources": ["inferenceobjectives"],
            "verbs": list(_READ),
        },
        {"apiGroups": [""], "resources": ["pods"], "verbs": list(_READ)},
    ]
    if _leader_election(ms):
        rules += [
            {
                "apiGroups": ["coordination.k8s.io"],
                "resources": ["leases"],
                "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
            },
            {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
        ]
    return rules


def _leader_election(ms: ModelService) -> bool:
    """Several v1-era replicas elect one leader: the others must not pick endpoints."""
    return pool_group(ms) == V1_GROUP and ms.routing.epp.replicas > 1


def _grpc_probe(service: str = _EXT_PROC_SERVICE) -> Obj:
    return {
        "grpc": {"port": _EPP_HEALTH_PORT, "service": service},
        "initialDelaySeconds": 5,
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


def _epp_args(ms: ModelService) -> list[str]:
    """The picker's flags, in the spelling of its era (each era refuses the other's)."""
    epp = ms.routing.epp
    config = f"{epp_config.CONFIG_MOUNT_PATH}/{epp.plugins_config_file}"
    if pool_group(ms) == V1_GROUP:
        args = [
            "--pool-name",
            epp.pool_name_override or pool_name(ms),
            "--pool-namespace",
            ms.namespace,
            "--pool-group",
            V1_GROUP,
            "-v",
            str(epp.debug_level),
            "--zap-encoder",
            "json",
            "--grpc-port",
            str(_EPP_GRPC_PORT),
            "--grpc-health-port",
            str(_EPP_HEALTH_PORT),
            # Explicit although it is the default: the container declares this port.
            "--metrics-port",
            str(_EPP_METRICS_PORT),
            "--config-file",
            config,
        ]
        if _leader_election(ms):
            args.append("--ha-enable-leader-election")
        return [*args, *epp.extra_args]
    args = [
        "--poolName",
        epp.pool_name_override or pool_name(ms),
        "--poolNamespace",
        ms.namespace,
        "-v",
        str(epp.debug_level),
        "--zap-encoder",
        "json",
        "--grpcPort",
        str(_EPP_GRPC_PORT),
        "--grpcHealthPort",
        str(_EPP_HEALTH_PORT),
    ]
    if epp.plugins_config_file:
        args += ["--configFile", config]
    return [*args, *epp.extra_args]


def _epp_container(ms: ModelService) -> Obj:
    epp = ms.routing.epp
    container: Obj = {
        "name": "epp",
        "imagePullPolicy": epp.image_pull_policy,
        "image": epp.image,
        "args": _epp_args(ms),
    }
    if epp.env:
        container["env"] = copy_items(epp.env)
    container["ports"] = [
        {"containerPort": _EPP_GRPC_PORT, "name": "grpc", "protocol": "TCP"},
        {"containerPort": _EPP_HEALTH_PORT, "name": "grpc-health", "protocol": "TCP"},
        {"containerPort": _EPP_METRICS_PORT, "name": "metrics", "protocol": "TCP"},
    ]
    # With leader election the ext-proc service is healthy on the leader only: a liveness
    # probe on it would restart every other replica.
    ha = _leader_election(ms)
    if epp.readiness_probe:
        container["readinessProbe"] = _grpc_probe("readiness" if ha else _EXT_PROC_SERVICE)
    if epp.liveness_probe:
        container["livenessProbe"] = _grpc_probe("liveness" if ha else _EXT_PROC_SERVICE)
    if epp.resources:
        container["resources"] = copy_tree(epp.resources)
    if epp.plugins_config_file:
        container["volumeMounts"] = [
            {"name": _CONFIG_VOLUME, "mountPath": epp_config.CONFIG_MOUNT_PATH}
        ]
    return container


def _epp_config_map(ms: ModelService, name: str) -> list[Obj]:
    """The scheduler configuration files the EPP mounts (only when it loads one)."""
    epp = ms.routing.epp
    if not epp.plugins_config_file:
        return []
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ms.namespace, "labels": names.common_labels()},
            "data": dict(epp.plugins_configs),
        }
    ]


def epp_objects(ms: ModelService) -> dict[str, list[Obj]]:
    """The EPP's ServiceAccount, ConfigMap, Role, RoleBinding, Service and Deployment, by
    kind."""
    epp = ms.routing.epp
    if not epp.create:
        return {}
    name = names.epp_name(ms)
    port: Obj = {"port": epp.service_port, "targetPort": epp.service_target_port, "protocol": "TCP"}
    if epp.service_app_protocol:
        port["appProtocol"] = epp.service_app_protocol
    pod: Obj = {
        "containers": [_epp_container(ms)],
        "serviceAccount": name,
        "serviceAccountName": name,
    }
    if epp.node_selector:
        pod["nodeSelector"] = dict(epp.node_selector)
    if epp.tolerations:
        pod["tolerations"] = copy_items(epp.tolerations)
    if epp.plugins_config_file:
        pod["volumes"] = [{"name": _CONFIG_VOLUME, "configMap": {"name": name}}]
    return {
        "ConfigMap": _epp_config_map(ms, name),
        "ServiceAccount": [
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": name, "labels": names.common_labels()},
            }
        ],
        "Role": [
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {"name": name},
                "rules": epp_role_rules(ms),
            }
        ],
        "RoleBinding": [
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": name},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": epp.permissions or name,
                },
                "subjects": [{"kind": "ServiceAccount", "name": name}],
            }
        ],
        "Service": [
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name, "labels": names.common_labels()},
                "spec": {
                    "type": epp.service_type,
                    "ports": [port],
                    "selector": names.epp_labels(ms),
                },
            }
        ],
        "Deployment": [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                # Each labels map its own: ownership labels added to the object's labels
                # must never reach the immutable selector.
                "metadata": {
                    "name": name,
                    "labels": names.epp_labels(ms),
                    "namespace": ms.namespace,
                },
                "spec": {
                    "replicas": epp.replicas,
                    "selector": {"matchLabels": names.epp_labels(ms)},
                    "template": {"metadata": {"labels": names.epp_labels(ms)}, "spec": pod},
                },
            }
        ],
    }


def inference_pool(ms: ModelService) -> list[Obj]:
    """The pool of model-server pods the EPP picks from (leaders only in multinode)."""
    if not ms.routing.pool_create:
        return []
    selector = names.pool_labels(ms)
    if ms.multinode:
        selector = {**selector, "leaderworkerset.sigs.k8s.io/worker-index": "0"}
    meta = {"name": pool_name(ms), "namespace": ms.namespace}
    if pool_group(ms) == V1_GROUP:
        spec: Obj = {
            "selector": {"matchLabels": selector},
            "targetPorts": [{"number": ms.routing.service_port}],
            "endpointPickerRef": {
                "name": epp_service_name(ms),
                "port": {"number": ms.routing.epp.service_port},
                "failureMode": "FailClose",
            },
        }
        return [
            {"apiVersion": V1_API_VERSION, "kind": "InferencePool", "metadata": meta, "spec": spec}
        ]
    spec = {
        "extensionRef": {
            "failureMode": "FailClose",
            "group": "",
            "kind": "Service",
            "name": epp_service_name(ms),
        },
        "selector": selector,
        "targetPortNumber": ms.routing.service_port,
    }
    return [
        {"apiVersion": ALPHA_API_VERSION, "kind": "InferencePool", "metadata": meta, "spec": spec}
    ]


def inference_model(ms: ModelService) -> list[Obj]:
    r = ms.routing
    if not r.model_create:
        return []
    spec: Obj = {
        "modelName": r.model_name,
        "criticality": r.model_criticality,
        "poolRef": {"name": pool_name(ms)},
    }
    meta = {"name": r.model_object_name or names.fullname(ms), "namespace": ms.namespace}
    return [
        {"apiVersion": ALPHA_API_VERSION, "kind": "InferenceModel", "metadata": meta, "spec": spec}
    ]


def http_route(ms: ModelService) -> list[Obj]:
    r = ms.routing
    if not r.route_create:
        return []
    if r.route_backend_refs is not None:
        rules = copy_items(r.route_backend_refs)
    else:
        rule: Obj = {
            "backendRefs": [
                {
                    "group": pool_group(ms),
                    "kind": "InferencePool",
                    "name": r.route_pool_name or pool_name(ms),
                    "port": r.service_port,
                    "weight": 1,
                }
            ]
        }
        # Without matches the chart still routes everything under "/".
        matches = r.route_matches or ({"path": {"type": "PathPrefix", "value": "/"}},)
        rule["matches"] = copy_items(matches)
        if r.route_timeouts:
            rule["timeouts"] = copy_tree(r.route_timeouts)
        rules = [rule]
    spec: Obj = {}
    if r.parent_refs:
        spec["parentRefs"] = copy_items(r.parent_refs)
    spec["rules"] = rules
    return [
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": {
                "name": names.fullname(ms),
                "namespace": ms.namespace,
                "labels": names.common_labels(),
            },
            "spec": spec,
        }
    ]
