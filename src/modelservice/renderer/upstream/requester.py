"""The requester ReplicaSet's server patch: the decode pod the dual-pod controller starts.

The chart writes this annotation as text (a YAML document holding the decode containers
exactly as its container helper prints them), so it is rebuilt here as text.
"""

from __future__ import annotations

from modelservice.renderer.upstream.context import Ctx, fail


def server_patch(ctx: Ctx, model_name: str) -> str:
    raise fail(
        "requester.enable",
        "rendering the requester's server patch is not supported yet with --chart-version",
    )
