"""A release's lifecycle on a cluster: install, upgrade, diff, status, rollback, uninstall.

Each operation renders first (nothing is written to the cluster when the values are wrong;
``upgrade`` and ``diff`` read the release's records before, to render as the chart version
recorded there), then works like Helm 4: ownership checked before applying
(:mod:`.apply`), server-side apply of every object, Helm release records as the history
and as the lock (a ``pending-*`` record; creating a revision's record is atomic, so two
concurrent upgrades cannot both create revision N; every later write of a record is
compare-and-swap, so an operation whose lock was taken over cannot record its result over
the taker's), pruning of the objects a revision no longer renders that are still this
release's, Helm hooks (:mod:`.hooks`) run at their events. The manifests come from the
renderer; this module only adds the ownership marks Helm adds at apply time. A record
names the chart its revision was rendered from as Helm names it
(:mod:`modelservice.charts.versions`), so that Helm and this tool can take turns on a
release.

Records are input, not trusted state: anyone who can write Secrets in the namespace can
write one. Their manifests are read with bounded parsers, and entries that are
cluster-scoped or in another namespace are not acted upon unless the caller asks
(``include_foreign``): the release did not render them in this run.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelservice.cluster import epp
from modelservice.cluster.apply import Deletion, Engine, HelmOwner, describe_skipped, keeps
from modelservice.cluster.client import Api, Cluster, each
from modelservice.cluster.diff import ObjectDiff, comparable, mask_secrets
from modelservice.cluster.errors import (
    AlreadyExists,
    ChartMismatch,
    ClusterError,
    Conflict,
    Locked,
    LockLost,
    ReleaseError,
    ReleaseNotFound,
)
from modelservice.cluster.hooks import Hook, Runner, stored
from modelservice.cluster.records import (
    DEPLOYED,
    FAILED,
    PENDING,
    PENDING_INSTALL,
    PENDING_ROLLBACK,
    PENDING_UPGRADE,
    SUPERSEDED,
    UNINSTALLED,
    UNINSTALLING,
    Record,
    now,
    parse_time,
)
from modelservice.cluster.storage import Driver, SecretDriver
from modelservice.cluster.wait import Readiness, pod_selector, pod_summary, readiness
from modelservice.errors import Problem, ValuesError
from modelservice.kinds import Identity

if TYPE_CHECKING:
    from modelservice.charts.versions import ChartVersion
    from modelservice.values.layering import Values

__all__ = [
    "DEFAULT_TIMEOUT",
    "Deletion",
    "ObjectDiff",
    "ObjectStatus",
    "Release",
    "ReleaseError",
    "ReleaseStatus",
    "list_releases",
    "parse_manifest",
]

Obj = dict[str, Any]
ProgressFn = Callable[[list[Readiness]], None]

DEFAULT_TIMEOUT = 300.0

DryRun = bool | str
"""``False`` (or ``"none"``): act. ``"client"``: render, validate and read the release's
records, nothing sent that changes anything. ``"server"`` (or ``True``): also have the
API server check every write with a dry run."""


def dry_run_mode(dry_run: DryRun) -> str | None:
    """``"client"``, ``"server"`` or None (a real operation)."""
    if dry_run is False or dry_run is None or dry_run == "none":
        return None
    if dry_run is True or dry_run == "server":
        return "server"
    if dry_run == "client":
        return "client"
    raise ValueError(f"dry_run must be False, True, 'client', 'server' or 'none': {dry_run!r}")


@dataclass
class ObjectStatus:
    readiness: Readiness
    pods_ready: int = 0
    pods: int = 0
    restarts: int = 0
    problem: str = ""
    note: str = ""
    """What else is known when nothing is wrong (an EPP: the pool it picks from)."""


@dataclass
class _Render:
    """A release rendered for the cluster: its objects with the ownership marks, its hooks
    (no marks, not in the manifest), the user's values and the chart rendered (None: the
    default mode)."""

    objects: list[Obj]
    sources: list[str]
    """Beside each object, the chart template that renders it (the manifest's ``# Source:``)."""
    hooks: list[Hook]
    user: dict[str, Any]
    chart: ChartVersion | None


@dataclass
class ReleaseStatus:
    record: Record
    objects: list[ObjectStatus] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(o.readiness.ready for o in self.objects)


def parse_manifest(text: str, source: str = "the release manifest") -> list[Obj]:
    """The objects of a release manifest, read with the bounded YAML loader (alias bombs,
    node counts and nesting refused as for values files); entries that are not objects
    with a kind and a name are left out."""
    from modelservice.values.yamlfile import load_documents

    out = []
    for doc in load_documents(text, source):
        if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str):
            continue
        meta = doc.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("name"), str) and meta["name"]:
            out.append(doc)
    return out


class Release:
    """One named release in one namespace of one cluster.

    >>> rel = Release("llama", namespace="llm-d")            # doctest: +SKIP
    >>> rel.install(modelservice.load_values(files=["v.yaml"]), wait=True)  # doctest: +SKIP

    ``cluster`` and ``driver`` replace the network connection and the Secret storage
    (:class:`~modelservice.cluster.memory.MemoryCluster` and
    :class:`~modelservice.cluster.storage.MemoryDriver` in unit tests).
    """

    def __init__(
        self,
        name: str,
        *,
        namespace: str | None = None,
        kubeconfig: str | None = None,
        context: str | None = None,
        cluster: Api | None = None,
        driver: Driver | None = None,
        on_warnings: Callable[[list[Problem]], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.on_warnings = on_warnings
        """Called with warnings: the values' each time the release is rendered, and the
        lifecycle's (records skipped, objects left in place)."""
        self.on_notice = on_notice
        """Called with what a user should know that is not a problem: which chart version
        an upgrade or a diff renders (the one recorded, or a switch to another)."""
        self.cluster: Api = cluster or Cluster(
            kubeconfig=kubeconfig, context=context, namespace=namespace
        )
        self.namespace = namespace or self.cluster.namespace
        self.driver: Driver = driver or SecretDriver(self.cluster)
        self.owner = HelmOwner(name, self.namespace)
        self.engine = Engine(self.cluster, self.owner, self.namespace)
        self.clock = clock

    def _warn(self, messages: Iterable[object]) -> None:
        problems = [Problem("", str(m)) for m in messages]
        if problems and self.on_warnings is not None:
            self.on_warnings(problems)

    # ------------------------------------------------------------------ records

    def history(self) -> list[Record]:
        """Every revision, oldest first (records that do not decode are skipped with a
        warning, as Helm skips them)."""
        records, skipped = self.driver.history(self.name, self.namespace)
        self._warn(skipped)
        return records

    def _create(self, record: Record) -> None:
        try:
            self.driver.create(record)
        except AlreadyExists:
            raise Locked(
                f"another operation on release {self.name!r} is running: revision "
                f"{record.version} was created by someone else just now",
                "wait for it to finish ({status}), then retry",
            ) from None

    def _update(self, record: Record, what: str) -> None:
        """Write a record read (or written) earlier; a change since means the lock was
        taken over: this operation's result must not be recorded over the taker's."""
        try:
            self.driver.update(record)
        except Conflict:
            raise LockLost(
                f"revision {record.version} of release {self.name!r} was changed by another "
                f"operation (a forced takeover after its lock deadline?) while this one ran; "
                f"{what} was not recorded",
                "see {status} and the history before retrying",
            ) from None

    def _objects_of(
        self, record: Record, *, include_foreign: bool, refuse: bool = False
    ) -> list[Obj]:
        """The objects of a revision's manifest that this release may act upon: entries
        that are cluster-scoped or in another namespace are skipped with a warning (or,
        with ``refuse``, refused) unless ``include_foreign``."""
        try:
            objects = parse_manifest(record.manifest, f"revision {record.version}'s manifest")
        except ValuesError as err:
            raise ReleaseError(
                f"revision {record.version} of release {self.name!r} has a manifest that "
                f"cannot be read: {err}"
            ) from None
        return self._in_namespace(
            objects, record, "objects", include_foreign=include_foreign, refuse=refuse
        )

    def _hooks_of(
        self, record: Record, *, include_foreign: bool, refuse: bool = False
    ) -> list[Hook]:
        """The hooks of a stored revision this release may run, by the rule of
        :meth:`_objects_of`."""
        try:
            hooks = stored(record)
        except ValuesError as err:
            raise ReleaseError(
                f"revision {record.version} of release {self.name!r} has a hook that cannot "
                f"be read: {err}"
            ) from None
        mine = self._in_namespace(
            [h.obj for h in hooks], record, "hooks", include_foreign=include_foreign, refuse=refuse
        )
        kept = {id(o) for o in mine}
        return [h for h in hooks if id(h.obj) in kept]

    def _in_namespace(
        self,
        objects: list[Obj],
        record: Record,
        what: str,
        *,
        include_foreign: bool,
        refuse: bool,
    ) -> list[Obj]:
        if include_foreign:
            return objects
        foreign: list[Identity] = []
        for obj in objects:
            ident = self.engine.identity(obj)
            if ident.namespace != self.namespace:
                foreign.append(ident)
        if not foreign:
            return objects
        where = ", ".join(
            f"{i.short} ({'cluster-scoped' if not i.namespace else f'namespace {i.namespace}'})"
            for i in foreign
        )
        if refuse:
            raise ReleaseError(
                f"revision {record.version} of release {self.name!r} holds {what} outside "
                f"namespace {self.namespace!r}: {where}. Records can be written by anyone who "
                "can write Secrets in the namespace, so these are not applied",
                "if you trust this record, pass {include_foreign}",
            )
        self._warn(
            [
                f"revision {record.version} of release {self.name!r} lists {what} outside "
                f"namespace {self.namespace!r}, left alone: {where} (if you trust the "
                "record: --include-foreign-objects, or include_foreign=True)"
            ]
        )
        keep = set(foreign)
        return [o for o in objects if self.engine.identity(o) not in keep]

    # ------------------------------------------------------------------ rendering

    def _render(
        self,
        values: Values | Mapping[str, Any] | None,
        chart: ChartVersion | None,
        *,
        skip_schema_validation: bool = False,
    ) -> _Render:
        """Render ``values`` as ``chart`` (None: the default mode); split off the hooks."""
        from modelservice.cluster.hooks import split
        from modelservice.pipeline import as_values, render_release

        laid = as_values(values, chart)
        result = render_release(
            laid,
            release=self.name,
            namespace=self.namespace,
            skip_schema_validation=skip_schema_validation,
        )
        if self.on_warnings is not None and result.warnings:
            self.on_warnings(list(result.warnings))
        objects, sources, hooks, skipped = split(result.objects, result.sources)
        self._warn(skipped)
        marked = [self.owner.mark(o) for o in objects]
        return _Render(marked, sources, hooks, copy.deepcopy(laid.user), chart)

    @staticmethod
    def _manifest(objects: Sequence[Obj], sources: Sequence[str]) -> str:
        """The manifest text a release record stores (Helm's ``# Source:`` lines naming each
        chart template)."""
        from modelservice.output.yaml import dump_all

        return dump_all(objects, sources)

    def _record(self, version: int, status: str, render: _Render, **info: Any) -> Record:
        """A new revision's record: the rendered manifest, the user's values, the chart
        it was rendered from (as Helm records it) and its hooks."""
        from modelservice.charts.versions import record_metadata

        record = Record(
            self.name,
            self.namespace,
            version,
            status,
            self._manifest(render.objects, render.sources),
            render.user,
            **info,
        )
        record.set_chart(record_metadata(render.chart), _chart_defaults(render.chart))
        record.hooks = [h.to_json() for h in render.hooks]
        return record

    # ------------------------------------------------------------------ chart versions

    def _recorded_chart(self, record: Record, *, asked: bool) -> tuple[ChartVersion | None, bool]:
        """The chart ``record`` was rendered from, and whether this tool renders it.

        A record of another chart is refused. A version of this chart that this tool does
        not render (newer than it knows, say) is refused too, unless a version was asked
        for: then the release switches to that one."""
        from modelservice.charts.versions import recorded

        try:
            return recorded(record.chart_name, record.chart_version, record.chart_annotations), True
        except LookupError:
            raise ChartMismatch(self.name, record) from None
        except ValuesError as err:
            if asked:
                return None, False
            raise ReleaseError(
                f"revision {record.version} of release {self.name!r} was rendered from chart "
                f"{record.chart_name} {record.chart_version}, which this modelservice does not "
                f"render ({'; '.join(p.message for p in err.problems)})",
                "name the version to render with {chart_version}",
            ) from None

    def _choose_chart(
        self,
        values: Values | Mapping[str, Any] | None,
        chart_version: str | None,
        current: Record | None,
        *,
        verb: str,
    ) -> ChartVersion | None:
        """The chart an upgrade (or a diff) of ``current`` renders: the version asked for
        (``chart_version``, or the one ``values`` were loaded for), else the one recorded in
        ``current``, else the default mode. Says which to :attr:`on_notice` when it is not
        the default mode or not what was recorded."""
        from modelservice.charts.versions import choose, describe
        from modelservice.values.layering import Values

        loaded = values.chart if isinstance(values, Values) else None
        asked = chart_version is not None or loaded is not None
        was, known = self._recorded_chart(current, asked=asked) if current else (None, True)
        if chart_version is not None:
            chart = choose(chart_version)
        elif loaded is not None:
            chart = loaded
        else:
            chart = was
        if current is None or (not asked and chart is None):
            return chart
        if known and chart == was:
            self._notice(f"{verb} as {describe(chart)}, as recorded in revision {current.version}")
        else:
            before = (
                describe(was) if known else f"chart {current.chart_name} {current.chart_version}"
            )
            self._notice(
                f"{verb} as {describe(chart)}: switching from {before} (revision {current.version})"
            )
        return chart

    def _notice(self, message: str) -> None:
        if self.on_notice is not None:
            self.on_notice(message)

    # ------------------------------------------------------------------ locking

    def _check_lock(self, latest: Record | None, *, force: bool, timeout: float) -> Record | None:
        """Refuse while another operation holds the release; with ``force``, take over a
        lock whose holder's deadline has passed. Returns the taken-over record, if any.

        The deadline is the holder's (its start plus its ``--timeout``, stored with the
        record), never this caller's ``timeout``: a short timeout here cannot steal a lock
        from an operation that is still within its time. A pending record without a
        deadline (written by Helm, or by an older version) falls back to its age."""
        if latest is None or latest.status not in PENDING:
            return None
        now_ = self.clock()
        if latest.lock_deadline is not None:
            deadline = latest.lock_deadline
        else:
            started = parse_time(latest.last_deployed) or parse_time(latest.first_deployed)
            deadline = (started.timestamp() if started else 0.0) + timeout
        if not force or now_ < deadline:
            left = max(0.0, deadline - now_)
            raise Locked(
                f"release {self.name!r} is locked: revision {latest.version} is "
                f"{latest.status} (another install/upgrade/rollback is in progress)",
                (
                    "if that operation died, retry with {force} once its deadline has passed "
                    f"(in {left:.0f}s)"
                )
                if left > 0
                else "if that operation died, retry with {force}",
            )
        latest.status = FAILED
        latest.description = (
            f"taken over by a forced operation {now_ - deadline:.0f}s after its deadline"
        )
        try:
            self.driver.update(latest)
        except Conflict:
            raise Locked(
                f"release {self.name!r} changed while taking over its lock (revision "
                f"{latest.version})",
                "retry",
            ) from None
        return latest

    # ------------------------------------------------------------------ waiting

    def object_status(self, obj: Obj) -> ObjectStatus:
        live = self.engine.live(obj)
        state = ObjectStatus(readiness(live, obj["kind"], obj["metadata"]["name"]))
        selector = pod_selector(live or obj)
        if selector is not None:
            pods = self.cluster.list(
                "v1", "Pod", namespace=self.engine.namespace_of(obj), labels=selector
            )
            state.pods_ready, state.pods, state.restarts, state.problem = pod_summary(pods)
        if live is not None and epp.is_epp(obj):
            problems, state.note = epp.check(self.cluster, obj, self.engine.namespace_of(obj))
            state.problem = "; ".join(p for p in (state.problem, *problems) if p)
        return state

    def wait(
        self,
        objects: Sequence[Obj],
        *,
        timeout: float,
        progress: ProgressFn | None = None,
        reported: float | None = None,
    ) -> None:
        """Wait until every object is ready at once, by watching them (as Helm 4's kstatus
        waiter does); on timeout, say which are not and why. ``objects`` are best the live
        objects as the apply returned them: those ready already cost no request, the others
        are watched from the version the apply returned (manifests are read first).
        ``reported`` is the timeout to name in that message (the operation's whole
        ``--timeout``, of which waiting gets what is left)."""
        from modelservice.cluster.watch import wait_ready

        states = wait_ready(
            self.cluster,
            objects,
            timeout=timeout,
            namespace_of=self._scope_of,
            progress=progress,
        )
        if all(s.ready for s in states):
            return
        lines = []
        for obj, s in zip(objects, states, strict=True):
            if s.ready:
                continue
            why = self.object_status(obj).problem
            lines.append(f"  {s.kind}/{s.name}: {s.progress}" + (f" ({why})" if why else ""))
        raise ReleaseError(
            f"timed out after {reported or timeout:.0f}s waiting for release "
            f"{self.name!r}; not ready:\n" + "\n".join(lines)
        )

    def _scope_of(self, obj: Obj) -> str | None:
        """The namespace to watch an object in (None: cluster-scoped)."""
        ident = self.engine.identity(obj)
        return ident.namespace or None

    # ------------------------------------------------------------------ operations

    def install(
        self,
        values: Values | Mapping[str, Any] | None = None,
        *,
        chart_version: str | None = None,
        skip_schema_validation: bool = False,
        create_namespace: bool = False,
        dry_run: DryRun = False,
        wait: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        atomic: bool = False,
        force_conflicts: bool = True,
        take_ownership: bool = False,
        progress: ProgressFn | None = None,
    ) -> Record:
        """Install a new release; refuses a name already in use, and objects that exist
        and belong to something else (unless ``take_ownership``).

        ``chart_version`` (``0.4.9``, ``0.4``, ``latest``) renders as that upstream chart
        release and records it as Helm would (``helm upgrade`` with that chart then works
        on the release); without it, the version ``values`` were loaded for, else the
        default mode. A client dry run renders and validates only, with no request at all."""
        from modelservice.charts.versions import choose
        from modelservice.values.layering import Values

        if chart_version is not None:
            chart = choose(chart_version)
        else:
            chart = values.chart if isinstance(values, Values) else None
        render = self._render(values, chart, skip_schema_validation=skip_schema_validation)
        mode = dry_run_mode(dry_run)
        if mode == "client":
            what = (
                f"{len(render.objects)} objects would be created (client dry run, cluster not "
                "asked)"
            )
            return self._record(1, PENDING_INSTALL, render, description=what)
        if mode == "server":
            return self._dry_run(render, create_namespace, take_ownership=take_ownership)
        self.cluster.ensure_namespace(self.namespace, create=create_namespace)
        records = self.history()
        if any(r.status != UNINSTALLED for r in records):
            latest = records[-1]
            failed_only = not any(r.status == DEPLOYED for r in records) and latest.status in (
                FAILED,
                SUPERSEDED,
            )
            raise ReleaseError(
                f"release {self.name!r} already exists in namespace "
                f"{self.namespace!r} (revision {latest.version}, {latest.status})",
                "{upgrade} installs over it (its last revision failed)"
                if failed_only
                else "use {upgrade} to change it",
            )
        version = records[-1].version + 1 if records else 1
        return self._deploy(
            render.objects,
            render.hooks,
            self._record(version, PENDING_INSTALL, render),
            "Install complete",
            None,
            [],
            events=("pre-install", "post-install"),
            wait=wait,
            timeout=timeout,
            atomic=atomic,
            force_conflicts=force_conflicts,
            take_ownership=take_ownership,
            progress=progress,
        )

    def upgrade(
        self,
        values: Values | Mapping[str, Any] | None = None,
        *,
        chart_version: str | None = None,
        skip_schema_validation: bool = False,
        install: bool = False,
        create_namespace: bool = False,
        dry_run: DryRun = False,
        wait: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        atomic: bool = False,
        force: bool = False,
        force_conflicts: bool = True,
        take_ownership: bool = False,
        include_foreign: bool = False,
        history_max: int = 10,
        progress: ProgressFn | None = None,
    ) -> Record:
        """Upgrade to newly rendered values; ``install`` creates a missing release.

        The release is rendered as the chart version recorded in its deployed revision (a
        release Helm installed from the upstream chart 0.4.9 is upgraded as 0.4.9), unless
        ``chart_version`` (or values loaded for a version) names another: the release then
        switches to it (``"default"``: the default mode), and :attr:`on_notice` says so. A
        release made from another chart is refused.

        As Helm 4, a release whose last revision failed (or was superseded) with none
        deployed is upgraded over that revision: its objects are the ones compared with the
        new revision's, and those the new values no longer render are removed. A dry run
        returns the revision it would store (see :meth:`changes`), storing nothing."""
        records = self.history()
        base = _current(records, pending=True)
        chart = self._choose_chart(values, chart_version, base, verb="upgrading")
        render = self._render(values, chart, skip_schema_validation=skip_schema_validation)
        mode = dry_run_mode(dry_run)
        if mode is not None:
            current = _current(records)
            if current is None and not install:
                raise ReleaseError(
                    f"release {self.name!r} has no deployed revision in namespace "
                    f"{self.namespace!r}",
                    "use {install} (or {upgrade_install})",
                )
            record = (
                self._dry_run(render, create_namespace, take_ownership=take_ownership)
                if mode == "server"
                else self._record(0, PENDING_UPGRADE, render)
            )
            record.version = records[-1].version + 1 if records else 1
            record.status = PENDING_UPGRADE if current else PENDING_INSTALL
            record.description = f"dry run ({mode}): " + (
                record.description or "rendered and checked against the release's records"
            )
            return record
        self.cluster.ensure_namespace(self.namespace, create=create_namespace or install)
        taken = self._check_lock(records[-1] if records else None, force=force, timeout=timeout)
        current = _current(records)  # a lock taken over is a failed revision now
        if current is not None and current.status != DEPLOYED:
            self._warn(
                [
                    f"release {self.name!r} has no deployed revision: revision "
                    f"{current.version} {current.status}. Upgrading over it: revision "
                    f"{current.version + 1} applies the new values, and the objects of "
                    f"revision {current.version} that they no longer render are deleted"
                ]
            )
        elif current is None and not install:
            raise ReleaseError(
                f"release {self.name!r} has no deployed revision in namespace {self.namespace!r}",
                "use {install} (or {upgrade_install})",
            )
        old = self._objects_of(current, include_foreign=include_foreign) if current else []
        if taken is not None and taken is not current:
            old += self._objects_of(taken, include_foreign=include_foreign)
        version = records[-1].version + 1 if records else 1
        return self._deploy(
            render.objects,
            render.hooks,
            self._record(version, PENDING_UPGRADE if current else PENDING_INSTALL, render),
            "Upgrade complete" if current else "Install complete",
            current,
            old,
            events=("pre-upgrade", "post-upgrade") if current else ("pre-install", "post-install"),
            wait=wait,
            timeout=timeout,
            atomic=atomic,
            force_conflicts=force_conflicts,
            take_ownership=take_ownership,
            progress=progress,
            history_max=history_max,
        )

    def changes(self, record: Record) -> list[ObjectDiff]:
        """What storing ``record`` (a dry run's) would change, object by object, against
        the current revision's manifest: from the release's records, not the live objects
        (``diff`` compares with those)."""
        from modelservice.output.yaml import dump

        current = _current(self.history())
        before = {}
        if current is not None:
            for obj in self._objects_of(current, include_foreign=True):
                before[self.engine.identity(obj)] = obj
        after = parse_manifest(record.manifest)
        out = []
        for obj in after:
            old = before.get(self.engine.identity(obj))
            text = dump(obj)
            action = "create" if old is None else ("unchanged" if dump(old) == text else "update")
            name = obj["metadata"]["name"]
            out.append(ObjectDiff(obj["kind"], name, action, dump(old) if old else "", text))
        kept = {self.engine.identity(o) for o in after}
        for ident, obj in before.items():
            if ident not in kept:
                action = "keep" if keeps(obj) else "delete"
                name = obj["metadata"]["name"]
                out.append(ObjectDiff(obj["kind"], name, action, dump(obj), ""))
        return out

    def _dry_run(self, render: _Render, create_namespace: bool, *, take_ownership: bool) -> Record:
        """Server-side dry run: the API server validates (and defaults) every object and
        hook, and the ownership rule is checked. The record returned is not stored; its
        description says what was checked."""
        objects = render.objects
        hooks = [h.obj for h in render.hooks]
        exists = self.cluster.get("v1", "Namespace", self.namespace) is not None
        if not exists and not create_namespace:
            from modelservice.cluster.errors import NamespaceNotFound

            raise NamespaceNotFound(self.namespace)
        if exists:
            current = next((r for r in reversed(self.history()) if r.status == DEPLOYED), None)
            known = self._known(current)
            self.engine.check(objects, known=known, take_ownership=take_ownership)
            self._hooks().check(render.hooks)
            self.engine.apply_all(objects + hooks, force_conflicts=True, dry_run=True)
            what = f"the API server accepted all {len(objects) + len(hooks)} objects"
        else:
            # Objects cannot be dry-run into a namespace that does not exist yet: check the
            # namespace itself and the cluster-scoped objects, and say what was left out.
            ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.namespace}}
            self.cluster.apply(ns, dry_run=True)
            rtype = self.cluster.resource_type
            everything = objects + hooks
            scoped = [o for o in everything if not rtype(o["apiVersion"], o["kind"]).namespaced]
            self.engine.check(scoped, take_ownership=take_ownership)
            self.engine.apply_all(scoped, force_conflicts=True, dry_run=True)
            what = (
                f"the API server accepted the namespace {self.namespace!r} and "
                f"{len(scoped)} cluster-scoped objects; the other "
                f"{len(everything) - len(scoped)} objects can only be checked once the "
                "namespace exists"
            )
        return self._record(0, PENDING_INSTALL, render, description=what)

    def _hooks(self) -> Runner:
        return Runner(self.engine, self.name, now=now)

    def _known(self, record: Record | None) -> list[Identity]:
        """What a revision made, objects and hooks: an upgrade need not check that these
        are the release's before applying (a hook carries no marks)."""
        if record is None:
            return []
        made = self._objects_of(record, include_foreign=True)
        made += [h.obj for h in self._hooks_of(record, include_foreign=True)]
        return [self.engine.identity(o) for o in made]

    def _deploy(
        self,
        objects: list[Obj],
        hooks: list[Hook],
        record: Record,
        description: str,
        previous: Record | None,
        old: list[Obj],
        *,
        events: tuple[str, str],
        wait: bool,
        timeout: float,
        atomic: bool,
        force_conflicts: bool,
        take_ownership: bool,
        progress: ProgressFn | None,
        history_max: int = 10,
    ) -> Record:
        """Store ``record`` (a pending revision: the lock), run the ``events[0]`` hooks,
        apply ``objects``, prune what ``old`` had that they lack, wait if asked, run the
        ``events[1]`` hooks, and record the outcome."""
        # Every kind must be served, and no object may belong to someone else, before
        # anything is written: a refusal leaves nothing applied and no record behind.
        hook_objects = [h.obj for h in hooks]
        self.engine.require_served(objects + hook_objects)
        self.engine.check(objects, known=self._known(previous), take_ownership=take_ownership)
        runner = self._hooks()
        runner.check(hooks)
        started = self.clock()
        stamp = now()
        pending = record.status
        record.description = f"{pending.replace('pending-', '').capitalize()} in progress"
        record.first_deployed = previous.first_deployed if previous else stamp
        record.last_deployed = stamp
        record.lock_deadline = started + timeout
        self._create(record)

        def left() -> float:
            return max(0.0, started + timeout - self.clock())

        try:
            runner.run(hooks, events[0], timeout=left())
            applied = self.engine.apply_all(objects, force_conflicts=force_conflicts)
            self._warn(describe_skipped(self.engine.prune(old, objects + hook_objects), "release"))
            if wait:
                self.wait(applied, timeout=left(), progress=progress, reported=timeout)
            runner.run(hooks, events[1], timeout=left())
        except (ClusterError, KeyboardInterrupt) as exc:
            if isinstance(exc, LockLost):
                raise
            record.status = FAILED
            record.description = f"{pending.replace('pending-', '').capitalize()} failed: {exc}"
            record.hooks = [h.to_json() for h in hooks]
            self._update(record, "the failure")
            if atomic:
                self._undo(objects, previous)
                raise ReleaseError(
                    f"{exc}\nrolled back (--atomic): "
                    + (
                        f"revision {previous.version} is running and deployed"
                        if previous
                        else "the failed install was removed"
                    )
                ) from None
            raise
        record.status = DEPLOYED
        record.description = description
        record.hooks = [h.to_json() for h in hooks]  # with their last runs
        self._update(record, "its success")
        if previous is not None:
            self._supersede(previous)  # as Helm: a failed revision upgraded over, too
        self._trim(history_max)
        return record

    def _supersede(self, previous: Record) -> None:
        previous.status = SUPERSEDED
        try:
            self.driver.update(previous)
        except Conflict:
            # Changed meanwhile (by Helm, say): mark what is stored now, if still deployed.
            fresh = next((r for r in self.history() if r.version == previous.version), None)
            if fresh is not None and fresh.status != SUPERSEDED:
                fresh.status = SUPERSEDED
                self.driver.update(fresh)

    def _undo(self, objects: list[Obj], previous: Record | None) -> None:
        """Put the previous revision back (or remove a failed install entirely)."""
        if previous is None:
            self.engine.delete_all(objects)
            for r in self.history():
                self.driver.delete(r)
            return
        before = [self.owner.mark(o) for o in self._objects_of(previous, include_foreign=False)]
        self.engine.apply_all(before, force_conflicts=True)
        self.engine.prune(objects, before)

    def _trim(self, history_max: int) -> None:
        if history_max <= 0:
            return
        records = self.history()
        excess = len(records) - history_max
        for r in records:
            if excess <= 0:
                break
            if r.status == DEPLOYED:
                continue
            self.driver.delete(r)
            excess -= 1

    def rollback(
        self,
        revision: int | None = None,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        force: bool = False,
        include_foreign: bool = False,
        history_max: int = 10,
        progress: ProgressFn | None = None,
        dry_run: DryRun = False,
    ) -> Record:
        """Re-apply an earlier revision's manifest as a new revision (default: the one
        before the current), recorded with that revision's chart and hooks, as Helm does
        (a rollback renders nothing, so it takes no chart version: the record returned
        names the chart it goes back to). A manifest with objects outside the namespace is
        refused unless ``include_foreign``. A dry run returns the revision it would store,
        storing nothing (see :meth:`changes`)."""
        records = self.history()
        if not records:
            raise ReleaseNotFound(self.name, self.namespace)
        self._check_lock(records[-1], force=force, timeout=timeout)
        current = next((r for r in reversed(records) if r.status == DEPLOYED), None)
        target_version = (
            revision
            if revision is not None
            else ((current.version if current else records[-1].version) - 1)
        )
        target = next((r for r in records if r.version == target_version), None)
        if target is None:
            have = ", ".join(str(r.version) for r in records)
            raise ReleaseError(
                f"release {self.name!r} has no revision {target_version} (revisions: {have})"
            )
        objects = [
            self.owner.mark(o)
            for o in self._objects_of(target, include_foreign=include_foreign, refuse=True)
        ]
        hooks = self._hooks_of(target, include_foreign=include_foreign, refuse=True)
        old = self._objects_of(current, include_foreign=include_foreign) if current else []
        record = Record(
            self.name,
            self.namespace,
            records[-1].version + 1,
            PENDING_ROLLBACK,
            target.manifest,  # as Helm: the revision's own manifest, as stored
            target.config,
        )
        record.copy_chart(target)
        mode = dry_run_mode(dry_run)
        if mode is not None:
            if mode == "server":
                hook_objects = [h.obj for h in hooks]
                self.engine.require_served(objects + hook_objects)
                self.engine.apply_all(objects + hook_objects, force_conflicts=True, dry_run=True)
                self.engine.prune(old, objects + hook_objects, dry_run=True)
            record.description = f"dry run ({mode}): Rollback to {target.version}"
            return record
        return self._deploy(
            objects,
            hooks,
            record,
            f"Rollback to {target.version}",
            current,
            old,
            events=("pre-rollback", "post-rollback"),
            wait=wait,
            timeout=timeout,
            atomic=False,
            force_conflicts=True,
            take_ownership=False,
            progress=progress,
            history_max=history_max,
        )

    def uninstall(
        self,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        keep_history: bool = False,
        include_foreign: bool = False,
        dry_run: DryRun = False,
    ) -> Deletion:
        """Delete the release's objects in reverse install order, then its records.

        Only objects whose live marks still name this release are deleted (Helm's rule);
        those annotated ``helm.sh/resource-policy: keep`` stay, and so do the objects its
        hooks made (Helm leaves them too). Its ``pre-delete``/``post-delete`` hooks run.
        The result says which objects were deleted and which were left, and why. A dry run
        deletes nothing and runs no hook, and says what would be deleted: from the records
        (client), or as the API server answers dry-run deletions of the objects this
        release owns (server)."""
        records = self.history()
        if not records:
            raise ReleaseNotFound(self.name, self.namespace)
        latest = records[-1]
        current = next((r for r in reversed(records) if r.status == DEPLOYED), latest)
        objects = self._objects_of(current, include_foreign=include_foreign)
        mode = dry_run_mode(dry_run)
        if mode == "client":
            report = Deletion()
            for obj in reversed(objects):
                (report.kept if keeps(obj) else report.deleted).append(self.engine.identity(obj))
            return report
        if mode == "server":
            return self.engine.delete_all(objects, dry_run=True)
        hooks = self._hooks_of(current, include_foreign=include_foreign)
        runner = self._hooks()
        deadline = time.monotonic() + timeout
        latest.status = UNINSTALLING
        self._update(latest, "the uninstall")
        runner.run(hooks, "pre-delete", timeout=timeout)
        report = self.engine.delete_all(objects)
        self._warn(describe_skipped(report, "release"))
        if wait and report.terminating:
            from modelservice.cluster.watch import wait_deleted

            stuck = wait_deleted(
                self.cluster,
                report.terminating,
                timeout=max(0.0, deadline - time.monotonic()),
                namespace_of=self._scope_of,
            )
            if stuck:
                names = ", ".join(f"{o['kind']}/{o['metadata']['name']}" for o in stuck)
                raise ReleaseError(
                    f"timed out after {timeout:.0f}s waiting for deletion of: {names}"
                )
        runner.run(hooks, "post-delete", timeout=max(0.0, deadline - time.monotonic()))
        made = [h for h in hooks if h.delete_policies != ("hook-succeeded",)]
        left = [f"{h.kind}/{h.name}" for h in made if self.engine.live(h.obj) is not None]
        if left:
            self._warn(
                [
                    "left in place, as Helm leaves them: objects made by the release's hooks "
                    f"(not part of its manifest): {', '.join(left)}"
                ]
            )
        if keep_history:
            latest.status = UNINSTALLED
            latest.deleted = now()
            latest.description = "Uninstallation complete"
            self._update(latest, "the uninstall")
        else:
            for r in records:
                self.driver.delete(r)
        return report

    def status(self, *, include_foreign: bool = False) -> ReleaseStatus:
        records = self.history()
        if not records:
            raise ReleaseNotFound(self.name, self.namespace)
        latest = records[-1]
        current = next((r for r in reversed(records) if r.status == DEPLOYED), latest)
        result = ReleaseStatus(latest)
        objects = self._objects_of(current, include_foreign=include_foreign)
        result.objects = each(self.object_status, objects)  # independent reads, side by side
        return result

    def diff(
        self,
        values: Values | Mapping[str, Any] | None = None,
        *,
        chart_version: str | None = None,
        skip_schema_validation: bool = False,
        show_secrets: bool = False,
    ) -> list[ObjectDiff]:
        """What an upgrade to ``values`` would change: live objects against a server-side
        dry-run of the new ones, server-owned fields left out, Secret values masked unless
        ``show_secrets``. An object an upgrade would refuse to take over is a ``conflict``.

        Rendered as :meth:`upgrade` renders: the chart version recorded in the release
        unless ``chart_version`` names another."""
        from modelservice.cluster.hooks import conflict as hook_conflict
        from modelservice.output.yaml import dump

        records = self.history()
        current = _current(records)
        base = _current(records, pending=True)
        chart = self._choose_chart(values, chart_version, base, verb="rendering")
        render = self._render(values, chart, skip_schema_validation=skip_schema_validation)
        old = self._objects_of(current, include_foreign=False) if current else []
        known = set(self._known(current))
        out: list[ObjectDiff] = []
        ns_exists = self.cluster.get("v1", "Namespace", self.namespace) is not None

        def texts(before: Obj | None, after: Obj | None) -> tuple[str, str]:
            b, a = comparable(before), comparable(after)
            if not show_secrets:
                b, a = mask_secrets(b, a)
            return (dump(b) if before is not None else "", dump(a) if after is not None else "")

        hook_ids = {self.engine.identity(h.obj) for h in render.hooks}
        for obj in render.objects + [h.obj for h in render.hooks]:
            live = self.engine.live(obj) if ns_exists else None
            ident = self.engine.identity(obj)
            if live is None:
                why = None
            elif ident in hook_ids:
                why = hook_conflict(live, self.name, self.namespace)
            else:
                why = self.owner.conflict(live) if ident not in known else None
            if why is not None:
                before, after = texts(live, obj)
                out.append(
                    ObjectDiff(obj["kind"], obj["metadata"]["name"], "conflict", before, after, why)
                )
                continue
            applied = self.cluster.apply(obj, force=True, dry_run=True) if ns_exists else obj
            before, after = texts(live, applied)
            action = "create" if live is None else ("unchanged" if before == after else "update")
            out.append(ObjectDiff(obj["kind"], obj["metadata"]["name"], action, before, after))
        keep = {self.engine.identity(o) for o in render.objects} | hook_ids
        for obj in reversed(old):
            if self.engine.identity(obj) in keep or keeps(obj):
                continue
            live = self.engine.live(obj)
            if live is not None and self.owner.owns(live) and not keeps(live):
                before, _ = texts(live, None)
                out.append(ObjectDiff(obj["kind"], obj["metadata"]["name"], "delete", before, ""))
        return out


def _current(records: Sequence[Record], *, pending: bool = False) -> Record | None:
    """The revision an upgrade builds on: the deployed one, or else (as Helm 4) a last
    revision that failed or was superseded; with ``pending``, or one still pending (whose
    lock a forced upgrade takes over, making it a failed one)."""
    current = next((r for r in reversed(records) if r.status == DEPLOYED), None)
    last = (FAILED, SUPERSEDED, *PENDING) if pending else (FAILED, SUPERSEDED)
    if current is None and records and records[-1].status in last:
        current = records[-1]
    return current


def _chart_defaults(chart: ChartVersion | None) -> dict[str, Any]:
    """The default values of a rendering (an upstream release's values.yaml, or the
    default mode's built-in defaults), as Helm stores them with the chart."""
    if chart is None:
        from modelservice.values.layering import default_values

        return default_values()
    from modelservice.charts.defaults import defaults

    return defaults(chart)


def list_releases(
    cluster: Api,
    *,
    namespace: str | None = None,
    all_namespaces: bool = False,
    driver: Driver | None = None,
    on_warnings: Callable[[list[Problem]], None] | None = None,
) -> list[Record]:
    """The latest record of every release (Helm's and ours) in a namespace, or everywhere.
    Records that cannot be decoded are skipped (reported to ``on_warnings``)."""
    records, skipped = (driver or SecretDriver(cluster)).latest(
        namespace, all_namespaces=all_namespaces
    )
    if skipped and on_warnings is not None:
        on_warnings([Problem("", str(s)) for s in skipped])
    return records
