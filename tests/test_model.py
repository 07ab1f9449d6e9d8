"""Typed views and the inventory built from manifests."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import netutil
from k8snetlint.model import NAMESPACE_NAME_LABEL, build_inventory
from netutil import config, deployment, inventory, namespace, pod, service

WORKLOADS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      initContainers:
      - name: sidecar
        image: envoy
        restartPolicy: Always
        ports: [{name: admin, containerPort: 9901}]
      - name: init
        image: busybox
        ports: [{containerPort: 1}]
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - name: http
          containerPort: 8080
        - containerPort: 53
          protocol: UDP
          hostPort: 5353
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: shop}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: backup}}
        spec:
          containers: [{name: b, image: restic}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      hostNetwork: true
      containers: [{name: a, image: agent, ports: [{containerPort: 9100}]}]
---
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy}
spec:
  selector: {app: legacy}
  template:
    metadata: {labels: {app: legacy}}
    spec: {containers: [{name: l, image: l}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: pg, image: "postgres:16", ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: shop}
spec:
  parallelism: 4
  template:
    metadata: {labels: {app: once}}
    spec: {containers: [{name: o, image: o}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs, namespace: shop}
spec:
  selector: {matchLabels: {app: rs}}
  template:
    metadata: {labels: {app: rs}}
    spec: {containers: [{name: r, image: r}]}
"""


def test_workload_views() -> None:
    inv = inventory(WORKLOADS)
    keys = [w.key for w in inv.workloads]
    assert keys == sorted(keys)
    web = inv.workload("shop", "web", "Deployment")
    assert web is not None
    assert web.labels == {"app": "web", "tier": "front"}
    assert web.template_path == ("spec", "template")
    assert web.labels_path == ("spec", "template", "metadata", "labels")
    assert web.replicas == 3 and web.host_network is False
    assert web.selector is not None and web.selector.matches(web.labels)
    assert web.images == ("envoy", "busybox", "nginx:1.25")
    ports = {(p.container, p.number, p.name, p.protocol, p.host_port, p.sidecar) for p in web.ports}
    assert ports == {
        ("web", 8080, "http", "TCP", None, False),
        ("web", 53, None, "UDP", 5353, False),
        ("sidecar", 9901, "admin", "TCP", None, True),  # restartPolicy: Always
    }
    http = web.port_named("http")
    assert http is not None and http.path == (
        "spec",
        "template",
        "spec",
        "containers",
        0,
        "ports",
        0,
    )
    assert web.manifest.span_at(http.path).line == 23  # "- name: http"
    assert web.port_named("http", "UDP") is None
    assert web.named_ports == (("admin", "TCP", 9901), ("http", "TCP", 8080))
    assert web.ports_numbered(53) and not web.ports_numbered(53, "TCP")
    assert web.display() == "shop/web[Deployment]"

    backup = inv.workload("shop", "backup", "CronJob")
    assert backup is not None and backup.labels == {"app": "backup"}
    assert (
        backup.template_path == ("spec", "jobTemplate", "spec", "template") and backup.replicas == 1
    )
    agent = inv.workload("kube-system", "agent", "DaemonSet")
    assert agent is not None and agent.host_network and agent.replicas is None
    legacy = inv.workload("default", "legacy", "ReplicationController")
    assert (
        legacy is not None
        and legacy.selector is not None
        and legacy.selector.matches({"app": "legacy"})
    )
    assert legacy.replicas == 1
    db = inv.workload("shop", "db", "StatefulSet")
    assert db is not None and db.replicas == 1
    once = inv.workload("shop", "once", "Job")
    assert once is not None and once.replicas == 4
    assert inv.workload("shop", "rs", "ReplicaSet") is not None
    assert [w.name for w in inv.workloads_in("shop")] == ["backup", "db", "once", "rs", "web"]
    assert inv.find_workloads("shop/web[Deployment]") == (web,)
    assert inv.find_workloads("shop/web") == (web,)
    assert inv.find_workloads("legacy") == (legacy,)
    assert inv.find_workloads("shop/web[StatefulSet]") == ()


def test_default_namespace_and_namespace_labels() -> None:
    objs = [
        namespace("shop", {"team": "a", NAMESPACE_NAME_LABEL: "wrong"}),
        pod("", "p", {"a": "b"}),
        pod("other", "q"),
        service("elsewhere", "s", None, []),
    ]
    del objs[1]["metadata"]["namespace"]
    cfg = config(
        default_namespace="dev",
        namespace_labels={"elsewhere": {"env": "prod"}, "outside": {"x": "y"}},
    )
    inv = inventory(objs, cfg)
    assert inv.workloads_in("dev")[0].name == "p"
    names = [ns.name for ns in inv.namespaces]
    assert names == ["dev", "elsewhere", "other", "outside", "shop"]
    shop = inv.namespace("shop")
    assert shop is not None and shop.known and not shop.assumed and shop.labels_source == "manifest"
    assert shop.labels == {"team": "a", NAMESPACE_NAME_LABEL: "shop"}  # the API server sets it
    other = inv.namespace("other")
    assert other is not None and other.assumed and other.labels == {NAMESPACE_NAME_LABEL: "other"}
    assert other.labels_source == "default"
    elsewhere = inv.namespace("elsewhere")
    assert elsewhere is not None and elsewhere.labels_source == "config"
    assert elsewhere.labels == {"env": "prod", NAMESPACE_NAME_LABEL: "elsewhere"}
    assert inv.namespace_labels("nowhere") == {NAMESPACE_NAME_LABEL: "nowhere"}


def _owned_pod(
    name: str, labels: dict[str, str], ip: str, owners: list[dict[str, Any]]
) -> dict[str, Any]:
    p = pod("shop", name, labels, [("http", 8080, "TCP")], [ip])
    p["metadata"]["ownerReferences"] = owners
    return p


def test_live_dump_pods_grouped_by_owner() -> None:
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "web-7d77fb55cc",
        "controller": True,
    }
    other = {"apiVersion": "v1", "kind": "Node", "name": "n1"}
    objs = [
        _owned_pod("web-7d77fb55cc-b", {"app": "web"}, "10.0.0.2", [other, rs]),
        _owned_pod("web-7d77fb55cc-a", {"app": "web"}, "10.0.0.1", [rs]),
        _owned_pod(
            "agent-x", {"app": "agent"}, "10.0.0.9", [{"kind": "DaemonSet", "name": "calico-node"}]
        ),
        _owned_pod("bare", {"app": "bare"}, "10.0.0.3", []),
        # the owner itself in the dump: its pods stand for it
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": "web-7d77fb55cc",
                "namespace": "shop",
                "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": True}],
            },
            "spec": {"template": {"metadata": {"labels": {"app": "web"}}}},
        },
        deployment("shop", "web", {"app": "web"}),
    ]
    inv = inventory(objs)
    assert [w.display() for w in inv.workloads] == [
        "shop/bare[Pod]",
        "shop/calico-node[DaemonSet]",
        "shop/web-7d77fb55cc[ReplicaSet]",
    ]
    web = inv.workload("shop", "web-7d77fb55cc", "ReplicaSet")
    assert web is not None
    assert web.replicas == 2 and web.owner == ("ReplicaSet", "web-7d77fb55cc")
    assert [p.name for p in web.pods] == ["web-7d77fb55cc-a", "web-7d77fb55cc-b"]
    assert web.pod_ips == (("10.0.0.1",), ("10.0.0.2",))
    assert web.manifest.name == "web-7d77fb55cc-a"
    assert sorted(m.kind for m, _ in inv.superseded) == ["Deployment", "ReplicaSet"]
    assert not inv.label_mismatches


def test_live_dump_label_mismatch() -> None:
    rs = {"kind": "ReplicaSet", "name": "api-1", "controller": True}
    objs = [
        _owned_pod("api-1-c", {"app": "api", "v": "2"}, "10.0.0.3", [rs]),
        _owned_pod("api-1-a", {"app": "api"}, "10.0.0.1", [rs]),
        _owned_pod("api-1-b", {"app": "api"}, "10.0.0.2", [rs]),
    ]
    inv = inventory(objs)
    assert [w.name for w in inv.workloads] == ["api-1/api-1-a", "api-1/api-1-c"]
    (mismatch,) = inv.label_mismatches
    assert (mismatch.namespace, mismatch.owner_kind, mismatch.owner_name) == (
        "shop",
        "ReplicaSet",
        "api-1",
    )
    assert [w.replicas for w in mismatch.workloads] == [2, 1]
    conn = netutil.analyze_input(objs)
    assert {e.display() for e in conn.endpoints if e.kind == "workload"} == {
        "shop/api-1[ReplicaSet]/api-1-a",
        "shop/api-1[ReplicaSet]/api-1-c",
    }


SERVICES = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: dns, port: 53, protocol: UDP, targetPort: dns}
  - {name: plain, port: 8443}
  - {name: np, port: 81, targetPort: 8081, nodePort: 30081}
---
apiVersion: v1
kind: Service
metadata: {name: lb, namespace: shop, annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: "1.2.3.0/24, 5.6.7.8/32"}}
spec:
  type: LoadBalancer
  selector: {app: web}
  externalIPs: [192.0.2.1]
  ports: [{port: 443}]
---
apiVersion: v1
kind: Service
metadata: {name: headless, namespace: shop}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: shop}
spec: {type: ExternalName, externalName: db.example.com, selector: {app: web}}
---
apiVersion: v1
kind: Service
metadata: {name: manual, namespace: shop}
spec: {ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, v: "1"}}
    spec:
      containers:
      - name: w
        image: w
        ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 53, protocol: TCP}]
"""


def test_service_views() -> None:
    inv = inventory(SERVICES)
    web_wl = inv.workload("shop", "web", "Deployment")
    assert web_wl is not None
    svc = inv.service("shop", "web")
    assert svc is not None and svc.type == "ClusterIP" and svc.selector == {"app": "web"}
    assert svc.target_workloads == (web_wl,)
    http, dns, plain, np = svc.ports
    assert (http.port, http.target_port, http.protocol, http.path) == (
        80,
        "http",
        "TCP",
        ("spec", "ports", 0),
    )
    assert svc.target_port(http, web_wl) == 8080
    assert (
        svc.target_port(dns, web_wl) is None
    )  # the dns container port is TCP, the Service port UDP
    assert (plain.target_port, plain.target_port_explicit) == (8443, False)
    assert (
        np.node_port == 30081
        and svc.port(81) is np
        and svc.port("np") is np
        and svc.port(9) is None
    )
    assert [(sp.name, t) for sp, _, t in svc.resolutions()] == [
        ("http", 8080),
        ("dns", None),
        ("plain", 8443),
        ("np", 8081),
    ]
    lb = inv.service("shop", "lb")
    assert lb is not None and lb.load_balancer_source_ranges == ("1.2.3.0/24", "5.6.7.8/32")
    assert lb.source_ranges_path[0] == "metadata" and lb.external_ips == ("192.0.2.1",)
    headless = inv.service("shop", "headless")
    assert headless is not None and headless.headless and headless.target_workloads == ()
    ext = inv.service("shop", "ext")
    assert ext is not None and ext.external_name == "db.example.com" and ext.target_workloads == ()
    manual = inv.service("shop", "manual")
    assert manual is not None and manual.selector is None and not manual.has_selector
    assert inv.services_selecting(web_wl) == (lb, svc)
    assert [s.name for s in inv.services_in("shop")] == ["ext", "headless", "lb", "manual", "web"]


INGRESSES = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app, namespace: shop}
spec:
  ingressClassName: nginx
  defaultBackend:
    service: {name: web, port: {number: 80}}
  rules:
  - host: shop.example
    http:
      paths:
      - path: /api
        pathType: Prefix
        backend:
          service: {name: api, port: {name: http}}
      - path: /static
        pathType: Prefix
        backend:
          resource: {apiGroup: k8s.example.com, kind: Bucket, name: static}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: old, namespace: shop}
spec:
  rules:
  - http:
      paths:
      - path: /
        backend: {serviceName: web, servicePort: "8080"}
"""


def test_ingress_views() -> None:
    inv = inventory(INGRESSES)
    app, old = inv.ingresses_in("shop")
    assert app.ingress_class == "nginx"
    default, api, static = app.backends
    assert (
        default.default
        and default.service == "web"
        and default.port == 80
        and default.text() == "(default backend)"
    )
    assert (api.host, api.path, api.path_type, api.service, api.port) == (
        "shop.example",
        "/api",
        "Prefix",
        "api",
        "http",
    )
    assert api.location == ("spec", "rules", 0, "http", "paths", 0, "backend")
    assert app.manifest.span_at(api.location).line == 15  # "backend:"
    assert api.text() == "shop.example/api"
    assert static.resource and static.service is None
    (legacy,) = old.backends
    assert (legacy.service, legacy.port) == ("web", 8080)


def test_policies_indexed_and_duplicates() -> None:
    objs = [
        netutil.netpol("b", "p2", {}),
        netutil.netpol("a", "p1", {}),
        netutil.netpol("a", "p0", {}),
        pod("a", "x"),
        pod("a", "x"),
    ]
    inv = inventory(objs)
    assert [(p.namespace, p.name) for p in inv.policies] == [("a", "p0"), ("a", "p1"), ("b", "p2")]
    assert [p.name for p in inv.policies_in("a")] == ["p0", "p1"]
    assert inv.policy("b", "p2") is not None and inv.policy("b", "zz") is None
    assert len(inv.workloads) == 1 and len(inv.duplicates) == 1


def test_inventory_does_not_depend_on_order() -> None:
    ms = netutil.load(WORKLOADS + "---\n" + SERVICES + "---\n" + INGRESSES)
    a = build_inventory(ms, config())
    for seed in range(5):
        shuffled = list(ms)
        random.Random(seed).shuffle(shuffled)
        b = build_inventory(shuffled, config())
        assert [w.key for w in a.workloads] == [w.key for w in b.workloads]
        assert [s.key for s in a.services] == [s.key for s in b.services]
        assert [[w.key for w in s.target_workloads] for s in a.services] == [
            [w.key for w in s.target_workloads] for s in b.services
        ]
        assert [n.name for n in a.namespaces] == [n.name for n in b.namespaces]
        assert [i.key for i in a.ingresses] == [i.key for i in b.ingresses]


JUNK = [None, "x", 5, -1, True, [], {}, [1], ["a"], {"a": "b"}, [{}], [None], 70000, "10.0.0.0/8"]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()}
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(value)]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_malformed_input_never_crashes(data: st.DataObject) -> None:
    base: list[dict[str, Any]] = [
        namespace("x", {"team": "a"}),
        deployment("x", "web", {"app": "web"}, [("http", 8080, "TCP")]),
        pod("x", "p", {"app": "p"}, [("dns", 53, "UDP")], ["10.0.0.1"]),
        service(
            "x",
            "web",
            {"app": "web"},
            [{"name": "h", "port": 80, "targetPort": "http", "nodePort": 30000}],
            type="LoadBalancer",
            loadBalancerSourceRanges=["1.2.3.0/24"],
            externalIPs=["192.0.2.1"],
        ),
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "i", "namespace": "x"},
            "spec": {
                "rules": [
                    {
                        "host": "h",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "backend": {"service": {"name": "web", "port": {"name": "h"}}},
                                }
                            ]
                        },
                    }
                ]
            },
        },
        netutil.netpol(
            "x",
            "np",
            {
                "podSelector": {
                    "matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]
                },
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {"matchLabels": {"team": "a"}},
                                "podSelector": {},
                            },
                            {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
                        ],
                        "ports": [{"port": "http"}, {"port": 80, "endPort": 90}],
                    }
                ],
                "egress": [
                    {
                        "to": [{"podSelector": {"matchLabels": {"app": "p"}}}],
                        "ports": [{"protocol": "UDP", "port": 53}],
                    }
                ],
            },
        ),
    ]
    objs = list(base)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(objs) - 1))
        paths = [p for p in _paths(objs[i]) if p and p[0] not in ("kind", "apiVersion")]
        path = data.draw(st.sampled_from(paths))
        objs[i] = _replace(objs[i], path, data.draw(st.sampled_from(JUNK)))
    ipb = data.draw(st.booleans())
    c = netutil.analyze_input(objs, config(ipblock_pods=ipb))
    assert isinstance(c.connections, tuple)
    assert isinstance(c.routes, tuple)
    assert c.notes
    for e in c.endpoints:
        c.verdict(e, c.endpoints[0], "TCP", 80)


# ---------------------------------------------------------------------------------
# Issue 8: labels controllers add, operator pods, declared workloads, identity


STS = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: redis, namespace: ns}
spec:
  replicas: 2
  ordinals: {start: 1}
  selector: {matchLabels: {app: redis}}
  template:
    metadata: {labels: {app: redis}}
    spec: {containers: [{name: r, image: redis}]}
"""


def _svc(name: str, selector: dict[str, str], ns: str = "ns") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"selector": selector, "ports": [{"port": 80}]},
    }


def test_statefulset_pod_name_and_index_labels_follow_ordinals() -> None:
    from netutil import load

    objs = [
        _svc("p1", {"app": "redis", "statefulset.kubernetes.io/pod-name": "redis-1"}),
        _svc("p2", {"statefulset.kubernetes.io/pod-name": "redis-2"}),
        _svc("p0", {"statefulset.kubernetes.io/pod-name": "redis-0"}),
        _svc("p3", {"statefulset.kubernetes.io/pod-name": "redis-3"}),
        _svc("i2", {"apps.kubernetes.io/pod-index": "2"}),
        _svc("hash", {"controller-revision-hash": "redis-5d8f7c"}),
    ]
    ms = load(STS) + netutil.manifests_of(objs)
    inv = build_inventory(ms, config())
    selected = {s.name: [w.name for w in s.target_workloads] for s in inv.services}
    # ordinals start at 1: pods redis-1 and redis-2
    assert selected == {
        "hash": ["redis"],
        "i2": ["redis"],
        "p0": [],
        "p1": ["redis"],
        "p2": ["redis"],
        "p3": [],
    }
    (w,) = inv.workloads
    assert w.labels == {"app": "redis"}  # template labels stay exact


def test_controller_labels_per_kind() -> None:
    from k8snetlint.selectors import parse_selector

    inv = inventory(
        """
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: j}
spec:
  template:
    metadata: {labels: {app: m}}
    spec: {restartPolicy: Never, containers: [{name: m, image: busybox}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: j}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: w, image: nginx}]}
"""
    )
    job = inv.workload("j", "migrate", "Job")
    dep = inv.workload("j", "web", "Deployment")
    assert job is not None and dep is not None
    assert job.matches(parse_selector({"matchLabels": {"job-name": "migrate"}}))
    assert job.matches(parse_selector({"matchLabels": {"batch.kubernetes.io/job-name": "migrate"}}))
    assert not job.matches(parse_selector({"matchLabels": {"job-name": "other"}}))
    assert job.matches(
        parse_selector({"matchExpressions": [{"key": "controller-uid", "operator": "Exists"}]})
    )
    assert dep.matches(parse_selector({"matchLabels": {"app": "web", "pod-template-hash": "abc"}}))
    assert not dep.matches(
        parse_selector(
            {"matchExpressions": [{"key": "pod-template-hash", "operator": "DoesNotExist"}]}
        )
    )
    assert not dep.matches(parse_selector({"matchLabels": {"job-name": "web"}}))


def test_operator_custom_resources_become_workloads() -> None:
    inv = inventory(
        """
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: monitoring}
spec:
  replicas: 2
  podMetadata: {labels: {team: sre, app.kubernetes.io/name: overridden}}
---
apiVersion: monitoring.coreos.com/v1
kind: Alertmanager
metadata: {name: main, namespace: monitoring}
---
apiVersion: example.com/v1
kind: Prometheus
metadata: {name: other, namespace: monitoring}
"""
    )
    prom = inv.workload("monitoring", "prometheus-k8s", "StatefulSet")
    am = inv.workload("monitoring", "alertmanager-main", "StatefulSet")
    assert prom is not None and am is not None
    assert len(inv.workloads) == 2  # the example.com Prometheus is not prometheus-operator's
    assert prom.origin == "operator" and prom.replicas == 2
    assert prom.labels == {
        "app.kubernetes.io/instance": "k8s",
        "app.kubernetes.io/managed-by": "prometheus-operator",
        "app.kubernetes.io/name": "prometheus",  # the operator's label wins
        "operator.prometheus.io/name": "k8s",
        "operator.prometheus.io/shard": "0",
        "prometheus": "k8s",
        "team": "sre",
    }
    assert prom.manifest.kind == "Prometheus"
    assert prom.labels_path == ("spec", "podMetadata", "labels")
    assert {(p.name, p.number, p.protocol) for p in am.ports} == {
        ("web", 9093, "TCP"),
        ("mesh-tcp", 9094, "TCP"),
        ("mesh-udp", 9094, "UDP"),
        ("reloader-web", 8080, "TCP"),
    }
    assert am.replicas == 1


def test_operator_table_is_extended_by_config() -> None:
    from dataclasses import replace

    cfg = replace(
        config(),
        operators=(
            {
                "apiGroup": "example.com",
                "kind": "Cache",
                "workloadKind": "StatefulSet",
                "workloadName": "{name}-cache",
                "labels": {"app": "cache", "cache": "{name}"},
                "ports": [{"name": "redis", "containerPort": 6379}],
            },
        ),
    )
    inv = inventory(
        "apiVersion: example.com/v1\nkind: Cache\nmetadata: {name: sessions, namespace: c}\n",
        cfg,
    )
    (w,) = inv.workloads
    assert (w.name, w.kind, w.labels, w.origin) == (
        "sessions-cache",
        "StatefulSet",
        {"app": "cache", "cache": "sessions"},
        "operator",
    )
    assert w.port_named("redis") is not None


def test_declared_workloads_from_config(tmp_path: Any) -> None:
    from k8snetlint.config import load_config

    cfg_file = tmp_path / ".k8snetlint.yaml"
    cfg_file.write_text(
        "workloads:\n"
        "- namespace: data\n"
        "  name: postgres\n"
        "  kind: StatefulSet\n"
        "  labels: {app: postgres}\n"
        "  ports:\n"
        "  - {name: pg, containerPort: 5432}\n"
        "- name: agent\n"
        "  labels: {app: agent}\n"
        "  hostNetwork: true\n",
        encoding="utf-8",
    )
    cfg = load_config(str(cfg_file))
    inv = inventory(
        "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: data}\n"
        "spec: {selector: {app: postgres}, ports: [{port: 5432, targetPort: pg}]}\n",
        cfg,
    )
    pg = inv.workload("data", "postgres", "StatefulSet")
    agent = inv.workload("default", "agent", "Deployment")
    assert pg is not None and agent is not None
    assert pg.origin == "declared" and agent.host_network
    svc = inv.service("data", "db")
    assert svc is not None and svc.target_workloads == (pg,)
    assert svc.target_port(svc.ports[0], pg) == 5432
    assert inv.namespace("data") is not None
    # findings on a declared workload point into the config file
    span = pg.manifest.span_at(pg.labels_path)
    assert pg.manifest.file == str(cfg_file) and span.line == 5


def test_deploymentconfig_is_a_workload_only_in_its_group() -> None:
    inv = inventory(
        """
apiVersion: apps.openshift.io/v1
kind: DeploymentConfig
metadata: {name: front, namespace: oc}
spec:
  replicas: 3
  selector: {name: front}
  template:
    metadata: {labels: {name: front}}
    spec: {containers: [{name: w, image: nginx, ports: [{containerPort: 8080}]}]}
---
apiVersion: example.com/v1
kind: DeploymentConfig
metadata: {name: fake, namespace: oc}
spec:
  template:
    metadata: {labels: {name: fake}}
"""
    )
    (w,) = inv.workloads
    assert (w.kind, w.name, w.replicas, w.labels) == (
        "DeploymentConfig",
        "front",
        3,
        {"name": "front"},
    )
    assert w.selector is not None and w.selector.matches({"name": "front"})


def test_invalid_identity_is_left_out_of_the_model() -> None:
    # `namespace: y` is a YAML 1.1 boolean; `name: 123` an int
    inv = inventory(
        """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: y}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: 123, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: w, image: nginx}]}
"""
    )
    assert inv.services == () and inv.workloads == ()
    assert inv.namespace("default") is None


def test_node_port_zero_is_unset() -> None:
    inv = inventory(
        "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n"
        "spec: {type: NodePort, ports: [{port: 80, nodePort: 0}, {port: 81, nodePort: 30001}]}\n"
    )
    (svc,) = inv.services
    assert [p.node_port for p in svc.ports] == [None, 30001]


_KEYS = ("app", "tier", "pod-template-hash", "job-name", "statefulset.kubernetes.io/pod-name")
_VALUES = ("a", "b", "web-0", "web-1", "job")


def _workload_obj(kind: str, name: str, labels: dict[str, str]) -> dict[str, Any]:
    if kind == "Pod":
        return pod("ns", name, labels)
    obj = deployment("ns", name, labels)
    if kind == "StatefulSet":
        obj["kind"] = "StatefulSet"
        obj["spec"]["replicas"] = 2
    elif kind == "Job":
        obj["apiVersion"], obj["kind"] = "batch/v1", "Job"
        del obj["spec"]["selector"]
    return obj


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(("Deployment", "StatefulSet", "Job", "Pod")),
            st.dictionaries(st.sampled_from(_KEYS), st.sampled_from(_VALUES), max_size=3),
        ),
        max_size=8,
    ),
    st.lists(
        st.tuples(
            st.dictionaries(st.sampled_from(_KEYS), st.sampled_from(_VALUES), max_size=2),
            st.lists(
                st.tuples(
                    st.sampled_from(_KEYS),
                    st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist")),
                    st.lists(st.sampled_from(_VALUES), min_size=1, max_size=2),
                ),
                max_size=2,
            ),
        ),
        max_size=6,
    ),
)
def test_workloads_matching_agrees_with_matches(
    specs: list[tuple[str, dict[str, str]]],
    selectors: list[tuple[dict[str, str], list[tuple[str, str, list[str]]]]],
) -> None:
    """The label index finds exactly the workloads Workload.matches accepts (controller
    labels included), in order, and the Services' targets those matches_map accepts."""
    from k8snetlint.selectors import parse_selector

    objs = [_workload_obj(kind, f"w{i}", labels) for i, (kind, labels) in enumerate(specs)]
    objs += [
        service("ns", f"s{i}", labels, [{"port": 80}])
        for i, (labels, _exprs) in enumerate(selectors)
    ]
    inv = build_inventory(netutil.manifests_of(objs), config())
    everyone = inv.workloads_in("ns")
    for svc in inv.services:
        assert svc.target_workloads == tuple(
            w for w in everyone if svc.selector and w.matches_map(svc.selector)
        )
    for labels, exprs in selectors:
        raw: dict[str, Any] = {"matchLabels": labels}
        raw["matchExpressions"] = [
            {"key": k, "operator": op, **({"values": v} if op in ("In", "NotIn") else {})}
            for k, op, v in exprs
        ]
        sel = parse_selector(raw)
        want = tuple(w for w in everyone if w.matches(sel))
        assert inv.workloads_matching("ns", sel) == want
        assert inv.workloads_matching("ns", sel) == want  # cached
        assert inv.workloads_matching("elsewhere", sel) == ()


# ---------------------------------------------------------------------------------
# The views read the object's fields directly: the same as through Manifest.get paths,
# whatever the shapes (a wrong type reads as absent)


def _reference_template_facts(m: Any) -> tuple[Any, ...]:
    """Template, labels, replicas and selector of a workload as first written (every
    field read with ``m.get(*path)``)."""
    from k8snetlint.document import as_int, as_map
    from k8snetlint.model import _MAP_SELECTOR_KINDS, WORKLOAD_KINDS
    from k8snetlint.selectors import labels_of, parse_selector, selector_from_map

    kind = m.kind
    tpath = WORKLOAD_KINDS[kind]
    template = as_map(m.get(*tpath)) if tpath else as_map(m.data)
    labels = labels_of(as_map(template.get("metadata")).get("labels"))
    replicas: int | None
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        r = as_int(m.get("spec", "replicas"))
        replicas = 1 if r is None else r
    elif kind == "DaemonSet":
        replicas = None
    elif kind == "Job":
        r = as_int(m.get("spec", "parallelism"))
        replicas = 1 if r is None else r
    elif kind == "CronJob":
        r = as_int(m.get("spec", "jobTemplate", "spec", "parallelism"))
        replicas = 1 if r is None else r
    else:
        replicas = 1
    selector = None
    if kind != "Pod":
        spath: tuple[str, ...] = ("spec", "selector")
        if kind == "CronJob":
            spath = ("spec", "jobTemplate", "spec", "selector")
        raw = m.get(*spath)
        if raw is not None:
            selector = (
                selector_from_map(raw, spath)
                if kind in _MAP_SELECTOR_KINDS
                else parse_selector(raw, spath)
            )
    meta = m.get("metadata")
    invalid = isinstance(meta, dict) and any(
        k in meta and meta[k] is not None and not isinstance(meta[k], str)
        for k in ("name", "namespace")
    )
    return template, labels, replicas, selector, invalid


_odd = st.one_of(st.none(), st.integers(-1, 3), st.text(max_size=2), st.booleans(), st.just([]))
_template = st.one_of(
    _odd,
    st.fixed_dictionaries(
        {},
        optional={
            "metadata": st.one_of(
                _odd,
                st.fixed_dictionaries(
                    {},
                    optional={
                        "labels": st.one_of(
                            _odd, st.dictionaries(st.sampled_from(["app", "x"]), _odd, max_size=2)
                        )
                    },
                ),
            ),
            "spec": st.one_of(_odd, st.fixed_dictionaries({}, optional={"containers": _odd})),
        },
    ),
)
_spec = st.fixed_dictionaries(
    {},
    optional={
        "template": _template,
        "replicas": _odd,
        "parallelism": _odd,
        "selector": st.one_of(
            _odd,
            st.fixed_dictionaries(
                {}, optional={"matchLabels": st.dictionaries(st.just("app"), _odd, max_size=1)}
            ),
        ),
    },
)


@settings(max_examples=400, deadline=None)
@given(
    kind=st.sampled_from(["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]),
    spec=st.one_of(
        _odd,
        _spec,
        st.fixed_dictionaries(
            {
                "jobTemplate": st.one_of(
                    _odd, st.fixed_dictionaries({}, optional={"spec": st.one_of(_odd, _spec)})
                )
            }
        ),
    ),
    metadata=st.one_of(_odd, st.fixed_dictionaries({}, optional={"name": _odd, "namespace": _odd})),
)
def test_template_workload_reads_what_manifest_get_reads(
    kind: str, spec: Any, metadata: Any
) -> None:
    from k8snetlint.document import Manifest, as_map
    from k8snetlint.model import _container_ports, _images, _template_workload, identity_invalid

    data = {"apiVersion": "apps/v1", "kind": kind, "metadata": metadata, "spec": spec}
    if kind == "Pod":
        data = {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": metadata,
            **(spec if isinstance(spec, dict) else {"spec": spec}),
        }
    m = Manifest("f.yaml", 0, data, data["apiVersion"], kind, "w", "ns")  # type: ignore[arg-type]
    template, labels, replicas, selector, invalid = _reference_template_facts(m)
    w = _template_workload(m, "ns")
    assert (w.labels, w.replicas, w.selector) == (labels, replicas, selector)
    assert identity_invalid(m) == invalid
    pod_spec = as_map(template.get("spec"))
    assert w.images == _images(pod_spec)
    assert w.ports == _container_ports(pod_spec, (*w.template_path, "spec"))
