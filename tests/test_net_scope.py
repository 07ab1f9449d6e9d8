"""What one ``reach`` answer depends on (:mod:`k8snetlint.net.scope`): the answer from the
objects of the two ends' namespaces (and what every answer depends on) is the answer
from the whole input, byte for byte, on randomised clusters and on every scenario."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reference_agreement import NAMESPACES, clusters
from test_tiers import tier_clusters

import netutil
from k8snetlint import netcli
from k8snetlint.cli import main
from k8snetlint.cli.common import UsageError, build_config
from k8snetlint.config import Config
from k8snetlint.document import Manifest
from k8snetlint.engine import load
from k8snetlint.model import build_inventory
from k8snetlint.net import Connectivity, analyze
from k8snetlint.net.scope import (
    FileFilter,
    Scope,
    needs_whole_input,
    reach_scope,
    relevant_manifests,
)

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted(
    p
    for base in (ROOT / "fixtures" / "scenarios", ROOT / "fixtures" / "connectivity-cli")
    for p in base.iterdir()
    if p.is_dir()
) + sorted(p for p in (ROOT / "tests" / "realworld").iterdir() if p.is_dir())

# (port, protocol) of the questions asked per pair
PORTS: tuple[tuple[str | None, str], ...] = (
    (None, "TCP"),
    ("80", "TCP"),
    ("http", "TCP"),
    ("53", "UDP"),
)


def _answer(
    conn: Connectivity, src: str, dst: str, port: str | None, proto: str, fmt: str
) -> tuple[str, bool] | str:
    try:
        return netcli.reach_answer(conn, src, dst, {}, port, proto, fmt)
    except UsageError as exc:
        return f"usage error: {exc}"


def _scoped(manifests: Sequence[Manifest], cfg: Config, where: Scope) -> Connectivity | None:
    kept = relevant_manifests(manifests, where, cfg.default_namespace)
    if needs_whole_input(kept, where):
        return None
    return analyze(build_inventory(kept, cfg), cfg)


def check_same_answers(
    manifests: Sequence[Manifest], cfg: Config, texts: Sequence[str], formats: Sequence[str]
) -> int:
    """Every ordered pair of ``texts``: the scoped answer is the full one (a usage error
    of the scoped input stands for 'ask the whole input', as the command does; it may
    only happen when the whole input gives one too). Returns the answers compared."""
    full = analyze(build_inventory(manifests, cfg), cfg)
    scoped: dict[Scope, Connectivity | None] = {}
    compared = 0
    for src in texts:
        for dst in texts:
            where = reach_scope((src, dst), cfg)
            assert where is not None, (src, dst)
            if where not in scoped:
                scoped[where] = _scoped(manifests, cfg, where)
            conn = scoped[where]
            if conn is None:
                continue  # the command reads the whole input
            for port, proto in PORTS:
                for fmt in formats:
                    want = _answer(full, src, dst, port, proto, fmt)
                    got = _answer(conn, src, dst, port, proto, fmt)
                    if isinstance(got, str):
                        assert isinstance(want, str), (src, dst, port, got, want)
                        continue
                    assert got == want, (src, dst, port, proto, fmt)
                    compared += 1
    return compared


def _texts(conn: Connectivity) -> list[str]:
    """The --from/--to texts of every workload (its display name) and Service."""
    out = [e.display() for e in conn.endpoints if e.kind == "workload"]
    out += [f"svc:{s.namespace}/{s.name}" for s in conn.inventory.services]
    return [*out, "internet", *ADDRESSES, "{ingress-controller}"]


# address ends: ranges cut by every ipBlock of the input
ADDRESSES = ("10.0.0.5", "10.1.2.3", "192.168.1.9", "2001:db8::5")


# -- randomised clusters ------------------------------------------------------------


def _statefulset(ns: str, name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": 2,
            "serviceName": name,
            "selector": {"matchLabels": labels or {"app": name}},
            "template": {
                "metadata": {"labels": labels or {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": "c",
                            "image": "i",
                            "ports": [{"containerPort": 80, "name": "http"}],
                        }
                    ]
                },
            },
        },
    }


@st.composite
def scoped_clusters(draw: st.DrawFn) -> tuple[list[dict[str, Any]], Config]:
    """The reference clusters (or the tier ones), with Services, StatefulSets, a policy
    naming a per-ordinal label somewhere, and objects without a namespace."""
    if draw(st.booleans()):
        objs, ipblock_pods = draw(clusters())
    else:
        objs, ipblock_pods = draw(tier_clusters()), False
    objs = list(objs)
    for i in range(draw(st.integers(0, 2))):
        ns = draw(st.sampled_from(NAMESPACES))
        objs.append(_statefulset(ns, f"s{i}", draw(st.sampled_from([{}, {"app": "a"}]))))
    for i in range(draw(st.integers(0, 2))):
        ns = draw(st.sampled_from(NAMESPACES))
        sel = draw(st.sampled_from([{"app": "a"}, {"app": "b"}, {"tier": "a"}]))
        objs.append(netutil.service(ns, f"svc{i}", sel, [(80, "http")]))
    if draw(st.booleans()):
        ns = draw(st.sampled_from(NAMESPACES))
        objs.append(
            netutil.netpol(
                ns,
                "ordinal",
                {
                    "podSelector": {"matchLabels": {"statefulset.kubernetes.io/pod-name": "s0-1"}},
                    "policyTypes": ["Ingress"],
                },
            )
        )
    default = "default"
    if draw(st.booleans()):
        # the objects of one namespace name none: it is the default namespace
        default = draw(st.sampled_from(NAMESPACES))
        for o in objs:
            meta = o.get("metadata", {})
            if meta.get("namespace") == default and o.get("kind") != "Namespace":
                meta.pop("namespace")
    return objs, netutil.config(ipblock_pods=ipblock_pods, default_namespace=default)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scoped_clusters())
def test_scoped_answers_are_the_full_answers(cluster: tuple[list[dict[str, Any]], Config]) -> None:
    objs, cfg = cluster
    manifests = netutil.manifests_of(objs)
    texts = _texts(analyze(build_inventory(manifests, cfg), cfg))
    check_same_answers(manifests, cfg, texts, ("text",))


# -- scenarios ----------------------------------------------------------------------


def _load(path: Path) -> tuple[list[Manifest], Config]:
    cfg = build_config([str(path)], None)
    loaded = load([str(path)], cfg)
    return list(loaded.manifests), cfg


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_scoped_answers_are_the_full_answers_on_every_scenario(path: Path) -> None:
    manifests, cfg = _load(path)
    texts = _texts(analyze(build_inventory(manifests, cfg), cfg))
    # at most 12 ends (every pair of a large scenario is slow): spread over namespaces
    texts = sorted(texts, key=lambda t: (sum(t.encode()) % 7, t))[:12]
    if len(texts) < 2:
        pytest.skip("fewer than two workloads")
    assert check_same_answers(manifests, cfg, texts, ("text", "json")) > 0


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_the_file_filter_keeps_every_file_an_answer_needs(path: Path) -> None:
    manifests, cfg = _load(path)
    names = sorted({m.effective_namespace(cfg.default_namespace) for m in manifests} - {""})
    for i, a in enumerate(names):
        for b in names[i:]:
            for external in (False, True):
                where = Scope(frozenset({a, b}), external)
                if cfg.default_namespace in where.namespaces:
                    continue  # objects naming no namespace are in it: every file is read
                read = load([str(path)], cfg, keep=FileFilter(where)).manifests
                want = relevant_manifests(manifests, where, cfg.default_namespace)
                got = relevant_manifests(read, where, cfg.default_namespace)
                assert [(m.file, m.doc_index) for m in got] == [
                    (m.file, m.doc_index) for m in want
                ], (a, b)


# -- the command --------------------------------------------------------------------


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


CLI_CASES = [
    ("connectivity-cli/shop", "shop/backend", "shop/db", "5432/TCP"),
    ("connectivity-cli/shop", "shop/frontend", "svc:shop/backend", None),
    ("connectivity-cli/shop", "shop/frontend", "svc:shop/db:5432", None),
    ("connectivity-cli/shop", "shop/nope", "shop/db", None),
    ("connectivity-cli/shop", "shop/backend", "svc:shop/nope", None),
    ("scenarios/multi-namespace", "web/frontend", "payments/api", None),
    ("scenarios/multi-namespace", "monitoring/prometheus", "payments/redis", "http"),
    ("scenarios/gateway-multi-namespace", "shop/web", "backend/api", None),
    ("scenarios/gateway-multi-namespace", "{gateway:infra/public}", "shop/web", None),
    ("scenarios/seed", "pod-a", "default/pod-b", "80"),
    ("scenarios/seed", "internet", "default/pod-b", "80"),
    ("scenarios/multi-namespace", "internet", "svc:payments/api", None),
    ("scenarios/multi-namespace", "monitoring/prometheus", "10.1.2.3", "443"),
    ("scenarios/gateway-multi-namespace", "internet", "shop/web", None),
    ("connectivity-cli/outside", "8.8.8.8", "shop/web", None),
    ("connectivity-cli/shop", "ingress-controller", "shop/frontend", "http"),
    ("connectivity-cli/shop", "{ingress-controller}", "svc:shop/frontend", None),
    ("connectivity-cli/shop", "shop/backend", "ingress-controller", None),
]


@pytest.mark.parametrize("case", CLI_CASES, ids=lambda c: f"{c[0]} {c[1]} {c[2]}")
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_reach_answers_alike_with_and_without_scope(
    case: tuple[str, str, str, str | None],
    fmt: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, src, dst, port = case
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    args = ["reach", str(ROOT / "fixtures" / folder), "--from", src, "--to", dst, "-f", fmt]
    if port is not None:
        args += ["--port", port]
    scoped = _run(args, capsys)
    monkeypatch.setattr(netcli.scope, "reach_scope", lambda texts, cfg: None)
    full = _run(args, capsys)
    assert scoped == full
    assert "Traceback" not in scoped[2]


def test_the_scoped_command_reads_only_the_files_it_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files of other namespaces are not read: a broken one is not even reported."""
    (tmp_path / "a.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\n"
        "spec: {containers: [{name: c, image: i}]}\n"
    )
    (tmp_path / "b.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: b}\n"
        "spec: {containers: [{name: c, image: i}]}\n"
    )
    (tmp_path / "other.yaml").write_text("kind: [unclosed\n")
    code, out, err = _run(["reach", str(tmp_path), "--from", "a/p", "--to", "b/q"], capsys)
    assert code == 0 and out.startswith("ALLOWED: a/p[Pod] => b/q[Pod]")
    assert err == ""
    # the whole input (an end of another form) reports the broken file
    args = ["reach", str(tmp_path), "--from", "a/p", "--to", "pods x=y in namespace b"]
    code, out, err = _run(args, capsys)
    assert "could not be read" in err


# -- the parts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "want", "external"),
    [
        (("shop/api", "db/pg"), {"shop", "db"}, False),
        (("shop/api[Deployment]", "web"), {"shop", "dflt"}, False),
        ((" shop/api ", "shop/web[StatefulSet]/web-0"), {" shop", "shop"}, False),
        (("svc:shop/api:80", "svc:web"), {"shop", "dflt"}, False),
        (("shop/api", "internet"), {"shop"}, True),
        (("10.0.0.1", "svc:db/pg"), {"db"}, True),
        (("Internet", "2001:db8::1"), set(), True),
        (("shop/api", "{ingress-controller}"), {"shop"}, False),
        (("Ingress-Controller", "10.0.0.1"), set(), True),
        (("{gateway:infra/gw}", "shop/api"), None, False),
        (("pods app=x in namespace shop", "shop/api"), None, False),
        (("namespaces team=a", "shop/api"), None, False),
        (("pods in bogus", "shop/api"), None, False),
        (("/api", "shop/api"), None, False),
    ],
)
def test_reach_scope(texts: tuple[str, str], want: set[str] | None, external: bool) -> None:
    cfg = netutil.config(default_namespace="dflt")
    got = reach_scope(texts, cfg)
    assert got == (Scope(frozenset(want), external) if want is not None else None)


def test_reach_scope_takes_the_configured_ingress_controller() -> None:
    from k8snetlint.config import IngressController

    cfg = netutil.config(ingress_controller=IngressController(namespace="ingress-nginx"))
    want = Scope(frozenset({"a", "b", "ingress-nginx"}))
    assert reach_scope(("a/x", "b/y"), cfg) == want


@pytest.mark.parametrize(
    ("content", "kept"),
    [
        (b"kind: Pod\nmetadata: {name: p, namespace: other}\n", False),
        (b"kind: Pod\nmetadata: {name: p, namespace: shop}\n", True),
        (b'{"metadata": {"namespace": "sh\\u006fp"}}', True),
        (b"kind: AdminNetworkPolicy\n", True),
        (b"kind: BaselineAdminNetworkPolicy\n", True),
        (b"kind: ClusterNetworkPolicy\n", True),
        (b"matchLabels: {statefulset.kubernetes.io/pod-name: w-0}\n", True),
        (b"matchLabels: {apps.kubernetes.io/pod-index: '0'}\n", True),
        (b"metadata: {namespace: {{ .Release.Namespace }}}\n", True),
        ("metadata: {namespace: shop}\n".encode("utf-16"), True),
    ],
)
def test_the_file_filter(tmp_path: Path, content: bytes, kept: bool) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(content)
    assert FileFilter(Scope(frozenset({"shop", "db"})))(path) is kept


def test_the_file_filter_reads_what_it_cannot_open(tmp_path: Path) -> None:
    assert FileFilter(Scope(frozenset({"shop"})))(tmp_path / "missing.yaml") is True


@pytest.mark.parametrize(
    ("content", "kept"),
    [
        (b"kind: NetworkPolicy\nmetadata: {namespace: other}\n", False),
        (b"kind: NetworkPolicy\nspec: {egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]}", True),
        (b"apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n", True),
        (b"kind: Pod\nmetadata: {name: p, namespace: other}\n", False),
    ],
)
def test_the_file_filter_of_an_address_end(tmp_path: Path, content: bytes, kept: bool) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(content)
    assert FileFilter(Scope(frozenset({"shop"}), external=True))(path) is kept


def test_relevant_manifests() -> None:
    objs = [
        netutil.namespace("shop"),
        netutil.namespace("other"),
        netutil.deployment("shop", "api", {"app": "api"}, []),
        netutil.deployment("other", "x", {"app": "x"}, []),
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nons"}},
        netutil.netpol("other", "plain", {"podSelector": {}}),
        netutil.netpol(
            "other",
            "ordinal",
            {"podSelector": {"matchLabels": {"apps.kubernetes.io/pod-index": "0"}}},
        ),
        netutil.netpol(
            "other",
            "blocks",
            {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]},
        ),
        {
            "apiVersion": "policy.networking.k8s.io/v1alpha1",
            "kind": "AdminNetworkPolicy",
            "metadata": {"name": "anp"},
        },
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}},
    ]
    got = relevant_manifests(netutil.manifests_of(objs), Scope(frozenset({"shop"})), "default")
    assert [(m.kind, m.name) for m in got] == [
        ("Namespace", "shop"),
        ("Deployment", "api"),
        ("NetworkPolicy", "ordinal"),
        ("AdminNetworkPolicy", "anp"),
    ]
    got = relevant_manifests(netutil.manifests_of(objs), Scope(frozenset({"default"})), "default")
    assert [(m.kind, m.name) for m in got] == [
        ("Pod", "nons"),
        ("NetworkPolicy", "ordinal"),
        ("AdminNetworkPolicy", "anp"),
        ("ConfigMap", "cm"),
    ]
    # an address end: every policy cuts its range
    got = relevant_manifests(
        netutil.manifests_of(objs), Scope(frozenset({"shop"}), external=True), "default"
    )
    assert [(m.kind, m.name) for m in got] == [
        ("Namespace", "shop"),
        ("Deployment", "api"),
        ("NetworkPolicy", "ordinal"),
        ("NetworkPolicy", "blocks"),
        ("AdminNetworkPolicy", "anp"),
    ]
