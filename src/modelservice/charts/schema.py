"""One upstream release's values JSON Schema (``modelservice schema --chart-version X``).

Built from :mod:`modelservice.charts.keys`, so it says what that release's own
``values.schema.json`` says (from 0.2.8 on; the same types, enums, required keys and closed
maps, with Kubernetes objects kept opaque below their first level) and lists as well the
keys its templates read where the schema leaves the map open. Releases before 0.2.8 ship no
schema and helm accepts any values for them: theirs lists the keys the templates read, with
no constraint, for completion and documentation in editors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelservice.charts.keys import JSON_TYPES, Key, has_schema, keys

if TYPE_CHECKING:
    from modelservice.charts.versions import ChartVersion

_ROLES = (("decode",), ("prefill",))

#: What each key is for, by table path (``decode|prefill`` for both roles, ``*`` for any
#: key of a map). A path not here falls back to the same path with ``*`` in place of a name
#: (the accelerator types), then to the Kubernetes object fields in ``_K8S_FIELDS``.
DESCRIPTIONS: dict[str, str] = {
    "": "Values of one release of the llm-d-modelservice chart.",
    "accelerator": "The accelerator the model servers use, and per accelerator type its "
    "Kubernetes resource name and environment.",
    "accelerator.type": "Accelerator type of the model servers (nvidia, amd, google, "
    "intel-i915, intel-xe, intel-gaudi, cpu, ... as accelerator.resources names them).",
    "accelerator.dra": "Request accelerators through Dynamic Resource Allocation "
    "(ResourceClaimTemplates) instead of device-plugin resources.",
    "accelerator.env": "Environment variables added to the model server per accelerator type.",
    "accelerator.env.*": "Environment variables for this accelerator type.",
    "accelerator.env.*.[]": "An environment variable (name and value).",
    "accelerator.env.*.[].name": "Variable name.",
    "accelerator.env.*.[].value": "Variable value.",
    "accelerator.resources": "Kubernetes extended resource name per accelerator type (used "
    "without DRA).",
    "accelerator.resources.*": "Extended resource name for this accelerator type, e.g. "
    "nvidia.com/gpu.",
    "accelerator.resourceClaimTemplates": "ResourceClaimTemplate settings per accelerator "
    "type (used with DRA).",
    "accelerator.resourceClaimTemplates.*": "The claim template for this accelerator type.",
    "accelerator.resourceClaimTemplates.*.name": "Name of the ResourceClaimTemplate.",
    "accelerator.resourceClaimTemplates.*.class": "DeviceClass the claim requests.",
    "accelerator.resourceClaimTemplates.*.match": "Device attribute the selectors match on.",
    "accelerator.resourceClaimTemplates.*.selectors": "CEL selectors of the devices.",
    "accelerator.resourceClaimTemplates.*.selectors.[]": "A CEL selector.",
    "common": "Values of the bitnami common library subchart (it renders nothing itself).",
    "decode|prefill": "The role's pods (decode, or prefill) and their workload.",
    "decode|prefill.accelerator": "This role's accelerator, overriding the top-level one.",
    "decode|prefill.accelerator.type": "Accelerator type of this role.",
    "decode|prefill.accelerator.dra": "Use DRA for this role.",
    "decode|prefill.acceleratorTypes": "Required node affinity on an accelerator node label.",
    "decode|prefill.acceleratorTypes.labelKey": "Node label key, e.g. nvidia.com/gpu.product.",
    "decode|prefill.acceleratorTypes.labelValues": "Accepted values of the node label.",
    "decode|prefill.acceleratorTypes.labelValues.[]": "An accepted label value.",
    "decode|prefill.annotations": "Annotations of the Deployment or LeaderWorkerSet.",
    "decode|prefill.autoscaling": "Autoscaling of the role.",
    "decode|prefill.autoscaling.enabled": "Leave the replica count to an autoscaler.",
    "decode|prefill.containers": "The role's containers; the first one serves the model.",
    "decode|prefill.containers.[]": "A container of the role's pods.",
    "decode|prefill.containers.[].name": "Container name (default vllm).",
    "decode|prefill.containers.[].image": "Container image.",
    "decode|prefill.containers.[].imagePullPolicy": "Image pull policy.",
    "decode|prefill.containers.[].modelCommand": "How the model server starts: vllmServe "
    "(vllm serve with the model and port), imageDefault (the image's entrypoint with --model "
    "and the port) or custom (command and args as written).",
    "decode|prefill.containers.[].command": "Command; required for modelCommand custom.",
    "decode|prefill.containers.[].command.[]": "A command word.",
    "decode|prefill.containers.[].args": "Arguments, after the ones the chart adds.",
    "decode|prefill.containers.[].args.[]": "An argument.",
    "decode|prefill.containers.[].env": "Environment variables (Kubernetes EnvVar list).",
    "decode|prefill.containers.[].ports": "Container ports (Kubernetes ContainerPort list).",
    "decode|prefill.containers.[].resources": "Resource requests and limits; the chart adds "
    "the accelerators the parallelism needs.",
    "decode|prefill.containers.[].resources.limits": "Resource limits.",
    "decode|prefill.containers.[].resources.limits.*": "A quantity.",
    "decode|prefill.containers.[].resources.requests": "Resource requests.",
    "decode|prefill.containers.[].resources.requests.*": "A quantity.",
    "decode|prefill.containers.[].resources.claims": "Resource claims the container uses.",
    "decode|prefill.containers.[].volumeMounts": "Volume mounts (Kubernetes VolumeMount list).",
    "decode|prefill.containers.[].mountModelVolume": "Mount the model volume in this container.",
    "decode|prefill.containers.[].securityContext": "Container SecurityContext.",
    "decode|prefill.containers.[].livenessProbe": "Liveness probe.",
    "decode|prefill.containers.[].readinessProbe": "Readiness probe.",
    "decode|prefill.containers.[].startupProbe": "Startup probe.",
    "decode|prefill.containers.[].workingDir": "Working directory.",
    "decode|prefill.containers.[].stdin": "Keep stdin open.",
    "decode|prefill.containers.[].tty": "Allocate a TTY.",
    "decode|prefill.containers.[].extraConfig": "More container fields, rendered as written "
    "(templates inside are evaluated).",
    "decode|prefill.containers.[].parallelism": "Read by the chart for the tensor size of "
    "this container's arguments (a chart quirk; the role's parallelism sets the rest).",
    "decode|prefill.containers.[].parallelism.tensor": "Tensor parallel size.",
    "decode|prefill.create": "Create this role's workload.",
    "decode|prefill.replicas": "Number of replicas (pods, or LeaderWorkerSet groups).",
    "decode|prefill.parallelism": "vLLM parallelism; sets accelerators per pod and vLLM flags.",
    "decode|prefill.parallelism.tensor": "Tensor parallel size.",
    "decode|prefill.parallelism.data": "Data parallel size.",
    "decode|prefill.parallelism.dataLocal": "Data parallel ranks per pod.",
    "decode|prefill.parallelism.workers": "Pods per LeaderWorkerSet group.",
    "decode|prefill.volumes": "Extra pod volumes (Kubernetes Volume list).",
    "decode|prefill.volumes.[]": "A Kubernetes Volume.",
    "decode|prefill.imagePullSecrets": "Image pull secrets of the pods.",
    "decode|prefill.podSecurityContext": "Pod SecurityContext.",
    "decode|prefill.podAnnotations": "Annotations of the pods.",
    "decode|prefill.nodeSelector": "Pod nodeSelector.",
    "decode|prefill.tolerations": "Pod tolerations.",
    "decode|prefill.schedulerName": "Scheduler of the pods.",
    "decode|prefill.priorityClassName": "Priority class of the pods ('none' for none).",
    "decode|prefill.initContainers": "Init containers, after the routing proxy on decode pods.",
    "decode|prefill.initContainers.[]": "A Kubernetes Container.",
    "decode|prefill.extraConfig": "More pod spec fields, rendered as written (templates "
    "inside are evaluated).",
    "decode|prefill.enableServiceLinks": "Inject Service environment variables.",
    "decode|prefill.terminationGracePeriodSeconds": "Seconds pods get to stop.",
    "decode|prefill.hostIPC": "Use the host's IPC namespace.",
    "decode|prefill.hostPID": "Use the host's PID namespace.",
    "decode|prefill.strategy": "Deployment update strategy.",
    "decode|prefill.subGroupPolicy": "LeaderWorkerSet subGroupPolicy (multinode).",
    "decode|prefill.subGroupExclusiveTopology": "Place each LeaderWorkerSet subgroup "
    "exclusively in its topology domain (multinode).",
    "decode|prefill.subGroupExclusiveToplogy": "The same, misspelt as the chart read it in "
    "0.0.18 and 0.0.19.",
    "decode|prefill.resourceClaims": "Pod resource claims from existing ResourceClaimTemplates.",
    "decode|prefill.resourceClaims.[]": "A claim: its name and template.",
    "decode|prefill.resourceClaims.[].name": "Claim name, as containers refer to it.",
    "decode|prefill.resourceClaims.[].resourceClaimTemplateName": "The ResourceClaimTemplate.",
    "decode|prefill.monitoring": "Monitoring of the role's pods.",
    "decode|prefill.monitoring.podmonitor": "A prometheus-operator PodMonitor for the pods.",
    "decode|prefill.monitoring.podmonitor.enabled": "Create the PodMonitor.",
    "decode|prefill.monitoring.podmonitor.port": "Name of the pod port to scrape.",
    "decode|prefill.monitoring.podmonitor.portName": "Name of the pod port to scrape.",
    "decode|prefill.monitoring.podmonitor.path": "Metrics path.",
    "decode|prefill.monitoring.podmonitor.interval": "Scrape interval.",
    "decode|prefill.monitoring.podmonitor.scrapeTimeout": "Scrape timeout.",
    "decode|prefill.monitoring.podmonitor.labels": "Labels of the PodMonitor.",
    "decode|prefill.monitoring.podmonitor.annotations": "Annotations of the PodMonitor.",
    "decode|prefill.monitoring.podmonitor.namespaceSelector": "Namespaces to select pods in.",
    "decode|prefill.monitoring.podmonitor.relabelings": "Relabelings before scraping.",
    "decode|prefill.monitoring.podmonitor.relabelings.[]": "A relabel config.",
    "decode|prefill.monitoring.podmonitor.metricRelabelings": "Relabelings of the samples.",
    "decode|prefill.monitoring.podmonitor.metricRelabelings.[]": "A relabel config.",
    "dra": "Dynamic Resource Allocation of accelerators (0.3 line).",
    "dra.enabled": "Request accelerators through ResourceClaimTemplates.",
    "dra.type": "Which claim template the model servers use.",
    "dra.claimTemplates": "The ResourceClaimTemplates to create.",
    "dra.claimTemplates.[]": "A ResourceClaimTemplate.",
    "dra.claimTemplates.[].name": "Its name.",
    "dra.claimTemplates.[].class": "DeviceClass it requests.",
    "dra.claimTemplates.[].match": "Device attribute the selectors match on.",
    "dra.claimTemplates.[].count": "Devices per claim.",
    "dra.claimTemplates.[].selectors": "CEL selectors of the devices.",
    "dra.claimTemplates.[].selectors.[]": "A CEL selector.",
    "enabled": "Whether the chart is enabled when used as a subchart (the chart itself does "
    "not read it).",
    "extraObjects": "Kubernetes objects rendered with the release, as written.",
    "extraObjects.[]": "A Kubernetes object.",
    "fullnameOverride": "The fullname of the release's objects, replacing release-chart.",
    "nameOverride": "Replaces the chart name in the fullname.",
    "global": "Values shared with subcharts.",
    "global.tracing": "OpenTelemetry tracing of vLLM and the routing proxy.",
    "global.tracing.enabled": "Export traces.",
    "global.tracing.otlpEndpoint": "OTLP gRPC endpoint the traces go to.",
    "global.tracing.sampling": "Trace sampling.",
    "global.tracing.sampling.sampler": "OpenTelemetry sampler.",
    "global.tracing.sampling.samplerArg": "Sampler argument (the ratio).",
    "global.tracing.serviceNames": "Service names in the traces.",
    "global.tracing.serviceNames.vllmDecode": "Service name of decode vLLM.",
    "global.tracing.serviceNames.vllmPrefill": "Service name of prefill vLLM.",
    "global.tracing.vllm": "vLLM tracing options.",
    "global.tracing.vllm.collectDetailedTraces": "vLLM's --collect-detailed-traces.",
    "modelArtifacts": "Where the model comes from, and how it is served and mounted.",
    "modelArtifacts.uri": "hf://ORG/MODEL, pvc://CLAIM/PATH, pvc+hf://CLAIM/CACHE/ORG/MODEL "
    "or oci://REF (as the release supports them).",
    "modelArtifacts.name": "The served model name.",
    "modelArtifacts.size": "sizeLimit of the emptyDir that holds an hf:// download.",
    "modelArtifacts.authSecretName": "Secret with the key HF_TOKEN.",
    "modelArtifacts.imagePullPolicy": "Pull policy of the oci:// image volume.",
    "modelArtifacts.mountPath": "Where the model volume is mounted.",
    "modelArtifacts.readOnly": "Mount pvc:// and pvc+hf:// claims read-only.",
    "modelArtifacts.labels": "Labels of the model-serving pods (an InferencePool selects them).",
    "modelArtifacts.labels.*": "A label value.",
    "multinode": "LeaderWorkerSets instead of Deployments.",
    "requester": "The requester ReplicaSet of the dual-pod (FMA) setup.",
    "requester.enable": "Create the requester ReplicaSet instead of the decode Deployment.",
    "requester.image": "Requester image.",
    "requester.adminPort": "Requester admin port.",
    "requester.port": "Requester ports.",
    "requester.port.probes": "Port of the probes.",
    "requester.port.spi": "Port of the SPI.",
    "requester.readinessProbe": "Readiness probe timing.",
    "requester.readinessProbe.initialDelaySeconds": "Seconds before the first probe.",
    "requester.readinessProbe.periodSeconds": "Seconds between probes.",
    "requester.resources": "Requester resources.",
    "requester.resources.limits": "Requester resource limits.",
    "requester.resources.limits.cpus": "CPUs.",
    "requester.resources.limits.gpus": "GPUs.",
    "requester.resources.limits.memory": "Memory.",
    "routing": "Routing: the proxy sidecar and (before 0.3) the Gateway API objects.",
    "routing.modelName": "The served model name.",
    "routing.servicePort": "Port the model is served on (the proxy's on decode pods).",
    "routing.parentRefs": "HTTPRoute parents (Gateway API ParentReference list).",
    "routing.parentRefs.[]": "A ParentReference.",
    "routing.proxy": "The routing proxy sidecar of decode pods.",
    "routing.proxy.enabled": "Run the routing proxy.",
    "routing.proxy.image": "Routing proxy image.",
    "routing.proxy.imagePullPolicy": "Routing proxy image pull policy.",
    "routing.proxy.targetPort": "Port vLLM listens on behind the proxy.",
    "routing.proxy.debugLevel": "Proxy log verbosity (-v).",
    "routing.proxy.connector": "P/D connector (nixl, nixlv2, lmcache, ...).",
    "routing.proxy.secure": "The proxy's --secure-proxy.",
    "routing.proxy.prefillerUseTLS": "The proxy's --prefiller-use-tls.",
    "routing.proxy.certPath": "The proxy's --cert-path.",
    "routing.proxy.zapDevel": "The proxy's --zap-devel.",
    "routing.proxy.zapEncoder": "The proxy's --zap-encoder (json or console).",
    "routing.proxy.zapLogLevel": "The proxy's --zap-log-level.",
    "routing.proxy.zapStacktraceLevel": "The proxy's --zap-stacktrace-level.",
    "routing.proxy.zapTimeEncoding": "The proxy's --zap-time-encoding.",
    "routing.inferencePool": "The InferencePool.",
    "routing.inferencePool.create": "Create the InferencePool.",
    "routing.inferencePool.name": "Name of the pool.",
    "routing.inferencePool.apiGroup": "API group of the InferencePool.",
    "routing.inferencePool.extensionRef": "EPP Service to use instead of the chart's.",
    "routing.inferenceModel": "The InferenceModel.",
    "routing.inferenceModel.create": "Create the InferenceModel.",
    "routing.inferenceModel.name": "Name of the InferenceModel.",
    "routing.inferenceModel.criticality": "Criticality of the model's requests.",
    "routing.httpRoute": "The HTTPRoute.",
    "routing.httpRoute.create": "Create the HTTPRoute.",
    "routing.httpRoute.inferencePool": "Pool name in the default rule's backendRef.",
    "routing.httpRoute.matches": "Matches of the default rule.",
    "routing.httpRoute.matches.[]": "An HTTPRouteMatch.",
    "routing.httpRoute.matches.[].path": "Path match.",
    "routing.httpRoute.matches.[].path.type": "Path match type.",
    "routing.httpRoute.matches.[].path.value": "Path match value.",
    "routing.httpRoute.matches.[].headers": "Header matches.",
    "routing.httpRoute.matches.[].headers.[]": "A header match.",
    "routing.httpRoute.backendRefs": "Rules replacing the default one.",
    "routing.httpRoute.rules": "Rules replacing the default one.",
    "routing.httpRoute.timeouts": "Timeouts of the default rule.",
    "routing.httpRoute.timeouts.request": "Request timeout.",
    "routing.httpRoute.timeouts.backendRequest": "Backend request timeout.",
    "routing.epp": "The endpoint picker (inference scheduler).",
    "routing.epp.create": "Create the EPP Deployment, Service and RBAC.",
    "routing.epp.image": "EPP image.",
    "routing.epp.replicas": "EPP replicas.",
    "routing.epp.debugLevel": "EPP log verbosity (-v).",
    "routing.epp.disableReadinessProbe": "Omit the readiness probe.",
    "routing.epp.disableLivenessProbe": "Omit the liveness probe.",
    "routing.epp.inferencePool": "Pool name the EPP serves.",
    "routing.epp.permissions": "Existing Role to bind instead of creating one.",
    "routing.epp.env": "EPP environment (Kubernetes EnvVar list).",
    "routing.epp.pluginsConfigFile": "EPP plugins configuration file.",
    "routing.epp.pluginsCustomConfig": "Custom plugins configuration files, by name.",
    "routing.epp.extraContainerPorts": "More EPP container ports.",
    "routing.epp.service": "The EPP Service.",
    "routing.epp.service.type": "Service type.",
    "routing.epp.service.port": "Service port.",
    "routing.epp.service.targetPort": "EPP gRPC port.",
    "routing.epp.service.appProtocol": "Service appProtocol.",
    "routing.epp.service.extraPorts": "More Service ports.",
    "schedulerName": "Scheduler of the model-serving pods (roles may override).",
    "serviceAccountOverride": "Run the model-serving pods as this existing ServiceAccount.",
    "tracing": "OpenTelemetry tracing of vLLM and the routing proxy.",
    "tracing.enabled": "Export traces.",
    "tracing.otlpEndpoint": "OTLP gRPC endpoint the traces go to.",
    "tracing.sampling": "Trace sampling.",
    "tracing.sampling.sampler": "OpenTelemetry sampler.",
    "tracing.sampling.samplerArg": "Sampler argument (the ratio).",
    "tracing.serviceNames": "Service names in the traces.",
    "tracing.serviceNames.vllmDecode": "Service name of decode vLLM.",
    "tracing.serviceNames.vllmPrefill": "Service name of prefill vLLM.",
    "tracing.serviceNames.routingProxy": "Service name of the routing proxy.",
    "tracing.vllm": "vLLM tracing options.",
    "tracing.vllm.collectDetailedTraces": "vLLM's --collect-detailed-traces.",
}

#: The fields of an init container (a Kubernetes Container), as far as the table has them.
_CONTAINER_FIELDS = {
    "name": "Container name.",
    "image": "Container image.",
    "imagePullPolicy": "Image pull policy.",
    "command": "Command.",
    "command.[]": "A command word.",
    "args": "Arguments.",
    "args.[]": "An argument.",
    "env": "Environment variables.",
    "env.[]": "A Kubernetes EnvVar.",
    "envFrom": "Environment from ConfigMaps or Secrets.",
    "envFrom.[]": "A Kubernetes EnvFromSource.",
    "ports": "Container ports.",
    "ports.[]": "A Kubernetes ContainerPort.",
    "resources": "Resource requests and limits.",
    "resizePolicy": "Resize policies.",
    "resizePolicy.[]": "A resize policy.",
    "restartPolicy": "Always makes it a sidecar.",
    "restartPolicyRules": "Restart rules.",
    "restartPolicyRules.[]": "A restart rule.",
    "volumeMounts": "Volume mounts.",
    "volumeMounts.[]": "A Kubernetes VolumeMount.",
    "volumeDevices": "Volume devices.",
    "volumeDevices.[]": "A Kubernetes VolumeDevice.",
    "securityContext": "Container SecurityContext.",
    "lifecycle": "Lifecycle hooks.",
    "livenessProbe": "Liveness probe.",
    "readinessProbe": "Readiness probe.",
    "startupProbe": "Startup probe.",
    "stdin": "Keep stdin open.",
    "stdinOnce": "Close stdin after the first attach.",
    "tty": "Allocate a TTY.",
    "terminationMessagePath": "Path of the termination message.",
    "terminationMessagePolicy": "How the termination message is taken.",
    "workingDir": "Working directory.",
}
DESCRIPTIONS.update(
    {f"decode|prefill.initContainers.[].{k}": v for k, v in _CONTAINER_FIELDS.items()}
)

#: Fields of the Kubernetes objects that some schemas spell out, by the last two or three
#: keys of their path.
_K8S_FIELDS: dict[str, str] = {
    "env.[]": "A Kubernetes EnvVar.",
    "env.[].name": "Variable name.",
    "env.[].value": "Variable value.",
    "env.[].valueFrom": "Where the value comes from.",
    "valueFrom.configMapKeyRef": "A key of a ConfigMap.",
    "valueFrom.secretKeyRef": "A key of a Secret.",
    "valueFrom.fieldRef": "A field of the pod.",
    "valueFrom.resourceFieldRef": "A resource of the container.",
    "valueFrom.fileKeyRef": "A key of an env file in a volume.",
    "configMapKeyRef.key": "The key.",
    "configMapKeyRef.name": "Name of the ConfigMap.",
    "configMapKeyRef.optional": "Whether the ConfigMap or key may be missing.",
    "secretKeyRef.key": "The key.",
    "secretKeyRef.name": "Name of the Secret.",
    "secretKeyRef.optional": "Whether the Secret or key may be missing.",
    "fieldRef.apiVersion": "API version of the field path.",
    "fieldRef.fieldPath": "Path of the field.",
    "resourceFieldRef.containerName": "Container name.",
    "resourceFieldRef.divisor": "Divisor of the value.",
    "resourceFieldRef.resource": "The resource.",
    "fileKeyRef.key": "The key.",
    "fileKeyRef.optional": "Whether the file or key may be missing.",
    "fileKeyRef.path": "Path of the file in the volume.",
    "fileKeyRef.volumeName": "Name of the volume.",
    "ports.[]": "A Kubernetes ContainerPort.",
    "ports.[].containerPort": "Port number.",
    "ports.[].hostIP": "Host IP to bind.",
    "ports.[].hostPort": "Port on the host.",
    "ports.[].name": "Port name.",
    "ports.[].protocol": "TCP, UDP or SCTP.",
    "claims.[]": "A claim of the pod.",
    "claims.[].name": "Name of the pod's claim.",
    "claims.[].request": "Request of the claim.",
    "volumeMounts.[]": "A Kubernetes VolumeMount.",
    "volumeMounts.[].name": "Name of a volume of the pod.",
    "volumeMounts.[].mountPath": "Where it is mounted.",
    "volumes.[].name": "Volume name.",
    "volumes.[].emptyDir": "An emptyDir volume.",
    "parentRefs.[].name": "Name of the parent.",
    "parentRefs.[].group": "API group of the parent.",
    "parentRefs.[].kind": "Kind of the parent.",
    "parentRefs.[].namespace": "Namespace of the parent.",
}


def description(path: tuple[str, ...]) -> str | None:
    """What the key at a table path is for, where known."""
    key = ".".join(path)
    found = DESCRIPTIONS.get(key)
    if found is not None:
        return found
    for i in range(len(path) - 1, -1, -1):
        if path[i] not in ("[]", "*"):
            found = DESCRIPTIONS.get(".".join((*path[:i], "*", *path[i + 1 :])))
            if found is not None:
                return found
    for size in (3, 2):
        found = _K8S_FIELDS.get(".".join(path[-size:]))
        if found is not None:
            return found
    return None


def json_schema(chart: ChartVersion) -> dict[str, Any]:
    """The release's values JSON Schema (draft-07, as upstream writes theirs), every key
    with a description where there is one."""
    enforced = has_schema(chart)
    schema = _node(keys(chart), (), enforced)
    note = (
        f"Values of the llm-d-modelservice chart {chart.version}: its values.schema.json, "
        "with descriptions and the keys its templates read."
        if enforced
        else f"Keys the templates of the llm-d-modelservice chart {chart.version} read. That "
        "release ships no schema: helm accepts any values for it."
    )
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"https://llm-d.ai/schemas/modelservice/chart-{chart.version}/values.schema.json",
        "title": f"llm-d-modelservice {chart.version} values",
        **schema,
        "description": note,
    }


def _node(node: Key, path: tuple[str, ...], enforced: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    text = description(("decode|prefill", *path[1:]) if path[:1] in _ROLES else path)
    if text:
        out["description"] = text
    spec = node.spec
    if spec is not None:
        if spec.types is not None:
            names = [JSON_TYPES[t] for t in spec.types]
            out["type"] = names[0] if len(names) == 1 else names
        if spec.enum is not None:
            out["enum"] = list(spec.enum)
        if spec.required:
            out["required"] = list(spec.required)
    closed = spec is not None and spec.closed
    properties: dict[str, Any] = {}
    for name, child in sorted(node.children.items()):
        # Under a closed map only what the schema declares is allowed; elsewhere the keys the
        # templates read are listed too (they constrain nothing).
        if not (child.spec is not None or (child.read and not closed)):
            continue
        sub = _node(child, (*path, name), enforced)
        if name == "[]":
            out["items"] = sub
        elif name == "*":
            if child.spec is not None:
                out["additionalProperties"] = sub
        else:
            properties[name] = sub
    if properties:
        out["properties"] = properties
    if closed:
        out["additionalProperties"] = False
    return out
