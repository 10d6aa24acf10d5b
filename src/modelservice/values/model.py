"""The typed, immutable model of one release, built from validated values.

The classes are NamedTuples rather than dataclasses because they are created at every CLI
start, where frozen dataclasses cost several milliseconds each. The renderer reads only this
model, never raw dicts, so that every default and every
derived number (GPUs per pod, LeaderWorkerSet size, the served model name) is decided in one
place. Kubernetes sub-objects that the values pass through stay plain mappings.
"""

from __future__ import annotations

from modelservice._record import Record

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

    Obj = dict[str, Any]
else:
    Obj = dict

CHART_VERSION = "0.0.9"
APP_VERSION = "0.0.1"


class ModelURI(Record):
    """A parsed ``modelArtifacts.uri``."""

    scheme: str
    """``hf``, ``pvc``, ``pvc+hf``, ``oci``."""
    raw: str
    repo: str = ""
    """``hf`` and ``pvc+hf``: the model id (``ORG/MODEL``)."""
    claim: str = ""
    """``pvc``: the PersistentVolumeClaim."""
    path: str = ""
    """``pvc``: the path inside the claim (no leading slash); may be empty.
    ``pvc+hf``: the hub cache directory inside the claim."""
    reference: str = ""
    """``oci``: the image reference."""


class Parallelism(Record):
    tensor: int
    data: int
    data_local: int

    @property
    def workers(self) -> int:
        """Pods per LeaderWorkerSet group."""
        return self.data // self.data_local

    @property
    def accelerators_per_pod(self) -> int:
        return self.tensor * self.data_local


class Container(Record):
    name: str
    image: str
    model_command: str
    command: tuple[str, ...] | None
    args: tuple[str, ...]
    env: tuple[Obj, ...]
    ports: tuple[Obj, ...] | None
    resources: Obj
    volume_mounts: tuple[Obj, ...]
    mount_model_volume: bool
    extra_env: tuple[Obj, ...]
    """Accelerator env entries, appended after the model's (first container only)."""
    passthrough: tuple[tuple[str, Any], ...]
    """Container fields copied as written (securityContext, probes, workingDir, ...), in
    the order the renderer emits them."""


class Role(Record):
    name: str
    """``decode`` or ``prefill``."""
    create: bool
    replicas: int
    autoscaling: bool
    parallelism: Parallelism
    accelerator_label_key: str | None
    accelerator_label_values: tuple[str, ...]
    volumes: tuple[Obj, ...]
    image_pull_secrets: tuple[Obj, ...]
    pod_security_context: Obj | None
    containers: tuple[Container, ...]
    accelerator_resource: str | None
    """The extended resource carrying the accelerator count (None: CPU only)."""
    annotations: Obj | None
    pod_annotations: Obj | None
    pod_labels: Obj | None
    pod_controls: tuple[tuple[str, Any], ...]
    """Pod spec fields copied as written (nodeSelector, tolerations, ...)."""
    affinity: Obj | None
    init_containers: tuple[Obj, ...]
    strategy: Obj | None
    sub_group_policy: Obj | None
    startup_policy: str | None
    pod_monitor: Obj | None
    """``{port, path, interval, labels, annotations}`` when a PodMonitor is wanted."""


class Proxy(Record):
    image: str | None
    target_port: int
    debug_level: int
    enabled: bool
    connector: str
    image_pull_policy: str
    secure: bool | None
    prefiller_use_tls: bool | None
    cert_path: str | None
    extra_args: tuple[str, ...]


class Epp(Record):
    create: bool
    image: str | None
    replicas: int
    debug_level: int
    readiness_probe: bool
    liveness_probe: bool
    pool_name_override: str | None
    permissions: str | None
    env: tuple[Obj, ...] | None
    service_type: str
    service_port: int
    service_target_port: int
    service_app_protocol: str | None
    image_pull_policy: str
    resources: Obj | None
    node_selector: Obj | None
    tolerations: tuple[Obj, ...] | None
    extra_args: tuple[str, ...]
    plugins_config_file: str | None
    """The scheduler configuration the EPP loads (a file of its ConfigMap); None: no
    ConfigMap, no config flag (v1alpha2-era pickers that take scorers from env)."""
    plugins_configs: tuple[tuple[str, str], ...]
    """The files of the EPP ConfigMap, (name, text), in output order."""


class Routing(Record):
    model_name: str | None
    service_port: int
    proxy: Proxy
    parent_refs: tuple[Obj, ...] | None
    pool_create: bool
    pool_extension_ref: str | None
    route_create: bool
    route_backend_refs: tuple[Obj, ...] | None
    route_matches: tuple[Obj, ...] | None
    route_pool_name: str | None
    epp: Epp
    pool_name: str | None
    """``routing.inferencePool.name``; the fullname when None."""
    pool_api_version: str
    route_timeouts: Obj | None
    model_create: bool
    model_object_name: str | None
    model_criticality: str


class ModelService(Record):
    """Everything the renderer needs to know about one release."""

    release: str
    namespace: str
    fullname_override: str | None
    name_override: str | None
    multinode: bool
    model_uri: ModelURI
    model_size: str | int | float
    auth_secret_name: str | None
    oci_pull_policy: str
    routing: Routing
    decode: Role
    prefill: Role
    mount_path: str
    model_read_only: bool
    service_account_override: str | None
    extra_objects: tuple[Obj, ...]
    roles_present: bool
    """Whether the values hold ``decode`` or ``prefill`` at all (created or not): the chart
    renders the pods' ServiceAccount then, so it outlives a role switched off and on."""

    @property
    def roles(self) -> tuple[Role, Role]:
        return (self.decode, self.prefill)
