"""Semantic validation, and the typed model built from values that pass it.

The JSON Schema catches shapes; this module catches what a schema cannot say well: URI
forms, rules that tie keys together, the names the release will produce, and the
accelerator arithmetic. Checking and building happen in one pass so that the two can never
disagree about what a value means, and every problem is collected before anything fails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from modelservice.errors import Problem, ValuesError
from modelservice.values.layering import Values
from modelservice.values.model import (
    Container,
    Epp,
    ModelService,
    ModelURI,
    Obj,
    Parallelism,
    Proxy,
    Role,
    Routing,
)
from modelservice.values.schema import iter_schema_problems, join_path

ROLES = ("decode", "prefill")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
SIMULATOR_IMAGE = "llm-d-inference-sim"
GPU_RESOURCE = "nvidia.com/gpu"

#: Container keys copied to the rendered container as written, in output order.
PASSTHROUGH_CONTAINER_KEYS = (
    "securityContext",
    "imagePullPolicy",
    "livenessProbe",
    "readinessProbe",
    "workingDir",
    "stdin",
    "tty",
)


@dataclass
class Report:
    """Problems (fatal) and warnings (printed, not fatal) found while building the model."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(Problem(path, message))


@dataclass(frozen=True)
class Validated:
    """A release's model, with the warnings its values produced."""

    model: ModelService
    warnings: tuple[Problem, ...]


def parse_uri(uri: str, report: Report, path: str = "modelArtifacts.uri") -> ModelURI:
    """Parse and check a model URI: ``hf://NAME``, ``pvc://CLAIM[/PATH]``, ``oci://REF``."""
    allowed = "hf://ORG/MODEL, pvc://CLAIM[/PATH] or oci://REGISTRY/REPO:TAG"
    scheme, sep, rest = uri.partition("://")
    if not sep:
        report.error(path, f"{uri!r} is not a model URI; expected {allowed}")
        return ModelURI("hf", uri, repo=uri)
    if scheme == "hf":
        if not rest or rest.startswith("/") or rest.endswith("/"):
            report.error(path, f"{uri!r}: hf:// needs a model name, as in hf://facebook/opt-125m")
        return ModelURI("hf", uri, repo=rest)
    if scheme == "pvc":
        claim, _, sub = rest.partition("/")
        if not claim:
            report.error(
                path, f"{uri!r}: pvc:// needs a claim name, as in pvc://CLAIM/path/to/model"
            )
        elif not DNS1123_SUBDOMAIN.match(claim) or len(claim) > 253:
            report.error(
                path,
                f"{uri!r}: {claim!r} is not a valid PersistentVolumeClaim name "
                "(lower-case letters, digits, '-' and '.')",
            )
        return ModelURI("pvc", uri, claim=claim, path=sub.strip("/"))
    if scheme == "oci":
        if not rest or rest.startswith("/"):
            report.error(
                path, f"{uri!r}: oci:// needs an image reference, as in oci://quay.io/org/model:tag"
            )
        return ModelURI("oci", uri, reference=rest)
    report.error(path, f"unsupported scheme {scheme + '://'!r} in {uri!r}; expected {allowed}")
    return ModelURI(scheme, uri)


def _count(value: Any) -> int | None:
    """An accelerator count as written (``8``, ``"8"``); ``None`` if it is not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def accelerator_resources(
    resources: Mapping[str, Any], resource: str | None, needed: int, path: str, report: Report
) -> Obj:
    """Rule F10: the first container's limits/requests with the accelerator count filled in.

    An explicit count at least as large as the parallelism needs is kept as written and
    copied to the side that lacks it; a smaller one is raised, with a warning.
    """
    limits = dict(resources.get("limits") or {})
    requests = dict(resources.get("requests") or {})
    if resource is None or needed < 1:
        return {"limits": limits, "requests": requests}
    sides = {"limits": limits, "requests": requests}
    for side, values in sides.items():
        if resource not in values:
            continue
        n = _count(values[resource])
        where = join_path(join_path(path, side), resource)
        if n is None:
            report.error(where, f"must be a whole number of accelerators, got {values[resource]!r}")
        elif n < needed:
            report.warn(
                where,
                f"{n} is fewer than the parallelism needs (tensor x dataLocal = "
                f"{needed}); using {needed}",
            )
            values[resource] = str(needed)
    if resource in limits and resource not in requests:
        requests[resource] = limits[resource]
    elif resource in requests and resource not in limits:
        limits[resource] = requests[resource]
    elif resource not in limits:
        limits[resource] = requests[resource] = str(needed)
    if _count(limits[resource]) != _count(requests[resource]):
        report.warn(
            join_path(path, "requests"),
            f"{resource} requests ({requests[resource]}) differ from limits "
            f"({limits[resource]}); Kubernetes requires them to be equal for "
            "extended resources",
        )
    return {"limits": limits, "requests": requests}


def _container(
    raw: Mapping[str, Any], index: int, role: str, par: Parallelism, report: Report
) -> Container:
    path = f"{role}.containers[{index}]"
    command = raw.get("modelCommand", "custom")
    if command == "custom" and not raw.get("command"):
        report.error(
            join_path(path, "command"),
            "required when modelCommand is custom (or choose modelCommand vllmServe "
            "or imageDefault)",
        )
    name = raw.get("name", "vllm")
    if not DNS1123_LABEL.match(name) or len(name) > 63:
        report.error(
            join_path(path, "name"),
            f"{name!r} is not a valid container name (lower-case letters, digits and "
            "'-', at most 63)",
        )
    image = raw.get("image", "")
    resources = raw.get("resources") or {}
    if index == 0 and SIMULATOR_IMAGE not in image:
        res = accelerator_resources(
            resources, GPU_RESOURCE, par.accelerators_per_pod, join_path(path, "resources"), report
        )
    else:
        res = {
            "limits": dict(resources.get("limits") or {}),
            "requests": dict(resources.get("requests") or {}),
        }
    ports = raw.get("ports")
    return Container(
        name=name,
        image=image,
        model_command=command,
        command=tuple(raw["command"]) if raw.get("command") else None,
        args=tuple(raw.get("args") or ()),
        env=tuple(raw.get("env") or ()),
        ports=tuple(ports) if ports else None,
        resources=res,
        volume_mounts=tuple(raw.get("volumeMounts") or ()),
        mount_model_volume=bool(raw.get("mountModelVolume", False)),
        passthrough=tuple((k, raw[k]) for k in PASSTHROUGH_CONTAINER_KEYS if k in raw),
    )


def _parallelism(raw: Mapping[str, Any], role: str, report: Report) -> Parallelism:
    tensor = raw.get("tensor", 1)
    data = raw.get("data")
    local = raw.get("dataLocal")
    if data is None:
        data = local or 1
    if local is None:
        local = data if data else 1
    if data % local:
        report.error(
            f"{role}.parallelism.data", f"data ({data}) must be a multiple of dataLocal ({local})"
        )
        local = data
    return Parallelism(tensor=tensor, data=data, data_local=local)


def _role(values: Mapping[str, Any], name: str, report: Report) -> Role:
    raw = values.get(name) or {}
    par = _parallelism(raw.get("parallelism") or {}, name, report)
    create = bool(raw.get("create", True))
    raw_containers = raw.get("containers") or []
    containers = tuple(_container(c, i, name, par, report) for i, c in enumerate(raw_containers))
    if create and not containers:
        report.error(
            f"{name}.containers",
            f"at least one container is needed while {name}.create is true (or set create: false)",
        )
    seen: set[str] = set()
    for i, c in enumerate(containers):
        if c.name in seen:
            report.error(
                f"{name}.containers[{i}].name", f"duplicate container name {c.name!r} in {name}"
            )
        seen.add(c.name)
    acc = raw.get("acceleratorTypes") or {}
    return Role(
        name=name,
        create=create,
        replicas=raw.get("replicas", 1),
        autoscaling=bool((raw.get("autoscaling") or {}).get("enabled", False)),
        parallelism=par,
        accelerator_label_key=acc.get("labelKey"),
        accelerator_label_values=tuple(acc.get("labelValues") or ()),
        volumes=tuple(raw.get("volumes") or ()),
        image_pull_secrets=tuple(raw.get("imagePullSecrets") or ()),
        pod_security_context=raw.get("podSecurityContext"),
        containers=containers,
    )


def _chart_default(value: int | None, default: int, path: str, report: Report) -> int:
    """The chart wrote ``default N .Values.x``, where Go templates treat 0 as unset."""
    if value is None:
        return default
    if value == 0:
        report.warn(path, f"0 is treated as unset by the chart; using {default}")
        return default
    return value


def _routing(values: Mapping[str, Any], decode: Role, report: Report) -> Routing:
    r = values.get("routing") or {}
    proxy = r.get("proxy") or {}
    epp = r.get("epp") or {}
    svc = epp.get("service") or {}
    pool = r.get("inferencePool") or {}
    route = r.get("httpRoute") or {}

    if decode.create and not proxy.get("image"):
        report.error(
            "routing.proxy.image",
            "required: decode pods run the routing proxy sidecar; set an image such as "
            "ghcr.io/llm-d/llm-d-routing-sidecar:0.0.6",
        )
    epp_create = bool(epp.get("create", True))
    if epp_create and not epp.get("image"):
        report.error(
            "routing.epp.image",
            "required while routing.epp.create is true; set an image such as "
            "ghcr.io/llm-d/llm-d-inference-scheduler:0.0.3, or set create: false",
        )
    permissions = epp.get("permissions")
    alias = svc.get("permissions")
    if permissions and alias and permissions != alias:
        report.error(
            "routing.epp.service.permissions",
            f"{alias!r} conflicts with routing.epp.permissions {permissions!r}; "
            "they are two names for one setting, set only one",
        )
    env = epp.get("env")
    return Routing(
        model_name=r.get("modelName"),
        service_port=r.get("servicePort", 8000),
        proxy=Proxy(
            image=proxy.get("image"),
            target_port=proxy.get("targetPort", 8200),
            debug_level=_chart_default(
                proxy.get("debugLevel"), 5, "routing.proxy.debugLevel", report
            ),
        ),
        parent_refs=tuple(r["parentRefs"]) if r.get("parentRefs") else None,
        pool_create=bool(pool.get("create", True)),
        pool_extension_ref=pool.get("extensionRef"),
        route_create=bool(route.get("create", True)),
        route_backend_refs=tuple(route["backendRefs"]) if route.get("backendRefs") else None,
        route_matches=tuple(route["matches"]) if route.get("matches") else None,
        route_pool_name=route.get("inferencePool"),
        epp=Epp(
            create=epp_create,
            image=epp.get("image"),
            replicas=_chart_default(epp.get("replicas"), 1, "routing.epp.replicas", report),
            debug_level=_chart_default(epp.get("debugLevel"), 4, "routing.epp.debugLevel", report),
            readiness_probe=not epp.get("disableReadinessProbe", False),
            liveness_probe=not epp.get("disableLivenessProbe", False),
            pool_name_override=epp.get("inferencePool"),
            permissions=permissions or alias,
            env=tuple(env) if env else None,
            service_type=svc.get("type", "ClusterIP"),
            service_port=svc.get("port", 9002),
            service_target_port=svc.get("targetPort", 9002),
            service_app_protocol=svc.get("appProtocol"),
        ),
    )


def _check_names(model: ModelService, values: Mapping[str, Any], report: Report) -> None:
    from modelservice.render import names

    if values.get("fullnameOverride"):
        where, what = "fullnameOverride", "fullnameOverride"
    elif values.get("nameOverride"):
        where, what = "nameOverride", "the release name with nameOverride"
    else:
        where, what = "", f"release name {model.release!r}"
    full = names.fullname(model)
    if not full or not DNS1123_LABEL.match(full):
        report.error(
            where,
            f"{what} gives the object name prefix {full!r}, which is not a valid "
            "Kubernetes name: use lower-case letters, digits and '-', starting "
            "with a letter",
        )
    elif model.routing.epp.create and not DNS1035_LABEL.match(names.epp_name(model)):
        report.error(
            where,
            f"{what} gives the EPP Service name {names.epp_name(model)!r}, which "
            "must start with a letter",
        )
    if not DNS1123_LABEL.match(model.namespace) or len(model.namespace) > 63:
        report.problems.append(
            Problem(
                "",
                f"namespace {model.namespace!r} is not a valid Kubernetes namespace name",
                "--namespace",
            )
        )


def check_release_name(release: str) -> list[Problem]:
    """Helm's rule for release names: a DNS-1123 subdomain of at most 53 characters."""
    if not release:
        return [Problem("", "the release name must not be empty", "RELEASE argument")]
    if len(release) > 53 or not DNS1123_SUBDOMAIN.match(release):
        return [
            Problem(
                "",
                f"invalid release name {release!r}: at most 53 lower-case letters, "
                "digits, '-' and '.', starting and ending with a letter or digit",
                "RELEASE argument",
            )
        ]
    return []


def validate(values: Values, release: str, namespace: str = "default") -> Validated:
    """Check the values and build the release's model; raise :class:`ValuesError` with every
    problem found (schema and semantic), each located in its source where possible."""
    problems = check_release_name(release)
    problems += list(iter_schema_problems(values.merged))
    if problems:
        raise ValuesError(_located(problems, values))
    merged = values.merged
    report = Report()
    art = merged.get("modelArtifacts") or {}
    uri = art.get("uri")
    if not uri:
        report.error(
            "modelArtifacts.uri",
            "required: where the model comes from, as in hf://facebook/opt-125m",
        )
        model_uri = ModelURI("hf", "", repo="")
    else:
        model_uri = parse_uri(uri, report)
    decode = _role(merged, "decode", report)
    prefill = _role(merged, "prefill", report)
    routing = _routing(merged, decode, report)
    model = ModelService(
        release=release,
        namespace=namespace,
        fullname_override=merged.get("fullnameOverride"),
        name_override=merged.get("nameOverride"),
        multinode=bool(merged.get("multinode", False)),
        model_uri=model_uri,
        model_size=art.get("size", "0"),
        auth_secret_name=art.get("authSecretName"),
        oci_pull_policy=art.get("imagePullPolicy", "Always"),
        routing=routing,
        decode=decode,
        prefill=prefill,
    )
    _check_names(model, merged, report)
    if report.problems:
        raise ValuesError(_located(report.problems, values))
    return Validated(model, tuple(_located(report.warnings, values)))


def _located(problems: list[Problem], values: Values) -> list[Problem]:
    """Add the user source (file and line, or --set flag) to each problem that lacks one."""
    out = []
    for p in problems:
        if p.source is None and p.path and values.layers:
            source, line = values.locate(p.path)
            p = Problem(p.path, p.message, source, line)
        out.append(p)
    return out
