"""Will these pods fit on these nodes? A first-fit packing with the scheduler's hard rules.

Pure functions over plain Kubernetes dicts: quantities, a pod's effective requests, node
eligibility (cordon, nodeSelector, required node affinity, taints against tolerations) and
a first-fit-decreasing placement. No cluster access here; :mod:`.plan` reads the cluster.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from modelservice.quantity import QuantityError, parse_quantity

__all__ = [
    "Node",
    "PackResult",
    "PodDemand",
    "QuantityError",
    "RoleFit",
    "eligible",
    "format_quantity",
    "matches_affinity",
    "node_from_object",
    "pack",
    "parse_quantity",
    "pod_requests",
    "to_units",
    "tolerates",
]

Obj = dict[str, Any]


def to_units(resource: str, value: Any) -> int:
    """A quantity in whole units: millicores for ``cpu``, bytes or items otherwise
    (rounded up, as the scheduler does)."""
    q = parse_quantity(value)
    if resource == "cpu":
        q *= 1000
    return math.ceil(q)


def format_quantity(resource: str, units: int) -> str:
    """The inverse of :func:`to_units`, for people: ``8``, ``500m``, ``64Gi``."""
    if resource == "cpu":
        return str(units // 1000) if units % 1000 == 0 else f"{units}m"
    if resource in ("memory", "ephemeral-storage") or resource.startswith("hugepages-"):
        for suffix, size in (("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
            if units >= size and units % size == 0:
                return f"{units // size}{suffix}"
        for suffix, size in (("Gi", 2**30), ("Mi", 2**20)):
            if units >= size:
                return f"{units / size:.1f}{suffix}"
    return str(units)


def _container_requests(container: Mapping[str, Any]) -> dict[str, int]:
    """Requests, defaulted from limits as the API server does."""
    res = container.get("resources") or {}
    out: dict[str, int] = {}
    for side in ("limits", "requests"):
        for k, v in (res.get(side) or {}).items():
            try:
                out[k] = to_units(k, v)
            except QuantityError as exc:
                raise exc.at(f"resources.{side}.{k}") from None
    return out


def _add(into: dict[str, int], more: Mapping[str, int]) -> None:
    for k, v in more.items():
        into[k] = into.get(k, 0) + v


def pod_requests(spec: Mapping[str, Any]) -> dict[str, int]:
    """The effective requests of a pod spec, as the scheduler counts them: the containers
    and native sidecars together, or the largest ordinary init container if larger."""
    total: dict[str, int] = {}
    for i, c in enumerate(spec.get("containers") or ()):
        try:
            _add(total, _container_requests(c))
        except QuantityError as exc:
            raise exc.at(f"containers[{i}]") from None
    init_peak: dict[str, int] = {}
    sidecars: dict[str, int] = {}
    for i, c in enumerate(spec.get("initContainers") or ()):
        try:
            req = _container_requests(c)
        except QuantityError as exc:
            raise exc.at(f"initContainers[{i}]") from None
        if c.get("restartPolicy") == "Always":
            _add(sidecars, req)
            _add(total, req)
        else:
            for k, v in req.items():
                init_peak[k] = max(init_peak.get(k, 0), v + sidecars.get(k, 0))
    for k, v in init_peak.items():
        total[k] = max(total.get(k, 0), v)
    for k, v in (spec.get("overhead") or {}).items():
        total[k] = total.get(k, 0) + to_units(k, v)
    return {k: v for k, v in total.items() if v}


class Taint(NamedTuple):
    key: str
    value: str
    effect: str

    def __str__(self) -> str:
        return f"{self.key}{'=' + self.value if self.value else ''}:{self.effect}"


@dataclass
class Node:
    """A node as the packing sees it: what it offers, and what is already requested."""

    name: str
    labels: dict[str, str] = field(default_factory=dict)
    allocatable: dict[str, int] = field(default_factory=dict)
    requested: dict[str, int] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    unschedulable: bool = False

    def free(self, resource: str) -> int:
        return self.allocatable.get(resource, 0) - self.requested.get(resource, 0)

    def fits(self, requests: Mapping[str, int]) -> bool:
        if "pods" in self.allocatable and self.free("pods") < 1:
            return False
        return all(v <= self.free(k) for k, v in requests.items() if v > 0)

    def take(self, requests: Mapping[str, int]) -> None:
        _add(self.requested, requests)
        if "pods" in self.allocatable:
            self.requested["pods"] = self.requested.get("pods", 0) + 1

    def copy(self) -> Node:
        return Node(
            self.name,
            dict(self.labels),
            dict(self.allocatable),
            dict(self.requested),
            self.taints,
            self.unschedulable,
        )


def node_from_object(node: Mapping[str, Any], pods: Iterable[Mapping[str, Any]] = ()) -> Node:
    """A :class:`Node` from a Kubernetes Node, less what ``pods`` bound to it request."""
    meta = node.get("metadata") or {}
    spec = node.get("spec") or {}
    status = node.get("status") or {}
    allocatable = {}
    for k, v in (status.get("allocatable") or status.get("capacity") or {}).items():
        try:
            allocatable[k] = to_units(k, v)
        except QuantityError:
            continue
    taints = tuple(
        Taint(str(t.get("key", "")), str(t.get("value") or ""), str(t.get("effect", "")))
        for t in spec.get("taints") or ()
    )
    n = Node(
        name=str(meta.get("name", "")),
        labels={str(k): str(v) for k, v in (meta.get("labels") or {}).items()},
        allocatable=allocatable,
        taints=taints,
        unschedulable=bool(spec.get("unschedulable")),
    )
    for pod in pods:
        if (pod.get("spec") or {}).get("nodeName") != n.name:
            continue
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        try:
            n.take(pod_requests(pod.get("spec") or {}))
        except QuantityError:
            n.take({})
    return n


# --------------------------------------------------------------------------- eligibility


def tolerates(tolerations: Sequence[Mapping[str, Any]], taint: Taint) -> bool:
    """Whether one of the tolerations tolerates the taint (Kubernetes' ToleratesTaint)."""
    for t in tolerations:
        effect = t.get("effect") or ""
        if effect and effect != taint.effect:
            continue
        key = t.get("key") or ""
        operator = t.get("operator") or "Equal"
        if operator == "Exists":
            if not key or key == taint.key:
                return True
        elif key == taint.key and str(t.get("value") or "") == taint.value:
            return True
    return False


def _expression_matches(expr: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key = expr.get("key", "")
    op = expr.get("operator", "")
    values = [str(v) for v in expr.get("values") or ()]
    present = key in labels
    if op == "In":
        return present and labels[key] in values
    if op == "NotIn":
        return not present or labels[key] not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt") and present and values:
        try:
            have, want = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def _term_matches(term: Mapping[str, Any], node: Node) -> bool:
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return False  # an empty term matches no node
    if not all(_expression_matches(e, node.labels) for e in exprs):
        return False
    return all(_expression_matches(f, {"metadata.name": node.name}) for f in fields)


def matches_affinity(affinity: Mapping[str, Any] | None, node: Node) -> bool:
    """The required node affinity: any term matches, every expression of that term."""
    required = ((affinity or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if not required:
        return True
    return any(_term_matches(t, node) for t in required.get("nodeSelectorTerms") or [])


class PodDemand(NamedTuple):
    """One kind of pod to place: its requests and its scheduling constraints."""

    role: str
    requests: dict[str, int]
    node_selector: dict[str, str]
    affinity: dict[str, Any] | None
    tolerations: tuple[dict[str, Any], ...]

    @classmethod
    def from_spec(cls, role: str, spec: Mapping[str, Any]) -> PodDemand:
        return cls(
            role,
            pod_requests(spec),
            {str(k): str(v) for k, v in (spec.get("nodeSelector") or {}).items()},
            spec.get("affinity"),
            tuple(spec.get("tolerations") or ()),
        )


def why_not(demand: PodDemand, node: Node) -> str | None:
    """Why the pod may not run on the node at all (whatever is free), or None."""
    if node.unschedulable:
        return "cordoned"
    for k, v in demand.node_selector.items():
        if node.labels.get(k) != v:
            return f"no label {k}={v}"
    if not matches_affinity(demand.affinity, node):
        return "node affinity"
    for taint in node.taints:
        if taint.effect in ("NoSchedule", "NoExecute") and not tolerates(demand.tolerations, taint):
            return f"taint {taint}"
    return None


def eligible(demand: PodDemand, node: Node) -> bool:
    return why_not(demand, node) is None


# --------------------------------------------------------------------------- packing


class RoleFit(NamedTuple):
    """How one role's pods fared."""

    role: str
    pods: int
    placed: int
    reason: str | None = None
    """Why the rest does not fit, in words; None when all fit."""

    @property
    def unplaced(self) -> int:
        return self.pods - self.placed


class PackResult(NamedTuple):
    fits: bool
    roles: tuple[RoleFit, ...]
    placements: tuple[tuple[str, str], ...]
    """(role, node name) per placed pod, in placement order."""

    def reasons(self) -> list[str]:
        return [r.reason for r in self.roles if r.reason]


def _constraint_words(demand: PodDemand) -> str:
    parts = [f"{k}={v}" for k, v in demand.node_selector.items()]
    required = ((demand.affinity or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = []
    for term in required.get("nodeSelectorTerms") or []:
        words = []
        for e in term.get("matchExpressions") or []:
            op, key, vals = e.get("operator"), e.get("key"), e.get("values") or []
            if op == "In" and len(vals) == 1:
                words.append(f"{key}={vals[0]}")
            elif op in ("In", "NotIn"):
                words.append(f"{key} {'in' if op == 'In' else 'not in'} ({', '.join(vals)})")
            elif op == "Exists":
                words.append(f"{key} set")
            elif op == "DoesNotExist":
                words.append(f"no {key}")
            else:
                words.append(f"{key} {op} {', '.join(vals)}")
        if words:
            terms.append(", ".join(words))
    if len(terms) == 1:
        parts.append(terms[0])
    elif terms:
        parts.append(" or ".join(f"({t})" for t in terms))
    return f"on nodes labelled {', '.join(parts)}" if parts else "on any node"


def _resource_order(requests: Mapping[str, int]) -> list[str]:
    """Extended resources (accelerators) first, then cpu, memory, the rest."""
    common = ("cpu", "memory", "ephemeral-storage", "pods")
    return [k for k in requests if k not in common] + [k for k in common if k in requests]


def _explain(
    demand: PodDemand,
    missing: int,
    count: int,
    before: Sequence[Node],
    after: Mapping[str, Node],
    others: Mapping[str, Mapping[str, int]],
) -> str:
    """Why ``missing`` of ``count`` pods of ``demand`` found no node: the binding constraint."""
    head = f"{missing} of {count} {demand.role} pod{'s' if count != 1 else ''} do not fit: "
    return head + _binding(demand, count, before, after, others)


def _binding(
    demand: PodDemand,
    count: int,
    before: Sequence[Node],
    after: Mapping[str, Node],
    others: Mapping[str, Mapping[str, int]],
) -> str:
    """The binding constraint, with what each eligible node had free before the release
    (``others``: what the release's other roles took, per node)."""
    role = demand.role
    where = _constraint_words(demand)
    allowed = [b for b in before if eligible(demand, b)]
    if not allowed:
        reasons: dict[str, int] = {}
        for n in before:
            r = why_not(demand, n) or "?"
            reasons[r] = reasons.get(r, 0) + 1
        detail = "; ".join(f"{v} node{'s' if v != 1 else ''}: {k}" for k, v in reasons.items())
        if not before:
            detail = "the cluster has no nodes"
        pods = f"{count} pod{'s' if count != 1 else ''}"
        return f"{role} needs {pods} {where}; no node qualifies ({detail})"
    # the resource that most eligible nodes lack for one more pod
    best: tuple[int, str] | None = None
    for res in _resource_order(demand.requests):
        short = sum(1 for n in allowed if after[n.name].free(res) < demand.requests[res])
        if short and (best is None or short > best[0]):
            best = (short, res)
    if best is None:  # only the pod count limit is left
        return (
            f"{role} needs {count} more pod{'s' if count != 1 else ''} {where}; "
            f"the {len(allowed)} such nodes have no pod slots left"
        )
    res = best[1]
    need = format_quantity(res, demand.requests[res])
    frees = [max(b.free(res), 0) for b in allowed]
    shown = [format_quantity(res, f) for f in frees]
    k = len(allowed)
    such = f"{k} such node{'s' if k != 1 else ''}"
    if len(set(shown)) == 1:
        have = f"{such} {'have' if k != 1 else 'has'} {shown[0]} free{' each' if k != 1 else ''}"
    else:
        have = f"{such} have {', '.join(shown)} free"
    taken = sum(others.get(n.name, {}).get(res, 0) for n in allowed)
    if taken:
        have += f", of which the release's other roles take {format_quantity(res, taken)}"
    pods = f"{count} pod{'s' if count != 1 else ''}"
    return f"{role} needs {pods} \u00d7 {need} {res} {where}; {have}"


def pack(demands: Sequence[tuple[PodDemand, int]], nodes: Sequence[Node]) -> PackResult:
    """Place ``count`` pods of each demand, first fit, biggest pods first; nodes keep what
    other pods already request. The nodes passed in are not modified."""
    before = [n.copy() for n in nodes]
    work = [n.copy() for n in nodes]

    def size(d: PodDemand) -> tuple[int, ...]:
        extended = sum(v for k, v in d.requests.items() if k not in ("cpu", "memory", "pods"))
        return (extended, d.requests.get("cpu", 0), d.requests.get("memory", 0))

    order = sorted(range(len(demands)), key=lambda i: size(demands[i][0]), reverse=True)
    placed = [0] * len(demands)
    placements: list[tuple[str, str]] = []
    used: dict[str, dict[str, dict[str, int]]] = {d.role: {} for d, _ in demands}
    for i in order:
        demand, count = demands[i]
        for _ in range(count):
            for node in work:
                if eligible(demand, node) and node.fits(demand.requests):
                    node.take(demand.requests)
                    placed[i] += 1
                    placements.append((demand.role, node.name))
                    _add(used[demand.role].setdefault(node.name, {}), demand.requests)
                    break
            else:
                break  # identical pods: if one does not fit, neither does the next
    by_role: dict[str, list[int]] = {}
    reasons: dict[str, list[str]] = {}
    for i, (demand, count) in enumerate(demands):
        acc = by_role.setdefault(demand.role, [0, 0])
        acc[0] += count
        acc[1] += placed[i]
        if placed[i] < count:
            others: dict[str, dict[str, int]] = {}
            for role, per_node in used.items():
                if role != demand.role:
                    for name, req in per_node.items():
                        _add(others.setdefault(name, {}), req)
            reasons.setdefault(demand.role, []).append(
                _explain(
                    demand, count - placed[i], count, before, {n.name: n for n in work}, others
                )
            )
    roles = tuple(
        RoleFit(role, pods, done, "; ".join(reasons[role]) if role in reasons else None)
        for role, (pods, done) in by_role.items()
    )
    return PackResult(all(r.placed == r.pods for r in roles), roles, tuple(placements))
