"""The values contract: a JSON Schema (draft 2020-12), and a fast validator for it.

The schema is built here in Python so that the decode and prefill roles share one
definition, and is also shipped as ``values.schema.json`` (kept identical by a test) for
editors and other tools. Validation walks the schema directly rather than using a general
JSON Schema library: it must collect *every* problem with a full key path and a "did you
mean" hint, and it runs on every render, where importing a general validator would cost more
than the whole render. A test checks that the `jsonschema` reference validator agrees with
this walker on valid and invalid documents.

Kubernetes sub-objects that the values pass through (env entries, volumes, probes, ...) are
described by their shape (``additionalProperties: true``): their own API server validates
them in full, and new Kubernetes fields must not be refused here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from modelservice.errors import Problem
from modelservice.naming import POOL_V1, POOL_V1ALPHA2
from modelservice.quantity import QUANTITY_FORM, QUANTITY_PATTERN, quantity_problem

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

    Schema = dict[str, Any]
    # Paths are linked (parent, key) pairs, turned into text only when a problem is reported.
    _Path = tuple[Any, str | int] | None
    _Check = Callable[[Any, _Path, list[Problem]], None]
else:
    Schema = dict

SCHEMA_ID = "https://llm-d.ai/schemas/modelservice/values.schema.json"


def _s(type_: str | list[str], description: str, **kw: Any) -> Schema:
    return {"type": type_, "description": description, **kw}


def _obj(
    description: str,
    properties: dict[str, Schema],
    *,
    required: list[str] | None = None,
    open_: bool = False,
    **kw: Any,
) -> Schema:
    schema: Schema = {
        "type": "object",
        "description": description,
        "properties": properties,
        "additionalProperties": open_,
    }
    if required:
        schema["required"] = required
    schema.update(kw)
    return schema


def _ref(name: str, description: str | None = None) -> Schema:
    schema: Schema = {"$ref": f"#/$defs/{name}"}
    if description:
        schema["description"] = description
    return schema


def _list(description: str, items: Schema, **kw: Any) -> Schema:
    return {"type": "array", "description": description, "items": items, **kw}


_STR_LIST = {"type": "array", "items": {"type": "string"}}
_STR_MAP = {"type": "object", "additionalProperties": {"type": "string"}}


def _defs() -> dict[str, Schema]:
    """Reusable definitions: Kubernetes pass-through shapes and the role/container types."""
    port = {
        "description": "A TCP port number, 1 to 65535.",
        "type": "integer",
        "minimum": 1,
        "maximum": 65535,
    }
    quantity = {
        "description": f"A Kubernetes quantity: {QUANTITY_FORM}.",
        "type": ["string", "integer", "number"],
        "pattern": QUANTITY_PATTERN,
        "minimum": 0,
    }
    k8s: dict[str, Schema] = {
        "port": port,
        "quantity": quantity,
        "envVar": _obj(
            "A Kubernetes EnvVar (name, value or valueFrom).",
            {
                "name": _s("string", "Variable name.", minLength=1),
                "value": _s("string", "Value; quote numbers and booleans."),
                "valueFrom": _s("object", "Source of the value (secretKeyRef, fieldRef, ...)."),
            },
            required=["name"],
            open_=True,
        ),
        "envFromSource": _obj("A Kubernetes EnvFromSource.", {}, open_=True),
        "volume": _obj(
            "A Kubernetes Volume.",
            {
                "name": _s("string", "Volume name, referenced by volumeMounts.", minLength=1),
                "emptyDir": _obj(
                    "A scratch directory that lives as long as the pod.",
                    {
                        "medium": _s("string", "Backing medium: '' (node disk) or Memory."),
                        "sizeLimit": _ref("quantity", "Largest size allowed."),
                    },
                    open_=True,
                ),
            },
            required=["name"],
            open_=True,
        ),
        "volumeMount": _obj(
            "A Kubernetes VolumeMount.",
            {
                "name": _s("string", "Name of a volume of the pod.", minLength=1),
                "mountPath": _s(
                    "string", "Where the volume appears in the container.", minLength=1
                ),
                "readOnly": _s("boolean", "Mount read-only."),
                "subPath": _s("string", "Sub-path of the volume to mount."),
            },
            required=["name", "mountPath"],
            open_=True,
        ),
        "containerPort": _obj(
            "A Kubernetes ContainerPort.",
            {
                "containerPort": _ref("port"),
                "name": _s("string", "Port name (IANA_SVC_NAME)."),
                "protocol": _s("string", "Protocol.", enum=["TCP", "UDP", "SCTP"]),
                "hostPort": _ref("port"),
                "hostIP": _s("string", "Host IP to bind."),
            },
            required=["containerPort"],
        ),
        "resources": _obj(
            "Kubernetes ResourceRequirements.",
            {
                "limits": {
                    "type": "object",
                    "description": "Resource limits.",
                    "additionalProperties": _ref("quantity"),
                },
                "requests": {
                    "type": "object",
                    "description": "Resource requests.",
                    "additionalProperties": _ref("quantity"),
                },
                "claims": _list("Dynamic resource claims.", {"type": "object"}),
            },
            open_=True,
        ),
        "probe": _obj(
            "A Kubernetes Probe.",
            {
                "initialDelaySeconds": _s("integer", "Seconds before the first probe.", minimum=0),
                "periodSeconds": _s("integer", "Seconds between probes.", minimum=1),
                "timeoutSeconds": _s("integer", "Seconds before a probe times out.", minimum=1),
                "successThreshold": _s("integer", "Successes to count as passing.", minimum=1),
                "failureThreshold": _s("integer", "Failures to count as failing.", minimum=1),
            },
            open_=True,
        ),
        "object": _obj("A Kubernetes object passed through as written.", {}, open_=True),
        "stringMap": {
            "type": "object",
            "description": "A map of strings (labels, annotations, node selectors).",
            "additionalProperties": {"type": "string"},
        },
        "localObjectReference": _obj(
            "A reference to an object by name.",
            {
                "name": _s("string", "Object name.", minLength=1),
            },
            required=["name"],
        ),
        "parentRef": _obj(
            "A Gateway API ParentReference.",
            {
                "name": _s("string", "Name of the parent (Gateway).", minLength=1),
                "group": _s("string", "API group of the parent."),
                "kind": _s("string", "Kind of the parent."),
                "namespace": _s("string", "Namespace of the parent."),
                "sectionName": _s("string", "Listener name on the parent."),
                "port": _ref("port"),
            },
            required=["name"],
            open_=True,
        ),
        "httpRouteMatch": _obj(
            "A Gateway API HTTPRouteMatch.",
            {
                "path": _s("object", "Path match (type, value)."),
                "headers": _list("Header matches.", {"type": "object"}),
                "queryParams": _list("Query parameter matches.", {"type": "object"}),
                "method": _s("string", "HTTP method."),
            },
            open_=True,
        ),
        "httpRouteRule": _obj(
            "A Gateway API HTTPRouteRule.",
            {
                "backendRefs": _list("Backends of the rule.", _ref("object")),
                "matches": _list("Matches of the rule.", _ref("httpRouteMatch")),
            },
            open_=True,
        ),
    }
    container = _obj(
        "A container of the role's pods.",
        {
            "name": _s("string", "Container name (default vllm).", minLength=1),
            "image": _s(
                "string", "The container image, e.g. vllm/vllm-openai:v0.9.1.", minLength=1
            ),
            "modelCommand": _s(
                "string",
                "How the model server is started: vllmServe (command vllm serve, model and port "
                "arguments added), imageDefault (the image's entrypoint, --model and port "
                "arguments added) or custom (your command and args only). Default custom.",
                enum=["vllmServe", "imageDefault", "custom"],
            ),
            "command": {**_STR_LIST, "description": "Command; required for modelCommand custom."},
            "args": {**_STR_LIST, "description": "Arguments, appended after the generated ones."},
            "env": _list("Environment variables.", _ref("envVar")),
            "ports": _list("Container ports.", _ref("containerPort")),
            "resources": _ref("resources", "Resource requests and limits."),
            "volumeMounts": _list("Volume mounts.", _ref("volumeMount")),
            "mountModelVolume": _s("boolean", "Mount the model volume at /model-cache."),
            "securityContext": _ref("object", "Container SecurityContext."),
            "imagePullPolicy": _s(
                "string", "Image pull policy.", enum=["Always", "IfNotPresent", "Never"]
            ),
            "livenessProbe": _ref("probe", "Liveness probe."),
            "readinessProbe": _ref("probe", "Readiness probe."),
            "startupProbe": _ref("probe", "Startup probe."),
            "lifecycle": _ref("object", "Container lifecycle hooks (postStart, preStop)."),
            "envFrom": _list("Environment from ConfigMaps or Secrets.", _ref("envFromSource")),
            "workingDir": _s("string", "Working directory."),
            "stdin": _s("boolean", "Keep stdin open."),
            "tty": _s("boolean", "Allocate a TTY."),
        },
        required=["image"],
    )
    role = _obj(
        "A pod role (decode or prefill) and its workload.",
        {
            "create": _s("boolean", "Create this role's Deployment or LeaderWorkerSet."),
            "replicas": _s(
                "integer", "Number of replicas (pods, or LeaderWorkerSet groups).", minimum=0
            ),
            "autoscaling": _obj(
                "Autoscaling.",
                {
                    "enabled": _s(
                        "boolean",
                        "Leave replicas to an autoscaler (multinode: the "
                        "LeaderWorkerSet gets no replicas).",
                    ),
                },
            ),
            "parallelism": _obj(
                "vLLM parallelism; sets accelerators per pod and vLLM flags.",
                {
                    "tensor": _s("integer", "Tensor parallel size.", minimum=1),
                    "data": _s(
                        "integer", "Data parallel size (across all pods of a group).", minimum=1
                    ),
                    "dataLocal": _s(
                        "integer",
                        "Data parallel ranks per pod (default 1, or data / workers).",
                        minimum=1,
                    ),
                    "workers": _s(
                        "integer",
                        "Pods per LeaderWorkerSet group; data = dataLocal x workers (any two "
                        "of the three determine the third).",
                        minimum=1,
                    ),
                },
            ),
            "accelerator": _obj(
                "This role's accelerator, overriding the top-level accelerator.type.",
                {"type": _s("string", "Accelerator type (see accelerator.type).", minLength=1)},
            ),
            "acceleratorTypes": _obj(
                "Required node affinity on an accelerator label.",
                {
                    "labelKey": _s(
                        "string", "Node label key, e.g. nvidia.com/gpu.product.", minLength=1
                    ),
                    "labelValues": {
                        **_STR_LIST,
                        "description": "Accepted label values.",
                        "minItems": 1,
                    },
                },
                required=["labelKey", "labelValues"],
            ),
            "volumes": _list("Extra pod volumes.", _ref("volume")),
            "imagePullSecrets": _list("Image pull secrets.", _ref("localObjectReference")),
            "podSecurityContext": _ref("object", "Pod SecurityContext."),
            "containers": _list(
                "The role's containers; the first one serves the model.", _ref("container")
            ),
            "annotations": _ref("stringMap", "Annotations of the Deployment or LeaderWorkerSet."),
            "podAnnotations": _ref("stringMap", "Annotations of the pods."),
            "podLabels": _ref("stringMap", "Extra pod labels (never part of the selector)."),
            "nodeSelector": _ref("stringMap", "Pod nodeSelector."),
            "tolerations": _list("Pod tolerations.", _ref("object")),
            "affinity": _ref(
                "object",
                "Pod affinity; with acceleratorTypes, their match expression is added to "
                "every required node selector term.",
            ),
            "priorityClassName": _s("string", "Pod priority class.", minLength=1),
            "runtimeClassName": _s("string", "Pod runtime class.", minLength=1),
            "schedulerName": _s(
                "string",
                "Scheduler of the pods (default: the top-level schedulerName).",
                minLength=1,
            ),
            "terminationGracePeriodSeconds": _s("integer", "Seconds pods get to stop.", minimum=0),
            "enableServiceLinks": _s("boolean", "Inject Service environment variables."),
            "hostIPC": _s("boolean", "Use the host's IPC namespace."),
            "hostPID": _s("boolean", "Use the host's PID namespace."),
            "initContainers": _list(
                "Init containers, after the routing proxy on decode pods.",
                _obj(
                    "A Kubernetes Container, passed through as written.",
                    {"resources": _ref("resources", "Resource requests and limits.")},
                    open_=True,
                ),
            ),
            "strategy": _ref("object", "Deployment update strategy (not with multinode)."),
            "subGroupPolicy": _ref("object", "LeaderWorkerSet subGroupPolicy (multinode only)."),
            "startupPolicy": _s(
                "string",
                "LeaderWorkerSet startupPolicy (multinode only).",
                enum=["LeaderCreated", "LeaderReady"],
            ),
            "monitoring": _obj(
                "Monitoring of this role's pods.",
                {
                    "podmonitor": _obj(
                        "A prometheus-operator PodMonitor for the role's pods.",
                        {
                            "enabled": _s("boolean", "Create the PodMonitor."),
                            "portName": _s(
                                "string",
                                "Name of the pod port to scrape (default metrics).",
                                minLength=1,
                            ),
                            "path": _s("string", "Metrics path (default /metrics).", minLength=1),
                            "interval": _s("string", "Scrape interval (default 15s).", minLength=1),
                            "labels": _ref("stringMap", "Extra labels of the PodMonitor."),
                            "annotations": _ref("stringMap", "Annotations of the PodMonitor."),
                        },
                    ),
                },
            ),
        },
    )
    return {**k8s, "container": container, "role": role}


def _root() -> Schema:
    routing = _obj(
        "Service-level routing and the Gateway API Inference Extension objects.",
        {
            "modelName": _s("string", "The model name clients send in OpenAI requests."),
            "servicePort": _ref(
                "port",
                "Port the routing proxy (decode) and vLLM (prefill) "
                "listen on; the InferencePool's target port.",
            ),
            "proxy": _obj(
                "The llm-d routing proxy, a native sidecar on decode pods.",
                {
                    "image": _s(
                        "string",
                        "Routing proxy image. Required while decode pods exist.",
                        minLength=1,
                    ),
                    "targetPort": _ref("port", "Port decode vLLM listens on behind the proxy."),
                    "debugLevel": _s("integer", "Proxy log verbosity (-v).", minimum=0),
                    "enabled": _s(
                        "boolean",
                        "Run the proxy; when false, decode vLLM listens on servicePort itself.",
                    ),
                    "connector": _s(
                        "string",
                        "KV transfer connector (--connector).",
                        minLength=1,
                    ),
                    "imagePullPolicy": _s(
                        "string",
                        "Proxy image pull policy.",
                        enum=["Always", "IfNotPresent", "Never"],
                    ),
                    "secure": _s("boolean", "Serve TLS (--secure-proxy)."),
                    "prefillerUseTLS": _s(
                        "boolean", "Talk TLS to prefill pods (--prefiller-use-tls)."
                    ),
                    "certPath": _s("string", "Certificate directory (--cert-path).", minLength=1),
                    "extraArgs": {**_STR_LIST, "description": "Extra proxy arguments, last."},
                },
            ),
            "parentRefs": _list("Gateways the HTTPRoute attaches to.", _ref("parentRef")),
            "inferencePool": _obj(
                "The InferencePool.",
                {
                    "create": _s("boolean", "Create the InferencePool."),
                    "extensionRef": _s(
                        "string", "EPP Service to use instead of the one created here.", minLength=1
                    ),
                    "name": _s("string", "Pool name (default: the fullname).", minLength=1),
                    "apiVersion": _s(
                        "string",
                        "InferencePool API: the v1alpha2 shape of GAIE 0.4, or the GA v1.",
                        enum=[
                            POOL_V1ALPHA2,
                            POOL_V1,
                        ],
                    ),
                },
            ),
            "inferenceModel": _obj(
                "An InferenceModel for the served model (v1alpha2 pools only).",
                {
                    "create": _s("boolean", "Create the InferenceModel."),
                    "name": _s("string", "Its name (default: the fullname).", minLength=1),
                    "criticality": _s(
                        "string",
                        "Request criticality.",
                        enum=["Critical", "Standard", "Sheddable"],
                    ),
                },
            ),
            "httpRoute": _obj(
                "The HTTPRoute from the gateway to the pool.",
                {
                    "create": _s("boolean", "Create the HTTPRoute."),
                    "backendRefs": _list(
                        "Replaces the route's rules (each rule with its own "
                        "backendRefs and matches).",
                        _ref("httpRouteRule"),
                    ),
                    "matches": _list("Matches of the default rule.", _ref("httpRouteMatch")),
                    "inferencePool": _s(
                        "string", "Pool name in the default rule's backendRef.", minLength=1
                    ),
                    "rules": _list(
                        "Replaces the whole rules list (not together with backendRefs).",
                        _ref("httpRouteRule"),
                    ),
                    "timeouts": _obj(
                        "Timeouts of the default rule.",
                        {
                            "request": _s("string", "Request timeout, e.g. 300s.", minLength=1),
                            "backendRequest": _s(
                                "string", "Backend request timeout, e.g. 300s.", minLength=1
                            ),
                        },
                    ),
                },
            ),
            "epp": _obj(
                "The endpoint picker (inference scheduler).",
                {
                    "create": _s(
                        "boolean",
                        "Create the EPP Deployment, Service, ServiceAccount, Role and RoleBinding.",
                    ),
                    "image": _s(
                        "string",
                        "EPP image. Required when create is true. Its era must match the "
                        "pool's apiVersion: a v1 pool needs a v1-era picker "
                        "(llm-d-inference-scheduler v0.3.0+, GAIE epp v1.0.0+; default "
                        "ghcr.io/llm-d/llm-d-inference-scheduler:v0.3.2), a v1alpha2 pool a "
                        "v1alpha2-era one (llm-d-inference-scheduler 0.0.x-v0.2.x, GAIE epp "
                        "v0.x).",
                        minLength=1,
                    ),
                    "replicas": _s("integer", "EPP replicas.", minimum=0),
                    "debugLevel": _s("integer", "EPP log verbosity (-v).", minimum=0),
                    "disableReadinessProbe": _s("boolean", "Omit the readiness probe."),
                    "disableLivenessProbe": _s("boolean", "Omit the liveness probe."),
                    "inferencePool": _s(
                        "string", "Pool name the EPP serves (--poolName).", minLength=1
                    ),
                    "permissions": _s(
                        "string", "Existing Role to bind instead of creating one.", minLength=1
                    ),
                    "env": _list("EPP environment (scorer configuration).", _ref("envVar")),
                    "resources": _ref("resources", "EPP container resources."),
                    "nodeSelector": _ref("stringMap", "EPP pod nodeSelector."),
                    "tolerations": _list("EPP pod tolerations.", _ref("object")),
                    "extraArgs": {**_STR_LIST, "description": "Extra EPP arguments, last."},
                    "pluginsConfigFile": _s(
                        "string",
                        "Scheduler configuration (EndpointPickerConfig) the EPP loads with "
                        "--config-file, by its file name in the EPP ConfigMap: "
                        "default-config.yaml (GAIE scorers, any v1 picker), pd-config.yaml "
                        "(prefill/decode, llm-d-inference-scheduler only) or a key of "
                        "pluginsCustomConfig. Default with a v1 pool: pd-config.yaml when "
                        "prefill pods are created, else default-config.yaml. With a v1alpha2 "
                        "pool it is passed as -configFile (schedulers v0.2.x) only when set.",
                        minLength=1,
                    ),
                    "pluginsCustomConfig": {
                        "type": "object",
                        "description": "More files for the EPP ConfigMap: file name -> an "
                        "EndpointPickerConfig document as text; select one with "
                        "pluginsConfigFile. A name of a built-in file replaces it.",
                        "additionalProperties": {"type": "string", "minLength": 1},
                    },
                    "imagePullPolicy": _s(
                        "string",
                        "EPP image pull policy.",
                        enum=["Always", "IfNotPresent", "Never"],
                    ),
                    "service": _obj(
                        "The EPP Service.",
                        {
                            "type": _s(
                                "string",
                                "Service type.",
                                enum=["ClusterIP", "NodePort", "LoadBalancer"],
                            ),
                            "port": _ref("port", "Service port."),
                            "targetPort": _ref("port", "EPP gRPC port."),
                            "appProtocol": _s("string", "Service appProtocol."),
                            "permissions": _s(
                                "string",
                                "Alias of routing.epp.permissions (the seed README's name).",
                                minLength=1,
                            ),
                        },
                    ),
                },
            ),
        },
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "llm-d ModelService values",
        "description": "Values of one ModelService release (the llm-d-modelservice chart's "
        "format).",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "nameOverride": _s("string", "Replaces the chart name in the fullname."),
            "fullnameOverride": _s("string", "The fullname itself (truncated to 55)."),
            "multinode": _s("boolean", "LeaderWorkerSets instead of Deployments."),
            "modelArtifacts": _obj(
                "Where the model comes from.",
                {
                    "uri": _s(
                        "string", "hf://ORG/MODEL, pvc://CLAIM[/PATH] or oci://REF.", minLength=1
                    ),
                    "size": _ref(
                        "quantity", "sizeLimit of the emptyDir that holds an hf:// download."
                    ),
                    "authSecretName": _s("string", "Secret with key HF_TOKEN.", minLength=1),
                    "imagePullPolicy": _s(
                        "string",
                        "Pull policy of the oci:// image volume.",
                        enum=["Always", "IfNotPresent", "Never"],
                    ),
                    "name": _s(
                        "string",
                        "The served model name; fills routing.modelName (set one, or both equal).",
                        minLength=1,
                    ),
                    "mountPath": _s(
                        "string",
                        "Where the model volume is mounted.",
                        pattern="^/",
                    ),
                    "readOnly": _s("boolean", "Mount a pvc:// claim read-only."),
                },
            ),
            "accelerator": _obj(
                "The accelerator the model servers use.",
                {
                    "type": _s(
                        "string",
                        "nvidia (default), amd, intel-gaudi, intel-i915, intel-xe, google, cpu "
                        "(no accelerator resource), or a type named in accelerator.resources.",
                        minLength=1,
                    ),
                    "resources": _ref(
                        "stringMap", "Resource name per type, overriding or adding types."
                    ),
                    "env": {
                        "type": "object",
                        "description": "Environment entries per type, appended to the first "
                        "container's env.",
                        "additionalProperties": _list("Env entries.", _ref("envVar")),
                    },
                },
            ),
            "schedulerName": _s(
                "string",
                "Scheduler of the model-serving pods (roles may override).",
                minLength=1,
            ),
            "serviceAccountOverride": _s(
                "string",
                "Run the model-serving pods as this existing ServiceAccount (none is created).",
                minLength=1,
            ),
            "extraObjects": _list(
                "Kubernetes objects rendered with the release, after the others, as written.",
                _ref("object"),
            ),
            "routing": routing,
            "decode": _ref("role", "Decode pods."),
            "prefill": _ref("role", "Prefill pods."),
        },
        "$defs": _defs(),
    }


@lru_cache(maxsize=1)
def values_schema() -> Schema:
    """The JSON Schema of the values (shared; do not modify). Defaults are not written in
    the schema's code: they are copied in from the defaults document, their one source."""
    from modelservice.values.layering import default_values

    root = _root()
    _annotate_defaults(root, default_values(), root)
    return root


def _annotate_defaults(schema: Schema, defaults: Any, root: Schema) -> None:
    """Copy scalar defaults into the schema; a shared definition (``$ref``, the two roles)
    gets them once, as both places have the same defaults."""
    if "$ref" in schema:
        schema = _resolve(schema, root)
    props = schema.get("properties")
    if not isinstance(props, dict) or not isinstance(defaults, dict):
        return
    for key, sub in props.items():
        if key not in defaults or not isinstance(sub, dict):
            continue
        value = defaults[key]
        if isinstance(value, dict):
            _annotate_defaults(sub, value, root)
        elif value is not None and not isinstance(value, list):
            sub["default"] = value


def schema_json() -> str:
    """The schema as the JSON text shipped in ``values.schema.json``."""
    import json

    return json.dumps(values_schema(), indent=2) + "\n"


# --------------------------------------------------------------------------- validation

_TYPE_CHECKS = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "null": lambda v: v is None,
}
_ARTICLE = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "a boolean (true or false)",
    "integer": "an integer",
    "number": "a number",
    "null": "null",
}


def _describe(value: Any) -> str:
    from modelservice.errors import type_name

    text = repr(value) if not isinstance(value, dict | list) else ""
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type_name(value)} {text}".strip()


def join_path(path: str, key: str | int) -> str:
    """Extend a key path: ``a`` + ``b`` → ``a.b``; ``a`` + 3 → ``a[3]``; a key holding
    ``.`` or ``[`` is quoted (``limits."nvidia.com/gpu"``)."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if "." in key or "[" in key:
        key = f'"{key}"'
    return f"{path}.{key}" if path else key


def suggest(word: str, choices: list[str]) -> str | None:
    """The closest allowed word, for "did you mean" hints."""
    import difflib

    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return match[0] if match else None


def _resolve(schema: Schema, root: Schema) -> Schema:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def iter_schema_problems(value: Any) -> Iterator[Problem]:
    """Every place where ``value`` breaks the values schema, with plain-words messages."""
    problems: list[Problem] = []
    _validator()(value, None, problems)
    return iter(problems)


# The validator is compiled once per process: each schema node becomes a closure, so that
# checking a document costs one call per value and no dictionary lookups into the schema.


def _path_text(path: _Path) -> str:
    keys: list[str | int] = []
    while path is not None:
        path, key = path
        keys.append(key)
    text = ""
    for key in reversed(keys):
        text = join_path(text, key)
    return text


#: Patterns whose failures deserve a better message than "does not match <regex>".
_PATTERN_CHECKS: dict[str, Callable[[str], str | None]] = {QUANTITY_PATTERN: quantity_problem}

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "null": (type(None),),
}


@lru_cache(maxsize=1)
def _validator() -> _Check:
    root = values_schema()
    compiled: dict[int, _Check] = {}

    def compile_node(schema: Schema) -> _Check:
        schema = _resolve(schema, root)
        key = id(schema)
        if key in compiled:
            return compiled[key]

        # Placeholder first: recursive definitions refer to themselves.
        def late(value: Any, path: _Path, out: list[Problem]) -> None:
            compiled[key](value, path, out)

        compiled[key] = late
        compiled[key] = check = _compile_node(schema, compile_node)
        return check

    return compile_node(root)


def _compile_node(schema: Schema, compile_node: Callable[[Schema], _Check]) -> _Check:
    types = schema.get("type")
    names = [types] if isinstance(types, str) else list(types or [])
    py_types = tuple(t for n in names for t in _PY_TYPES[n])
    bool_ok = "boolean" in names
    wanted = " or ".join(_ARTICLE[n] for n in names)
    enum = schema.get("enum")
    min_len = schema.get("minLength", 0)
    # A pattern with a message of its own is checked by its own function (no regex).
    pattern_check = _PATTERN_CHECKS.get(schema.get("pattern", ""))
    pattern = re.compile(schema["pattern"]) if "pattern" in schema and not pattern_check else None
    minimum, maximum = schema.get("minimum"), schema.get("maximum")
    properties: dict[str, Schema] = schema.get("properties", {})
    # Sub-schemas are compiled when a value first reaches them: a run checks one values
    # document, which touches a fraction of the schema.
    props: dict[str, _Check] = {}
    for name, sub in properties.items():
        props[name] = _deferred(props, name, sub, compile_node)
    required = tuple(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    later: dict[str, _Check] = {}
    if isinstance(extra, dict):
        later["extra"] = _deferred(later, "extra", extra, compile_node)
    if "items" in schema:
        later["items"] = _deferred(later, "items", schema["items"], compile_node)
    closed = extra is False
    allowed = sorted(props)
    min_items = schema.get("minItems", 0)

    def check_object(value: Any, path: _Path, out: list[Problem]) -> None:
        # The common case, specialised: a mapping with named keys (most nodes of a values
        # document), checked without the other kinds' tests.
        if not isinstance(value, dict):
            out.append(Problem(_path_text(path), f"must be {wanted}, got {_describe(value)}"))
            return
        for req in required:
            if req not in value:
                desc = _resolve_desc(properties[req]) if req in properties else ""
                out.append(
                    Problem(
                        join_path(_path_text(path), req),
                        "required" + (f": {desc}" if desc else ""),
                    )
                )
        for key, item in value.items():
            if item is None:  # a null removes a key (a default): nothing to check
                continue
            sub = props.get(key)
            if sub is not None:
                sub(item, (path, key), out)
            elif closed:
                out.append(_unknown_key(key, allowed, path))
            elif "extra" in later:
                later["extra"](item, (path, key), out)

    def check_type(value: Any, path: _Path, out: list[Problem]) -> None:
        # A leaf with nothing to check but its type (a boolean, a free-form string).
        if not isinstance(value, py_types) or (isinstance(value, bool) and not bool_ok):
            out.append(Problem(_path_text(path), f"must be {wanted}, got {_describe(value)}"))

    def check_array(value: Any, path: _Path, out: list[Problem]) -> None:
        if not isinstance(value, list):
            out.append(Problem(_path_text(path), f"must be {wanted}, got {_describe(value)}"))
            return
        if len(value) < min_items:
            out.append(Problem(_path_text(path), f"must have at least {min_items} item(s)"))
        items = later.get("items")
        if items is not None:
            for i, item in enumerate(value):
                # later["items"] is replaced by the compiled check after its first call
                later["items"](item, (path, i), out)

    def check_text(value: Any, path: _Path, out: list[Problem]) -> None:
        if not isinstance(value, str):
            out.append(Problem(_path_text(path), f"must be {wanted}, got {_describe(value)}"))
        elif len(value) < min_len:
            out.append(Problem(_path_text(path), "must not be empty"))

    simple = enum is None and pattern is None and pattern_check is None
    bounded = minimum is not None or maximum is not None
    if py_types == (dict,) and enum is None:
        return check_object
    if py_types == (list,) and enum is None:
        return check_array
    if py_types == (str,) and simple and min_len:
        return check_text
    if py_types and simple and not min_len and not bounded and not {dict, list} & set(py_types):
        return check_type

    def check(value: Any, path: _Path, out: list[Problem]) -> None:
        if py_types and (
            not isinstance(value, py_types) or (isinstance(value, bool) and not bool_ok)
        ):
            out.append(Problem(_path_text(path), f"must be {wanted}, got {_describe(value)}"))
            return
        if enum is not None and value not in enum:
            hint = suggest(value, enum) if isinstance(value, str) else None
            out.append(
                Problem(
                    _path_text(path),
                    f"{value!r} is not allowed; must be one of {', '.join(map(str, enum))}"
                    + (f" (did you mean {hint!r}?)" if hint else ""),
                )
            )
            return
        if isinstance(value, str):
            if len(value) < min_len:
                out.append(Problem(_path_text(path), "must not be empty"))
            if pattern_check is not None:
                problem = pattern_check(value)
                if problem:
                    out.append(Problem(_path_text(path), problem))
            elif pattern is not None and not pattern.search(value):
                out.append(
                    Problem(
                        _path_text(path), f"{_describe(value)} does not match {pattern.pattern}"
                    )
                )
        elif isinstance(value, dict):
            check_object(value, path, out)
        elif isinstance(value, list):
            check_array(value, path, out)
        elif not isinstance(value, bool) and isinstance(value, int | float):
            if minimum is not None and value < minimum:
                out.append(Problem(_path_text(path), f"must be at least {minimum}, got {value}"))
            if maximum is not None and value > maximum:
                out.append(Problem(_path_text(path), f"must be at most {maximum}, got {value}"))

    return check


def _unknown_key(key: Any, allowed: list[str], path: _Path) -> Problem:
    hint = suggest(key, allowed) if isinstance(key, str) else None
    msg = (
        f"unknown key; did you mean {hint!r}?"
        if hint
        else f"unknown key (allowed here: {', '.join(allowed)})"
    )
    return Problem(_path_text((path, key)), msg)


def _deferred(
    table: dict[str, _Check], key: str, schema: Schema, compile_node: Callable[[Schema], _Check]
) -> _Check:
    """A checker that compiles ``schema`` on its first call and puts the compiled checker
    in its place in ``table``, so that later calls go straight to it."""

    def first(value: Any, path: _Path, out: list[Problem]) -> None:
        check = table[key] = compile_node(schema)
        check(value, path, out)

    return first


def _resolve_desc(schema: Schema) -> str:
    desc = schema.get("description")
    if desc is None and "$ref" in schema:
        desc = _resolve(schema, values_schema()).get("description")
    return str(desc or "")
