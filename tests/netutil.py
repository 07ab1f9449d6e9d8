"""Helpers for the connectivity tests: manifests from YAML text or dicts, and shortcuts.

Uses the real loader (:func:`k8snetlint.loader.load_text`) when it is importable, else
parses with ruamel.yaml and wraps the result in YMap/YSeq with dummy positions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from k8snetlint.config import Assume, Config, IngressController
from k8snetlint.connectivity import ConnSet, Endpoint
from k8snetlint.document import Manifest, YMap, YSeq
from k8snetlint.model import Inventory, build_inventory
from k8snetlint.net import Connectivity, analyze

PROTOS = ("TCP", "UDP", "SCTP")


def wrap(value: Any) -> Any:
    """Plain dict/list values as YMap/YSeq (dummy positions)."""
    if isinstance(value, Mapping):
        m = YMap()
        for k, v in value.items():
            m[str(k)] = wrap(v)
            m.kpos[str(k)] = (1, 1, 0, 0)
            m.vpos[str(k)] = (1, 1, 0, 0)
        m.pos = (1, 1, 0, 0)
        return m
    if isinstance(value, (list, tuple)):
        s = YSeq()
        for item in value:
            s.append(wrap(item))
            s.ipos.append((1, 1, 0, 0))
        s.pos = (1, 1, 0, 0)
        return s
    return value


def manifest_of(obj: Mapping[str, Any], file: str = "gen.yaml", index: int = 0) -> Manifest:
    """A Manifest like the loader makes (name and namespace only when they are strings)."""
    data = wrap(obj)
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    name = meta.get("name")
    ns = meta.get("namespace")
    return Manifest(
        file=file,
        doc_index=index,
        data=data,
        api_version=str(obj.get("apiVersion", "v1")),
        kind=str(obj.get("kind", "")),
        name=name if isinstance(name, str) else "",
        namespace=ns if isinstance(ns, str) and ns else None,
    )


def manifests_of(objs: Iterable[Mapping[str, Any]], file: str = "gen.yaml") -> list[Manifest]:
    return [manifest_of(o, file, i) for i, o in enumerate(objs)]


def load(text: str, name: str = "test.yaml") -> list[Manifest]:
    try:
        from k8snetlint.loader import load_text
    except ImportError:  # pragma: no cover - before the loader existed
        from ruamel.yaml import YAML

        docs = [d for d in YAML(typ="safe").load_all(text) if isinstance(d, dict)]
        return manifests_of(docs, name)
    result = load_text(text, name)
    return list(result.manifests)


def config(
    *,
    ipblock_pods: bool = False,
    namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
    ingress_controller: IngressController | None = None,
    default_namespace: str = "default",
) -> Config:
    return Config(
        default_namespace=default_namespace,
        assume=Assume(
            namespace_labels={k: dict(v) for k, v in (namespace_labels or {}).items()},
            ingress_controller=ingress_controller or IngressController(),
            ipblock_matches_pods=ipblock_pods,
        ),
    )


def inventory(
    text_or_objs: str | Sequence[Mapping[str, Any]], cfg: Config | None = None
) -> Inventory:
    cfg = cfg or config()
    ms = load(text_or_objs) if isinstance(text_or_objs, str) else manifests_of(text_or_objs)
    return build_inventory(ms, cfg)


def analyze_input(
    text_or_objs: str | Sequence[Mapping[str, Any]], cfg: Config | None = None
) -> Connectivity:
    cfg = cfg or config()
    return analyze(inventory(text_or_objs, cfg), cfg)


def ep(conn: Connectivity, text: str) -> Endpoint:
    """The endpoint named ``ns/name[Kind]``, ``ns/name`` (any kind), an IP or ``ingress-controller``."""
    if text == "ingress-controller":
        return conn.ingress_controller
    if text[0].isdigit() or (":" in text and "/" not in text):
        return conn.external_endpoints_for(text)
    for e in conn.endpoints:
        if e.kind != "workload":
            continue
        if e.display() == text or f"{e.namespace}/{e.name}" == text:
            return e
    raise KeyError(text)


def can(conn: Connectivity, src: str, dst: str, port: int = 80, proto: str = "TCP") -> bool:
    return conn.allowed(ep(conn, src), ep(conn, dst)).contains(proto, port)


def conns(d: Mapping[str, Sequence[int | tuple[int, int]]]) -> ConnSet:
    return ConnSet.from_dict(
        {p: [(x, x) if isinstance(x, int) else x for x in v] for p, v in d.items()}
    )


# --- object builders ------------------------------------------------------------


def namespace(name: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if labels:
        meta["labels"] = dict(labels)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def container_ports(ports: Iterable[tuple[str | None, int, str]]) -> list[dict[str, Any]]:
    out = []
    for name, number, proto in ports:
        entry: dict[str, Any] = {"containerPort": number, "protocol": proto}
        if name:
            entry["name"] = name
        out.append(entry)
    return out


def pod(
    ns: str,
    name: str,
    labels: Mapping[str, str] | None = None,
    ports: Iterable[tuple[str | None, int, str]] = (),
    ips: Sequence[str] = (),
    **spec: Any,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": dict(labels or {})},
        "spec": {
            "containers": [{"name": "c", "image": "img", "ports": container_ports(ports)}],
            **spec,
        },
    }
    if ips:
        obj["status"] = {"podIP": ips[0], "podIPs": [{"ip": ip} for ip in ips]}
    return obj


def deployment(
    ns: str,
    name: str,
    labels: Mapping[str, str],
    ports: Iterable[tuple[str | None, int, str]] = (),
    replicas: int | None = None,
    **spec: Any,
) -> dict[str, Any]:
    d: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "containers": [{"name": "c", "image": "img", "ports": container_ports(ports)}],
                    **spec,
                },
            },
        },
    }
    if replicas is not None:
        d["spec"]["replicas"] = replicas
    return d


def netpol(ns: str, name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": dict(spec),
    }


def service(
    ns: str,
    name: str,
    selector: Mapping[str, str] | None,
    ports: Sequence[Mapping[str, Any]],
    **spec: Any,
) -> dict[str, Any]:
    s: dict[str, Any] = {"ports": list(ports), **spec}
    if selector is not None:
        s["selector"] = dict(selector)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": s,
    }


def generate_cluster(
    namespaces: int, workloads_per_ns: int, policies_per_ns: int, seed: int = 0
) -> list[dict[str, Any]]:
    """A synthetic cluster of realistic shape (for scale tests and benchmarks).

    Every namespace has labelled workloads with named ports, a default-deny policy and
    allow policies between tiers, from a monitoring namespace, to DNS, and some ipBlocks.
    """
    import random

    rnd = random.Random(seed)
    objs: list[dict[str, Any]] = [
        namespace("kube-system"),
        namespace("monitoring", {"purpose": "monitoring"}),
    ]
    tiers = ("web", "api", "db", "cache", "worker")
    for i in range(namespaces):
        ns = f"ns{i}"
        objs.append(namespace(ns, {"team": f"t{i % 17}", "env": rnd.choice(["prod", "dev"])}))
        for j in range(workloads_per_ns):
            tier = tiers[j % len(tiers)]
            labels = {"app": f"app{j}", "tier": tier, "team": f"t{i % 17}"}
            ports = [("http", 8000 + j % 7, "TCP"), ("metrics", 9090, "TCP")]
            objs.append(deployment(ns, f"app{j}", labels, ports))
        objs.append(
            netpol(ns, "default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
        )
        objs.append(
            netpol(
                ns,
                "allow-dns",
                {
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "egress": [
                        {
                            "to": [
                                {
                                    "namespaceSelector": {
                                        "matchLabels": {
                                            "kubernetes.io/metadata.name": "kube-system"
                                        }
                                    }
                                }
                            ],
                            "ports": [
                                {"port": 53, "protocol": "UDP"},
                                {"port": 53, "protocol": "TCP"},
                            ],
                        }
                    ],
                },
            )
        )
        for k in range(max(0, policies_per_ns - 2)):
            j = rnd.randrange(workloads_per_ns)
            src_tier = rnd.choice(tiers)
            kind = k % 4
            if kind == 0:
                spec = {
                    "podSelector": {"matchLabels": {"app": f"app{j}"}},
                    "ingress": [
                        {
                            "from": [{"podSelector": {"matchLabels": {"tier": src_tier}}}],
                            "ports": [{"port": "http"}],
                        }
                    ],
                }
            elif kind == 1:
                spec = {
                    "podSelector": {
                        "matchExpressions": [
                            {"key": "tier", "operator": "In", "values": [src_tier, "web"]}
                        ]
                    },
                    "ingress": [
                        {
                            "from": [
                                {"namespaceSelector": {"matchLabels": {"purpose": "monitoring"}}}
                            ],
                            "ports": [{"port": "metrics"}],
                        }
                    ],
                }
            elif kind == 2:
                spec = {
                    "podSelector": {"matchLabels": {"app": f"app{j}"}},
                    "policyTypes": ["Egress"],
                    "egress": [
                        {
                            "to": [
                                {
                                    "namespaceSelector": {
                                        "matchLabels": {"team": f"t{rnd.randrange(17)}"}
                                    },
                                    "podSelector": {"matchLabels": {"tier": "api"}},
                                },
                                {
                                    "ipBlock": {
                                        "cidr": f"10.{i % 256}.0.0/16",
                                        "except": [f"10.{i % 256}.{k % 256}.0/24"],
                                    }
                                },
                            ],
                            "ports": [{"port": 8000, "endPort": 8010}],
                        }
                    ],
                }
            else:
                spec = {
                    "podSelector": {"matchLabels": {"tier": src_tier}},
                    "ingress": [
                        {"from": [{"podSelector": {"matchLabels": {"tier": rnd.choice(tiers)}}}]}
                    ],
                    "egress": [{"to": [{"podSelector": {}}]}],
                }
            objs.append(netpol(ns, f"p{k}", spec))
    return objs
