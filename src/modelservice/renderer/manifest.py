"""The whole release: every object in Helm's install order."""

from __future__ import annotations

from modelservice.renderer import routing, workloads
from modelservice.renderer.fresh import fresh
from modelservice.values.model import ModelService, Obj


def render_model(ms: ModelService) -> list[Obj]:
    """All objects of the release, in install order.

    ServiceAccounts, Roles, RoleBindings and Services come before the workloads that use
    them; the custom resources that refer to those workloads come after them; the user's
    ``extraObjects`` come last, exactly as written.
    """
    epp = routing.epp_objects(ms)
    objects: list[Obj] = []
    objects += epp.get("ServiceAccount", [])
    objects += workloads.service_account(ms)
    objects += epp.get("Role", [])
    objects += epp.get("RoleBinding", [])
    objects += epp.get("Service", [])
    work = workloads.workloads(ms)
    deployments = [o for o in work if o["kind"] == "Deployment"] + epp.get("Deployment", [])
    objects += sorted(deployments, key=lambda o: o["metadata"]["name"])
    objects += [o for o in work if o["kind"] == "LeaderWorkerSet"]
    objects += routing.http_route(ms)
    objects += routing.inference_pool(ms)
    objects += routing.inference_model(ms)
    objects += workloads.pod_monitors(ms)
    objects += fresh(ms.extra_objects)
    return objects


def identity(obj: Obj, namespace: str) -> tuple[str, str, str, str]:
    """(apiVersion, kind, namespace, name): what makes two objects the same object."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace") or namespace
    return (str(obj.get("apiVersion")), str(obj.get("kind")), str(ns), str(meta.get("name")))
