"""Gateway API views, resolution and entry routes (semantics GW, docs/semantics.md)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from k8snetlint.config import GatewayPods
from k8snetlint.gateway import (
    DEFAULT_KINDS,
    hostname_matches,
    intersect_hostnames,
    resolve,
)
from k8snetlint.net import analyze
from netutil import config, inventory

BACKEND = """
apiVersion: v1
kind: Service
metadata: {name: api, namespace: app}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: app}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: "api:1", ports: [{containerPort: 8080}]}]}
"""

GATEWAY = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: example
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces: {from: All}
  - name: https
    port: 443
    protocol: HTTPS
    hostname: "*.example.com"
    allowedRoutes:
      namespaces:
        from: Selector
        selector: {matchLabels: {expose: "yes"}}
  - name: same
    port: 8080
    protocol: HTTP
  - name: tcp
    port: 5432
    protocol: TCP
    allowedRoutes: {namespaces: {from: All}}
"""


def route(
    parent: str = "{name: gw, namespace: infra}",
    hostnames: str = "[]",
    kind: str = "HTTPRoute",
    backend: str = "{name: api, port: 80}",
    namespace: str = "app",
) -> str:
    return f"""
apiVersion: gateway.networking.k8s.io/v1
kind: {kind}
metadata: {{name: r, namespace: {namespace}}}
spec:
  parentRefs: [{parent}]
  hostnames: {hostnames}
  rules:
  - backendRefs: [{backend}]
"""


def resolution(*docs: str):  # type: ignore[no-untyped-def]
    inv = inventory("\n---\n".join(d.strip() for d in docs))
    return inv, resolve(inv)


# ---------------------------------------------------------------------------------
# Hostnames (semantics GW-4)


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "a.b.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "*.b.example.com", True),
        ("*.example.com", "*.example.com", True),
        ("*.b.example.com", "*.example.com", False),
        ("a.example.com", "a.example.com", True),
        ("a.example.com", "A.Example.com", True),
        ("a.example.com", "b.example.com", False),
        ("*.example.com", "a.example.net", False),
        ("*.example.com", "xexample.com", False),
    ],
)
def test_hostname_matches(pattern: str, host: str, expected: bool) -> None:
    assert hostname_matches(pattern, host) is expected


def test_intersect_hostnames_follows_the_httproute_examples() -> None:
    # A listener without hostname takes the Route's; a Route without, the listener's.
    assert intersect_hostnames(None, ["a.example.com"]) == ("a.example.com",)
    assert intersect_hostnames(None, []) == ("*",)
    assert intersect_hostnames("test.example.com", []) == ("test.example.com",)
    # test.example.com listener matches test.example.com and *.example.com routes
    assert intersect_hostnames("test.example.com", ["*.example.com"]) == ("test.example.com",)
    # *.example.com listener: *.example.com, test and foo.test match; others are ignored
    assert intersect_hostnames(
        "*.example.com",
        ["*.example.com", "test.example.com", "foo.test.example.com", "example.com", "x.net"],
    ) == ("*.example.com", "test.example.com", "foo.test.example.com")
    assert intersect_hostnames("*.example.com", ["example.com", "test.example.net"]) == ()


# ---------------------------------------------------------------------------------
# Views


def test_views_apply_defaults() -> None:
    inv = inventory(
        (
            GATEWAY
            + "---"
            + route(
                parent="{name: gw, namespace: infra, sectionName: http}",
                backend="{name: api, port: 80, weight: 0}",
            )
        ).strip()
    )
    api = inv.gateway_api
    assert [g.name for g in api.gateways] == ["gw"]
    gw = api.gateways[0]
    assert [li.name for li in gw.listeners] == ["http", "https", "same", "tcp"]
    assert gw.listeners[2].allowed.namespaces_from == "Same"  # default
    assert gw.listeners[0].allowed.kinds is None
    assert gw.listeners[0].allowed_kinds() == DEFAULT_KINDS["HTTP"]
    (r,) = api.routes
    (ref,) = r.parent_refs
    assert (ref.group, ref.kind, ref.namespace, ref.section_name) == (
        "gateway.networking.k8s.io",
        "Gateway",
        "infra",
        "http",
    )
    (b,) = r.rules[0].backends
    assert (b.group, b.kind, b.namespace, b.port, b.weight) == ("", "Service", "app", 80, 0)
    assert b.path == ("spec", "rules", 0, "backendRefs", 0)


def test_parent_namespace_defaults_to_the_routes() -> None:
    inv = inventory(route(parent="{name: gw}").strip())
    assert inv.gateway_api.routes[0].parent_refs[0].namespace == "app"


def test_non_gateway_objects_are_ignored() -> None:
    inv = inventory(BACKEND.strip())
    assert not inv.gateway_api


# ---------------------------------------------------------------------------------
# Attachment (semantics GW-3, GW-4)


def test_route_attaches_to_every_listener_that_admits_it() -> None:
    _, res = resolution(GATEWAY, BACKEND, route())
    (att,) = res.attachments
    assert att.status == "attached"
    # http (All) admits; https (Selector, app namespace unlabelled) and same (Same) do
    # not; tcp does not admit HTTPRoute
    assert [li.name for li, _ in att.listeners] == ["http"]
    reasons = {r.listener.name: r.reason for r in att.rejections if r.listener}
    assert reasons == {"https": "namespace", "same": "namespace", "tcp": "kind"}
    # the Selector verdict rests on assumed namespace labels (no Namespace object)
    assert [r.assumed for r in att.rejections if r.reason == "namespace"] == [True, False]


def test_selector_admits_labelled_namespace_and_hostnames_intersect() -> None:
    ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: app, labels: {expose: 'yes'}}"
    _, res = resolution(
        ns,
        GATEWAY,
        BACKEND,
        route(
            parent="{name: gw, namespace: infra, sectionName: https}",
            hostnames="[a.example.com, b.other.org]",
        ),
    )
    (att,) = res.attachments
    assert att.status == "attached"
    assert [(li.name, hosts) for li, hosts in att.listeners] == [("https", ("a.example.com",))]


def test_hostname_mismatch_rejects() -> None:
    ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: app, labels: {expose: 'yes'}}"
    _, res = resolution(
        ns,
        GATEWAY,
        route(parent="{name: gw, namespace: infra, port: 443}", hostnames="[a.example.org]"),
    )
    (att,) = res.attachments
    assert att.status == "not-allowed"
    assert [(r.reason, r.path) for r in att.rejections] == [
        ("hostname", ("spec", "listeners", 1, "hostname"))
    ]


def test_missing_gateway_and_listener() -> None:
    _, res = resolution(
        GATEWAY,
        route(parent="{name: gateway, namespace: infra}"),
    )
    assert res.attachments[0].status == "parent-missing"
    _, res = resolution(GATEWAY, route(parent="{name: gw, namespace: infra, sectionName: web}"))
    assert res.attachments[0].status == "listener-missing"
    # sectionName and port must both match the same listener
    _, res = resolution(
        GATEWAY, route(parent="{name: gw, namespace: infra, sectionName: http, port: 443}")
    )
    assert res.attachments[0].status == "listener-missing"


def test_same_namespace_default_and_kinds() -> None:
    gw = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: app}
spec:
  gatewayClassName: example
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      kinds: [{kind: GRPCRoute}]
"""
    _, res = resolution(gw, route(parent="{name: gw}"))
    (att,) = res.attachments
    assert att.status == "not-allowed"
    (rej,) = att.rejections
    assert rej.reason == "kind"
    assert rej.path == ("spec", "listeners", 0, "allowedRoutes", "kinds")
    _, res = resolution(gw, route(parent="{name: gw}", kind="GRPCRoute"))
    assert res.attachments[0].status == "attached"


def test_service_parent_is_not_judged() -> None:
    _, res = resolution(route(parent="{group: '', kind: Service, name: api}"))
    assert res.attachments[0].status == "not-judged"


def test_tcp_route_has_no_hostnames_and_attaches_by_port() -> None:
    _, res = resolution(
        GATEWAY, BACKEND, route(kind="TCPRoute", parent="{name: gw, namespace: infra, port: 5432}")
    )
    (att,) = res.attachments
    assert att.status == "attached"
    assert [li.name for li, _ in att.listeners] == ["tcp"]


def test_listener_set_attachment() -> None:
    gw = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: example
  allowedListeners: {namespaces: {from: All}}
  listeners: [{name: http, port: 80, protocol: HTTP}]
"""
    ls = """
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: extra, namespace: app}
spec:
  parentRef: {name: gw, namespace: infra}
  listeners: [{name: web, port: 8443, protocol: HTTP}]
"""
    _, res = resolution(gw, ls, BACKEND, route(parent="{kind: ListenerSet, name: extra}"))
    (sa,) = res.set_attachments
    assert sa.status == "attached"
    (att,) = res.attachments
    assert att.status == "attached" and att.gateway is not None and att.gateway.name == "gw"
    (entry,) = res.entries
    assert (entry.gateway.name, entry.listener.name, entry.listener.port) == ("gw", "web", 8443)
    # without allowedListeners the Gateway admits no ListenerSet
    _, res = resolution(gw.replace("allowedListeners: {namespaces: {from: All}}", ""), ls)
    assert res.set_attachments[0].status == "not-allowed"


def test_default_gateway_claims_routes_that_ask_for_one() -> None:
    gw = GATEWAY.replace(
        "gatewayClassName: example", "gatewayClassName: example\n  defaultScope: All"
    )
    r = route(parent="{name: other, namespace: infra}") + "  useDefaultGateways: All\n"
    _, res = resolution(gw, BACKEND, r)
    statuses = sorted((a.status, a.implicit) for a in res.attachments)
    assert statuses == [("attached", True), ("parent-missing", False)]


# ---------------------------------------------------------------------------------
# Backends (semantics GW-5, GW-6, GW-7)


def test_backend_resolution_and_weight_zero() -> None:
    _, res = resolution(GATEWAY, BACKEND, route())
    (b,) = res.backends
    assert b.status == "resolved"
    assert b.service is not None and b.service_port is not None and b.service_port.port == 80
    (entry,) = res.entries
    assert entry.label() == "Gateway infra/gw listener http: HTTPRoute app/r rules[0]"
    _, res = resolution(GATEWAY, BACKEND, route(backend="{name: api, port: 80, weight: 0}"))
    assert res.backends[0].status == "resolved"
    assert res.entries == ()


@pytest.mark.parametrize(
    ("backend", "status"),
    [
        ("{name: apx, port: 80}", "service-missing"),
        ("{name: api, port: 8080}", "port-missing"),
        ("{name: api}", "port-required"),
        ("{group: example.com, kind: Bucket, name: api}", "not-a-service"),
        ("{name: api, port: 80, namespace: other}", "not-granted"),
    ],
)
def test_backend_failures(backend: str, status: str) -> None:
    _, res = resolution(GATEWAY, BACKEND, route(backend=backend))
    assert res.backends[0].status == status
    assert res.entries == ()


GRANT = """
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: from-web, namespace: app}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: web}]
  to: [{group: "", kind: Service, name: NAME}]
"""


@pytest.mark.parametrize(
    ("grant", "status"),
    [
        (GRANT.replace("NAME", "api"), "resolved"),
        (GRANT.replace(", name: NAME", ""), "resolved"),  # all Services
        (GRANT.replace("NAME", "other"), "not-granted"),
        (GRANT.replace("kind: HTTPRoute", "kind: GRPCRoute").replace("NAME", "api"), "not-granted"),
        (GRANT.replace("namespace: web", "namespace: web2").replace("NAME", "api"), "not-granted"),
        # a grant in the Route's namespace does not count
        (GRANT.replace("namespace: app", "namespace: web").replace("NAME", "api"), "not-granted"),
    ],
)
def test_reference_grant(grant: str, status: str) -> None:
    r = route(namespace="web", backend="{name: api, namespace: app, port: 80}")
    _, res = resolution(GATEWAY, BACKEND, grant, r)
    assert res.backends[0].status == status
    assert len(res.entries) == (1 if status == "resolved" else 0)


# ---------------------------------------------------------------------------------
# Listener conflicts


def _gw(listeners: str) -> str:
    return f"""
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gw, namespace: infra}}
spec:
  gatewayClassName: example
  listeners: {listeners}
"""


@pytest.mark.parametrize(
    ("listeners", "conflicts"),
    [
        ("[{name: a, port: 80, protocol: HTTP}, {name: b, port: 80, protocol: HTTP}]", 1),
        (
            "[{name: a, port: 80, protocol: HTTP, hostname: a.io},"
            " {name: b, port: 80, protocol: HTTP, hostname: b.io}]",
            0,
        ),
        (
            "[{name: a, port: 80, protocol: HTTP, hostname: A.io},"
            " {name: b, port: 80, protocol: HTTP, hostname: a.io}]",
            1,
        ),
        ("[{name: a, port: 80, protocol: HTTP}, {name: b, port: 443, protocol: HTTP}]", 0),
        ("[{name: a, port: 80, protocol: HTTP}, {name: b, port: 80, protocol: HTTPS}]", 0),
        ("[{name: a, port: 53, protocol: UDP}, {name: b, port: 53, protocol: TCP}]", 0),
        (
            "[{name: a, port: 9000, protocol: TCP, hostname: a.io},"
            " {name: b, port: 9000, protocol: TCP, hostname: b.io}]",
            1,
        ),
        ("[{name: a, port: 443, protocol: TCP}, {name: b, port: 443, protocol: TLS}]", 1),
    ],
)
def test_listener_conflicts(listeners: str, conflicts: int) -> None:
    _, res = resolution(_gw(listeners))
    assert len(res.conflicts) == conflicts


# ---------------------------------------------------------------------------------
# Gateway API conformance manifests (tests/data/gateway-api, expectations from the
# conformance test of the same name)

CONFORMANCE = Path(__file__).parent / "data" / "gateway-api"


def conformance(name: str):  # type: ignore[no-untyped-def]
    docs = [(CONFORMANCE / "base-manifests.yaml").read_text(), (CONFORMANCE / name).read_text()]
    return resolution(*docs)


def _conflicted(res) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(c.second.owner_name, c.second.name) for c in res.conflicts}


def test_conformance_listenerset_protocol_conflict() -> None:
    # The Gateway's listeners and the first HTTP listeners win by precedence; each
    # ListenerSet's TCP listener on port 80 is Conflicted (ListenerSetProtocolConflict).
    _, res = conformance("listenerset-protocol-conflict.yaml")
    assert _conflicted(res) == {
        (
            "listenerset-with-protocol-conflict-with-gateway-1",
            "protocol-conflict-with-gateway-listener",
        ),
        (
            "listenerset-with-protocol-conflict-with-gateway-2",
            "protocol-conflict-with-gateway-listener",
        ),
        (
            "listenerset-with-protocol-conflict-with-listener-set-1",
            "protocol-conflict-with-listener-set-listener",
        ),
        (
            "listenerset-with-protocol-conflict-with-listener-set-2",
            "protocol-conflict-with-listener-set-listener",
        ),
    }


def test_conformance_listenerset_hostname_conflict() -> None:
    _, res = conformance("listenerset-hostname-conflict.yaml")
    assert _conflicted(res) == {
        (
            "listenerset-with-hostname-conflict-with-gateway-1",
            "hostname-conflict-with-gateway-listener",
        ),
        (
            "listenerset-with-hostname-conflict-with-gateway-2",
            "hostname-conflict-with-gateway-listener",
        ),
        (
            "listenerset-with-hostname-conflict-with-listener-set-1",
            "hostname-conflict-with-listener-set-listener",
        ),
        (
            "listenerset-with-hostname-conflict-with-listener-set-2",
            "hostname-conflict-with-listener-set-listener",
        ),
    }


def test_conformance_httproute_hostname_intersection() -> None:
    # Every Route attaches except no-intersecting-hosts (HTTPRouteHostnameIntersection).
    _, res = conformance("httproute-hostname-intersection.yaml")
    mine = {
        a.route.name: a.status
        for a in res.attachments
        if a.route is not None and a.ref.name.startswith("httproute-hostname-intersection")
    }
    assert mine == {
        "specific-host-matches-listener-specific-host": "attached",
        "specific-host-matches-listener-wildcard-host": "attached",
        "wildcard-host-matches-listener-specific-host": "attached",
        "wildcard-host-matches-listener-wildcard-host": "attached",
        "no-intersecting-hosts": "not-allowed",
        "httproute-hostname-intersection-all": "attached",
    }


def test_conformance_tlsroute_invalid_no_matching_listener() -> None:
    _, res = conformance("tlsroute-invalid-no-matching-listener.yaml")
    mine = {a.route.name: a.status for a in res.attachments if a.route is not None}
    assert {k: v for k, v in mine.items() if k.startswith("tlsroute-")} == {
        "tlsroute-not-allowed-protocol-http": "not-allowed",
        "tlsroute-not-allowed-protocol-https": "not-allowed",
        "tlsroute-no-matching-section-name": "listener-missing",
    }


def test_conformance_httproute_invalid_reference_grant() -> None:
    # None of the six grants covers the reference (HTTPRouteInvalidReferenceGrant).
    _, res = conformance("httproute-invalid-reference-grant.yaml")
    (b,) = [b for b in res.backends if b.route.name == "reference-grant"]
    assert b.status == "not-granted"


@pytest.mark.parametrize(
    ("parent", "status"),
    [
        # GAMMA (GEP-1294): a mesh Route reaches any namespace without a ReferenceGrant,
        # as gateway-api's mesh conformance test MeshConsumerRoute expects
        ("{group: '', kind: Service, name: api, namespace: app, port: 80}", "resolved"),
        # a Gateway-bound Route still needs the grant, also beside a Service parent
        ("{name: gw, namespace: infra}", "not-granted"),
        ("{name: gw, namespace: infra}, {group: '', kind: Service, name: api, namespace: app}",
         "not-granted"),
    ],
)  # fmt: skip
def test_mesh_route_needs_no_reference_grant(parent: str, status: str) -> None:
    r = route(parent=parent, namespace="web", backend="{name: api, namespace: app, port: 80}")
    _, res = resolution(GATEWAY, BACKEND, r)
    (b,) = res.backends
    assert b.status == status
    assert res.entries == ()  # no grant: no way in through the Gateway


# ---------------------------------------------------------------------------------
# Engine: Gateway entry routes (k8snetlint.net.gatewayroutes, semantics GW-8)

ENGINE = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: example
  listeners:
  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-gateway, namespace: app}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: infra}}
      podSelector: {matchLabels: {gateway.networking.k8s.io/gateway-name: gw}}
    ports: [{port: 8080}]
"""

DATA_PLANE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: gw-istio, namespace: infra}
spec:
  selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: gw}}
  template:
    metadata: {labels: {gateway.networking.k8s.io/gateway-name: gw}}
    spec: {containers: [{name: proxy, image: "proxy:1"}]}
"""


def engine(*docs: str, gateway_pods: GatewayPods | None = None):  # type: ignore[no-untyped-def]
    cfg = config()
    if gateway_pods is not None:
        cfg = replace(cfg, assume=replace(cfg.assume, gateway_pods=gateway_pods))
    inv = inventory("\n---\n".join(d.strip() for d in docs), cfg)
    return analyze(inv, cfg)


def _gateway_routes(conn):  # type: ignore[no-untyped-def]
    return [r for r in conn.routes if r.kind == "gateway"]


def test_unknown_data_plane_is_refused_by_a_policy_naming_it() -> None:
    conn = engine(ENGINE, BACKEND, route())
    (r,) = _gateway_routes(conn)
    assert r.via == (
        "infra/gw listener http (HTTP 80) HTTPRoute app/r rules[0] -> Service app/api:80"
    )
    assert (r.protocol, r.port, r.target_port, r.blocked) == ("TCP", 80, 8080, True)
    assert r.sources == ("{gateway:infra/gw}",)
    # the pseudo-source is listed, without connections (blocked), and a note says why
    assert any(e.display() == "{gateway:infra/gw}" for e in conn.endpoints)
    assert not [c for c in conn.connections if c.src.kind == "gateway"]
    assert any("assume.gateway-pods" in n for n in conn.notes)


def test_configured_data_plane_facts_with_placeholders() -> None:
    gp = GatewayPods(
        namespace="{namespace}", labels={"gateway.networking.k8s.io/gateway-name": "{gateway}"}
    )
    conn = engine(ENGINE, BACKEND, route(), gateway_pods=gp)
    (r,) = _gateway_routes(conn)
    assert not r.blocked
    (c,) = [c for c in conn.connections if c.src.kind == "gateway"]
    assert (c.dst.display(), c.conns.text(), c.assumed) == (
        "app/api[Deployment]",
        "TCP 8080",
        False,
    )
    assert not any("assume.gateway-pods" in n for n in conn.notes)


def test_data_plane_pods_in_the_input_are_the_source() -> None:
    conn = engine(ENGINE, DATA_PLANE, BACKEND, route())
    (r,) = _gateway_routes(conn)
    assert not r.blocked
    assert r.sources == ("infra/gw-istio[Deployment]",)
    # no pseudo-source when the pods are known
    assert not [e for e in conn.endpoints if e.kind == "gateway"]
    # the same pods in another namespace are not the Gateway's
    conn = engine(
        ENGINE, DATA_PLANE.replace("namespace: infra", "namespace: other"), BACKEND, route()
    )
    assert _gateway_routes(conn)[0].sources == ("{gateway:infra/gw}",)


def test_weight_zero_and_unattached_routes_carry_nothing() -> None:
    assert not _gateway_routes(
        engine(ENGINE, BACKEND, route(backend="{name: api, port: 80, weight: 0}"))
    )
    same = ENGINE.replace("allowedRoutes: {namespaces: {from: All}}", "allowedRoutes: {}")
    assert not _gateway_routes(engine(same, BACKEND, route()))


def test_graph_has_listener_nodes_and_labelled_entry_edges() -> None:
    conn = engine(ENGINE, DATA_PLANE, BACKEND, route())
    g = conn.nx_graph
    assert g.nodes["listener:infra/gw/http"]["type"] == "gateway-listener"
    out = {d: data for _, d, data in g.out_edges("listener:infra/gw/http", data=True)}
    assert set(out) == {"app/api[Deployment]", "infra/gw-istio[Deployment]"}
    data = out["app/api[Deployment]"]
    assert data["kind"] == "gateway" and "HTTPRoute app/r rules[0]" in data["via"]
    assert data["blocked"] is False
    assert out["infra/gw-istio[Deployment]"]["kind"] == "gateway-listener"
    # the data plane reaches the backend through the ordinary connection edge
    assert g.has_edge("infra/gw-istio[Deployment]", "app/api[Deployment]")


def test_reach_from_internet_explains_the_gateway_path() -> None:
    from k8snetlint.net.gatewayroutes import entry_lines

    conn = engine(ENGINE, BACKEND, route())
    dst = conn.endpoint_for(conn.inventory.workloads_in("app")[0])
    (line,) = entry_lines(conn.routes, dst, "TCP", 8080)
    assert line.startswith("entry through Gateway infra/gw listener http (HTTP 80) HTTPRoute app/r")
    assert "forwarded by {gateway:infra/gw}: blocked by policy" in line
    assert entry_lines(conn.routes, dst, "TCP", 9090) == []


@pytest.mark.parametrize(
    "scenario",
    sorted(
        p
        for p in (Path(__file__).resolve().parent.parent / "fixtures" / "scenarios").iterdir()
        if p.is_dir()
    ),
    ids=lambda p: p.name,
)
def test_entry_routes_are_the_gateway_routes_of_all_routes(scenario: Path) -> None:
    """``reach`` reads the Gateway routes alone, without every Service's routes."""
    from k8snetlint.loader import load_paths
    from k8snetlint.model import build_inventory
    from k8snetlint.net.gatewayroutes import entry_routes

    cfg = config()
    conn = analyze(build_inventory(load_paths([str(scenario)]).manifests, cfg), cfg)
    routes = entry_routes(conn.route_context)
    assert routes == tuple(r for r in conn.routes if r.kind == "gateway")
    assert routes or not conn.inventory.gateway_api.gateways


def test_config_key_gateway_pods(tmp_path: Path) -> None:
    from k8snetlint.config import ConfigError, load_config

    p = tmp_path / ".k8snetlint.yaml"
    p.write_text(
        "assume:\n  gateway-pods:\n    namespace: '{namespace}'\n"
        "    labels: {gateway.networking.k8s.io/gateway-name: '{gateway}'}\n"
    )
    gp = load_config(str(p)).assume.gateway_pods
    assert gp == GatewayPods("{namespace}", {"gateway.networking.k8s.io/gateway-name": "{gateway}"})
    assert gp.known
    p.write_text("assume:\n  gateway-pods:\n    namespaces: x\n")
    with pytest.raises(
        ConfigError,
        match=r"\.k8snetlint\.yaml:3:5: unknown key 'namespaces' in assume\.gateway-pods; did you mean 'namespace'\?",
    ):
        load_config(str(p))


def test_verdicts_with_a_pseudo_source_end() -> None:
    conn = engine(ENGINE, BACKEND, route())
    gw = next(e for e in conn.endpoints if e.kind == "gateway")
    api = conn.endpoint_for(conn.inventory.workloads_in("app")[0])
    v = conn.verdict(gw, api, "TCP", 8080)
    assert not v.allowed and v.assumed
    assert any("{gateway:infra/gw}" in n and "GW-8" in n for n in v.notes)
    assert not any("ingress controller" in n for n in v.notes)
    assert conn.allowed(gw, api).is_empty()
    # named in config, the same pseudo-source is admitted by the policy naming it
    gp = GatewayPods(
        namespace="{namespace}", labels={"gateway.networking.k8s.io/gateway-name": "{gateway}"}
    )
    conn = engine(ENGINE, BACKEND, route(), gateway_pods=gp)
    v = conn.verdict(gw, api, "TCP", 8080)
    assert v.allowed and not v.assumed
    assert conn.allowed(gw, api).text() == "TCP 8080"


def test_reach_cli_from_a_gateway_pseudo_source() -> None:
    from typer.testing import CliRunner

    from conftest import FIXTURES
    from k8snetlint.cli import app

    seed = str(FIXTURES / "scenarios" / "gateway-seed")
    args = ["reach", "--from", "{gateway:default/app-gateway}", "--to", "default/backend"]
    result = CliRunner().invoke(app, [*args, "--port", "8080", seed])
    assert result.exit_code == 0, result.output
    assert "via Gateway default/app-gateway listener http (HTTP 80)" in result.stdout
    result = CliRunner().invoke(
        app, ["reach", "--from", "internet", "--to", "default/backend", seed]
    )
    assert "HTTPRoute default/api rules[0] (/api) -> Service default/backend-service:80" in (
        result.stdout
    )
    result = CliRunner().invoke(
        app, ["reach", "--from", "gateway:x/y", "--to", "default/backend", seed]
    )
    assert result.exit_code != 0
    assert "no Gateway pseudo-source x/y (known: {gateway:default/app-gateway})" in str(
        result.exception
    )


def test_maps_show_the_pseudo_source() -> None:
    from k8snetlint.reporters.graph_html import map_picture
    from k8snetlint.reporters.graphfmt import graph_data, picture

    gp = GatewayPods(
        namespace="{namespace}", labels={"gateway.networking.k8s.io/gateway-name": "{gateway}"}
    )
    data = graph_data(engine(ENGINE, BACKEND, route(), gateway_pods=gp))
    nodes, edges = map_picture(data)
    assert ("{gateway:infra/gw}", "gateway infra/gw") in [(n.id, n.label) for n in nodes]
    assert ("{gateway:infra/gw}", "app/api[Deployment]") in [(e.src, e.dst) for e in edges]
    assert "{gateway:infra/gw}" in {n.id for n in picture(data).nodes}


def test_configured_data_plane_found_in_the_input() -> None:
    # Envoy Gateway's default: the proxies run in envoy-gateway-system under its labels
    proxy = DATA_PLANE.replace("namespace: infra", "namespace: envoy-gateway-system").replace(
        "gateway.networking.k8s.io/gateway-name: gw",
        "gateway.envoyproxy.io/owning-gateway-name: gw",
    )
    gp = GatewayPods(
        namespace="envoy-gateway-system",
        labels={"gateway.envoyproxy.io/owning-gateway-name": "{gateway}"},
    )
    conn = engine(ENGINE, proxy, BACKEND, route(), gateway_pods=gp)
    (r,) = _gateway_routes(conn)
    assert r.sources == ("envoy-gateway-system/gw-istio[Deployment]",)
    assert r.blocked  # the policy admits the Gateway's namespace infra only


def test_admin_deny_applies_to_a_pseudo_source() -> None:
    anp = """
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: no-infra}
spec:
  priority: 5
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: app}}}
  ingress:
  - name: deny-infra
    action: Deny
    from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: infra}}}]
"""
    gp = GatewayPods(
        namespace="{namespace}", labels={"gateway.networking.k8s.io/gateway-name": "{gateway}"}
    )
    assert not _gateway_routes(engine(ENGINE, BACKEND, route(), gateway_pods=gp))[0].blocked
    conn = engine(ENGINE, BACKEND, route(), anp, gateway_pods=gp)
    (r,) = _gateway_routes(conn)
    assert r.blocked
    gw = next(e for e in conn.endpoints if e.kind == "gateway")
    v = conn.verdict(gw, r.dst, "TCP", 8080)
    assert not v.allowed
    assert "AdminNetworkPolicy no-infra (priority 5)" in v.ingress[0].text
