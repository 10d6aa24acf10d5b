"""What the upstream chart did differently in each release: the renderer's one table.

The renderer for ``--chart-version`` asks a :class:`Behaviour` (``b.tp_arg_value``,
``b.lws_size`` ...) and never compares version numbers itself. Each behaviour has its
0.0.9 value in :data:`SEED`; :data:`HISTORY` lists, release by release, only what changed,
with the reason in a comment. Where upstream shipped a bug, the bug is the behaviour
(``--chart-version`` renders what that release really renders); the names say so.
"""

from __future__ import annotations

from functools import lru_cache

from modelservice.charts.versions import RELEASES, ChartVersion

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any


class Behaviour:
    """How one release renders. Field docs say what each value means.

    A plain class with slots rather than a record: building an 85-field namedtuple class
    costs every ``--chart-version`` run a millisecond and more.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    # ---- objects the release has
    routing_objects: bool
    """EPP Deployment/Service/ServiceAccount/Role/RoleBinding, InferencePool, HTTPRoute
    (0.3.0 moved them to the GAIE chart)."""
    inference_model: bool
    epp_configmap: bool
    """The EPP plugins ConfigMap, when ``routing.epp.pluginsConfigFile`` is set."""
    pod_monitors: bool
    extra_objects: bool
    requester: bool
    """``requester.enable`` turns decode into the dual-pod ReplicaSet."""
    resource_claims: str
    """``none``; ``dra`` (``dra.enabled``/``dra.type``/``dra.claimTemplates``);
    ``accelerator`` (``accelerator.dra``, one template); ``role`` (one per role)."""
    container_claims: str
    """Container ``resources.claims``: ``own`` (the accelerator's claim and the container's
    own claims) or ``pod`` (the names of the pod's claims)."""

    # ---- names and labels
    pd_labels: str
    """``fixed`` (inferenceServing, model=fullname) or ``artifacts`` (``modelArtifacts.labels``)."""
    sa_override: bool
    """``serviceAccountOverride`` names the pods' account and drops ours."""

    # ---- workloads
    pdspec_leak: bool
    """The chart merged each role's settings into the shared root context, so the role
    rendered first (prefill) lends its volumes, secrets and affinity to decode."""
    replicas_hashkey: bool
    """``replicas`` via ``hasKey`` (0 kept); before, ``default 1`` turned 0 into 1."""
    tolerations: bool
    node_selector_deployment: bool
    node_selector_lws: bool
    deployment_annotations: bool
    pod_annotations_key: str
    """Which role key annotates pod templates: ``""`` (none), ``annotations`` or
    ``podAnnotations``."""
    init_containers: str
    """User ``initContainers``: ``""`` (none), ``haskey`` or ``truthy``."""
    lws_init_containers_indent_bug: bool
    """Decode LWS: user init containers indented under the proxy's fields (YAML error)."""
    pod_spec_extras: bool
    """``enableServiceLinks`` and ``terminationGracePeriodSeconds``."""
    accelerator_warning: bool
    strategy: bool
    lws_leader_template: bool
    """A separate leader template with the proxy (else one worker template has it)."""
    lws_size: str
    """``data_over_local``, ``data`` or ``workers``."""
    lws_subgroup: str
    """``none``, ``default8`` (user's or subGroupSize 8) or ``user``."""
    lws_exclusive_topology: str
    """``none``, ``always`` (annotation always), ``typo`` (``subGroupExclusiveToplogy``),
    ``key`` (``subGroupExclusiveTopology``, on the LWS and its pod template)."""
    lws_host_ipc: str
    """``none``, ``always`` (hostIPC/hostPID true) or ``haskey``."""
    prefill_host_pid_typo: bool
    """Prefill LWS read ``.Values.decprefillode.hostPID``: a render error when set."""
    lws_worker_index_selector: bool
    """The InferencePool selected leaders with ``worker-index: "0"`` in multinode."""
    sa_when_no_roles: bool
    """The pods' ServiceAccount is rendered whenever ``decode`` or ``prefill`` is set."""

    # ---- pod spec
    extra_config: bool
    scheduler_name: bool
    priority_class: bool
    affinity_needs_label_key: bool
    model_volume_if_mounted: bool
    pvc_prefixes: bool
    """``pvc+hf`` counts as a PVC for the volume."""
    pvc_volume_read_only: str
    """``true`` or ``values`` (``modelArtifacts.readOnly``)."""

    # ---- containers
    env_header: str
    """``env-or-mount``: ``env:`` only when the container has env or mounts the model (else
    the parallelism variables land in the preceding list); ``always``."""
    env_tpl: bool
    dp_size_local_env: bool
    hf_env: str
    """``mount`` (HF_HOME, HF_TOKEN only when mounting), ``token-always`` (HF_TOKEN always,
    HF_HOME when mounting), ``hf-only`` (HF_HOME only for hf://)."""
    hf_hub_cache: bool
    mount_path_key: bool
    """``modelArtifacts.mountPath`` instead of ``/model-cache``."""
    probes_indent_bug: bool
    """liveness/readiness bodies land beside the probe key, not under it."""
    startup_probe: bool
    container_ports: str
    """``none``, ``yaml`` or ``tpl``."""
    volume_mounts_indent_bug: bool
    """User volumeMounts indented by 8 (a YAML error beside the model mount)."""
    mount_read_only: str
    """``none``, ``oci-pvc`` (both true), ``values`` (oci true, pvc* from values)."""
    model_arg: str
    """``quoted`` (hf id quoted) or ``tpl`` (tplvalues, unquoted)."""
    pvc_model_path: str
    """``root`` (/PATH), ``model-cache`` (/model-cache/PATH) or ``mount-path``."""
    pvc_hf_args: bool
    served_model_name: str
    """``none``, ``routing`` (routing.modelName, unquoted) or ``artifacts`` (quoted)."""
    tp_arg_source: str
    """``none``, ``container`` (the container's own ``parallelism``: almost never set),
    ``role``."""
    tp_arg_serve: str
    """``env`` ("$TP_SIZE") or ``number`` for vllmServe."""
    tp_arg_default: str
    """The same for imageDefault."""
    dp_args: bool
    tracing: str
    """``none``, ``global`` (``global.tracing``) or ``top`` (``tracing``)."""
    proxy_tracing_env: bool
    accelerator_env: bool
    accelerator_role: bool
    """Per-role ``accelerator.type``/``dra``."""
    gpu_rule: str
    """``tp-dpl-int`` (tensor x dataLocal when either > 1, an int), ``tp-int`` (tensor when
    > 1, an int), ``tp-string`` (tensor, string, named by accelerator type), ``tp-dpl-string``."""
    gpu_respect_user: bool
    resources_leading_newline: bool
    """The resources helper's text starts with a kept newline (a blank line in the
    requester's server patch)."""
    parallelism: str
    """``plain`` (data, dataLocal default 1) or ``derived`` (workers, data and dataLocal
    derive each other)."""

    # ---- routing proxy
    proxy_default_port: int
    proxy_connector_key: bool
    proxy_debug_level: bool
    proxy_zap: bool
    proxy_tls: bool
    proxy_enabled_key: bool
    proxy_pull_policy_key: bool
    proxy_in_init_list: bool
    """The decode templates write ``initContainers:`` themselves (and only when needed)."""
    vllm_port_proxy_disabled: bool
    """With the proxy disabled, decode vLLM listens on the service port."""

    # ---- routing objects
    epp_pool_key: str
    """Where the EPP reads the pool name: ``epp`` (``routing.epp.inferencePool``) or ``pool``
    (``routing.inferencePool.name``)."""
    epp_config_set: str
    """Which built-in EPP configurations the ConfigMap carries (a key of
    ``charts.epp_configs.CONFIGS``)."""
    epp_config_path: str
    """``/config/`` or ``config/`` in the ``-configFile`` argument."""
    epp_extra_ports: bool
    route_rules_key: str
    """``backendRefs`` or ``rules``."""
    route_timeouts: str
    """``none``, ``zero`` (always 0s) or ``values``."""
    route_hook: bool
    route_tpl: bool
    route_group_key: bool
    inference_model_criticality: bool
    inference_model_name: str
    """``routing`` (routing.modelName) or ``artifacts`` (modelArtifacts.name)."""
    podmonitor_port: str
    """``port`` (``.port`` or the vLLM port) or ``name`` (``portName``, default metrics)."""


#: Every behaviour as chart 0.0.9 (the seed) had it.
SEED: dict[str, Any] = {
    "routing_objects": True,
    "inference_model": False,
    "epp_configmap": False,
    "pod_monitors": False,
    "extra_objects": False,
    "requester": False,
    "resource_claims": "none",
    "container_claims": "own",
    "pd_labels": "fixed",
    "sa_override": False,
    "pdspec_leak": True,
    "replicas_hashkey": False,
    "tolerations": False,
    "node_selector_deployment": False,
    "node_selector_lws": False,
    "deployment_annotations": False,
    "pod_annotations_key": "",
    "init_containers": "",
    "lws_init_containers_indent_bug": False,
    "pod_spec_extras": False,
    "accelerator_warning": False,
    "strategy": False,
    "lws_leader_template": True,
    "lws_size": "data_over_local",
    "lws_subgroup": "none",
    "lws_exclusive_topology": "none",
    "lws_host_ipc": "none",
    "prefill_host_pid_typo": False,
    "lws_worker_index_selector": True,
    "sa_when_no_roles": True,
    "extra_config": False,
    "scheduler_name": False,
    "priority_class": False,
    "affinity_needs_label_key": False,
    "model_volume_if_mounted": False,
    "pvc_prefixes": False,
    "pvc_volume_read_only": "true",
    "env_header": "env-or-mount",
    "env_tpl": False,
    "dp_size_local_env": True,
    "hf_env": "mount",
    "hf_hub_cache": False,
    "mount_path_key": False,
    "probes_indent_bug": True,
    "startup_probe": False,
    "container_ports": "none",
    "volume_mounts_indent_bug": False,
    "mount_read_only": "none",
    "model_arg": "quoted",
    "pvc_model_path": "root",
    "pvc_hf_args": False,
    "served_model_name": "none",
    "tp_arg_source": "none",
    "tp_arg_serve": "env",
    "tp_arg_default": "env",
    "dp_args": False,
    "tracing": "none",
    "proxy_tracing_env": False,
    "accelerator_env": False,
    "accelerator_role": False,
    "gpu_rule": "tp-dpl-int",
    "gpu_respect_user": False,
    "resources_leading_newline": True,
    "parallelism": "plain",
    "proxy_default_port": 8080,
    "proxy_connector_key": False,
    "proxy_debug_level": True,
    "proxy_zap": False,
    "proxy_tls": False,
    "proxy_enabled_key": False,
    "proxy_pull_policy_key": False,
    "proxy_in_init_list": False,
    "vllm_port_proxy_disabled": False,
    "epp_pool_key": "epp",
    "epp_config_set": "0.0.11",
    "epp_config_path": "/config/",
    "epp_extra_ports": False,
    "route_rules_key": "backendRefs",
    "route_timeouts": "none",
    "route_hook": False,
    "route_tpl": False,
    "route_group_key": False,
    "inference_model_criticality": False,
    "inference_model_name": "routing",
    "podmonitor_port": "port",
}

#: What each release changed, oldest first. Releases that changed no behaviour are absent.
HISTORY: dict[str, dict[str, Any]] = {
    # InferenceModel; the pool named by routing.inferencePool.name; httpRoute.rules.
    "0.0.10": {"inference_model": True, "epp_pool_key": "pool", "route_rules_key": "rules"},
    # The EPP plugins ConfigMap and -configFile.
    "0.0.11": {"epp_configmap": True},
    # One LWS template (proxy on every pod), size = data, subGroupPolicy, host IPC/PID,
    # the exclusive-topology annotation; GPUs = tensor only; DP_SIZE_LOCAL dropped;
    # --tensor-parallel-size (read from the container, by mistake); HF_TOKEN without a
    # mount; the leaders-only pool selector dropped; user volumeMounts mis-indented.
    "0.0.12": {
        "lws_leader_template": False,
        "lws_size": "data",
        "lws_subgroup": "default8",
        "lws_exclusive_topology": "always",
        "lws_host_ipc": "always",
        "gpu_rule": "tp-int",
        "dp_size_local_env": False,
        "tp_arg_source": "container",
        "hf_env": "token-always",
        "lws_worker_index_selector": False,
        "epp_config_path": "config/",
        "volume_mounts_indent_bug": True,
    },
    "0.0.13": {"proxy_connector_key": True},
    "0.0.14": {"volume_mounts_indent_bug": False},
    # HF_HOME only for hf://; --served-model-name; role annotations.
    "0.0.15": {
        "hf_env": "hf-only",
        "served_model_name": "routing",
        "deployment_annotations": True,
    },
    "0.0.16": {"route_timeouts": "zero"},
    "0.0.17": {"proxy_tls": True},
    # Opt-in exclusive topology (misspelt key), hostIPC/hostPID from values (prefill's
    # hostPID misspelt), EPP extra ports, InferenceModel criticality.
    "0.0.18": {
        "lws_subgroup": "user",
        "lws_exclusive_topology": "typo",
        "lws_host_ipc": "haskey",
        "prefill_host_pid_typo": True,
        "epp_extra_ports": True,
        "epp_config_set": "0.0.18",
        "inference_model_criticality": True,
    },
    "0.0.19": {"probes_indent_bug": False, "startup_probe": True},
    "0.0.20": {"lws_exclusive_topology": "key", "pod_annotations_key": "annotations"},
    # Each role's own pod settings (no more leak); replicas 0 kept; PVC paths under
    # /model-cache; schedulerName; tolerations.
    "0.2.0": {
        "pdspec_leak": False,
        "replicas_hashkey": True,
        "pvc_model_path": "model-cache",
        "scheduler_name": True,
        "tolerations": True,
        "prefill_host_pid_typo": False,
    },
    "0.2.1": {
        "pvc_prefixes": True,
        "pvc_hf_args": True,
        "hf_hub_cache": True,
        "container_ports": "yaml",
        "pod_monitors": True,
        "route_hook": True,
    },
    # Templates inside values; modelArtifacts.name and .mountPath.
    "0.2.3": {
        "container_ports": "tpl",
        "model_arg": "tpl",
        "pvc_model_path": "mount-path",
        "mount_path_key": True,
        "served_model_name": "artifacts",
        "route_tpl": True,
        "inference_model_name": "artifacts",
    },
    "0.2.4": {"podmonitor_port": "name"},
    "0.2.5": {"extra_config": True, "env_header": "always", "env_tpl": True},
    "0.2.6": {"pod_annotations_key": "podAnnotations"},
    "0.2.7": {"affinity_needs_label_key": True, "route_timeouts": "values", "extra_objects": True},
    # Accelerator types (resource names, env); the proxy can be disabled.
    "0.2.8": {
        "gpu_rule": "tp-string",
        "accelerator_env": True,
        "proxy_enabled_key": True,
        "proxy_pull_policy_key": True,
    },
    "0.2.10": {"route_group_key": True},
    "0.2.15": {"tp_arg_source": "role"},
    "0.2.16": {"tp_arg_serve": "number"},
    # Routing objects moved to the GAIE chart; pod labels from modelArtifacts.labels.
    "0.3.0": {
        "routing_objects": False,
        "inference_model": False,
        "epp_configmap": False,
        "pd_labels": "artifacts",
    },
    "0.3.1": {"resource_claims": "dra"},
    "0.3.2": {
        "proxy_default_port": 8000,
        "vllm_port_proxy_disabled": True,
        "tp_arg_default": "number",
    },
    "0.3.3": {"sa_override": True},
    "0.3.4": {"requester": True},
    # Parallelism derived from any two of data, dataLocal, workers; GPUs = tensor x
    # dataLocal; DP flags; DP_SIZE_LOCAL back; user init containers.
    "0.3.6": {
        "parallelism": "derived",
        "lws_size": "workers",
        "gpu_rule": "tp-dpl-string",
        "dp_args": True,
        "dp_size_local_env": True,
        "init_containers": "haskey",
        "proxy_in_init_list": True,
    },
    "0.3.7": {"node_selector_deployment": True},
    "0.3.8": {"proxy_debug_level": False, "proxy_zap": True},
    "0.3.11": {
        "init_containers": "truthy",
        "pod_spec_extras": True,
        "lws_init_containers_indent_bug": True,
    },
    "0.3.13": {"mount_read_only": "oci-pvc"},
    "0.3.15": {"model_volume_if_mounted": True},
    "0.3.16": {"node_selector_lws": True},
    "0.3.17": {"gpu_respect_user": True, "accelerator_warning": True},
    "0.3.18": {"tracing": "global"},
    "0.4.0": {"resource_claims": "accelerator"},
    "0.4.1": {"resource_claims": "role", "accelerator_role": True},
    "0.4.4": {"container_claims": "pod", "resources_leading_newline": False},
    "0.4.7": {"tracing": "top", "proxy_tracing_env": True},
    "0.4.8": {"priority_class": True},
    "0.4.9": {"lws_init_containers_indent_bug": False},
    "0.4.11": {"strategy": True},
    "0.4.12": {"pvc_volume_read_only": "values", "mount_read_only": "values"},
}


@lru_cache(maxsize=4)
def behaviour(release: ChartVersion) -> Behaviour:
    """How ``release`` renders: the seed's behaviour with every later change applied."""
    values = dict(SEED)
    for r in RELEASES:
        values.update(HISTORY.get(r.version, {}))
        if r.version == release.version:
            return Behaviour(values)
    raise KeyError(release.version)
