"""What the operator refuses to create on a ModelService author's behalf (default deny).

The operator holds rights its users may not have: whoever can create a ModelService must
not get, through it, more than running the model servers the chart describes. So every
object a ModelService renders is checked before anything is applied, and what could grant
more is refused unless the operator was started with an explicit ``--allow`` for it:

===================  ==========================================================
``--allow``          what it permits
===================  ==========================================================
``rbac``             Roles and RoleBindings other than the endpoint picker's own
``host-namespaces``  ``hostNetwork``, ``hostPID``, ``hostIPC``, ``hostPort``
``host-path``        ``hostPath`` volumes
``privileged``       privileged containers, capabilities beyond Pod Security's
                     baseline, ``procMount: Unmasked``, Windows host processes
``external-ips``     Services with ``externalIPs`` (CVE-2020-8554)
``node-ports``       Services of type ``NodePort`` or ``LoadBalancer``
``secrets`` /        pods that read Secrets (volumes, ``env``, ``envFrom``): any, or
``secret=A,B``       only the ones named
``service-accounts`` pods running as a ServiceAccount the ModelService does not
``service-account=``  render itself (including ``default``): any, or the ones named
``kind=K[.group]``   extra objects of kinds other than those the chart renders and
                     ConfigMaps (their pods are checked as above)
===================  ==========================================================

Objects that are cluster-scoped or in another namespace are never created (no setting
allows it: a namespaced ModelService owns objects of its namespace only). The endpoint
picker's Role is allowed because its rules are the renderer's, within what the operator
holds; it is bound only to ServiceAccounts the same ModelService renders.

Pure functions; the reasons come back as :class:`~modelservice.errors.Problem` s that the
operator reports in the ``Valid`` condition (reason ``Refused``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from modelservice.errors import Problem
from modelservice.kinds import RENDERED_KINDS, canonical_group, group_of

CAPABILITIES = (
    "rbac",
    "host-namespaces",
    "host-path",
    "privileged",
    "external-ips",
    "node-ports",
    "secrets",
    "service-accounts",
)
_LISTS = {"secret": "secrets", "service-account": "service-accounts", "kind": "kinds"}

#: Capabilities Pod Security's baseline profile allows containers to add.
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)

#: (group, kind) allowed in any ModelService: what the chart renders, and ConfigMaps.
DEFAULT_KINDS = frozenset({(k.group, k.kind) for k in RENDERED_KINDS} | {("", "ConfigMap")})

#: Where pod specs sit in the kinds that carry them.
POD_SPEC_PATHS: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("", "Pod"): (("spec",),),
    ("", "ReplicationController"): (("spec", "template", "spec"),),
    ("apps", "Deployment"): (("spec", "template", "spec"),),
    ("apps", "ReplicaSet"): (("spec", "template", "spec"),),
    ("apps", "StatefulSet"): (("spec", "template", "spec"),),
    ("apps", "DaemonSet"): (("spec", "template", "spec"),),
    ("batch", "Job"): (("spec", "template", "spec"),),
    ("batch", "CronJob"): (("spec", "jobTemplate", "spec", "template", "spec"),),
    ("leaderworkerset.x-k8s.io", "LeaderWorkerSet"): (
        ("spec", "leaderWorkerTemplate", "leaderTemplate", "spec"),
        ("spec", "leaderWorkerTemplate", "workerTemplate", "spec"),
    ),
}
_RBAC = "rbac.authorization.k8s.io"


class PolicyError(ValueError):
    """An ``--allow`` setting that does not parse."""


@dataclass(frozen=True)
class Policy:
    """The operator's settings: what it may create beyond the default-deny envelope."""

    allow: frozenset[str] = frozenset()
    secrets: frozenset[str] = frozenset()
    service_accounts: frozenset[str] = frozenset()
    kinds: frozenset[tuple[str, str]] = frozenset()
    epp_rules: tuple[Mapping[str, Any], ...] = field(default=(), compare=False)
    """The rules an endpoint picker's Role may hold (from the renderer)."""

    @classmethod
    def parse(
        cls, settings: Iterable[str], *, epp_rules: Sequence[Mapping[str, Any]] = ()
    ) -> Policy:
        """From ``--allow`` values: a capability, or ``secret=``, ``service-account=``,
        ``kind=`` with comma-separated names."""
        allow: set[str] = set()
        lists: dict[str, set[str]] = {"secrets": set(), "service-accounts": set(), "kinds": set()}
        for setting in settings:
            name, eq, value = setting.partition("=")
            name = name.strip()
            if eq:
                target = _LISTS.get(name)
                items = [v.strip() for v in value.split(",") if v.strip()]
                if target is None or not items:
                    raise PolicyError(
                        f"--allow {setting!r}: use secret=NAME[,NAME], "
                        "service-account=NAME[,NAME] or kind=KIND[.GROUP][,...]"
                    )
                lists[target].update(items)
            elif name in CAPABILITIES:
                allow.add(name)
            else:
                raise PolicyError(
                    f"--allow {setting!r} is not a setting; one of: {', '.join(CAPABILITIES)}, "
                    "secret=NAMES, service-account=NAMES, kind=KINDS"
                )
        kinds = set()
        for item in lists["kinds"]:
            kind, _, group = item.partition(".")
            kinds.add((canonical_group(group, kind), kind))
        return cls(
            allow=frozenset(allow),
            secrets=frozenset(lists["secrets"]),
            service_accounts=frozenset(lists["service-accounts"]),
            kinds=frozenset(kinds),
            epp_rules=tuple(epp_rules),
        )

    def args(self) -> list[str]:
        """The ``--allow`` arguments that give this policy (for ``operator manifests``)."""
        out = [f"--allow={a}" for a in sorted(self.allow)]
        if self.secrets:
            out.append(f"--allow=secret={','.join(sorted(self.secrets))}")
        if self.service_accounts:
            out.append(f"--allow=service-account={','.join(sorted(self.service_accounts))}")
        if self.kinds:
            names = sorted(f"{k}.{g}" if g else k for g, k in self.kinds)
            out.append(f"--allow=kind={','.join(names)}")
        return out


def _where(obj: Mapping[str, Any], label: str) -> str:
    meta = obj.get("metadata") or {}
    return label or f"{obj.get('kind')}/{meta.get('name')}"


def _get(obj: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _refuse(where: str, field_: str, what: str, setting: str) -> Problem:
    at = f"{where} {field_}" if field_ else where
    return Problem(at, f"{what}: refused by the operator's policy (allowed only with {setting})")


def check(
    objects: Sequence[Mapping[str, Any]],
    namespace: str,
    policy: Policy,
    *,
    labels: Sequence[str] = (),
    cluster_scoped: Iterable[tuple[str, str]] = (),
) -> list[Problem]:
    """Every reason to refuse ``objects`` (a ModelService's rendered children) in
    ``namespace``; empty when all may be created. ``labels`` names each object for messages
    (e.g. ``extraObjects[2]``; default ``Kind/name``); ``cluster_scoped`` holds the
    (apiVersion, kind) pairs the cluster serves cluster-wide."""
    scoped = set(cluster_scoped)
    own_sas = {
        str((o.get("metadata") or {}).get("name"))
        for o in objects
        if o.get("kind") == "ServiceAccount" and group_of(str(o.get("apiVersion", ""))) == ""
    }
    own_secrets = {
        str((o.get("metadata") or {}).get("name"))
        for o in objects
        if o.get("kind") == "Secret" and group_of(str(o.get("apiVersion", ""))) == ""
    }
    own_roles = {
        str((o.get("metadata") or {}).get("name"))
        for o in objects
        if o.get("kind") == "Role" and group_of(str(o.get("apiVersion", ""))) == _RBAC
    }
    problems: list[Problem] = []
    for i, obj in enumerate(objects):
        where = _where(obj, labels[i] if i < len(labels) else "")
        api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
        group = canonical_group(group_of(api_version), kind)
        meta = obj.get("metadata") or {}
        ns = meta.get("namespace")
        if (api_version, kind) in scoped:
            problems.append(
                Problem(
                    where,
                    f"{kind} is cluster-scoped; a ModelService can only own objects in its own "
                    "namespace",
                )
            )
            continue
        if ns and ns != namespace:
            problems.append(
                Problem(
                    where,
                    f"namespace {ns!r} is not the ModelService's namespace {namespace!r}; a "
                    "ModelService owns objects in its namespace only",
                )
            )
            continue
        if (group, kind) not in DEFAULT_KINDS | policy.kinds and not (
            group == _RBAC and kind in ("Role", "RoleBinding")
        ):
            name = f"{kind}.{group}" if group else kind
            problems.append(
                _refuse(
                    where,
                    "",
                    f"objects of kind {name} are not among the chart's kinds",
                    f"--allow kind={name}",
                )
            )
            continue
        if group == _RBAC:
            problems += _check_rbac(obj, where, namespace, policy, own_sas, own_roles)
        if group == "" and kind == "Service":
            problems += _check_service(obj, where, policy)
        for path in POD_SPEC_PATHS.get((group, kind), ()):
            pod = _get(obj, path)
            if isinstance(pod, Mapping):
                problems += _check_pod(pod, where, ".".join(path), policy, own_sas, own_secrets)
    return problems


def _check_service(obj: Mapping[str, Any], where: str, policy: Policy) -> list[Problem]:
    spec = obj.get("spec") or {}
    out = []
    if spec.get("externalIPs") and "external-ips" not in policy.allow:
        out.append(
            _refuse(
                where, "spec.externalIPs", "a Service with external IPs", "--allow external-ips"
            )
        )
    kind = spec.get("type")
    if kind in ("NodePort", "LoadBalancer") and "node-ports" not in policy.allow:
        out.append(_refuse(where, "spec.type", f"a Service of type {kind}", "--allow node-ports"))
    return out


def _granted(rules: Iterable[Mapping[str, Any]]) -> set[tuple[str, str, str, str]]:
    out = set()
    for rule in rules:
        names = rule.get("resourceNames") or ["*"]
        for g in rule.get("apiGroups") or []:
            for r in rule.get("resources") or []:
                for v in rule.get("verbs") or []:
                    for n in names:
                        out.add((str(g), str(r), str(v), str(n)))
    return out


def _within(rules: Any, allowed: set[tuple[str, str, str, str]]) -> bool:
    if not isinstance(rules, list):
        return False
    for rule in rules:
        if not isinstance(rule, Mapping) or rule.get("nonResourceURLs"):
            return False
        want = _granted([rule])
        if not want:
            continue
        for g, r, v, n in want:
            if (g, r, v, n) not in allowed and (g, r, v, "*") not in allowed:
                return False
    return True


def _check_rbac(
    obj: Mapping[str, Any],
    where: str,
    namespace: str,
    policy: Policy,
    own_sas: set[str],
    own_roles: set[str],
) -> list[Problem]:
    if "rbac" in policy.allow:
        return []
    kind = obj.get("kind")
    if kind == "Role":
        if _within(obj.get("rules"), _granted(policy.epp_rules)):
            return []
        return [
            _refuse(
                where,
                "rules",
                "a Role granting more than the endpoint picker's rules",
                "--allow rbac",
            )
        ]
    if kind == "RoleBinding":
        ref = obj.get("roleRef") or {}
        subjects = obj.get("subjects") or []
        ok = (
            isinstance(ref, Mapping)
            and ref.get("kind") == "Role"
            and ref.get("name") in own_roles
            and isinstance(subjects, list)
            and all(
                isinstance(s, Mapping)
                and s.get("kind") == "ServiceAccount"
                and s.get("name") in own_sas
                and (s.get("namespace") or namespace) == namespace
                for s in subjects
            )
        )
        if ok:
            return []
        return [
            _refuse(
                where,
                "",
                "a RoleBinding other than of this ModelService's own Role to its "
                "own ServiceAccounts",
                "--allow rbac",
            )
        ]
    return [_refuse(where, "", f"RBAC objects of kind {kind}", "--allow rbac")]


def _containers(pod: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for key in ("initContainers", "containers", "ephemeralContainers"):
        items = pod.get(key) or []
        if isinstance(items, list):
            for j, c in enumerate(items):
                if isinstance(c, Mapping):
                    yield f"{key}[{j}]", c


def _secret_names(node: Any) -> Iterator[str]:
    """Names of the Secrets a volume or an env source refers to, wherever it nests them."""
    if isinstance(node, Mapping):
        name = node.get("secretName")
        if isinstance(name, str):
            yield name
        for key in ("secret", "secretRef", "secretKeyRef", "nodePublishSecretRef"):
            ref = node.get(key)
            if isinstance(ref, Mapping) and isinstance(ref.get("name"), str):
                yield ref["name"]
        for value in node.values():
            if isinstance(value, Mapping | list):
                yield from _secret_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _secret_names(item)


def _check_pod(
    pod: Mapping[str, Any],
    where: str,
    at: str,
    policy: Policy,
    own_sas: set[str],
    own_secrets: set[str],
) -> list[Problem]:
    out: list[Problem] = []
    allow = policy.allow
    if "host-namespaces" not in allow:
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if pod.get(key) is True:
                out.append(
                    _refuse(
                        where,
                        f"{at}.{key}",
                        "a pod in the host's namespaces",
                        "--allow host-namespaces",
                    )
                )
        for cpath, c in _containers(pod):
            for k, port in enumerate(c.get("ports") or []):
                if isinstance(port, Mapping) and port.get("hostPort"):
                    out.append(
                        _refuse(
                            where,
                            f"{at}.{cpath}.ports[{k}].hostPort",
                            "a host port",
                            "--allow host-namespaces",
                        )
                    )
    if "host-path" not in allow:
        for k, vol in enumerate(pod.get("volumes") or []):
            if isinstance(vol, Mapping) and vol.get("hostPath") is not None:
                out.append(
                    _refuse(
                        where,
                        f"{at}.volumes[{k}].hostPath",
                        "a hostPath volume",
                        "--allow host-path",
                    )
                )
    if "privileged" not in allow:
        pod_sc = pod.get("securityContext") or {}
        if _get(pod_sc, ("windowsOptions", "hostProcess")) is True:
            out.append(
                _refuse(
                    where,
                    f"{at}.securityContext.windowsOptions.hostProcess",
                    "a Windows host process",
                    "--allow privileged",
                )
            )
        for cpath, c in _containers(pod):
            sc = c.get("securityContext") or {}
            if not isinstance(sc, Mapping):
                continue
            base = f"{at}.{cpath}.securityContext"
            if sc.get("privileged") is True:
                out.append(
                    _refuse(
                        where, f"{base}.privileged", "a privileged container", "--allow privileged"
                    )
                )
            added = _get(sc, ("capabilities", "add")) or []
            extra = [str(a) for a in added if str(a).upper() not in BASELINE_CAPABILITIES]
            if extra:
                out.append(
                    _refuse(
                        where,
                        f"{base}.capabilities.add",
                        f"capabilities {', '.join(extra)}",
                        "--allow privileged",
                    )
                )
            if sc.get("procMount") == "Unmasked":
                out.append(
                    _refuse(where, f"{base}.procMount", "an unmasked /proc", "--allow privileged")
                )
            if _get(sc, ("windowsOptions", "hostProcess")) is True:
                out.append(
                    _refuse(
                        where,
                        f"{base}.windowsOptions.hostProcess",
                        "a Windows host process",
                        "--allow privileged",
                    )
                )
    if "service-accounts" not in allow:
        sa = pod.get("serviceAccountName") or pod.get("serviceAccount") or "default"
        uses_token = pod.get("automountServiceAccountToken") is not False or any(
            "serviceAccountToken" in (src or {})
            for vol in pod.get("volumes") or []
            if isinstance(vol, Mapping)
            for src in (_get(vol, ("projected", "sources")) or [])
            if isinstance(src, Mapping)
        )
        if uses_token and sa not in own_sas and sa not in policy.service_accounts:
            out.append(
                _refuse(
                    where,
                    f"{at}.serviceAccountName",
                    f"pods running as ServiceAccount {sa!r}, which this ModelService does "
                    "not create",
                    f"--allow service-account={sa}",
                )
            )
    if "secrets" not in allow:
        found: list[tuple[str, str]] = []
        for k, vol in enumerate(pod.get("volumes") or []):
            found += [(f"{at}.volumes[{k}]", n) for n in _secret_names(vol)]
        for cpath, c in _containers(pod):
            for key in ("env", "envFrom"):
                found += [(f"{at}.{cpath}.{key}", n) for n in _secret_names(c.get(key))]
        for path, name in found:
            if name not in own_secrets and name not in policy.secrets:
                out.append(
                    _refuse(where, path, f"a pod reading Secret {name!r}", f"--allow secret={name}")
                )
    return out
