"""Capacity plans: what a release asks of the cluster, per role, and whether it fits now.

:func:`plan` renders the release and reads its workloads (decode, prefill, the EPP and any
extra Deployments): pods, accelerators, CPU and memory, the scheduling constraints and the
warnings of validation. Given a cluster it also reads the nodes and the pods already bound
to them and packs the release's pods onto them (:mod:`.packing`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from modelservice.naming import ROLE_LABEL
from modelservice.planning.packing import (
    Node,
    PackResult,
    PodDemand,
    QuantityError,
    format_quantity,
    node_from_object,
    pack,
)

if TYPE_CHECKING:
    from modelservice.cluster.client import Cluster
    from modelservice.pipeline import Rendered
    from modelservice.values.layering import Values

__all__ = ["Plan", "RolePlan", "plan", "plan_rendered", "read_nodes", "table"]

Obj = dict[str, Any]
_ACCEL_SKIP = ("cpu", "memory", "ephemeral-storage", "pods")


class RolePlan(NamedTuple):
    """One role's share of the release."""

    role: str
    """``decode``, ``prefill``, ``epp`` (or ``Kind/name`` of an extra workload)."""
    kind: str
    workload: str
    replicas: int
    group_size: int
    """Pods per replica: the LeaderWorkerSet size, 1 for a Deployment."""
    demands: tuple[tuple[PodDemand, int], ...]
    """Each distinct pod template with its pod count (an LWS leader may differ)."""
    accelerator: str | None = None
    """The accelerator resource name the values chose (None: guess from the requests)."""

    @property
    def pods(self) -> int:
        return self.replicas * self.group_size

    @property
    def per_pod(self) -> dict[str, int]:
        """The largest request of each resource over the role's pod templates."""
        out: dict[str, int] = {}
        for d, _ in self.demands:
            for k, v in d.requests.items():
                out[k] = max(out.get(k, 0), v)
        return out

    @property
    def total(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d, n in self.demands:
            for k, v in d.requests.items():
                out[k] = out.get(k, 0) + v * n
        return out

    @property
    def accelerator_resource(self) -> str | None:
        if self.accelerator and self.accelerator in self.per_pod:
            return self.accelerator
        names = [k for k in self.per_pod if k not in _ACCEL_SKIP and "/" in k]
        gpu_like = [k for k in names if any(w in k for w in ("gpu", "tpu", "gaudi", "i915", "xe"))]
        found = gpu_like or names
        return found[0] if found else None

    @property
    def accelerators_per_pod(self) -> int:
        res = self.accelerator_resource
        return self.per_pod.get(res, 0) if res else 0

    @property
    def accelerators_total(self) -> int:
        res = self.accelerator_resource
        return self.total.get(res, 0) if res else 0

    @property
    def constraints(self) -> dict[str, Any]:
        d = self.demands[0][0] if self.demands else None
        if d is None:
            return {}
        out: dict[str, Any] = {}
        if d.node_selector:
            out["nodeSelector"] = d.node_selector
        if d.affinity:
            out["affinity"] = d.affinity
        if d.tolerations:
            out["tolerations"] = list(d.tolerations)
        return out

    def as_dict(self) -> dict[str, Any]:
        per_pod, total = self.per_pod, self.total
        return {
            "role": self.role,
            "kind": self.kind,
            "workload": self.workload,
            "replicas": self.replicas,
            "groupSize": self.group_size,
            "pods": self.pods,
            "accelerator": self.accelerator_resource,
            "acceleratorsPerPod": self.accelerators_per_pod,
            "acceleratorsTotal": self.accelerators_total,
            "cpuPerPod": format_quantity("cpu", per_pod.get("cpu", 0)),
            "cpuTotal": format_quantity("cpu", total.get("cpu", 0)),
            "memoryPerPod": format_quantity("memory", per_pod.get("memory", 0)),
            "memoryTotal": format_quantity("memory", total.get("memory", 0)),
            "requestsPerPod": {k: format_quantity(k, v) for k, v in per_pod.items()},
            "constraints": self.constraints,
        }


class Plan(NamedTuple):
    """What one release asks of the cluster, and (with a cluster) whether it fits."""

    release: str
    namespace: str
    roles: tuple[RolePlan, ...]
    warnings: tuple[str, ...]
    fit: PackResult | None = None
    nodes: int | None = None
    """How many nodes were considered (with a cluster)."""

    @property
    def fits(self) -> bool | None:
        return None if self.fit is None else self.fit.fits

    def accelerators(self) -> dict[str, int]:
        """Accelerators needed in total, per resource name."""
        out: dict[str, int] = {}
        for r in self.roles:
            res = r.accelerator_resource
            if res:
                out[res] = out.get(res, 0) + r.accelerators_total
        return out

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "release": self.release,
            "namespace": self.namespace,
            "roles": [r.as_dict() for r in self.roles],
            "accelerators": self.accelerators(),
            "warnings": list(self.warnings),
        }
        if self.fit is not None:
            out["cluster"] = {
                "fits": self.fit.fits,
                "nodes": self.nodes,
                "roles": [
                    {
                        "role": r.role,
                        "pods": r.pods,
                        "placed": r.placed,
                        "unplaced": r.unplaced,
                        "reason": r.reason,
                    }
                    for r in self.fit.roles
                ],
            }
        return out

    def format(self) -> str:
        """The plan as a table for people."""
        return format_plan(self)


def _role_of(template: Mapping[str, Any]) -> str | None:
    labels = (template.get("metadata") or {}).get("labels") or {}
    if "llm-d.ai/epp" in labels:
        return "epp"
    role = labels.get(ROLE_LABEL)
    return str(role) if role else None


def _demand(role: str, template: Mapping[str, Any], path: str) -> PodDemand:
    try:
        return PodDemand.from_spec(role, template.get("spec") or {})
    except QuantityError as exc:
        raise exc.at(path) from None


def _workload_plan(obj: Mapping[str, Any]) -> RolePlan | None:
    kind = obj.get("kind")
    name = str((obj.get("metadata") or {}).get("name", ""))
    spec = obj.get("spec") or {}
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        template = spec.get("template") or {}
        role = _role_of(template) or f"{kind}/{name}"
        replicas = int(spec.get("replicas", 1))
        demand = _demand(role, template, "spec.template.spec")
        return RolePlan(role, str(kind), name, replicas, 1, ((demand, replicas),))
    if kind == "LeaderWorkerSet":
        lwt = spec.get("leaderWorkerTemplate") or {}
        worker = lwt.get("workerTemplate") or {}
        leader = lwt.get("leaderTemplate") or worker
        role = _role_of(worker) or f"{kind}/{name}"
        replicas = int(spec.get("replicas", 1))
        size = int(lwt.get("size", 1))
        leader_path = "leaderTemplate" if "leaderTemplate" in lwt else "workerTemplate"
        lead = _demand(role, leader, f"spec.leaderWorkerTemplate.{leader_path}.spec")
        work = _demand(role, worker, "spec.leaderWorkerTemplate.workerTemplate.spec")
        if lead == work:
            demands: tuple[tuple[PodDemand, int], ...] = ((work, replicas * size),)
        else:
            demands = ((lead, replicas), (work, replicas * (size - 1)))
        return RolePlan(role, "LeaderWorkerSet", name, replicas, size, demands)
    return None


_ROLE_ORDER = {"decode": 0, "prefill": 1, "epp": 2}


def plan_rendered(rendered: Rendered, *, release: str, namespace: str) -> Plan:
    """The plan of an already rendered release (no cluster).

    Raises :class:`QuantityError` with the key path of a bad quantity: the values'
    quantities are validated before rendering, so only ``extraObjects`` can hold one.
    """
    roles = []
    extra = 0  # the index among extraObjects, which the chart renders one by one, in order
    for i, obj in enumerate(rendered.objects):
        source = rendered.sources[i] if i < len(rendered.sources) else ""
        try:
            role = _workload_plan(obj)
        except QuantityError as exc:
            where = f"extraObjects[{extra}]" if source == "extra-objects.yaml" else obj["kind"]
            raise exc.at(where) from None
        extra += source == "extra-objects.yaml"
        if role is not None:
            roles.append(role)
    model = rendered.model
    chosen = {r.name: r.accelerator_resource for r in model.roles} if model is not None else {}
    roles = [r._replace(accelerator=chosen.get(r.role)) for r in roles]
    roles.sort(key=lambda r: _ROLE_ORDER.get(r.role, 3))
    return Plan(release, namespace, tuple(roles), tuple(str(w) for w in rendered.warnings))


def read_nodes(cluster: Cluster) -> list[Node]:
    """The cluster's nodes, less what the pods already bound to them request."""
    nodes = cluster.list("v1", "Node")
    pods = cluster.list("v1", "Pod", all_namespaces=True)
    by_node: dict[str, list[Obj]] = {}
    for pod in pods:
        name = (pod.get("spec") or {}).get("nodeName")
        if name:
            by_node.setdefault(name, []).append(pod)
    out = []
    for n in nodes:
        name = (n.get("metadata") or {}).get("name", "")
        out.append(node_from_object(n, by_node.get(name, ())))
    return out


def fit(p: Plan, nodes: Sequence[Node]) -> Plan:
    """The plan with the answer to "does it fit on these nodes now?"."""
    demands = [(d, n) for r in p.roles for d, n in r.demands if n > 0]
    return p._replace(fit=pack(demands, nodes), nodes=len(nodes))


def plan(
    values: Values | Mapping[str, Any] | None = None,
    *,
    release: str,
    namespace: str = "default",
    cluster: Cluster | None = None,
    nodes: Sequence[Node] | None = None,
) -> Plan:
    """Render the release and plan its capacity; with ``cluster`` (or explicit ``nodes``)
    also pack its pods onto the nodes as they are now.

    Raises :class:`~modelservice.errors.ValuesError` for invalid values and
    :class:`~modelservice.cluster.client.ClusterError` when the cluster cannot be read.
    """
    from modelservice.errors import Problem, ValuesError
    from modelservice.pipeline import as_values, render_release

    values = as_values(values)
    rendered = render_release(values, release=release, namespace=namespace)
    try:
        result = plan_rendered(rendered, release=release, namespace=namespace)
    except QuantityError as exc:
        source, line = values.locate(exc.path)
        raise ValuesError(Problem(exc.path, exc.message, source, line)) from None
    if cluster is not None and nodes is None:
        nodes = read_nodes(cluster)
    if nodes is not None:
        result = fit(result, nodes)
    return result


# --------------------------------------------------------------------------- text output


def _constraint_lines(c: Mapping[str, Any]) -> list[str]:
    lines = []
    for k, v in (c.get("nodeSelector") or {}).items():
        lines.append(f"nodeSelector {k}={v}")
    required = ((c.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    for term in required.get("nodeSelectorTerms") or []:
        words = []
        for e in term.get("matchExpressions") or []:
            vals = ",".join(str(v) for v in e.get("values") or [])
            words.append(f"{e.get('key')} {e.get('operator')}{f' ({vals})' if vals else ''}")
        lines.append("affinity " + " and ".join(words))
    other = {k for k in (c.get("affinity") or {}) if k != "nodeAffinity"}
    if other or (
        ((c.get("affinity") or {}).get("nodeAffinity") or {}).keys()
        - {"requiredDuringSchedulingIgnoredDuringExecution"}
    ):
        lines.append("affinity (preferred/pod rules, not planned)")
    for t in c.get("tolerations") or []:
        key = t.get("key") or "*"
        op = t.get("operator") or "Equal"
        val = f"={t.get('value')}" if op == "Equal" and t.get("value") else ""
        eff = f":{t['effect']}" if t.get("effect") else ""
        lines.append(f"tolerates {key}{val}{eff}" if op == "Equal" else f"tolerates {key}{eff}")
    return lines or ["any node"]


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns two spaces apart, the lines without trailing blanks."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip()] + [fmt.format(*r).rstrip() for r in rows]


def format_plan(p: Plan) -> str:
    out = [f"Release {p.release!r} in namespace {p.namespace!r}", ""]
    rows = []
    for r in p.roles:
        per, tot = r.per_pod, r.total
        res = r.accelerator_resource
        pods = f"{r.pods} ({r.replicas}x{r.group_size})" if r.group_size > 1 else str(r.pods)
        rows.append(
            [
                r.role,
                r.kind,
                pods,
                f"{r.accelerators_per_pod} {res}" if res else "-",
                str(r.accelerators_total) if res else "-",
                format_quantity("cpu", per.get("cpu", 0)),
                format_quantity("cpu", tot.get("cpu", 0)),
                format_quantity("memory", per.get("memory", 0)),
                format_quantity("memory", tot.get("memory", 0)),
            ]
        )
    header = [
        "ROLE",
        "KIND",
        "PODS",
        "ACCEL/POD",
        "ACCEL",
        "CPU/POD",
        "CPU",
        "MEM/POD",
        "MEM",
    ]
    out += table(header, rows)
    accel = p.accelerators()
    if accel:
        out.append("")
        out.append("accelerators in total: " + ", ".join(f"{v} {k}" for k, v in accel.items()))
    out.append("")
    out.append("scheduling constraints:")
    for r in p.roles:
        lines = _constraint_lines(r.constraints)
        out.append(f"  {r.role}: {lines[0]}")
        out += [f"  {' ' * len(r.role)}  {line}" for line in lines[1:]]
    if p.warnings:
        out.append("")
        out.append("warnings:")
        out += [f"  - {w}" for w in p.warnings]
    if p.fit is not None:
        out.append("")
        if p.fit.fits:
            total = sum(r.pods for r in p.fit.roles)
            out.append(f"fits: all {total} pods can be scheduled on the {p.nodes} nodes now")
        else:
            out.append("does not fit:")
            for f in p.fit.roles:
                if f.reason:
                    out.append(f"  - {f.reason}")
    return "\n".join(out) + "\n"
