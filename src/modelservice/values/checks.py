"""Semantic validation, and the typed model built from values that pass it.

The JSON Schema catches shapes; this module catches what a schema cannot say well: URI
forms, rules that tie keys together, the names the release will produce, and the
accelerator arithmetic. Checking and building happen in one pass so that the two can never
disagree about what a value means, and every problem is collected before anything fails.
"""

from __future__ import annotations

from collections.abc import Mapping

from modelservice._record import Record
from modelservice.datatree import copy_tree
from modelservice.errors import Problem, ValuesError
from modelservice.naming import (
    POD_SELECTOR_LABELS,
    POOL_V1,
    POOL_V1ALPHA2,
    check_release_name,
    dns1035_label,
    dns1123_label,
    dns1123_subdomain,
)
from modelservice.values.epp import (
    BUILTIN_CONFIGS,
    DEFAULT_CONFIG_FILE,
    LLMD_ONLY_CONFIGS,
    PD_CONFIG_FILE,
    V1_DEFAULT_IMAGE,
    image_era,
    images_for,
)
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
from modelservice.values.schema import iter_schema_problems, join_path, suggest

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

ROLES = ("decode", "prefill")
SIMULATOR_IMAGE = "llm-d-inference-sim"

#: Extended resource names of the accelerator types we know; ``cpu`` has none.
ACCELERATOR_RESOURCES: dict[str, str | None] = {
    "nvidia": "nvidia.com/gpu",
    "amd": "amd.com/gpu",
    "intel-gaudi": "habana.ai/gaudi",
    "intel-i915": "gpu.intel.com/i915",
    "intel-xe": "gpu.intel.com/xe",
    "google": "google.com/tpu",
    "cpu": None,
}
#: What a ConfigMap key (a plugins configuration file name) may hold: checked by hand, as
#: the name rules above, so that no regex is compiled at every start.
CONFIG_FILE_CHARS = frozenset("-._abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

#: Container keys copied to the rendered container as written, in output order.
PASSTHROUGH_CONTAINER_KEYS = (
    "securityContext",
    "imagePullPolicy",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
    "envFrom",
    "workingDir",
    "stdin",
    "tty",
)

#: Role keys copied into the pod spec as written, in output order.
POD_CONTROL_KEYS = (
    "nodeSelector",
    "tolerations",
    "priorityClassName",
    "runtimeClassName",
    "terminationGracePeriodSeconds",
    "enableServiceLinks",
    "hostIPC",
    "hostPID",
)

#: Pod labels the tool sets itself; user podLabels may not change them.
RESERVED_POD_LABELS = POD_SELECTOR_LABELS


class Report:
    """Problems (fatal) and warnings (printed, not fatal) found while building the model."""

    __slots__ = ("problems", "refused", "warnings")

    def __init__(self, refused: frozenset[str] = frozenset()) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.refused = refused
        """Key paths the schema refused (and that were pruned before these rules ran):
        a rule that would only complain about their absence must stay silent."""

    def error(self, path: str, message: str) -> None:
        problem = Problem(path, message)
        if problem not in self.problems:  # a shared key checked for each role: report once
            self.problems.append(problem)

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(Problem(path, message))


class Validated(Record):
    """A release's model, with the warnings its values produced."""

    model: ModelService
    warnings: tuple[Problem, ...]


def _short(text: str, limit: int = 80) -> str:
    """A value quoted in a message, cut short: a message must stay readable."""
    return (
        repr(text)
        if len(text) <= limit
        else repr(text[: limit - 20] + "...") + f" ({len(text)} chars)"
    )


def parse_uri(uri: str, report: Report, path: str = "modelArtifacts.uri") -> ModelURI:
    """Parse and check a model URI: ``hf://NAME``, ``pvc://CLAIM[/PATH]``, ``oci://REF``."""
    allowed = (
        "hf://ORG/MODEL, pvc://CLAIM[/PATH], pvc+hf://CLAIM/CACHE/PATH/ORG/MODEL or "
        "oci://REGISTRY/REPO:TAG"
    )
    scheme, sep, rest = uri.partition("://")
    if not sep:
        report.error(path, f"{_short(uri)} is not a model URI; expected {allowed}")
        return ModelURI("hf", uri, repo=uri)
    if scheme == "hf":
        if not rest or rest.startswith("/") or rest.endswith("/"):
            report.error(
                path, f"{_short(uri)}: hf:// needs a model name, as in hf://facebook/opt-125m"
            )
        return ModelURI("hf", uri, repo=rest)
    if scheme == "pvc":
        claim, _, sub = rest.partition("/")
        if not claim:
            report.error(
                path, f"{_short(uri)}: pvc:// needs a claim name, as in pvc://CLAIM/path/to/model"
            )
        elif not dns1123_subdomain(claim) or len(claim) > 253:
            report.error(
                path,
                f"{_short(uri)}: {_short(claim)} is not a valid PersistentVolumeClaim name "
                "(lower-case letters, digits, '-' and '.')",
            )
        return ModelURI("pvc", uri, claim=claim, path=sub.strip("/"))
    if scheme == "pvc+hf":
        claim, _, sub = rest.partition("/")
        segments = [seg for seg in sub.split("/") if seg]
        if not claim:
            report.error(
                path,
                f"{_short(uri)}: pvc+hf:// needs a claim name, as in pvc+hf://CLAIM/CACHE/PATH/ORG/MODEL",
            )
        elif len(segments) < 3:
            report.error(
                path,
                f"{_short(uri)}: pvc+hf:// needs the hub cache path and the model after "
                "the claim: pvc+hf://CLAIM/CACHE/PATH/ORG/MODEL (at least three "
                f"segments after the claim, got {len(segments)})",
            )
        elif not dns1123_subdomain(claim):
            report.error(
                path, f"{_short(uri)}: {_short(claim)} is not a valid PersistentVolumeClaim name"
            )
        return ModelURI(
            "pvc+hf", uri, claim=claim, repo="/".join(segments[-2:]), path="/".join(segments[:-2])
        )
    if scheme == "oci":
        if not rest or rest.startswith("/"):
            report.error(
                path,
                f"{_short(uri)}: oci:// needs an image reference, as in oci://quay.io/org/model:tag",
            )
        return ModelURI("oci", uri, reference=rest)
    report.error(
        path, f"unsupported scheme {_short(scheme + '://')} in {_short(uri)}; expected {allowed}"
    )
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
    """The first container's limits/requests with the accelerator count filled in.

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
    raw: Mapping[str, Any],
    index: int,
    role: str,
    par: Parallelism,
    accel: tuple[str | None, tuple[Obj, ...]],
    report: Report,
) -> Container:
    path = f"{role}.containers[{index}]"
    command = raw.get("modelCommand", "custom")
    refused = join_path(path, "modelCommand") in report.refused  # already reported
    if command == "custom" and not raw.get("command") and not refused:
        report.error(
            join_path(path, "command"),
            "required when modelCommand is custom (or choose modelCommand vllmServe "
            "or imageDefault)",
        )
    name = raw.get("name", "vllm")
    if not dns1123_label(name) or len(name) > 63:
        report.error(
            join_path(path, "name"),
            f"{name!r} is not a valid container name (lower-case letters, digits and "
            "'-', at most 63)",
        )
    image = raw.get("image", "")
    resources = raw.get("resources") or {}
    resource, accel_env = accel
    if index == 0 and SIMULATOR_IMAGE not in image:
        res = accelerator_resources(
            resources, resource, par.accelerators_per_pod, join_path(path, "resources"), report
        )
    else:
        res = {
            "limits": dict(resources.get("limits") or {}),
            "requests": dict(resources.get("requests") or {}),
        }
    for key, value in resources.items():  # claims, and fields newer than this tool
        if key not in ("limits", "requests"):
            res[key] = value
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
        extra_env=accel_env if index == 0 else (),
        passthrough=tuple((k, raw[k]) for k in PASSTHROUGH_CONTAINER_KEYS if k in raw),
    )


def _parallelism(raw: Mapping[str, Any], role: str, report: Report) -> Parallelism:
    """Tensor, data, data-local sizes; any two of data, dataLocal, workers give the third.

    With one of them alone, the chart's defaults fill the rest: ``data`` alone means one
    rank per pod (``dataLocal`` 1, as the chart's ``dataLocalParallelism`` helper), so
    ``data: 8`` is eight pods per group; ``dataLocal`` alone means one pod; ``workers``
    alone means one rank per pod.
    """
    path = f"{role}.parallelism"
    tensor = raw.get("tensor", 1)
    data, local, workers = raw.get("data"), raw.get("dataLocal"), raw.get("workers")
    if data is not None and local is not None and workers is not None:
        if data != local * workers:
            report.error(
                path,
                f"data ({data}) must equal dataLocal ({local}) x workers "
                f"({workers}); set two of the three and the third follows",
            )
            return Parallelism(tensor, data, data)
    elif data is not None and workers is not None:
        if data % workers:
            report.error(
                join_path(path, "data"), f"data ({data}) must be a multiple of workers ({workers})"
            )
            return Parallelism(tensor, data, data)
        local = data // workers
    elif local is not None and workers is not None:
        data = local * workers
    elif workers is not None:
        data, local = workers, 1
    if data is None:
        data = local or 1
    if local is None:
        local = 1
    if data % local:
        report.error(
            join_path(path, "data"), f"data ({data}) must be a multiple of dataLocal ({local})"
        )
        local = data
    return Parallelism(tensor=tensor, data=data, data_local=local)


def _accelerator(
    values: Mapping[str, Any], raw: Mapping[str, Any], role: str, report: Report
) -> tuple[str | None, tuple[Obj, ...]]:
    """The role's accelerator resource name and env, from its type (role, then top level)."""
    top = values.get("accelerator") or {}
    names: dict[str, str | None] = {**ACCELERATOR_RESOURCES, **(top.get("resources") or {})}
    role_type = (raw.get("accelerator") or {}).get("type")
    kind = role_type or top.get("type") or "nvidia"
    if kind not in names:
        where = f"{role}.accelerator.type" if role_type else "accelerator.type"
        hint = suggest(kind, sorted(names))
        report.error(
            where,
            f"unknown accelerator type {kind!r}"
            + (f" (did you mean {hint!r}?)" if hint else "")
            + "; known types: "
            f"{', '.join(sorted(names))} (add one with accelerator.resources)",
        )
        return None, ()
    env = (top.get("env") or {}).get(kind) or ()
    return names[kind], tuple(env)


def _affinity(raw: Mapping[str, Any]) -> Obj | None:
    """The role's affinity, with the acceleratorTypes expression added to every required term."""
    user = raw.get("affinity")
    acc = raw.get("acceleratorTypes") or {}
    if not acc.get("labelKey"):
        return copy_tree(user) if user else None
    expression = {
        "key": acc["labelKey"],
        "operator": "In",
        "values": list(acc.get("labelValues") or ()),
    }
    affinity: Obj = copy_tree(user) if user else {}
    node = affinity.setdefault("nodeAffinity", {})
    required = node.setdefault("requiredDuringSchedulingIgnoredDuringExecution", {})
    terms = required.setdefault("nodeSelectorTerms", [])
    if not terms:
        terms.append({})
    for term in terms:
        term.setdefault("matchExpressions", []).append(dict(expression))
    return affinity


def _pod_monitor(raw: Mapping[str, Any]) -> Obj | None:
    pm = (raw.get("monitoring") or {}).get("podmonitor") or {}
    if not pm.get("enabled"):
        return None
    return {
        "port": pm.get("portName", "metrics"),
        "path": pm.get("path", "/metrics"),
        "interval": pm.get("interval", "15s"),
        "labels": pm.get("labels") or {},
        "annotations": pm.get("annotations") or {},
    }


def _role(values: Mapping[str, Any], name: str, report: Report) -> Role:
    raw = values.get(name) or {}
    multinode = bool(values.get("multinode"))
    par = _parallelism(raw.get("parallelism") or {}, name, report)
    accel = _accelerator(values, raw, name, report)
    create = bool(_setting(raw, "create", f"{name}.create", report))
    raw_containers = raw.get("containers") or []
    containers = tuple(
        _container(c, i, name, par, accel, report) for i, c in enumerate(raw_containers)
    )
    if create and not containers:
        report.error(
            f"{name}.containers",
            f"at least one container is needed while {name}.create is true (or set create: false)",
        )
    seen: set[str] = set()
    for i, c in enumerate(containers):
        if f"{name}.containers[{i}].name" in report.refused:
            continue  # its name was refused; the default stand-in proves nothing
        if c.name in seen:
            report.error(f"{name}.containers[{i}].name", f"duplicate container name {c.name!r}")
        seen.add(c.name)
    if create and not multinode and par.workers > 1:
        report.warn(
            f"{name}.parallelism",
            f"{par.workers} pods per group (data {par.data} / "
            f"dataLocal {par.data_local}) need multinode: true; "
            "a Deployment runs each pod on its own",
        )
    if multinode and raw.get("strategy"):
        report.error(
            f"{name}.strategy",
            "a Deployment strategy does not apply with "
            "multinode: true (LeaderWorkerSets roll out by their "
            "own rolloutStrategy); remove it",
        )
    for key in ("subGroupPolicy", "startupPolicy"):
        if not multinode and raw.get(key):
            report.error(
                f"{name}.{key}", f"{key} is a LeaderWorkerSet setting and needs multinode: true"
            )
    pod_labels = raw.get("podLabels") or {}
    for key in pod_labels:
        if key in RESERVED_POD_LABELS or key.startswith("leaderworkerset.sigs.k8s.io/"):
            report.error(
                join_path(f"{name}.podLabels", key),
                "collides with a label the tool sets on the pods (it selects them); "
                "choose another key",
            )
    scheduler = raw.get("schedulerName") or values.get("schedulerName")
    controls = [(k, raw[k]) for k in POD_CONTROL_KEYS if k in raw]
    if scheduler:
        controls.append(("schedulerName", scheduler))
    acc = raw.get("acceleratorTypes") or {}
    return Role(
        name=name,
        create=create,
        replicas=_setting(raw, "replicas", f"{name}.replicas", report),
        autoscaling=bool((raw.get("autoscaling") or {}).get("enabled", False)),
        parallelism=par,
        accelerator_label_key=acc.get("labelKey"),
        accelerator_label_values=tuple(acc.get("labelValues") or ()),
        volumes=tuple(raw.get("volumes") or ()),
        image_pull_secrets=tuple(raw.get("imagePullSecrets") or ()),
        pod_security_context=raw.get("podSecurityContext"),
        containers=containers,
        accelerator_resource=accel[0],
        annotations=raw.get("annotations") or None,
        pod_annotations=raw.get("podAnnotations") or None,
        pod_labels=pod_labels or None,
        pod_controls=tuple(controls),
        affinity=_affinity(raw),
        init_containers=tuple(raw.get("initContainers") or ()),
        strategy=raw.get("strategy") or None,
        sub_group_policy=raw.get("subGroupPolicy") or None,
        startup_policy=raw.get("startupPolicy") or None,
        pod_monitor=_pod_monitor(raw),
    )


def _setting(node: Mapping[str, Any], key: str, path: str, report: Report) -> Any:
    """A key the defaults document sets, read from the merged values: that document is the
    one source of its default, restated nowhere else. Only a user's null can remove it, and
    the release cannot do without it, so that is an error naming the default."""
    value = node.get(key)
    if value is not None:
        return value
    from modelservice.values.layering import default_at

    default = default_at(path)
    report.error(
        path,
        f"required: a null removed its default ({default!r}); set a value instead",
    )
    return default


def _chart_default(value: int | None, default: int, path: str, report: Report) -> int:
    """The chart wrote ``default N .Values.x``, where Go templates treat 0 as unset."""
    if value is None:
        return default
    if value == 0:
        report.warn(path, f"0 is treated as unset by the chart; using {default}")
        return default
    return value


def _served_name(values: Values, report: Report) -> str | None:
    """``routing.modelName`` and ``modelArtifacts.name`` name the same thing; either fills
    the other, and the chart's default name applies only when the user set neither."""
    user = values.user
    user_routing = (user.get("routing") or {}) if isinstance(user.get("routing"), dict) else {}
    user_art = user.get("modelArtifacts")
    user_art = user_art if isinstance(user_art, dict) else {}
    routing_name = user_routing.get("modelName")
    art_name = user_art.get("name")
    if routing_name and art_name and routing_name != art_name:
        report.error(
            "modelArtifacts.name",
            f"{art_name!r} differs from routing.modelName "
            f"{routing_name!r}; they name the same served model, "
            "set one of them (or both equal)",
        )
    if routing_name or art_name:
        return routing_name or art_name
    merged = values.merged
    return (merged.get("routing") or {}).get("modelName") or (
        merged.get("modelArtifacts") or {}
    ).get("name")


def _user_map(user: Mapping[str, Any], *keys: str) -> Mapping[str, Any]:
    """The map the user's own values hold at ``keys`` (empty when they hold none)."""
    node: Any = user
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _default_image(pool_api: str) -> str:
    """An example for messages: the era's image the built-in defaults use."""
    if pool_api == POOL_V1:
        return V1_DEFAULT_IMAGE
    return "ghcr.io/llm-d/llm-d-inference-scheduler:0.0.3"


def _check_epp_image(
    image: str, pool_api: str, user_pool: Mapping[str, Any], report: Report
) -> None:
    """A picker of the other era cannot serve the pool: its flags, the objects it watches
    and (v1) its required configuration differ, so it would not even start."""
    era = image_era(image)
    if era is None or era[1] == pool_api:
        return
    chosen = "set" if "apiVersion" in user_pool else "the default"
    report.error(
        "routing.epp.image",
        f"{_short(image)} is an endpoint picker for {era[1]} InferencePools, but "
        f"routing.inferencePool.apiVersion is {pool_api} ({chosen}); images that fit a "
        f"{pool_api} pool: {images_for(pool_api)} (or change the pool's apiVersion)",
    )


def _epp_plugins(
    epp: Mapping[str, Any], pool_api: str, image: str | None, prefill: Role, report: Report
) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The scheduler configuration file the EPP loads, and the files of its ConfigMap.

    A v1-era picker refuses to start without one; a v1alpha2-era picker gets one only when
    the user names it (schedulers v0.2.x read ``-configFile``; older ones use env)."""
    custom = epp.get("pluginsCustomConfig") or {}
    for name, text in custom.items():
        _check_plugins_text(f'routing.epp.pluginsCustomConfig."{name}"', name, text, report)
    chosen = epp.get("pluginsConfigFile")
    if pool_api == POOL_V1:
        files = {**BUILTIN_CONFIGS, **custom}
        if chosen is None:
            # Prefill pods in the pool must never get decode requests: only the P/D
            # profile's role filters keep them apart.
            chosen = PD_CONFIG_FILE if prefill.create else DEFAULT_CONFIG_FILE
    else:
        files = dict(custom)
        if chosen is None:
            if custom:
                report.error(
                    "routing.epp.pluginsConfigFile",
                    "required when pluginsCustomConfig is set with a v1alpha2 pool: name the "
                    f"file the EPP loads ({', '.join(sorted(custom))})",
                )
            return None, ()
    if chosen not in files:
        report.error(
            "routing.epp.pluginsConfigFile",
            f"{_short(chosen)} is not a file of the EPP ConfigMap; "
            + (
                f"choose one of {', '.join(files)} or add it to pluginsCustomConfig"
                if files
                else "with a v1alpha2 pool only pluginsCustomConfig files exist: add it there"
            ),
        )
    elif chosen in LLMD_ONLY_CONFIGS and chosen not in custom and image:
        era = image_era(image)
        # (A picker of the other era is reported at routing.epp.image already.)
        if era is not None and era[1] == pool_api and "llm-d" not in era[0].repository:
            why = (
                "the default while prefill pods are created"
                if "pluginsConfigFile" not in epp
                else "set"
            )
            report.error(
                "routing.epp.pluginsConfigFile",
                f"{chosen} ({why}) uses llm-d's prefill/decode plugins, which the picker in "
                f"{_short(image)} does not have; use an llm-d-inference-scheduler image "
                f"(e.g. {V1_DEFAULT_IMAGE}), or {DEFAULT_CONFIG_FILE} with "
                "prefill.create: false",
            )
    return chosen, tuple(files.items())


def _check_plugins_text(path: str, name: str, text: str, report: Report) -> None:
    """A broken configuration would only show as a crash-looping EPP: say so now."""
    import yaml

    if not name or not CONFIG_FILE_CHARS.issuperset(name):
        report.error(path, "a ConfigMap key: use only letters, digits, '-', '_' and '.'")
        return
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        report.error(path, f"not valid YAML{where}: {getattr(exc, 'problem', exc)}")
        return
    if not isinstance(doc, dict) or doc.get("kind") != "EndpointPickerConfig":
        report.error(
            path,
            "must be an EndpointPickerConfig document (apiVersion: "
            "inference.networking.x-k8s.io/v1alpha1, kind: EndpointPickerConfig, plugins, "
            "schedulingProfiles)",
        )


def _routing(values: Values, decode: Role, prefill: Role, report: Report) -> Routing:
    merged = values.merged
    r = merged.get("routing") or {}
    proxy = r.get("proxy") or {}
    epp = r.get("epp") or {}
    svc = epp.get("service") or {}
    pool = r.get("inferencePool") or {}
    route = r.get("httpRoute") or {}
    imodel = r.get("inferenceModel") or {}

    proxy_enabled = _setting(proxy, "enabled", "routing.proxy.enabled", report)
    if decode.create and proxy_enabled and not proxy.get("image"):
        report.error(
            "routing.proxy.image",
            "required: decode pods run the routing proxy sidecar; set an image such as "
            "ghcr.io/llm-d/llm-d-routing-sidecar:0.0.6 (or routing.proxy.enabled: false)",
        )
    epp_create = bool(_setting(epp, "create", "routing.epp.create", report))
    pool_api = _setting(pool, "apiVersion", "routing.inferencePool.apiVersion", report)
    user_epp = _user_map(values.user, "routing", "epp")
    image = epp.get("image")
    env = epp.get("env")
    if pool_api == POOL_V1:
        # The defaults' image and scorer env are the v1alpha2-era picker's; a v1 pool
        # without an image of the user's gets the matching era's picker instead.
        if "image" not in user_epp:
            image = V1_DEFAULT_IMAGE
        if "env" not in user_epp:
            env = None
    if epp_create and not image:
        report.error(
            "routing.epp.image",
            "required while routing.epp.create is true; set an image such as "
            f"{_default_image(pool_api)}, or set create: false",
        )
    elif epp_create and isinstance(image, str):
        _check_epp_image(
            image, pool_api, _user_map(values.user, "routing", "inferencePool"), report
        )
    permissions = epp.get("permissions")
    alias = svc.get("permissions")
    if permissions and alias and permissions != alias:
        report.error(
            "routing.epp.service.permissions",
            f"{alias!r} conflicts with routing.epp.permissions {permissions!r}; "
            "they are two names for one setting, set only one",
        )
    model_create = bool(_setting(imodel, "create", "routing.inferenceModel.create", report))
    if model_create and pool_api == POOL_V1:
        report.error(
            "routing.inferenceModel.create",
            f"InferenceModel exists only beside {POOL_V1ALPHA2} pools; the "
            f"{POOL_V1} API has no InferenceModel. Set create: false, or use the "
            "v1alpha2 pool",
        )
    if route.get("rules") and route.get("backendRefs"):
        report.error(
            "routing.httpRoute.rules",
            "set either rules or backendRefs (the older name for the same thing), not both",
        )
    config_file, configs = _epp_plugins(
        epp, pool_api, image if epp_create else None, prefill, report
    )
    rules = route.get("rules") or route.get("backendRefs")
    return Routing(
        model_name=_served_name(values, report),
        service_port=_setting(r, "servicePort", "routing.servicePort", report),
        proxy=Proxy(
            image=proxy.get("image"),
            target_port=_setting(proxy, "targetPort", "routing.proxy.targetPort", report),
            debug_level=_chart_default(
                proxy.get("debugLevel"), 5, "routing.proxy.debugLevel", report
            ),
            enabled=proxy_enabled,
            connector=_setting(proxy, "connector", "routing.proxy.connector", report),
            image_pull_policy=_setting(
                proxy, "imagePullPolicy", "routing.proxy.imagePullPolicy", report
            ),
            secure=proxy.get("secure"),
            prefiller_use_tls=proxy.get("prefillerUseTLS"),
            cert_path=proxy.get("certPath"),
            extra_args=tuple(proxy.get("extraArgs") or ()),
        ),
        parent_refs=tuple(r["parentRefs"]) if r.get("parentRefs") else None,
        pool_create=bool(_setting(pool, "create", "routing.inferencePool.create", report)),
        pool_extension_ref=pool.get("extensionRef"),
        route_create=bool(_setting(route, "create", "routing.httpRoute.create", report)),
        route_backend_refs=tuple(rules) if rules else None,
        route_matches=tuple(route["matches"]) if route.get("matches") else None,
        route_pool_name=route.get("inferencePool"),
        epp=Epp(
            create=epp_create,
            image=image,
            replicas=_chart_default(epp.get("replicas"), 1, "routing.epp.replicas", report),
            debug_level=_chart_default(epp.get("debugLevel"), 4, "routing.epp.debugLevel", report),
            readiness_probe=not epp.get("disableReadinessProbe"),
            liveness_probe=not epp.get("disableLivenessProbe"),
            pool_name_override=epp.get("inferencePool"),
            permissions=permissions or alias,
            env=tuple(env) if env else None,
            service_type=_setting(svc, "type", "routing.epp.service.type", report),
            service_port=_setting(svc, "port", "routing.epp.service.port", report),
            service_target_port=_setting(
                svc, "targetPort", "routing.epp.service.targetPort", report
            ),
            service_app_protocol=svc.get("appProtocol"),
            image_pull_policy=_setting(
                epp, "imagePullPolicy", "routing.epp.imagePullPolicy", report
            ),
            resources=epp.get("resources") or None,
            node_selector=epp.get("nodeSelector") or None,
            tolerations=tuple(epp["tolerations"]) if epp.get("tolerations") else None,
            extra_args=tuple(epp.get("extraArgs") or ()),
            plugins_config_file=config_file,
            plugins_configs=configs,
        ),
        pool_name=pool.get("name"),
        pool_api_version=pool_api,
        route_timeouts=route.get("timeouts") or None,
        model_create=model_create,
        model_object_name=imodel.get("name"),
        model_criticality=_setting(
            imodel, "criticality", "routing.inferenceModel.criticality", report
        ),
    )


def _extra_objects(values: Mapping[str, Any], report: Report) -> tuple[Obj, ...]:
    objs = values.get("extraObjects") or []
    for i, obj in enumerate(objs):
        path = f"extraObjects[{i}]"
        missing = [
            k for k in ("apiVersion", "kind") if not isinstance(obj.get(k), str) or not obj[k]
        ]
        meta = obj.get("metadata")
        if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
            missing.append("metadata.name")
        if missing:
            report.error(path, f"a Kubernetes object needs {', '.join(missing)}")
    return tuple(objs)


def _check_names(model: ModelService, values: Mapping[str, Any], report: Report) -> None:
    from modelservice.naming import fullname

    if values.get("fullnameOverride"):
        where, what = "fullnameOverride", "fullnameOverride"
    elif values.get("nameOverride"):
        where, what = "nameOverride", "the release name with nameOverride"
    else:
        where, what = "", f"release name {model.release!r}"
    full = fullname(
        model.release,
        name_override=model.name_override,
        fullname_override=model.fullname_override,
    )
    epp_service = f"{full}-epp"
    if not full or not dns1123_label(full):
        report.error(
            where,
            f"{what} gives the object name prefix {full!r}, which is not a valid "
            "Kubernetes name: use lower-case letters, digits and '-', starting "
            "with a letter",
        )
    elif model.routing.epp.create and not dns1035_label(epp_service):
        report.error(
            where,
            f"{what} gives the EPP Service name {epp_service!r}, which must start with a letter",
        )
    if not dns1123_label(model.namespace) or len(model.namespace) > 63:
        report.problems.append(
            Problem(
                "",
                f"namespace {model.namespace!r} is not a valid Kubernetes namespace name",
                "--namespace",
            )
        )


def validate(values: Values, release: str, namespace: str = "default") -> Validated:
    """Check the values and build the release's model; raise :class:`ValuesError` with every
    problem found (schema and semantic), each located in its source where possible."""
    problems = check_release_name(release)
    # The defaults pass the schema (a test holds them to it), and merging only adds the
    # user's keys to theirs: checking what the user wrote gives the same verdict in a
    # fraction of the time.
    schema_problems = list(iter_schema_problems(values.user))
    merged = values.merged
    if schema_problems:
        # Still run the semantic rules, on the values minus what the schema refused, so
        # that one run reports everything; unless a list item itself was refused, which
        # would shift the indices the rules report.
        pruned = _prune(merged, schema_problems)
        if pruned is None:
            raise ValuesError(_located(problems + schema_problems, values))
        merged = pruned
        values = values._replace(merged=pruned)
    problems += schema_problems
    report = Report(frozenset(p.path for p in schema_problems))
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
    routing = _routing(values, decode, prefill, report)
    model = ModelService(
        release=release,
        namespace=namespace,
        fullname_override=merged.get("fullnameOverride"),
        name_override=merged.get("nameOverride"),
        multinode=bool(merged.get("multinode")),
        model_uri=model_uri,
        model_size=art.get("size", "0"),
        auth_secret_name=art.get("authSecretName"),
        oci_pull_policy=_setting(art, "imagePullPolicy", "modelArtifacts.imagePullPolicy", report),
        routing=routing,
        decode=decode,
        prefill=prefill,
        mount_path=_setting(art, "mountPath", "modelArtifacts.mountPath", report).rstrip("/")
        or "/",
        model_read_only=bool(_setting(art, "readOnly", "modelArtifacts.readOnly", report)),
        service_account_override=merged.get("serviceAccountOverride"),
        roles_present=bool(merged.get("decode") or merged.get("prefill")),
        extra_objects=_extra_objects(merged, report),
    )
    _check_names(model, merged, report)
    reported = {p.path for p in problems}
    problems += [p for p in report.problems if p.path not in reported]
    if problems:
        raise ValuesError(_located(problems, values))
    return Validated(model, tuple(_located(report.warnings, values)))


def _prune(merged: dict[str, Any], problems: list[Problem]) -> dict[str, Any] | None:
    """A copy of ``merged`` without the values at the problems' paths."""
    from modelservice.values.locate import split_path

    pruned: dict[str, Any] = copy_tree(merged)
    for p in problems:
        parts = split_path(p.path)
        if not parts or isinstance(parts[-1], int):
            return None
        node: Any = pruned
        for part in parts[:-1]:
            if isinstance(part, int) and isinstance(node, list) and part < len(node):
                node = node[part]
            elif isinstance(part, str) and isinstance(node, dict) and part in node:
                node = node[part]
            else:
                node = None
                break
        if isinstance(node, dict):
            node.pop(parts[-1], None)
    return pruned


def _located(problems: list[Problem], values: Values) -> list[Problem]:
    """Add the user source (file and line, or --set flag) to each problem that lacks one,
    and list them in the order a user reads them: problems of the command line's arguments
    first, then by values file (in layering order) and line."""
    out = []
    for p in problems:
        if p.source is None and p.path and values.layers:
            source, line = values.locate(p.path)
            p = Problem(p.path, p.message, source, line)
        out.append(p)
    rank = {layer.source: i for i, layer in enumerate(values.layers)}
    return sorted(out, key=lambda p: (rank.get(p.source or "", -1), p.line or 0))
