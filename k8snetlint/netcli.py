"""Connectivity commands: ``graph``, ``reach`` and ``diff`` (registered by :mod:`k8snetlint.cli.root`)."""

from __future__ import annotations

import bisect
import gc
import ipaddress
import itertools
import json
import os
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from k8snetlint.cli import (
    ConfigOption,
    FollowSymlinksOption,
    JobsOption,
    KustomizeAllowRemoteOption,
    NamespaceOption,
    OutputOption,
    PathsArgument,
    build_config,
    epilog,
    fail,
    resolve_format,
    write_output,
)
from k8snetlint.config import Config
from k8snetlint.connectivity import PROTOCOLS, ConnSet, Endpoint, Reason, Verdict
from k8snetlint.net import gatewayroutes, scope
from k8snetlint.net.nodes import range_name
from k8snetlint.net.outside import Hypothetical, hypothetical_manifest_text, parse_hypothetical
from k8snetlint.reader import load_text
from k8snetlint.reporters import DIFF, GRAPH, REACH, graphfmt
from k8snetlint.textsafe import escape_control

if TYPE_CHECKING:
    from pathlib import Path

    from k8snetlint.document import Manifest
    from k8snetlint.loader import LoadResult
    from k8snetlint.model import Inventory, Service, Workload
    from k8snetlint.net import Connectivity

INTERNET_ADDRESS = "8.8.8.8"
MERMAID_MAX_ENDPOINTS = 200


# -- shared ---------------------------------------------------------------------------


def _check_paths(paths: Sequence[str]) -> None:
    for p in paths:
        if p != "-" and not os.path.exists(p):
            fail(f"{p}: no such file or directory")


def _check_jobs(jobs: int | None) -> None:
    if jobs is not None and jobs < 1:
        fail(f"--jobs: {jobs} is not a number of processes (1 or more)")


def load(
    paths: Sequence[str],
    cfg: Config,
    *,
    follow_symlinks: bool = False,
    kustomize_allow_remote: bool = False,
    jobs: int | None = 1,
    keep: Callable[[Path], bool] | None = None,
    warn: bool = True,
) -> LoadResult:
    """Read ``paths`` as ``check`` does, with ``jobs`` worker processes (``None``: one
    per core; 1: none), only the plain files ``keep`` accepts (None: every one); a
    usage error when a path or the input cannot be read. ``warn``: say on stderr how
    many documents could not be read (:func:`_warn_unread`)."""
    from k8snetlint.engine import load as engine_load
    from k8snetlint.engine import resolve_version

    _check_paths(paths)
    _check_jobs(jobs)
    version = None
    if jobs != 1:
        # workers validate against the run's Kubernetes version; one this command
        # cannot resolve (it reports no schema finding then): read in this process
        try:
            version = resolve_version(cfg)
        except ValueError:
            jobs = 1
    # the input lives until the command ends: the cyclic collector need not walk it
    # again at every full collection (seconds per collection at 20,000 workloads)
    with frozen_after():
        loaded = engine_load(
            list(paths),
            cfg,
            follow_symlinks=follow_symlinks,
            kustomize_allow_remote=kustomize_allow_remote,
            jobs=jobs,
            version=version,
            keep=keep,
        )
    if loaded.errors:
        fail("; ".join(loaded.errors))
    if warn:
        _warn_unread(loaded)
    return loaded


@contextmanager
def frozen_after() -> Iterator[None]:
    """Run the body with the cyclic garbage collector off, then move everything it
    made out of the collector's sight (``gc.freeze``) before turning it back on.

    What the commands build (the input, the model, the analysis) lives until they end.
    Turned back on first, the collector would walk all of it at its next collection
    (the loader's and the model's own pauses end that way: over a second at 5,000
    workloads), and again at each older generation's.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


# Load problems after which a document (or a list item) is not in the model.
UNREAD_RULES = frozenset({"yaml-syntax-error", "unrendered-template", "not-a-kubernetes-object"})


def _warn_unread(loaded: LoadResult) -> None:
    """Say on stderr how many documents could not be read: the answer may be incomplete."""
    unread = [i for i in loaded.issues if i.rule in UNREAD_RULES]
    if not unread:
        return
    first = ", ".join(f"{i.file}:{i.line}:{i.column}" for i in unread[:3])
    more = ", ..." if len(unread) > 3 else ""
    n = len(unread)
    typer.echo(
        escape_control(
            f"k8snetlint: {n} document{'s' if n != 1 else ''} could not be read "
            f"({first}{more}); the answer may be incomplete (`k8snetlint check` reports why)"
        ),
        err=True,
    )


def analyze_loaded(loaded: LoadResult, cfg: Config) -> Connectivity:
    """The connectivity analysis of what :func:`load` read."""
    return _analyze(loaded.manifests, cfg)


def _workload_candidates(inv: Inventory, text: str) -> list[str]:
    base = text.split("[", 1)[0]
    name = base.rsplit("/", 1)[-1]
    out = sorted({w.display() for w in inv.workloads if w.name == name})
    if not out:
        out = sorted(w.display() for w in inv.workloads if name in w.name)
    return out


def resolve_workload(conn: Connectivity, text: str, option: str) -> Workload:
    inv = conn.inventory
    found = inv.find_workloads(text)
    if not found:
        # the names graph prints, ``ns/owner[Kind]/pod`` included (pods of one owner
        # whose labels differ)
        found = tuple(w for w in inv.workloads if w.display() == text.strip())
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        names = ", ".join(sorted(escape_control(w.display()) for w in found))
        fail(f"{option}: {text!r} is ambiguous: {names}")
    cands = _workload_candidates(inv, text)
    hint = f" (did you mean: {', '.join(escape_control(c) for c in cands[:10])})" if cands else ""
    fail(f"{option}: no workload {text!r}{hint}")


# -- graph ----------------------------------------------------------------------------


def graph_findings(
    loaded: LoadResult, cfg: Config, conn: Connectivity
) -> tuple[graphfmt.FindingsByKey, graphfmt.FindingsByKey]:
    """Run the checks once over ``loaded`` and map the findings onto the map's nodes."""
    from k8snetlint.engine import resolve_version, run

    try:
        version = resolve_version(cfg)
    except ValueError as exc:
        fail(f"--kubernetes-version: {exc}")
    return graphfmt.map_findings(conn, run(loaded, cfg, version))


def render_graph(
    conn: Connectivity,
    fmt: str,
    focus: Endpoint | None = None,
    findings: tuple[graphfmt.FindingsByKey, graphfmt.FindingsByKey] | None = None,
    data: graphfmt.GraphData | None = None,
) -> str:
    """The map in ``fmt``; ``findings`` (per node, per namespace) for json and html;
    ``data`` when the caller has it already (``graph_data(conn, focus)``)."""
    if fmt == "graphml":
        return graphfmt.render_graphml(conn, focus)
    data = data if data is not None else graphfmt.graph_data(conn, focus)
    by_node, by_ns = findings if findings is not None else (None, None)
    if fmt == "json":
        return graphfmt.render_json(data, by_node, by_ns)
    if fmt in ("jsonl", "json-compact"):
        return graphfmt.render_streamed(conn, fmt, focus, findings)
    if fmt == "csv":
        return graphfmt.render_csv(data)
    if fmt == "dot":
        return graphfmt.render_dot(data)
    if fmt == "mermaid":
        return graphfmt.render_mermaid(data)
    if fmt == "html":
        return graphfmt.render_html(
            data, graphfmt.pair_reasons(conn), findings=by_node, namespace_findings=by_ns
        )
    return graphfmt.render_txt(data)


def exposure_text(conn: Connectivity, focus: Endpoint | None = None) -> str:
    """The pods outside the input each workload (or ``focus``) is open to, and may reach."""
    out = ["Exposure to pods outside the input:"]
    for direction, title, arrow in (
        ("ingress", "Ingress exposure (sources outside the input):", "<="),
        ("egress", "Egress exposure (destinations outside the input):", "=>"),
    ):
        out.append(title)
        for ep, e in conn.exposure:
            if e.direction == direction and focus in (None, ep):
                out.append(
                    f"{graphfmt.endpoint_name(ep)} {arrow} {e.peer.text()} : {e.conn_text()}"
                )
    return "\n".join(escape_control(line) for line in out) + "\n"


def exposure_json(
    conn: Connectivity, focus: Endpoint | None = None
) -> dict[str, list[dict[str, Any]]]:
    doc: dict[str, list[dict[str, Any]]] = {"ingress": [], "egress": []}
    for ep, e in conn.exposure:
        if focus not in (None, ep):
            continue
        doc[e.direction].append(
            {
                "workload": graphfmt.endpoint_json(ep),
                "peer": e.peer.json(),
                "conn": e.conn_text(),
                "ports": graphfmt.ports_json(e.conns),
                "namedPorts": [{"protocol": p, "name": n} for p, n in e.named],
            }
        )
    return doc


def graph_cmd(
    paths: PathsArgument,
    format: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help=GRAPH.help())
    ] = "text",
    output: OutputOption = None,
    focus: Annotated[
        str | None,
        typer.Option(
            "--focus",
            metavar="NS/NAME",
            help="Only pairs where this workload (ns/name) is src or dst.",
        ),
    ] = None,
    namespace: NamespaceOption = None,
    follow_symlinks: FollowSymlinksOption = False,
    kustomize_allow_remote: KustomizeAllowRemoteOption = False,
    config: ConfigOption = None,
    jobs: JobsOption = None,
    exposure: Annotated[
        bool,
        typer.Option(
            "--exposure",
            help="Also list, per workload, the pods outside the input it is open to and "
            "may reach (text and json).",
        ),
    ] = False,
) -> None:
    """The connectivity map: every allowed (source, destination) pair and its ports."""
    format = resolve_format(GRAPH, format)
    if exposure and format not in ("text", *graphfmt.JSON_FORMATS):
        fail(f"--exposure: only with --format text, json or json-compact, not {format!r}")
    _check_paths(paths)
    _check_jobs(jobs)
    cfg = build_config(paths, config, namespace=namespace)
    loaded = load(
        paths,
        cfg,
        follow_symlinks=follow_symlinks,
        kustomize_allow_remote=kustomize_allow_remote,
        jobs=jobs,
    )
    conn = analyze_loaded(loaded, cfg)
    focus_ep = None
    if focus is not None:
        focus_ep = conn.endpoint_for(resolve_workload(conn, focus, "--focus"))
    findings = (
        graph_findings(loaded, cfg, conn) if format in (*graphfmt.JSON_FORMATS, "html") else None
    )
    if format in graphfmt.STREAM_FORMATS:
        # written as it is listed: memory bounded by the analysis, not by the pairs
        from k8snetlint.output import OutputError
        from k8snetlint.output import write_output as write_chunks

        stream = graphfmt.MapStream(conn, focus_ep)
        tail: dict[str, Any] = {}
        if exposure and format in graphfmt.JSON_FORMATS:
            tail["exposure"] = exposure_json(conn, focus_ep)
        chunks = stream.chunks(format, findings, tail)
        if exposure and format == "text":
            chunks = itertools.chain(chunks, ("\n", exposure_text(conn, focus_ep)))
        try:
            write_chunks(chunks, output)
        except OutputError as exc:
            fail(str(exc))
        summary = stream.summary()
    else:
        data = graphfmt.graph_data(conn, focus_ep)
        write_output(render_graph(conn, format, focus_ep, findings, data), output)
        summary = graphfmt.outside_summary(data)
    # the summary goes to stderr so that the map itself stays diffable
    typer.echo(escape_control(summary.line()), err=True)


# -- reach ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A resolved --from/--to: the endpoints it stands for, and how it was resolved."""

    endpoints: tuple[Endpoint, ...]
    notes: tuple[str, ...] = ()
    service: Service | None = None
    service_port: str | None = None  # number or name after svc:ns/name:
    # what the answer names instead of each endpoint (an address instead of its range)
    shown: tuple[Endpoint, ...] = ()


def parse_port(text: str) -> tuple[str, str]:
    """``5432/TCP`` -> ("5432", "TCP"); the port may be a name."""
    port, _, proto = text.partition("/")
    proto = (proto or "TCP").upper()
    if not port or proto not in PROTOCOLS:
        fail(f"--port: {text!r} is not PORT[/TCP|UDP|SCTP]")
    if port.isdigit() and not 1 <= int(port) <= 65535:
        fail(f"--port: {port} is out of range 1-65535")
    return port, proto


def resolve_target(conn: Connectivity, text: str, option: str) -> Target:
    inv = conn.inventory
    low = text.strip().lower()
    if low == "internet":
        ep = conn.external_endpoints_for(INTERNET_ADDRESS)
        return Target(
            (ep,),
            (f"{option} internet: using the public address {INTERNET_ADDRESS}",),
            shown=(Endpoint("external", "", INTERNET_ADDRESS),),
        )
    if low in ("ingress-controller", graphfmt.INGRESS_CONTROLLER_NAME):
        return Target((conn.ingress_controller,))
    if low.startswith(("{gateway:", "gateway:")):
        name = text.strip().strip("{}").split(":", 1)[1]
        eps = tuple(e for e in conn.endpoints if e.kind == "gateway" and e.display()[9:-1] == name)
        if not eps:
            known = sorted(e.display() for e in conn.endpoints if e.kind == "gateway")
            fail(f"{option}: no Gateway pseudo-source {name} (known: {', '.join(known) or 'none'})")
        return Target(eps)
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        pass
    else:
        ep = conn.external_endpoints_for(text)
        addr = Endpoint("external", "", str(ipaddress.ip_address(text.strip())))
        note = (
            f"{option} {addr.name}: the policies treat every address of {ep.name} alike "
            "(reasons may name that range)"
        )
        return Target((ep,), (note,), shown=(addr,))
    if low.startswith("svc:"):
        rest = text[4:]
        if "/" in rest:
            ns, name = rest.split("/", 1)
        else:
            ns, name = inv.default_namespace, rest
        port: str | None = None
        if ":" in name:
            name, port = name.split(":", 1)
        svc = inv.service(ns, name)
        if svc is None:
            cands = sorted(
                f"svc:{s.namespace}/{s.name}" for s in inv.services if s.name == name
            ) or sorted(f"svc:{s.namespace}/{s.name}" for s in inv.services)
            hint = f" (candidates: {', '.join(cands[:10])})" if cands else ""
            fail(f"{option}: no Service {ns}/{name}{hint}")
        if port is not None and svc.port(int(port) if port.isdigit() else port) is None:
            ports = ", ".join(f"{p.port}" + (f" ({p.name})" if p.name else "") for p in svc.ports)
            fail(f"{option}: Service {ns}/{name} has no port {port!r} (ports: {ports or 'none'})")
        if not svc.target_workloads:
            fail(f"{option}: Service {ns}/{name} selects no workload in the input")
        eps = tuple(sorted(conn.endpoint_for(w) for w in svc.target_workloads))
        return Target(eps, (), svc, port)
    return Target((conn.endpoint_for(resolve_workload(conn, text, option)),))


def _reason_line(r: Reason) -> str:
    if r.not_isolated:
        return f"not isolated: {r.text}"
    idx = [
        f"{label} {value}"
        for label, value in (("rule", r.rule_index), ("peer", r.peer_index), ("port", r.port_index))
        if value >= 0
    ]
    if r.file:
        idx.append(f"{r.file}:{r.line}")
    return f"{r.text} ({', '.join(idx)})" if idx else r.text


def _reason_json(r: Reason) -> dict[str, Any]:
    return {
        "direction": r.direction,
        "policy": r.policy,
        "ruleIndex": r.rule_index,
        "peerIndex": r.peer_index,
        "portIndex": r.port_index,
        "notIsolated": r.not_isolated,
        "file": r.file,
        "line": r.line,
        "column": r.column,
        "text": r.text,
    }


@dataclass(frozen=True)
class Check:
    """One evaluated (src, dst) pair of a reach query."""

    src: Endpoint
    dst: Endpoint
    protocol: str
    port: int | None
    conns: ConnSet
    verdicts: tuple[Verdict, ...]
    vias: tuple[str, ...] = ()
    unrouted: str = ""  # why a proxy source forwards nothing there (empty: not the case)
    notes: tuple[str, ...] = ()

    @property
    def via(self) -> str:
        return "; ".join(self.vias)

    @property
    def allowed(self) -> bool:
        if self.unrouted:
            return False
        if self.port is None:
            return not self.conns.is_empty()
        return all(v.allowed for v in self.verdicts)


def _dst_port(
    conn: Connectivity,
    dst: Endpoint,
    target: Target,
    port: str | None,
    proto: str,
) -> tuple[int | None, str, str]:
    """The numeric destination port, its protocol and a note on how it was found."""
    svc = target.service
    wanted = target.service_port or port
    if svc is not None and wanted is not None:
        w = conn.workload_for(dst)
        sp = svc.port(int(wanted) if wanted.isdigit() else wanted)
        if sp is not None and w is not None:
            tp = svc.target_port(sp, w)
            if tp is None:
                fail(
                    f"Service {svc.namespace}/{svc.name} port {wanted}: {dst.display()} has no such target port"
                )
            return (
                tp,
                sp.protocol,
                f"via Service {svc.namespace}/{svc.name} port {sp.port} -> targetPort {tp}",
            )
        if target.service_port is not None:
            fail(f"Service {svc.namespace}/{svc.name} has no port {wanted!r}")
    if port is None:
        return None, proto, ""
    if port.isdigit():
        return int(port), proto, ""
    w = conn.workload_for(dst)
    cp = w.port_named(port, proto) if w is not None else None
    if cp is None:
        fail(f"--port: {dst.display()} has no container port named {port!r} ({proto})")
    return cp.number, proto, f"named port {port} = {cp.number}"


def _replica_note(conn: Connectivity, ep: Endpoint) -> str:
    w = conn.workload_for(ep)
    text = (
        f"between two pods of {ep.display()} (replicas of one workload): "
        "its policies apply between them"
    )
    if w is not None and w.replicas is not None and w.replicas < 2 and not w.pods:
        text += f" (it declares {w.replicas} replica: the answer is for when it scales)"
    return text


def run_reach(
    conn: Connectivity, src_t: Target, dst_t: Target, port: str | None, proto: str
) -> list[Check]:
    checks: list[Check] = []
    src_shown = dict(zip(src_t.endpoints, src_t.shown, strict=False))
    dst_shown = dict(zip(dst_t.endpoints, dst_t.shown, strict=False))
    for src in src_t.endpoints:
        for dst in dst_t.endpoints:
            notes: tuple[str, ...] = ()
            if src == dst:
                if src.kind != "workload":
                    continue
                # pod to pod within one workload: policies apply between replicas
                notes = (_replica_note(conn, src),)
            num, p, via = _dst_port(conn, dst, dst_t, port, proto)
            cs = conn.allowed(src, dst)
            vias = [via] if via else []
            unrouted = ""
            paths = conn.entry_paths(src, dst) if dst.kind == "workload" else None
            if paths is not None:
                # a proxy forwards only what its routes carry (as `graph` lists it)
                routed: dict[str, list[tuple[int, int]]] = {}
                for ep in paths:
                    routed.setdefault(ep.protocol, []).append((ep.target_port, ep.target_port))
                cs = cs.intersection(ConnSet.from_dict(routed))
                used = [
                    ep
                    for ep in paths
                    if num is None or (ep.protocol == p and ep.target_port == num)
                ]
                vias += [f"via {ep.via} ({ep.file}:{ep.line})" for ep in used]
                if not used:
                    on = f" on {p} {num}" if num is not None else ""
                    what = "Ingress routes" if src.kind == "ingress-controller" else "route"
                    unrouted = f"no {what} to {dst.display()}{on}"
            if src.kind == "external" and dst.kind == "workload":
                # from outside through Gateways: each path and its policy verdict
                routes = gatewayroutes.entry_routes(conn.route_context)
                vias += gatewayroutes.entry_lines(routes, dst, p, num)
            if num is None:
                protos = [pr for pr, _ in cs.ranges] or [p]
                verdicts = tuple(conn.verdict(src, dst, pr, None) for pr in protos)
            else:
                verdicts = (conn.verdict(src, dst, p, num),)
            shown_src, shown_dst = src_shown.get(src, src), dst_shown.get(dst, dst)
            checks.append(
                Check(shown_src, shown_dst, p, num, cs, verdicts, tuple(vias), unrouted, notes)
            )
    return checks


def render_reach_text(checks: Sequence[Check], notes: Sequence[str]) -> str:
    out: list[str] = []
    for c in checks:
        verdict = "ALLOWED" if c.allowed else "DENIED"
        what = f"{c.protocol} {c.port}" if c.port is not None else c.conns.text()
        out.append(
            f"{verdict}: {graphfmt.endpoint_name(c.src)} => {graphfmt.endpoint_name(c.dst)} : {what}"
        )
        for via in c.vias:
            out.append(f"  {via}")
        if c.unrouted:
            out.append(f"  {c.unrouted}")
        for direction in ("egress", "ingress"):
            side = "from " + c.src.display() if direction == "egress" else "to " + c.dst.display()
            out.append(f"  {direction} ({side}):")
            seen: set[str] = set()
            for v in c.verdicts:
                for r in v.egress if direction == "egress" else v.ingress:
                    line = _reason_line(r)
                    if line not in seen:
                        seen.add(line)
                        out.append(f"    - {line}")
            if not seen:
                out.append("    - (not evaluated)")
        vnotes = [*c.notes, *sorted({n for v in c.verdicts for n in v.notes})]
        if any(v.assumed for v in c.verdicts):
            out.append("  assumed: the verdict depends on assumptions (see notes)")
        for n in vnotes:
            out.append(f"  note: {n}")
    for n in notes:
        out.append(f"note: {n}")
    return "\n".join(escape_control(line) for line in out) + "\n"


def _hypothetical_json(h: Hypothetical) -> dict[str, Any]:
    return {
        "name": h.text,
        "type": "hypothetical",
        "namespace": h.namespace or "",
        "workload": "",
        "kind": "",
        "podLabels": dict(h.pod_labels),
        "namespaceLabels": dict(h.namespace_labels) if h.namespace is None else None,
    }


def render_reach_json(
    checks: Sequence[Check],
    notes: Sequence[str],
    hypothetical: Mapping[Endpoint, Hypothetical] | None = None,
) -> str:
    hyp = hypothetical or {}

    def endpoint(ep: Endpoint) -> dict[str, Any]:
        h = hyp.get(ep)
        return _hypothetical_json(h) if h is not None else dict(graphfmt.endpoint_json(ep))

    doc = {
        "allowed": bool(checks) and all(c.allowed for c in checks),
        "checks": [
            {
                "src": endpoint(c.src),
                "dst": endpoint(c.dst),
                "allowed": c.allowed,
                "protocol": c.protocol,
                "port": c.port,
                "conn": c.conns.text(),
                "via": c.via,
                "unrouted": c.unrouted,
                "assumed": any(v.assumed for v in c.verdicts),
                "egress": [_reason_json(r) for v in c.verdicts for r in v.egress],
                "ingress": [_reason_json(r) for v in c.verdicts for r in v.ingress],
                "notes": [*c.notes, *sorted({n for v in c.verdicts for n in v.notes})],
            }
            for c in checks
        ],
        "notes": list(notes),
    }
    return json.dumps(doc, indent=2) + "\n"


def _hypotheticals(
    specs: Sequence[tuple[str, str, str]], cfg: Config
) -> dict[str, tuple[Hypothetical, str]]:
    """--from/--to of the hypothetical forms (``pods ... in namespaces ...``), by option."""
    out: dict[str, tuple[Hypothetical, str]] = {}
    for text, option, role in specs:
        try:
            h = parse_hypothetical(text, cfg.default_namespace)
        except ValueError as exc:
            fail(f"{option}: {text!r}: {exc}")
        if h is not None:
            out[option] = (h, role)
    return out


def reach_cmd(
    paths: PathsArgument,
    src: Annotated[
        str,
        typer.Option(
            "--from",
            metavar="SRC",
            help="ns/name, ns/name[Kind], ns/owner[Kind]/pod, svc:ns/name[:port], an IP "
            "address, 'internet', '{ingress-controller}', '{gateway:ns/name}', or a "
            "hypothetical pod outside the input: 'pods k=v[,k=v] [in namespace NAME | in "
            "namespaces k=v[,k=v]]' or 'namespaces k=v[,k=v]'.",
        ),
    ],
    dst: Annotated[str, typer.Option("--to", metavar="DST", help="Same forms as --from.")],
    port: Annotated[
        str | None,
        typer.Option(
            "--port", "-p", metavar="PORT[/PROTOCOL]", help="The port, e.g. 5432/TCP or http."
        ),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help=REACH.help())
    ] = "text",
    namespace: NamespaceOption = None,
    follow_symlinks: FollowSymlinksOption = False,
    kustomize_allow_remote: KustomizeAllowRemoteOption = False,
    config: ConfigOption = None,
    jobs: JobsOption = None,
) -> None:
    """May SRC reach DST? The verdict and the policies, rules and lines that decide it."""
    format = resolve_format(REACH, format)
    port_txt, proto = parse_port(port) if port is not None else (None, "TCP")
    _check_paths(paths)
    _check_jobs(jobs)
    cfg = build_config(paths, config, namespace=namespace)
    options = LoadOptions(follow_symlinks, kustomize_allow_remote, jobs)
    answer = None
    where = scope.reach_scope((src, dst), cfg)
    if where is not None:
        answer = _scoped_reach(paths, cfg, options, where, src, dst, port_txt, proto, format)
    if answer is None:
        loaded = load(
            paths,
            cfg,
            follow_symlinks=options.follow_symlinks,
            kustomize_allow_remote=options.kustomize_allow_remote,
            jobs=options.jobs,
        )
        hyps = _hypotheticals(((src, "--from", "source"), (dst, "--to", "destination")), cfg)
        manifests = list(loaded.manifests)
        for h, role in hyps.values():
            manifests.extend(
                load_text(hypothetical_manifest_text(h, role), "<hypothetical>").manifests
            )
        answer = reach_answer(_analyze(manifests, cfg), src, dst, hyps, port_txt, proto, format)
    text, allowed = answer
    write_output(text, None)
    raise typer.Exit(0 if allowed else 1)


@dataclass(frozen=True)
class LoadOptions:
    """How a command reads its paths (see :func:`load`)."""

    follow_symlinks: bool = False
    kustomize_allow_remote: bool = False
    jobs: int | None = 1


def _analyze(manifests: Sequence[Manifest], cfg: Config) -> Connectivity:
    from k8snetlint.model import build_inventory
    from k8snetlint.net import analyze

    with frozen_after():  # as in load(): the analysis lives until the command ends
        return analyze(build_inventory(manifests, cfg), cfg)


def _scoped_reach(
    paths: Sequence[str],
    cfg: Config,
    options: LoadOptions,
    where: scope.Scope,
    src: str,
    dst: str,
    port: str | None,
    proto: str,
    format: str,
) -> tuple[str, bool] | None:
    """The answer of :func:`reach_answer` from only the files and objects it depends on
    (:mod:`k8snetlint.net.scope`); None when it is a usage error (the whole input then
    answers, naming candidates from every namespace) or needs the whole input."""
    from k8snetlint.cli.common import UsageError

    keep = scope.FileFilter(where) if cfg.default_namespace not in where.namespaces else None
    jobs = options.jobs
    if jobs is None and keep is not None and not where.external:
        # a few files out of many: starting workers costs more than they save (with an
        # address end every policy file is read: as many workers as cores, by default)
        jobs = 1
    loaded = load(
        paths,
        cfg,
        follow_symlinks=options.follow_symlinks,
        kustomize_allow_remote=options.kustomize_allow_remote,
        jobs=jobs,
        keep=keep,
        warn=False,
    )
    manifests = scope.relevant_manifests(loaded.manifests, where, cfg.default_namespace)
    if scope.needs_whole_input(manifests, where):
        return None
    try:
        answer = reach_answer(_analyze(manifests, cfg), src, dst, {}, port, proto, format)
    except UsageError:
        return None
    _warn_unread(loaded)
    return answer


def reach_answer(
    conn: Connectivity,
    src: str,
    dst: str,
    hyps: Mapping[str, tuple[Hypothetical, str]],
    port: str | None,
    proto: str,
    format: str,
) -> tuple[str, bool]:
    """``reach``'s output for --from ``src`` --to ``dst`` (``hyps``: the hypothetical
    ones, by option) and whether every pair is allowed."""
    names: dict[str, str] = {}
    hyp_eps: dict[Endpoint, Hypothetical] = {}
    targets: list[Target] = []
    for text, option in ((src, "--from"), (dst, "--to")):
        hit = hyps.get(option)
        if hit is None:
            targets.append(resolve_target(conn, text, option))
            continue
        h, role = hit
        w = conn.inventory.workload(h.namespace_name(role), h.pod_name(role), "Pod")
        if w is None:  # pragma: no cover - the pod was just added
            fail(f"{option}: {text!r}: the hypothetical pod could not be added")
        ep = conn.endpoint_for(w)
        names[ep.display()] = h.text
        hyp_eps[ep] = h
        targets.append(Target((ep,), (h.describe(),)))
    src_t, dst_t = targets
    checks = run_reach(conn, src_t, dst_t, port, proto)
    if not checks:
        fail("--from and --to are the same endpoint and not a workload: nothing to evaluate")
    notes = [*src_t.notes, *dst_t.notes]
    if len(dst_t.endpoints) > 1 or len(src_t.endpoints) > 1:
        notes.append("several workloads: ALLOWED only when every pair is allowed")
    if format == "json":
        text = render_reach_json(checks, notes, hyp_eps)
        for shown, label in names.items():
            text = text.replace(shown, json.dumps(label)[1:-1])
    else:
        text = render_reach_text(checks, notes)
        for shown, label in names.items():
            text = text.replace(escape_control(shown), escape_control(label))
    return text, all(c.allowed for c in checks)


# -- diff -----------------------------------------------------------------------------


def _git(args: Sequence[str], cwd: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)


@contextmanager
def materialize(spec: str, notes: list[str] | None = None) -> Iterator[str]:
    """A path to read for ``spec``: the path itself, or ``REV:path`` extracted from git.

    ``REV:path`` follows git: ``path`` is relative to the top of the work tree unless
    it starts with ``./`` or ``../`` (then relative to the current folder). The work tree
    is never modified: the files are extracted with ``git archive`` into a temporary
    folder.
    """
    if os.path.exists(spec) or ":" not in spec:
        _check_paths([spec])
        yield spec
        return
    rev, _, path = spec.partition(":")
    cwd = os.getcwd()
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        fail(f"{spec}: no such path, and not inside a git work tree for REV:path")
    root = top.stdout.decode().strip()
    if path.startswith(("./", "../")) or path in (".", ".."):
        path = os.path.relpath(os.path.normpath(os.path.join(cwd, path)), root)
    path = path.strip("/") or "."
    if _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root).returncode != 0:
        fail(f"{spec}: unknown git revision {rev!r}")
    if (
        notes is not None
        and path != "."
        and _git(["cat-file", "-e", f"{rev}:{path}"], root).returncode != 0
    ):
        # the base of a first pull request: the path does not exist yet
        notes.append(f"{rev} has no {path}; it is compared as empty")
        with tempfile.TemporaryDirectory(prefix="k8snetlint-diff-") as tmp:
            yield tmp
        return
    args = ["archive", "--format=tar", rev]
    if path != ".":
        args += ["--", path]
    res = _git(args, root)
    if res.returncode != 0:
        msg = " ".join(res.stderr.decode(errors="replace").split())
        fail(f"{spec}: {msg or 'git archive failed'}")
    with tempfile.TemporaryDirectory(prefix="k8snetlint-diff-") as tmp:
        import io

        with tarfile.open(fileobj=io.BytesIO(res.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        yield os.path.join(tmp, path) if path != "." else tmp


# (direction "from"/"to" the external range, the other endpoint's name, IP version)
ExternalKey = tuple[str, str, int]


@dataclass(frozen=True)
class Side:
    """One side of a diff: connections between named endpoints, connections with
    external addresses per interval, and findings."""

    connections: dict[tuple[str, str], str]
    findings: dict[tuple[str, str, str], str]
    external: dict[ExternalKey, list[tuple[int, int, str]]] = field(default_factory=dict)
    mentions_ipv6: bool = False


def _side(
    path: str,
    cfg: Config,
    *,
    follow_symlinks: bool = False,
    kustomize_allow_remote: bool = False,
    jobs: int | None = 1,
) -> Side:
    """One side of ``diff``; the options go to :func:`load`."""
    from k8snetlint.engine import resolve_version, run

    loaded = load(
        [path],
        cfg,
        follow_symlinks=follow_symlinks,
        kustomize_allow_remote=kustomize_allow_remote,
        jobs=jobs,
    )
    conn = analyze_loaded(loaded, cfg)
    conns: dict[tuple[str, str], str] = {}
    external: dict[ExternalKey, list[tuple[int, int, str]]] = {}
    for c in conn.connections:
        text = c.conns.text()
        if c.src.kind == "external" or c.dst.kind == "external":
            outside, other, way = (
                (c.src, c.dst, "from") if c.src.kind == "external" else (c.dst, c.src, "to")
            )
            ipv, lo, hi = conn.external_ranges(outside)
            key = (way, graphfmt.endpoint_name(other), ipv)
            external.setdefault(key, []).append((lo, hi, text))
            continue
        conns[(graphfmt.endpoint_name(c.src), graphfmt.endpoint_name(c.dst))] = text
    try:
        version = resolve_version(cfg)
    except ValueError as exc:
        fail(f"--kubernetes-version: {exc}")
    report = run(loaded, cfg, version)
    findings: dict[tuple[str, str, str], str] = {}
    for f in report.findings:
        if f.suppressed:
            continue
        obj = f.object.display() if f.object is not None else ""
        findings[(f.rule, obj, f.message)] = f.severity
    return Side(conns, findings, external, graphfmt.mentions_ipv6(conn.inventory))


def _interval_changes(
    old: Sequence[tuple[int, int, str]], new: Sequence[tuple[int, int, str]]
) -> list[tuple[int, int, str | None, str | None]]:
    """Where ``old`` and ``new`` (disjoint intervals with a value) differ: the intervals
    split on the union of both sides' boundaries, adjacent ones with the same (before,
    after) merged."""
    cuts = sorted({lo for lo, _, _ in (*old, *new)} | {hi + 1 for _, hi, _ in (*old, *new)})

    def index(side: Sequence[tuple[int, int, str]]) -> tuple[list[int], list[tuple[int, int, str]]]:
        items = sorted(side)
        return [lo for lo, _, _ in items], items

    def value(ix: tuple[list[int], list[tuple[int, int, str]]], x: int) -> str | None:
        starts, items = ix
        i = bisect.bisect_right(starts, x) - 1
        if i >= 0 and items[i][0] <= x <= items[i][1]:
            return items[i][2]
        return None

    o_ix, n_ix = index(old), index(new)
    out: list[tuple[int, int, str | None, str | None]] = []
    for lo, nxt in itertools.pairwise(cuts):
        hi = nxt - 1
        before, after = value(o_ix, lo), value(n_ix, lo)
        if before == after:
            continue
        if out and out[-1][1] + 1 == lo and out[-1][2:] == (before, after):
            out[-1] = (out[-1][0], hi, before, after)
        else:
            out.append((lo, hi, before, after))
    return out


def _connection_changes(
    old: Side, new: Side
) -> tuple[
    list[tuple[tuple[str, str], str]],
    list[tuple[tuple[str, str], str]],
    list[tuple[tuple[str, str], str, str]],
]:
    """(added, removed, changed): by endpoint names, external addresses per interval."""
    added = [(k, v) for k, v in new.connections.items() if k not in old.connections]
    removed = [(k, v) for k, v in old.connections.items() if k not in new.connections]
    changed = [
        (k, old.connections[k], v)
        for k, v in new.connections.items()
        if k in old.connections and old.connections[k] != v
    ]
    # as graph: IPv6 ranges only when an input mentions IPv6 (else they repeat IPv4)
    ipv6 = old.mentions_ipv6 or new.mentions_ipv6
    for key in sorted(set(old.external) | set(new.external)):
        way, other, version = key
        if version == 6 and not ipv6:
            continue
        for lo, hi, before, after in _interval_changes(
            old.external.get(key, []), new.external.get(key, [])
        ):
            name = range_name(version, lo, hi) + graphfmt.EXTERNAL_SUFFIX
            pair = (name, other) if way == "from" else (other, name)
            if before is None and after is not None:
                added.append((pair, after))
            elif after is None and before is not None:
                removed.append((pair, before))
            elif before is not None and after is not None:
                changed.append((pair, before, after))
    return sorted(added), sorted(removed), sorted(changed)


def diff_sides(old: Side, new: Side) -> dict[str, Any]:
    added, removed, changed = _connection_changes(old, new)
    new_f = sorted(k for k in new.findings if k not in old.findings)
    fixed = sorted(k for k in old.findings if k not in new.findings)

    def cj(k: tuple[str, str], conns: str) -> dict[str, str]:
        return {"src": k[0], "dst": k[1], "conn": conns}

    def fj(k: tuple[str, str, str], sev: str) -> dict[str, str]:
        return {"rule": k[0], "object": k[1], "message": k[2], "severity": sev}

    return {
        "connections": {
            "added": [cj(k, v) for k, v in added],
            "removed": [cj(k, v) for k, v in removed],
            "changed": [
                {"src": k[0], "dst": k[1], "before": before, "after": after}
                for k, before, after in changed
            ],
        },
        "findings": {
            "new": [fj(k, new.findings[k]) for k in new_f],
            "fixed": [fj(k, old.findings[k]) for k in fixed],
        },
    }


def render_diff_text(d: dict[str, Any]) -> str:
    c, f = d["connections"], d["findings"]
    out = [f"connections added ({len(c['added'])}):"]
    out += [f"+ {x['src']} => {x['dst']} : {x['conn']}" for x in c["added"]]
    out.append(f"connections removed ({len(c['removed'])}):")
    out += [f"- {x['src']} => {x['dst']} : {x['conn']}" for x in c["removed"]]
    out.append(f"connections changed ({len(c['changed'])}):")
    out += [f"~ {x['src']} => {x['dst']} : {x['before']} -> {x['after']}" for x in c["changed"]]
    out.append(f"findings new ({len(f['new'])}):")
    out += [f"+ {x['severity']} {x['rule']} {x['object']}: {x['message']}" for x in f["new"]]
    out.append(f"findings fixed ({len(f['fixed'])}):")
    out += [f"- {x['severity']} {x['rule']} {x['object']}: {x['message']}" for x in f["fixed"]]
    return "\n".join(escape_control(line) for line in out) + "\n"


def diff_cmd(
    old: Annotated[
        str,
        typer.Argument(metavar="OLD", help="Before: a path, or REV:path in a git work tree."),
    ],
    new: Annotated[
        str,
        typer.Argument(metavar="NEW", help="After: a path, or REV:path in a git work tree."),
    ],
    format: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help=DIFF.help())
    ] = "text",
    output: OutputOption = None,
    namespace: NamespaceOption = None,
    follow_symlinks: FollowSymlinksOption = False,
    kustomize_allow_remote: KustomizeAllowRemoteOption = False,
    config: ConfigOption = None,
    jobs: JobsOption = None,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            metavar="SEVERITY",
            help="Exit 1 when the change brings new findings at or above SEVERITY: "
            "error|warning|info|never.",
        ),
    ] = "never",
    fail_on_connections: Annotated[
        str,
        typer.Option(
            "--fail-on-connections",
            metavar="FROM",
            help="Exit 1 when the change adds connections from FROM: external (from "
            "outside the cluster or the ingress controller), any (from anywhere), never.",
        ),
    ] = "never",
) -> None:
    """What a change opens or closes: connections added, removed, changed; findings.

    A base (OLD) given as REV:path where REV does not have path yet (a repository's
    first pull request) is read as empty, with a note.
    """
    format = resolve_format(DIFF, format)
    if fail_on not in ("error", "warning", "info", "never"):
        fail(f"--fail-on: {fail_on!r} is not one of error, warning, info, never")
    if fail_on_connections not in DIFF_CONNECTION_SCOPES:
        fail(
            f"--fail-on-connections: {fail_on_connections!r} is not one of "
            f"{', '.join(DIFF_CONNECTION_SCOPES)}"
        )
    _check_jobs(jobs)
    notes: list[str] = []
    with materialize(old, notes) as old_path, materialize(new) as new_path:
        cfg = build_config([new_path], config, namespace=namespace)

        def side(path: str) -> Side:
            return _side(
                path,
                cfg,
                follow_symlinks=follow_symlinks,
                kustomize_allow_remote=kustomize_allow_remote,
                jobs=jobs,
            )

        d = diff_sides(side(old_path), side(new_path))
    failing = diff_failures(d, fail_on, fail_on_connections)
    d = {"old": old, "new": new, **d, "notes": notes, "failing": failing}
    if format == "json":
        text = json.dumps(d, indent=2) + "\n"
    else:
        text = render_diff_text(d)
        text += "".join(f"note: {escape_control(n)}\n" for n in notes)
        text += "".join(f"failing: {escape_control(f)}\n" for f in failing)
    write_output(text, output)
    raise typer.Exit(1 if failing else 0)


DIFF_CONNECTION_SCOPES = ("never", "external", "any")


def _from_outside(src: str) -> bool:
    """A connlist source outside the cluster: an address range (``a-b[External]``) or
    the ingress controller (workloads read ``ns/name[Kind]`` or ``ns/owner[Kind]/pod``)."""
    if src == graphfmt.INGRESS_CONTROLLER_NAME or src.endswith("[External]"):
        return True
    return not re.search(r"\[[^\]/]+\](/|$)", src)


def diff_failures(d: dict[str, Any], fail_on: str, connections: str) -> list[str]:
    """Why ``diff`` exits 1: new findings at or above ``fail_on``, connections added
    from where ``connections`` says (empty: exit 0)."""
    from k8snetlint.findings import SEVERITY_RANK

    out: list[str] = []
    if fail_on != "never":
        limit = SEVERITY_RANK[fail_on]
        n = sum(1 for f in d["findings"]["new"] if SEVERITY_RANK[f["severity"]] >= limit)
        if n:
            out.append(f"{n} new finding{'' if n == 1 else 's'} at or above {fail_on}")
    if connections != "never":
        added = d["connections"]["added"]
        if connections == "external":
            added = [c for c in added if _from_outside(c["src"])]
        if added:
            where = "from outside the cluster" if connections == "external" else "in all"
            n = len(added)
            out.append(f"{n} connection{'' if n == 1 else 's'} added {where}")
    return out


# -- registration and step summary ----------------------------------------------------


def register(app: typer.Typer) -> None:
    app.command(
        "graph",
        epilog=epilog(
            "k8snetlint graph k8s/",
            "k8snetlint graph -f html -o map.html k8s/",
            "k8snetlint graph --focus shop/api -f mermaid k8s/",
            codes=("0  the map was written", "2  usage, configuration or internal error"),
        ),
    )(graph_cmd)
    app.command(
        "reach",
        epilog=epilog(
            "k8snetlint reach k8s/ --from shop/api --to shop/db --port 5432/TCP",
            "k8snetlint reach k8s/ --from internet --to svc:shop/web:80",
            codes=("0  allowed", "1  denied", "2  usage, configuration or internal error"),
        ),
    )(reach_cmd)
    app.command(
        "diff",
        epilog=epilog(
            "k8snetlint diff origin/main:k8s k8s",
            "k8snetlint diff --fail-on warning --fail-on-connections external old/ new/",
            codes=(
                "0  nothing that --fail-on/--fail-on-connections name",
                "1  the change brings such findings or connections",
                "2  usage, configuration or internal error",
            ),
        ),
    )(diff_cmd)


def mermaid_for(loaded: object, cfg: Config) -> str | None:
    """The Mermaid map for the GitHub step summary; None for large or failing inputs.

    ``loaded`` is a :class:`~k8snetlint.loader.LoadResult` (typed ``object`` to match
    the caller in :mod:`k8snetlint.cli`).
    """
    from k8snetlint.loader import LoadResult

    if not isinstance(loaded, LoadResult):
        return None
    try:
        conn = analyze_loaded(loaded, cfg)
        if len(conn.endpoints) > MERMAID_MAX_ENDPOINTS or not conn.connections:
            return None
        return graphfmt.render_mermaid(graphfmt.graph_data(conn))
    # Kept broad on purpose: the map is an extra of `check`'s step summary (the
    # analysis failing on this input is a bug of ours that `graph` reports as an
    # internal error); it must never cost the user `check`'s report.
    except Exception:
        return None


__all__ = ["mermaid_for", "register"]
