"""Routing objects: the endpoint picker (EPP) and the Gateway API resources."""

from __future__ import annotations

from modelservice.render import names
from modelservice.values.model import ModelService, Obj

POOL_GROUP = "inference.networking.x-k8s.io"
POOL_API_VERSION = f"{POOL_GROUP}/v1alpha2"
_EPP_GRPC_PORT = 9002
_EPP_HEALTH_PORT = 9003
_EPP_METRICS_PORT = 9090


def pool_name(ms: ModelService) -> str:
    return names.pool_name(ms)


def epp_service_name(ms: ModelService) -> str:
    """The EPP Service the pool calls: an external one if configured, else ours."""
    return ms.routing.pool_extension_ref or names.epp_name(ms)


def epp_role_rules() -> list[Obj]:
    read = ["get", "watch", "list"]
    return [
        {
            "apiGroups": [POOL_GROUP],
            "resources": ["inferencemodels", "inferencepools"],
            "verbs": read,
        },
        {"apiGroups": [""], "resources": ["pods"], "verbs": read},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": read},
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


def _grpc_probe() -> Obj:
    return {
        "grpc": {
            "port": _EPP_HEALTH_PORT,
            "service": "envoy.service.ext_proc.v3.ExternalProcessor",
        },
        "initialDelaySeconds": 5,
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


def epp_objects(ms: ModelService) -> dict[str, list[Obj]]:
    """The EPP's ServiceAccount, Role, RoleBinding, Service and Deployment, by kind."""
    epp = ms.routing.epp
    if not epp.create:
        return {}
    name = names.epp_name(ms)
    labels = names.epp_labels(ms)
    container: Obj = {
        "name": "epp",
        "imagePullPolicy": "Always",
        "image": epp.image,
        "args": [
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
        ],
    }
    if epp.env:
        container["env"] = [dict(e) for e in epp.env]
    container["ports"] = [
        {"containerPort": _EPP_GRPC_PORT, "name": "grpc", "protocol": "TCP"},
        {"containerPort": _EPP_HEALTH_PORT, "name": "grpc-health", "protocol": "TCP"},
        {"containerPort": _EPP_METRICS_PORT, "name": "metrics", "protocol": "TCP"},
    ]
    if epp.readiness_probe:
        container["readinessProbe"] = _grpc_probe()
    if epp.liveness_probe:
        container["livenessProbe"] = _grpc_probe()
    port: Obj = {"port": epp.service_port, "targetPort": epp.service_target_port, "protocol": "TCP"}
    if epp.service_app_protocol:
        port["appProtocol"] = epp.service_app_protocol
    return {
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
                "rules": epp_role_rules(),
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
                "spec": {"type": epp.service_type, "ports": [port], "selector": labels},
            }
        ],
        "Deployment": [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "labels": labels, "namespace": ms.namespace},
                "spec": {
                    "replicas": epp.replicas,
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "containers": [container],
                            "serviceAccount": name,
                            "serviceAccountName": name,
                        },
                    },
                },
            }
        ],
    }


def inference_pool(ms: ModelService) -> list[Obj]:
    if not ms.routing.pool_create:
        return []
    selector = names.pool_labels(ms)
    if ms.multinode:
        selector = {**selector, "leaderworkerset.sigs.k8s.io/worker-index": "0"}
    return [
        {
            "apiVersion": POOL_API_VERSION,
            "kind": "InferencePool",
            "metadata": {"name": pool_name(ms), "namespace": ms.namespace},
            "spec": {
                "extensionRef": {
                    "failureMode": "FailClose",
                    "group": "",
                    "kind": "Service",
                    "name": epp_service_name(ms),
                },
                "selector": selector,
                "targetPortNumber": ms.routing.service_port,
            },
        }
    ]


def http_route(ms: ModelService) -> list[Obj]:
    r = ms.routing
    if not r.route_create:
        return []
    if r.route_backend_refs is not None:
        rules = [dict(rule) for rule in r.route_backend_refs]
    else:
        rule: Obj = {
            "backendRefs": [
                {
                    "group": POOL_GROUP,
                    "kind": "InferencePool",
                    "name": r.route_pool_name or pool_name(ms),
                    "port": r.service_port,
                    "weight": 1,
                }
            ]
        }
        # Without matches the chart still routes everything under "/".
        matches = r.route_matches or ({"path": {"type": "PathPrefix", "value": "/"}},)
        rule["matches"] = [dict(m) for m in matches]
        rules = [rule]
    spec: Obj = {}
    if r.parent_refs:
        spec["parentRefs"] = [dict(p) for p in r.parent_refs]
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
