"""Gateway API rules beyond their fixtures: assumed verdicts, silence where the input
cannot tell, ListenerSets, default Gateways."""

from __future__ import annotations

import pytest
from lintutil import lint_text

from k8snetlint.findings import Finding

GW = """
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
      namespaces:
        from: Selector
        selector: {matchLabels: {gateway: shared}}
"""

SVC = """
apiVersion: v1
kind: Service
metadata: {name: api, namespace: app}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
"""


def route(parent: str, backend: str = "{name: api, port: 80}", extra: str = "") -> str:
    return f"""
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: r, namespace: app}}
spec:
  parentRefs: [{parent}]
  rules:
  - backendRefs: [{backend}]
{extra}"""


def findings(*docs: str, rule: str) -> list[Finding]:
    text = "\n---\n".join(d.strip() for d in docs)
    return list(lint_text(text, select=[rule]).findings)


def test_selector_on_unlabelled_namespace_is_assumed() -> None:
    (f,) = findings(
        GW, SVC, route("{name: gw, namespace: infra}"), rule="gateway-attachment-not-allowed"
    )
    assert f.assumed
    assert "namespace app has labels kubernetes.io/metadata.name=app" in f.message
    # with the Namespace in the input the verdict is certain
    ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: app, labels: {team: a}}"
    (f,) = findings(
        ns, GW, SVC, route("{name: gw, namespace: infra}"), rule="gateway-attachment-not-allowed"
    )
    assert not f.assumed
    ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: app, labels: {gateway: shared}}"
    assert not findings(
        ns, GW, SVC, route("{name: gw, namespace: infra}"), rule="gateway-attachment-not-allowed"
    )


def test_parent_in_unknown_namespace_is_not_judged() -> None:
    assert not findings(
        SVC, route("{name: gw, namespace: platform}"), rule="gateway-parent-missing"
    )
    # but a Gateway of another name in that namespace makes a typo likely
    (f,) = findings(GW, SVC, route("{name: gww, namespace: infra}"), rule="gateway-parent-missing")
    assert "did you mean gw?" in f.message
    assert (f.line, f.column) == (26, 23)  # at the parentRef's name


def test_cross_namespace_backend_in_unknown_namespace() -> None:
    r = route("{name: gw}", backend="{name: db, namespace: data, port: 5432}")
    # service missing: not judged (the input holds nothing of namespace data)
    assert not findings(r, rule="gateway-backend-service-missing")
    # no grant: reported, but assumed
    (f,) = findings(r, rule="gateway-backend-not-granted")
    assert f.assumed and "holds nothing of that namespace" in f.message
    # once the namespace is in the input, the missing Service is certain
    other = "apiVersion: v1\nkind: Service\nmetadata: {name: cache, namespace: data}\nspec: {}"
    grant = """
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: data}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: app}]
  to: [{group: "", kind: Service}]
"""
    (f,) = findings(r, other, grant, rule="gateway-backend-service-missing")
    assert "does not exist in namespace data" in f.message
    assert not findings(r, other, grant, rule="gateway-backend-not-granted")


def test_listener_set_not_admitted_by_its_gateway() -> None:
    ls = """
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: extra, namespace: infra}
spec:
  parentRef: {name: gw}
  listeners: [{name: web, port: 8080, protocol: HTTP}]
"""
    (f,) = findings(GW, ls, rule="gateway-attachment-not-allowed")
    assert f.message.startswith("ListenerSet infra/extra is not accepted by Gateway infra/gw")
    assert "allowedListeners is unset" in f.message


def test_listener_set_listener_conflicting_with_the_gateway() -> None:
    gw = GW.replace("  listeners:", "  allowedListeners: {namespaces: {from: Same}}\n  listeners:")
    ls = """
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: extra, namespace: infra}
spec:
  parentRef: {name: gw}
  listeners: [{name: again, port: 80, protocol: HTTP}]
"""
    (f,) = findings(gw, ls, rule="gateway-listener-conflict")
    assert "(from ListenerSet infra/extra)" in f.message
    assert "listener again is Conflicted and not served" in f.message
    assert f.object is not None and f.object.kind == "ListenerSet"


def test_weight_zero_backend_is_still_checked() -> None:
    # weight 0 sends no traffic, but a reference that does not resolve is still wrong
    r = route("{name: gw}", backend="{name: apx, port: 80, weight: 0}")
    (f,) = findings(SVC, r, rule="gateway-backend-service-missing")
    assert "did you mean api?" in f.message
    # ... but it costs no request: at most a warning, and the message says so (as
    # gateway-api's mesh conformance GRPCRoute mesh-grpc-weighted-backends, echo-v3)
    assert f.severity == "warning"
    assert "names Service app/apx with weight 0" in f.message
    assert "ResolvedRefs False, though weight 0 sends no request to it" in f.message
    assert "500" not in f.message
    (g,) = findings(SVC, route("{name: gw}", backend="{name: apx, port: 80}"),
                    rule="gateway-backend-service-missing")  # fmt: skip
    assert g.severity == "error" and "requests for it get a 500" in g.message
    for backend, rule in [
        ("{name: api, port: 81, weight: 0}", "gateway-backend-port-missing"),
        ("{name: api, weight: 0}", "gateway-backend-port-missing"),
        ("{name: api, namespace: other, port: 80, weight: 0}", "gateway-backend-not-granted"),
    ]:
        (h,) = findings(SVC, route("{name: gw}", backend=backend), rule=rule)
        assert h.severity == "warning", backend


def test_default_gateway_that_refuses_the_route() -> None:
    gw = GW.replace("gatewayClassName: example", "gatewayClassName: example\n  defaultScope: All")
    r = route("{name: elsewhere, namespace: platform}", extra="  useDefaultGateways: All")
    (f,) = findings(gw, SVC, r, rule="gateway-attachment-not-allowed")
    assert "asks for a default Gateway but is not accepted by Gateway infra/gw" in f.message


DB = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: app}
spec:
  gatewayClassName: example
  listeners: [{name: pg, port: 5432, protocol: TCP}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: pg, namespace: app}
spec:
  parentRefs: [{name: gw, sectionName: pg}]
  rules:
  - backendRefs: [{name: db, port: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: app}
spec:
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: app}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: pg, image: "postgres:16", ports: [{containerPort: 5432}]}]}
"""


def test_database_exposed_through_a_gateway() -> None:
    (f,) = findings(DB, rule="database-exposed-externally")
    assert "reachable from outside the cluster through Gateway app/gw listener pg (TCP 5432)" in (
        f.message
    )
    assert "TCPRoute app/pg rules[0] -> Service app/db:5432" in f.message
    assert f.assumed  # the data plane's namespace and labels are unknown
    assert f.related[0].message.startswith("Gateway route app/gw listener pg")
    # a policy refusing every pod on 5432 closes the route: no exposure, but a broken route
    deny = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: deny, namespace: app}\nspec: {podSelector: {}, policyTypes: [Ingress]}"
    )
    assert not findings(DB, deny, rule="database-exposed-externally")
    (f,) = findings(DB, deny, rule="gateway-route-blocked-by-policy")
    assert f.message.startswith("TCPRoute app/pg rules[0] leads through Gateway app/gw listener pg")


def test_blocked_route_with_unknown_data_plane_is_not_judged_when_a_rule_names_pods() -> None:
    allow = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-infra, namespace: app}
spec:
  podSelector: {}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: infra}}}]
"""
    # the engine says blocked (assumed), the rule stays silent: the facts decide
    assert not findings(DB, allow, rule="gateway-route-blocked-by-policy")


def test_gateway_without_listeners() -> None:
    gw = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\nspec: {gatewayClassName: x, listeners: []}"
    (f,) = findings(gw, route("{name: gw, namespace: infra}"), rule="gateway-parent-missing")
    assert "names Gateway infra/gw, which has no listeners: it attaches to nothing" in f.message


def test_multi_namespace_scenario_reports_exactly_its_two_gateway_mistakes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lintutil import lint_paths

    from conftest import FIXTURES, ROOT

    monkeypatch.chdir(ROOT)
    report = lint_paths([FIXTURES / "scenarios" / "gateway-multi-namespace"])
    mine = sorted(
        (f.rule, f.message.split(" ", 2)[1])
        for f in report.findings
        if f.rule.startswith("gateway-")
    )
    assert mine == [
        ("gateway-backend-not-granted", "shop/storefront"),
        ("gateway-route-blocked-by-policy", "shop/reports"),
    ]
    # the admin guardrail decides before the data team's NetworkPolicy allow
    (blocked,) = [f for f in report.findings if f.rule == "gateway-route-blocked-by-policy"]
    assert (
        'AdminNetworkPolicy data-guardrail (priority 10) ingress[0] "no-gateway-into-data": '
        in (blocked.message)
    )
