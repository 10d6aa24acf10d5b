"""Commands that act on a cluster: install, upgrade, diff, status, list, history,
rollback, uninstall. Thin shells over :class:`modelservice.Release`."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from modelservice.cli.common import (
    EXIT_CHANGES,
    EXIT_OK,
    HelpFormatter,
    add_chart_flags,
    add_output_flag,
    add_value_flags,
    color,
    dedent,
    load,
    print_structured,
    print_warnings,
)

if TYPE_CHECKING:
    from modelservice.cluster.records import Record
    from modelservice.cluster.release import Release, ReleaseStatus
    from modelservice.cluster.wait import Readiness


def _duration(text: str) -> float:
    """``300``, ``300s``, ``5m``, ``1h30m`` → seconds."""
    import re

    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|m|s|ms)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (use e.g. 300s, 5m, 1h)")
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    return sum(float(n) * scale[u] for n, u in parts)


def _cluster_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("cluster")
    g.add_argument("-n", "--namespace", help="namespace of the release (default: the context's)")
    g.add_argument("--kube-context", metavar="NAME", help="kubeconfig context to use")
    g.add_argument(
        "--kubeconfig",
        metavar="FILE",
        help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)",
    )


def _dry_run_flag(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    p.add_argument(
        "--dry-run",
        choices=["client", "server", "none"],
        metavar="[=client|server]",
        help="change nothing, show what would change: bare --dry-run (client) renders, "
        "validates and reads the release's records; --dry-run=server also has the API "
        "server check every write",
    )


def _apply_flags(p: argparse.ArgumentParser, *, upgrade: bool) -> None:
    g = p.add_argument_group("apply")
    _dry_run_flag(g)
    g.add_argument(
        "--create-namespace", action="store_true", help="create the namespace if missing"
    )
    g.add_argument(
        "--wait",
        action="store_true",
        help="wait until every workload is ready (live progress on a terminal)",
    )
    g.add_argument(
        "--timeout",
        type=_duration,
        default=300.0,
        metavar="DURATION",
        help="how long --wait (and a stale lock) may take (default 300s)",
    )
    g.add_argument(
        "--atomic",
        action="store_true",
        help="on failure, roll back (upgrade) or remove the release (install); implies --wait",
    )
    g.add_argument(
        "--no-force-conflicts",
        dest="force_conflicts",
        action="store_false",
        help="refuse to take over fields another field manager owns (default: take "
        "them over, so the release's values win)",
    )
    g.add_argument(
        "--take-ownership",
        action="store_true",
        help="adopt existing objects that are not this release's (as Helm 4): without it, "
        "an object that exists and lacks this release's Helm ownership marks is refused",
    )
    if upgrade:
        _foreign_flag(g)
        g.add_argument("--install", action="store_true", help="install the release if missing")
        g.add_argument(
            "--force",
            action="store_true",
            help="take over a stale lock: a pending revision whose holder's deadline (its "
            "start plus its own --timeout) has passed, e.g. from a killed process",
        )
        g.add_argument(
            "--history-max",
            type=int,
            default=10,
            metavar="N",
            help="revisions to keep (default 10; 0 keeps all)",
        )


def _foreign_flag(g: argparse._ActionsContainer) -> None:
    g.add_argument(
        "--include-foreign-objects",
        dest="include_foreign",
        action="store_true",
        help="also act on entries of the release records that are cluster-scoped or in "
        "another namespace (skipped by default: anyone who can write Secrets in the "
        "namespace can write a record)",
    )


def _add_install(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter

    p = sub.add_parser(
        "install",
        formatter_class=fmt,
        description=dedent("""\
        Render the release and server-side apply every object, recording the revision the
        way Helm does (helm list / history / uninstall work on it).

        With --chart-version the release is rendered exactly as that upstream chart release
        renders, and recorded as Helm records it: 'helm upgrade' with that chart works on it.

        examples:
          modelservice install sim -n llm-d -f examples/simulator.yaml --create-namespace --wait
          modelservice install llama -f values.yaml --dry-run          # render and check only
          modelservice install llama -f values.yaml --dry-run=server   # the API server checks too
          modelservice install llama -f values.yaml --chart-version 0.4.9
        """),
    )
    p.add_argument("release", metavar="RELEASE")
    _cluster_flags(p)
    add_value_flags(p)
    add_chart_flags(p)
    _apply_flags(p, upgrade=False)
    p.set_defaults(func=cmd_install)


def _add_upgrade(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter

    p = sub.add_parser(
        "upgrade",
        formatter_class=fmt,
        description=dedent("""\
        Render the new values, apply every object, prune objects the new revision no longer
        renders (unless annotated helm.sh/resource-policy: keep), and mark the previous
        revision superseded. A second concurrent upgrade is refused.

        The release is rendered as the chart version its deployed revision records (a
        release installed by 'helm install' with the upstream chart 0.4.9 is upgraded as
        0.4.9); --chart-version switches it to another ('default': the default mode).

        examples:
          modelservice upgrade sim -n llm-d -f examples/simulator.yaml --set decode.replicas=3
          modelservice upgrade sim -n llm-d -f values.yaml --install --atomic --timeout 10m
          modelservice upgrade sim -n llm-d -f values.yaml --dry-run   # what would change
          modelservice upgrade llama -n llm-d -f values.yaml --chart-version 0.4.12
        """),
    )
    p.add_argument("release", metavar="RELEASE")
    _cluster_flags(p)
    add_value_flags(p)
    add_chart_flags(p, release=True)
    _apply_flags(p, upgrade=True)
    p.set_defaults(func=cmd_upgrade)


def _add_diff(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter

    p = sub.add_parser(
        "diff",
        formatter_class=fmt,
        description=dedent("""\
        Compare the live objects with a server-side dry run of the new values, per object,
        as a unified diff (server-owned fields left out; Secret values masked unless
        --show-secrets). Exit status 0 when nothing would change, 2 when something would,
        1 on error. Rendered as an upgrade would render: the chart version recorded in the
        release unless --chart-version names another.

        example:
          modelservice diff sim -n llm-d -f examples/simulator.yaml --set decode.replicas=3
        """),
    )
    p.add_argument("release", metavar="RELEASE")
    _cluster_flags(p)
    add_value_flags(p)
    add_chart_flags(p, release=True)
    p.add_argument(
        "--show-secrets",
        action="store_true",
        help="show Secret values (masked as *** by default, as kubectl diff does)",
    )
    p.set_defaults(func=cmd_diff)


def _add_status(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter

    p = sub.add_parser(
        "status",
        formatter_class=fmt,
        description="Show the revision, its status, and every object with its "
        "readiness (pods ready/desired, restarts, why a pod is pending). -o json|yaml "
        "prints name, namespace, revision, updated, status, chart, app_version, "
        "description, ready, and objects: kind, name, ready, progress, pods_ready, pods, "
        "restarts, detail.\n\n"
        "example:\n  modelservice status sim -n llm-d -o json",
    )
    p.add_argument("release", metavar="RELEASE")
    _cluster_flags(p)
    _foreign_flag(p)
    add_output_flag(p)
    p.set_defaults(func=cmd_status)


def _add_list(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter

    p = sub.add_parser(
        "list",
        formatter_class=fmt,
        description="List the releases in a namespace, or in all with -A. -o json|yaml "
        "prints, per release, Helm's fields: name, namespace, revision (a string, as "
        "Helm), updated, status, chart, app_version.\n\n"
        "examples:\n  modelservice list -n llm-d\n  modelservice list -A -o json",
    )
    _cluster_flags(p)
    p.add_argument("-A", "--all-namespaces", action="store_true", help="list in all namespaces")
    add_output_flag(p)
    p.set_defaults(func=cmd_list)


def _add_history(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter

    p = sub.add_parser(
        "history",
        formatter_class=fmt,
        description="List every stored revision of a release, oldest first. -o json|yaml "
        "prints, per revision, Helm's fields: revision, updated, status, chart, "
        "app_version, description.\n\nexample:\n  modelservice history sim -n llm-d",
    )
    p.add_argument("release", metavar="RELEASE")
    _cluster_flags(p)
    add_output_flag(p)
    p.set_defaults(func=cmd_history)


def _add_rollback(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter

    p = sub.add_parser(
        "rollback",
        formatter_class=fmt,
        description="Re-apply an earlier revision as a new revision (default: "
        "the previous one).\n\nexamples:\n  modelservice rollback sim -n llm-d\n"
        "  modelservice rollback sim 1 -n llm-d --wait",
    )
    p.add_argument("release", metavar="RELEASE")
    p.add_argument("revision", metavar="REVISION", type=int, nargs="?")
    _cluster_flags(p)
    p.add_argument("--wait", action="store_true", help="wait until ready")
    p.add_argument("--timeout", type=_duration, default=300.0, metavar="DURATION")
    p.add_argument(
        "--force",
        action="store_true",
        help="take over a stale lock (a pending revision past its holder's deadline)",
    )
    _foreign_flag(p)
    _dry_run_flag(p)
    p.set_defaults(func=cmd_rollback)


def _add_uninstall(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter

    p = sub.add_parser(
        "uninstall",
        formatter_class=fmt,
        description="Delete the release's objects in reverse install order, "
        "then its records. Only objects whose Helm ownership marks still name this "
        "release are deleted; those annotated helm.sh/resource-policy=keep stay.\n\n"
        "example:\n  modelservice uninstall sim -n llm-d --wait",
    )
    p.add_argument("release", metavar="RELEASE")
    _cluster_flags(p)
    p.add_argument("--wait", action="store_true", help="wait until every object is gone")
    p.add_argument("--timeout", type=_duration, default=300.0, metavar="DURATION")
    p.add_argument(
        "--keep-history", action="store_true", help="keep the records, marked uninstalled"
    )
    _foreign_flag(p)
    _dry_run_flag(p)
    p.set_defaults(func=cmd_uninstall)


#: The parser builder of each command of this module.
_BUILDERS = {
    "install": _add_install,
    "upgrade": _add_upgrade,
    "diff": _add_diff,
    "status": _add_status,
    "list": _add_list,
    "history": _add_history,
    "rollback": _add_rollback,
    "uninstall": _add_uninstall,
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], command: str) -> None:
    """Add the parser of ``command`` (one of this module's) to ``sub``."""
    _BUILDERS[command](sub)


def _release(args: argparse.Namespace) -> Release:
    from modelservice.cluster.release import Release

    return Release(
        args.release,
        namespace=args.namespace,
        kubeconfig=args.kubeconfig,
        context=args.kube_context,
        on_warnings=print_warnings,
        on_notice=_notice,
    )


def _skipped(skipped: list[Any]) -> None:
    """Records that could not be decoded, as warnings (as :class:`Release` reports them)."""
    if skipped:
        from modelservice.errors import Problem

        print_warnings([Problem("", str(s)) for s in skipped])


def _notice(message: str) -> None:
    print(message, file=sys.stderr)


def _chart(record: Record) -> str:
    """The CHART a status shows: Helm's name-version, and which rendering made it when that
    is this tool's default mode (Helm shows the same name-version for the upstream 0.0.9)."""
    from modelservice.charts.versions import is_default_mode

    if record.chart_name == "llm-d-modelservice" and is_default_mode(record.chart_annotations):
        return f"{record.chart} (modelservice's default mode)"
    return record.chart


class _Progress:
    """Live progress while waiting: a table redrawn in place on a terminal, one line per
    change otherwise (CI logs stay readable)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.start = time.monotonic()
        self._last: dict[str, str] = {}
        self._live: Any = None

    def __call__(self, states: list[Readiness]) -> None:
        if self.tty:
            self._draw(states)
            return
        for s in states:
            line = f"{s.kind}/{s.name}: {s.progress}{' (ready)' if s.ready else ''}"
            key = f"{s.kind}/{s.name}"
            if self._last.get(key) != line:
                self._last[key] = line
                print(
                    f"[{time.monotonic() - self.start:5.0f}s] {line}", file=sys.stderr, flush=True
                )

    def _draw(self, states: list[Readiness]) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.table import Table

        table = Table(title=f"waiting ({time.monotonic() - self.start:.0f}s)", expand=False)
        for col in ("object", "progress", "ready"):
            table.add_column(col)
        for s in states:
            table.add_row(
                f"{s.kind}/{s.name}", s.progress, "[green]yes" if s.ready else "[yellow]no"
            )
        if self._live is None:
            self._live = Live(table, console=Console(stderr=True), transient=False)
            self._live.start()
        else:
            self._live.update(table)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()


def _deploy(args: argparse.Namespace, op: str) -> int:
    values = load(args)
    rel = _release(args)
    progress = _Progress()
    wait = args.wait or args.atomic
    common: dict[str, Any] = dict(
        create_namespace=args.create_namespace,
        dry_run=args.dry_run or False,
        wait=wait,
        timeout=args.timeout,
        atomic=args.atomic,
        force_conflicts=args.force_conflicts,
        progress=progress,
    )
    common["take_ownership"] = args.take_ownership
    common["chart_version"] = args.chart_version
    common["skip_schema_validation"] = args.skip_schema_validation
    started = time.monotonic()
    try:
        if op == "install":
            record = rel.install(values, **common)
        else:
            record = rel.upgrade(
                values,
                install=args.install,
                force=args.force,
                history_max=args.history_max,
                include_foreign=args.include_foreign,
                **common,
            )
    finally:
        progress.close()
    took = time.monotonic() - started
    if args.dry_run not in (None, "none"):
        _print_dry_run(rel, record, install=op == "install")
        return EXIT_OK
    print(
        f"release {args.release!r} revision {record.version} {record.status} in namespace "
        f"{rel.namespace!r} ({took:.1f}s, {rel.cluster.requests} API requests)"
    )
    return EXIT_OK


def _print_dry_run(rel: Release, record: Record, *, install: bool = False) -> None:
    """What the operation would do, object by object, then what was checked."""
    from modelservice.cluster.release import parse_manifest

    if install:  # nothing to compare with, and a client dry run asks the cluster nothing
        lines = [
            f"create {o['kind']}/{o['metadata']['name']}" for o in parse_manifest(record.manifest)
        ]
    else:
        lines = [f"{d.action} {d.kind}/{d.name}" for d in rel.changes(record)]
    for line in lines:
        print(f"  would {line}" if not line.startswith(("unchanged", "keep")) else f"  {line}")
    print(
        f"dry run of release {rel.name!r} revision {record.version} ({record.status}, chart "
        f"{_chart(record)}): {record.description}; nothing was stored"
    )


def cmd_install(args: argparse.Namespace) -> int:
    return _deploy(args, "install")


def cmd_upgrade(args: argparse.Namespace) -> int:
    return _deploy(args, "upgrade")


def _color(code: str, text: str) -> str:
    return color(code, text, sys.stdout)


def cmd_diff(args: argparse.Namespace) -> int:
    import difflib

    values = load(args)
    diffs = _release(args).diff(
        values,
        chart_version=args.chart_version,
        skip_schema_validation=args.skip_schema_validation,
        show_secrets=args.show_secrets,
    )
    changed = 0
    for d in diffs:
        if d.action == "unchanged":
            continue
        changed += 1
        title = f"{d.kind}/{d.name} ({d.action})"
        print(_color("1", title))
        if d.note:
            print(_color("33", f"# an upgrade refuses it: {d.note} (see --take-ownership)"))
        for line in difflib.unified_diff(
            d.before.splitlines(), d.after.splitlines(), "live", "after upgrade", lineterm="", n=3
        ):
            if line.startswith("+") and not line.startswith("+++"):
                line = _color("32", line)
            elif line.startswith("-") and not line.startswith("---"):
                line = _color("31", line)
            elif line.startswith("@@"):
                line = _color("36", line)
            print(line)
    if not changed:
        print("no changes", file=sys.stderr)
        return EXIT_OK
    print(f"{changed} object(s) would change", file=sys.stderr)
    return EXIT_CHANGES


def _table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def _status_fields(st: ReleaseStatus) -> dict[str, Any]:
    """``status -o json|yaml``: the revision in the field names of Helm's list and
    history, and each object's readiness."""
    r = st.record
    objects = []
    for o in st.objects:
        objects.append(
            {
                "kind": o.readiness.kind,
                "name": o.readiness.name,
                "ready": o.readiness.ready,
                "progress": o.readiness.progress,
                "pods_ready": o.pods_ready,
                "pods": o.pods,
                "restarts": o.restarts,
                "detail": o.problem or o.readiness.detail,
            }
        )
    return {
        "name": r.name,
        "namespace": r.namespace,
        "revision": r.version,
        "updated": r.last_deployed,
        "status": r.status,
        "chart": r.chart,
        "app_version": r.app_version,
        "description": r.description,
        "ready": st.ready,
        "objects": objects,
    }


def cmd_status(args: argparse.Namespace) -> int:
    st = _release(args).status(include_foreign=args.include_foreign)
    if args.output != "table":
        print_structured(_status_fields(st), args.output)
        return EXIT_OK
    r = st.record
    print(
        f"NAME: {r.name}\nNAMESPACE: {r.namespace}\nREVISION: {r.version}\nSTATUS: {r.status}\n"
        f"LAST DEPLOYED: {r.last_deployed}\nCHART: {_chart(r)}\nDESCRIPTION: {r.description}\n"
    )
    rows = []
    for o in st.objects:
        pods = (
            f"{o.pods_ready}/{o.pods}"
            if o.pods or o.readiness.kind in ("Deployment", "LeaderWorkerSet")
            else ""
        )
        detail = o.problem or o.readiness.detail or o.note
        rows.append(
            [
                f"{o.readiness.kind}/{o.readiness.name}",
                "yes" if o.readiness.ready else "no",
                o.readiness.progress,
                pods,
                str(o.restarts) if pods else "",
                detail,
            ]
        )
    _table(["OBJECT", "READY", "PROGRESS", "PODS", "RESTARTS", "DETAIL"], rows)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    # The records' storage alone: the lifecycle (and what it imports) is not needed here.
    from modelservice.cluster.client import Cluster
    from modelservice.cluster.storage import SecretDriver

    cluster = Cluster(
        kubeconfig=args.kubeconfig, context=args.kube_context, namespace=args.namespace
    )
    records, skipped = SecretDriver(cluster).latest(
        cluster.namespace, all_namespaces=args.all_namespaces
    )
    _skipped(skipped)
    if args.output != "table":  # Helm's fields, its revision a string as in `helm list`
        fields = [
            {
                "name": r.name,
                "namespace": r.namespace,
                "revision": str(r.version),
                "updated": r.last_deployed,
                "status": r.status,
                "chart": r.chart,
                "app_version": r.app_version,
            }
            for r in records
        ]
        print_structured(fields, args.output)
        return EXIT_OK
    rows = [
        [r.name, r.namespace, str(r.version), r.last_deployed, r.status, r.chart, r.app_version]
        for r in records
    ]
    _table(["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"], rows)
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from modelservice.cluster.client import Cluster
    from modelservice.cluster.errors import ReleaseNotFound
    from modelservice.cluster.storage import SecretDriver

    cluster = Cluster(
        kubeconfig=args.kubeconfig, context=args.kube_context, namespace=args.namespace
    )
    records, skipped = SecretDriver(cluster).history(args.release, cluster.namespace)
    _skipped(skipped)
    if not records:
        raise ReleaseNotFound(args.release, cluster.namespace)
    if args.output != "table":  # Helm's fields, as `helm history -o json`
        fields = [
            {
                "revision": r.version,
                "updated": r.last_deployed,
                "status": r.status,
                "chart": r.chart,
                "app_version": r.app_version,
                "description": r.description,
            }
            for r in records
        ]
        print_structured(fields, args.output)
        return EXIT_OK
    rows = [
        [str(r.version), r.last_deployed, r.status, r.chart, r.app_version, r.description]
        for r in records
    ]
    _table(["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION"], rows)
    return EXIT_OK


def cmd_rollback(args: argparse.Namespace) -> int:
    rel = _release(args)
    progress = _Progress()
    try:
        record = rel.rollback(
            args.revision,
            wait=args.wait,
            timeout=args.timeout,
            force=args.force,
            include_foreign=args.include_foreign,
            progress=progress,
            dry_run=args.dry_run or False,
        )
    finally:
        progress.close()
    if args.dry_run not in (None, "none"):
        _print_dry_run(rel, record)
        return EXIT_OK
    print(f"release {args.release!r} rolled back: revision {record.version} ({record.description})")
    return EXIT_OK


def cmd_uninstall(args: argparse.Namespace) -> int:
    dry_run = args.dry_run not in (None, "none")
    report = _release(args).uninstall(
        wait=args.wait and not dry_run,
        timeout=args.timeout,
        keep_history=args.keep_history,
        include_foreign=args.include_foreign,
        dry_run=args.dry_run or False,
    )
    left = len(report.kept) + len(report.foreign)
    if dry_run:
        for ident in report.deleted:
            print(f"  would delete {ident.kind}/{ident.name}")
        for ident in [*report.kept, *report.foreign]:
            print(f"  keep {ident.kind}/{ident.name}")
        print(
            f"dry run ({args.dry_run}) of uninstalling release {args.release!r}: "
            f"{len(report.deleted)} objects and the release's records would be deleted"
            + (f", {left} left in place" if left else "")
            + "; nothing was deleted"
        )
        return EXIT_OK
    print(
        f"release {args.release!r} uninstalled ({len(report.deleted)} objects deleted"
        + (f", {left} left in place" if left else "")
        + ")"
    )
    return EXIT_OK
