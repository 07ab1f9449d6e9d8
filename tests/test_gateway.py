"""Gateway API views and resolution (docs/semantics-gateway.md)."""

from __future__ import annotations

import pytest

from k8snetlint.gateway import (
    DEFAULT_KINDS,
    hostname_matches,
    intersect_hostnames,
    resolve,
)
from netutil import inventory

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
    spec: {containers: [{name: api, image: api:1, ports: [{containerPort: 8080}]}]}
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
# Hostnames (G4)


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
# Attachment (G2, G3)


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
# Backends (G5, G6, G7)


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
