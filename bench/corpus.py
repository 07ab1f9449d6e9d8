"""Deterministic generator of a synthetic Kubernetes manifest corpus of realistic shape.

The corpus looks like the manifests a platform team keeps in git: shared
``ingress-nginx`` and ``monitoring`` namespaces, then one namespace per team holding a
few applications. Each application has several Deployments (named container ports
``http`` 8080 and ``metrics`` 9090, probes by port name, resources, securityContext),
one Service per Deployment (``targetPort`` by name), often a PostgreSQL or Redis
StatefulSet with its headless Service, sometimes an Ingress, NetworkPolicies
(default-deny per namespace, DNS egress on 53 UDP/TCP, per-app allow rules with
``podSelector``/``namespaceSelector`` peers, named and numbered ports, ``ipBlock`` with
``except``), ConfigMaps, a ServiceAccount and now and then a CronJob, a
PodDisruptionBudget or a HorizontalPodAutoscaler.

Objects are spread over many files under nested directories (``<namespace>/<app>/...``)
in several layouts: one bundle file per app, one file per kind, one file per component,
a few files holding a single object. Every object is meant to be valid against the
strict Kubernetes JSON Schemas (names, labels and ports are valid values).

The number of objects is exact: applications are added while they fit in the
requested count, and the remainder (smaller than one application) is made of
ConfigMaps. The same ``seed`` and ``objects`` always give byte-identical files.

Library use::

    from bench.corpus import generate
    counts = generate(Path("/tmp/corpus"), objects=10_000, seed=0)

Script use::

    python bench/corpus.py OUT_DIR --objects 10000 [--seed 0]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["generate", "generate_policy_dense", "main"]

Obj = dict[str, Any]

TEAMS: tuple[str, ...] = (
    "payments", "checkout", "catalog", "search", "identity", "billing", "shipping",
    "inventory", "pricing", "reviews", "ads", "analytics", "messaging", "notifications",
    "media", "profile", "orders", "fraud", "loyalty", "support", "partners", "reporting",
    "growth", "platform", "risk", "ledger", "booking", "maps", "feeds", "chat",
)  # fmt: skip

APPS: tuple[str, ...] = (
    "storefront", "cart", "wallet", "invoices", "accounts", "gateway", "tracker",
    "recommender", "indexer", "uploader", "renderer", "mailer", "scheduler", "quotes",
    "tokens", "sessions", "ratings", "coupons", "exporter", "importer", "ledger",
    "audit", "webhooks", "thumbnails", "geocoder", "pricing", "catalog", "reports",
)  # fmt: skip

# Deployment components of an app. "api" is always present.
COMPONENTS: tuple[str, ...] = ("web", "worker", "auth", "admin", "grpc", "events", "cache-warmer")
TIER: dict[str, str] = {
    "api": "backend",
    "web": "frontend",
    "worker": "backend",
    "auth": "backend",
    "admin": "frontend",
    "grpc": "backend",
    "events": "backend",
    "cache-warmer": "backend",
    "database": "data",
    "cronjob": "batch",
}

NAME = "app.kubernetes.io/name"
COMPONENT = "app.kubernetes.io/component"
PART_OF = "app.kubernetes.io/part-of"
MANAGED_BY = "app.kubernetes.io/managed-by"
NS_NAME = "kubernetes.io/metadata.name"

INGRESS_NS = "ingress-nginx"
MONITORING_NS = "monitoring"
PRIVATE_RANGES: tuple[str, ...] = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
METADATA_ADDR = "169.254.169.254/32"

# --------------------------------------------------------------------------- emitter
#
# A small block-style YAML writer: much faster than yaml.dump for this regular data,
# and it quotes every string that YAML 1.1 (what Kubernetes reads) or YAML 1.2 could
# read as something other than a string.

_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./-]*(?::[A-Za-z0-9_./-]+)*\Z")
_YAML11_WORDS = frozenset(
    w
    for word in ("y", "n", "yes", "no", "on", "off", "true", "false", "null")
    for w in (word, word.capitalize(), word.upper())
)
_scalar_cache: dict[str, str] = {}


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "null"
    if not isinstance(value, str):
        raise TypeError(f"cannot emit {type(value).__name__}")
    cached = _scalar_cache.get(value)
    if cached is None:
        plain = _PLAIN.match(value) is not None and value not in _YAML11_WORDS
        cached = value if plain else json.dumps(value)
        _scalar_cache[value] = cached
    return cached


def _emit_map(obj: Obj, pad: str, out: list[str]) -> None:
    for key, value in obj.items():
        k = _scalar(key)
        if isinstance(value, dict):
            if value:
                out.append(f"{pad}{k}:")
                _emit_map(value, pad + "  ", out)
            else:
                out.append(f"{pad}{k}: {{}}")
        elif isinstance(value, list):
            if value:
                out.append(f"{pad}{k}:")
                _emit_seq(value, pad + "  ", out)
            else:
                out.append(f"{pad}{k}: []")
        elif isinstance(value, str) and "\n" in value:
            out.append(f"{pad}{k}: |" if value.endswith("\n") else f"{pad}{k}: |-")
            inner = pad + "  "
            out.extend(f"{inner}{line}" if line else "" for line in value.rstrip("\n").split("\n"))
        else:
            out.append(f"{pad}{k}: {_scalar(value)}")


def _emit_seq(items: list[Any], pad: str, out: list[str]) -> None:
    inner = pad + "  "
    for item in items:
        if isinstance(item, dict) and item:
            start = len(out)
            _emit_map(item, inner, out)
            out[start] = f"{pad}- {out[start][len(inner) :]}"
        elif isinstance(item, list | dict):
            raise TypeError("nested or empty collections in sequences are not emitted")
        else:
            out.append(f"{pad}- {_scalar(item)}")


def to_yaml(obj: Obj) -> str:
    """Render one object as a block-style YAML document (no ``---``)."""
    out: list[str] = []
    _emit_map(obj, "", out)
    out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- objects


def _meta(name: str, namespace: str | None, labels: dict[str, str] | None = None) -> Obj:
    meta: Obj = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    return meta


def _app_labels(app: str, component: str, team: str) -> dict[str, str]:
    return {
        NAME: app,
        COMPONENT: component,
        "tier": TIER[component],
        PART_OF: team,
        MANAGED_BY: "helm",
    }


def _selector_labels(app: str, component: str) -> dict[str, str]:
    return {NAME: app, COMPONENT: component}


def _container_security() -> Obj:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }


def _pod_security(uid: int) -> Obj:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _resources(rng: random.Random) -> Obj:
    cpu = rng.choice((50, 100, 250, 500))
    mem = rng.choice((64, 128, 256, 512))
    return {
        "requests": {"cpu": f"{cpu}m", "memory": f"{mem}Mi"},
        "limits": {"cpu": f"{cpu * 4}m", "memory": f"{mem * 2}Mi"},
    }


def _deployment(
    rng: random.Random, team: str, ns: str, app: str, component: str, registry: str
) -> Obj:
    name = f"{app}-{component}"
    labels = _app_labels(app, component, team)
    ports: list[Obj] = [
        {"name": "http", "containerPort": 8080, "protocol": "TCP"},
        {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
    ]
    if component == "grpc":
        ports.append({"name": "grpc", "containerPort": 50051, "protocol": "TCP"})
    env: list[Obj] = [
        {"name": "LOG_LEVEL", "value": rng.choice(("info", "debug", "warn"))},
        {"name": "PORT", "value": "8080"},
        {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
    ]
    container: Obj = {
        "name": component,
        "image": f"{registry}/{team}/{app}-{component}:1.{rng.randrange(40)}.{rng.randrange(10)}",
        "imagePullPolicy": "IfNotPresent",
        "ports": ports,
        "env": env,
        "envFrom": [{"configMapRef": {"name": f"{app}-config"}}],
        "readinessProbe": {
            "httpGet": {"path": "/ready", "port": "http"},
            "initialDelaySeconds": 5,
            "periodSeconds": 10,
        },
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "initialDelaySeconds": 15,
            "periodSeconds": 20,
            "failureThreshold": 3,
        },
        "resources": _resources(rng),
        "securityContext": _container_security(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    pod_spec: Obj = {
        "serviceAccountName": app,
        "securityContext": _pod_security(10001),
        "containers": [container],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }
    if rng.random() < 0.2:
        pod_spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": _selector_labels(app, component)},
            }
        ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(name, ns, labels),
        "spec": {
            "replicas": rng.choice((1, 2, 2, 3, 3, 4, 6)),
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": _selector_labels(app, component)},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
            },
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"},
                },
                "spec": pod_spec,
            },
        },
    }


def _service(rng: random.Random, team: str, ns: str, app: str, component: str) -> Obj:
    ports: list[Obj] = [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
        {"name": "metrics", "port": 9090, "targetPort": "metrics", "protocol": "TCP"},
    ]
    if component == "grpc":
        ports.append({"name": "grpc", "port": 50051, "targetPort": "grpc", "appProtocol": "grpc"})
    spec: Obj = {"selector": _selector_labels(app, component), "ports": ports}
    if component in ("web", "admin"):
        roll = rng.random()
        if roll < 0.05:
            spec = {"type": "NodePort", **spec}
        elif roll < 0.08:
            spec = {"type": "LoadBalancer", **spec}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(f"{app}-{component}", ns, _app_labels(app, component, team)),
        "spec": spec,
    }


@dataclass(frozen=True)
class _Database:
    engine: str
    image: str
    port: int


_DATABASES: tuple[_Database, ...] = (
    _Database("postgres", "postgres:16.2-alpine", 5432),
    _Database("redis", "redis:7.2.4", 6379),
)


def _statefulset(rng: random.Random, team: str, ns: str, app: str, db: _Database) -> list[Obj]:
    name = f"{app}-{db.engine}"
    labels = {**_app_labels(app, "database", team), "db": db.engine}
    select = {NAME: app, COMPONENT: "database"}
    if db.engine == "postgres":
        env: list[Obj] = [
            {"name": "POSTGRES_DB", "value": app},
            {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
            {
                "name": "POSTGRES_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": f"{name}-auth", "key": "password"}},
            },
        ]
        probe: Obj = {"exec": {"command": ["pg_isready", "-U", "postgres"]}, "periodSeconds": 10}
        mount = "/var/lib/postgresql/data"
        uid = 70
    else:
        env = [{"name": "REDIS_ARGS", "value": "--appendonly yes"}]
        probe = {"tcpSocket": {"port": db.engine}, "periodSeconds": 10}
        mount = "/data"
        uid = 999
    sts: Obj = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": _meta(name, ns, labels),
        "spec": {
            "serviceName": f"{name}-headless",
            "replicas": rng.choice((1, 3)),
            "podManagementPolicy": "OrderedReady",
            "selector": {"matchLabels": select},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": app,
                    "securityContext": {"fsGroup": uid, "runAsUser": uid, "runAsNonRoot": True},
                    "containers": [
                        {
                            "name": db.engine,
                            "image": db.image,
                            "ports": [
                                {"name": db.engine, "containerPort": db.port, "protocol": "TCP"}
                            ],
                            "env": env,
                            "readinessProbe": probe,
                            "livenessProbe": probe,
                            "resources": _resources(rng),
                            "volumeMounts": [{"name": "data", "mountPath": mount}],
                        }
                    ],
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "storageClassName": "standard",
                        "resources": {"requests": {"storage": f"{rng.choice((1, 5, 20))}Gi"}},
                    },
                }
            ],
        },
    }
    headless: Obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(f"{name}-headless", ns, labels),
        "spec": {
            "clusterIP": "None",
            "publishNotReadyAddresses": True,
            "selector": select,
            "ports": [{"name": db.engine, "port": db.port, "targetPort": db.engine}],
        },
    }
    client: Obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(name, ns, labels),
        "spec": {
            "selector": select,
            "ports": [
                {"name": db.engine, "port": db.port, "targetPort": db.port, "protocol": "TCP"}
            ],
        },
    }
    return [sts, headless, client]


def _ingress(rng: random.Random, ns: str, app: str, front: str, api: str) -> Obj:
    host = f"{app}.{ns}.example.com"

    def backend(service: str) -> Obj:
        port: Obj = {"number": 80} if rng.random() < 0.5 else {"name": "http"}
        return {"service": {"name": service, "port": port}}

    spec: Obj = {
        "ingressClassName": "nginx",
        "rules": [
            {
                "host": host,
                "http": {
                    "paths": [
                        {"path": "/api", "pathType": "Prefix", "backend": backend(api)},
                        {"path": "/", "pathType": "Prefix", "backend": backend(front)},
                    ]
                },
            }
        ],
    }
    if rng.random() < 0.6:
        spec["tls"] = [{"hosts": [host], "secretName": f"{app}-tls"}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": app,
            "namespace": ns,
            "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "8m"},
        },
        "spec": spec,
    }


def _netpol(name: str, ns: str, spec: Obj) -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(name, ns),
        "spec": spec,
    }


def _ns_peer(ns: str) -> Obj:
    return {"namespaceSelector": {"matchLabels": {NS_NAME: ns}}}


def _app_policies(
    rng: random.Random,
    ns: str,
    app: str,
    components: list[str],
    db: _Database | None,
    has_ingress: bool,
    other_teams: list[str],
) -> list[Obj]:
    pols: list[Obj] = []
    front = "web" if "web" in components else "api"
    if has_ingress:
        # The Ingress routes /api to the api and / to the front component.
        routed = sorted({"api", front})
        pols.append(
            _netpol(
                f"{app}-allow-ingress-controller",
                ns,
                {
                    "podSelector": {
                        "matchLabels": {NAME: app},
                        "matchExpressions": [
                            {"key": COMPONENT, "operator": "In", "values": routed}
                        ],
                    },
                    "policyTypes": ["Ingress"],
                    "ingress": [
                        {
                            "from": [
                                {
                                    **_ns_peer(INGRESS_NS),
                                    "podSelector": {"matchLabels": {NAME: "ingress-nginx"}},
                                }
                            ],
                            "ports": [{"protocol": "TCP", "port": "http"}],
                        }
                    ],
                },
            )
        )
    callers = [c for c in components if c != "api"]
    if callers:
        peers: list[Obj] = [
            {
                "podSelector": {
                    "matchLabels": {NAME: app},
                    "matchExpressions": [
                        {"key": COMPONENT, "operator": "In", "values": sorted(callers)}
                    ],
                }
            }
        ]
        if other_teams and rng.random() < 0.3:
            # A team whose namespaces exist already: the selector matches something.
            peers.append(
                {
                    "namespaceSelector": {"matchLabels": {"team": rng.choice(other_teams)}},
                    "podSelector": {"matchLabels": {"tier": "backend"}},
                }
            )
        port: Obj = {"protocol": "TCP", "port": 8080}
        if rng.random() < 0.3:
            port = {"protocol": "TCP", "port": "http"}
        pols.append(
            _netpol(
                f"{app}-api-allow-callers",
                ns,
                {
                    "podSelector": {"matchLabels": _selector_labels(app, "api")},
                    "policyTypes": ["Ingress"],
                    "ingress": [{"from": peers, "ports": [port]}],
                },
            )
        )
    internal = sorted(c for c in components if c != "api" and not (has_ingress and c == front))
    if internal:
        pols.append(
            _netpol(
                f"{app}-allow-from-api",
                ns,
                {
                    "podSelector": {
                        "matchLabels": {NAME: app},
                        "matchExpressions": [
                            {"key": COMPONENT, "operator": "In", "values": internal}
                        ],
                    },
                    "policyTypes": ["Ingress"],
                    "ingress": [
                        {
                            "from": [
                                {"podSelector": {"matchLabels": _selector_labels(app, "api")}}
                            ],
                            "ports": [
                                {"protocol": "TCP", "port": "http"},
                                *(
                                    [{"protocol": "TCP", "port": "grpc"}]
                                    if "grpc" in internal
                                    else []
                                ),
                            ],
                        }
                    ],
                },
            )
        )
    if db is not None:
        pols.append(
            _netpol(
                f"{app}-{db.engine}-allow-app",
                ns,
                {
                    "podSelector": {"matchLabels": {NAME: app, COMPONENT: "database"}},
                    "policyTypes": ["Ingress"],
                    "ingress": [
                        {
                            "from": [
                                {
                                    "podSelector": {
                                        "matchLabels": {NAME: app},
                                        "matchExpressions": [
                                            {
                                                "key": "tier",
                                                "operator": "NotIn",
                                                "values": ["frontend", "data"],
                                            }
                                        ],
                                    }
                                }
                            ],
                            "ports": [{"protocol": "TCP", "port": db.port}],
                        }
                    ],
                },
            )
        )
    pols.append(
        _netpol(
            f"{app}-allow-metrics",
            ns,
            {
                "podSelector": {"matchLabels": {NAME: app}},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [
                            {
                                **_ns_peer(MONITORING_NS),
                                "podSelector": {"matchLabels": {NAME: "prometheus"}},
                            }
                        ],
                        "ports": [{"protocol": "TCP", "port": "metrics"}],
                    }
                ],
            },
        )
    )
    if rng.random() < 0.7:
        egress: list[Obj] = []
        if db is not None:
            egress.append(
                {
                    "to": [{"podSelector": {"matchLabels": {NAME: app, COMPONENT: "database"}}}],
                    "ports": [{"protocol": "TCP", "port": db.port}],
                }
            )
        egress.append(
            {
                "to": [
                    {"ipBlock": {"cidr": "0.0.0.0/0", "except": [*PRIVATE_RANGES, METADATA_ADDR]}}
                ],
                "ports": [{"protocol": "TCP", "port": 443}],
            }
        )
        if rng.random() < 0.2:
            egress.append(
                {
                    "to": [{"ipBlock": {"cidr": f"10.{rng.randrange(256)}.0.0/16"}}],
                    "ports": [{"protocol": "TCP", "port": 8000, "endPort": 8100}],
                }
            )
        pols.append(
            _netpol(
                f"{app}-api-egress",
                ns,
                {
                    "podSelector": {"matchLabels": _selector_labels(app, "api")},
                    "policyTypes": ["Egress"],
                    "egress": egress,
                },
            )
        )
    return pols


def _configmap(ns: str, name: str, labels: dict[str, str] | None, data: dict[str, str]) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(name, ns, labels),
        "data": data,
    }


def _app_config(rng: random.Random, team: str, ns: str, app: str) -> Obj:
    data = {
        "APP_NAME": app,
        "TEAM": team,
        "FEATURE_NEW_CHECKOUT": rng.choice(("true", "false")),
        "CACHE_TTL_SECONDS": str(rng.choice((30, 60, 300))),
        "UPSTREAM_TIMEOUT": "2.5s",
        "settings.yaml": f"server:\n  port: 8080\n  name: {app}\nlogging:\n  level: info\n",
    }
    return _configmap(ns, f"{app}-config", {NAME: app, PART_OF: team}, data)


def _cronjob(rng: random.Random, team: str, ns: str, app: str, registry: str) -> Obj:
    labels = _app_labels(app, "cronjob", team)
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": _meta(f"{app}-cleanup", ns, labels),
        "spec": {
            "schedule": f"{rng.randrange(60)} */{rng.choice((1, 2, 6))} * * *",
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 1,
            "jobTemplate": {
                "spec": {
                    "backoffLimit": 2,
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "serviceAccountName": app,
                            "securityContext": _pod_security(10001),
                            "containers": [
                                {
                                    "name": "cleanup",
                                    "image": f"{registry}/{team}/{app}-api:1.0.0",
                                    "args": ["cleanup", "--older-than", "720h"],
                                    "resources": _resources(rng),
                                    "securityContext": _container_security(),
                                }
                            ],
                        },
                    },
                }
            },
        },
    }


def _service_account(team: str, ns: str, app: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _meta(app, ns, {NAME: app, PART_OF: team}),
        "automountServiceAccountToken": False,
    }


def _pdb(ns: str, app: str) -> Obj:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(f"{app}-api", ns),
        "spec": {"minAvailable": 1, "selector": {"matchLabels": _selector_labels(app, "api")}},
    }


def _hpa(ns: str, app: str) -> Obj:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _meta(f"{app}-api", ns),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{app}-api"},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
    }


# --------------------------------------------------------------------------- layout


@dataclass
class _App:
    """The objects of one app, grouped by role so that layouts can split them."""

    name: str
    workloads: list[tuple[Obj, Obj]] = field(default_factory=list)  # (Deployment, Service)
    database: list[Obj] = field(default_factory=list)
    ingress: list[Obj] = field(default_factory=list)
    policies: list[Obj] = field(default_factory=list)
    config: list[Obj] = field(default_factory=list)
    extras: list[Obj] = field(default_factory=list)  # ServiceAccount, CronJob, PDB, HPA

    def all(self) -> list[Obj]:
        out = [*self.config, *self.extras]
        for dep, svc in self.workloads:
            out += [dep, svc]
        return out + self.database + self.ingress + self.policies

    def size(self) -> int:
        return len(self.all())


Files = dict[str, list[Obj]]


def _lay_out_app(rng: random.Random, base: str, app: _App, files: Files) -> None:
    """Assign the objects of ``app`` to files under ``base`` in one of several layouts."""
    layout = rng.random()
    ext = ".yml" if rng.random() < 0.15 else ".yaml"
    if layout < 0.3:
        # One bundle per app, like `helm template` output.
        files[f"{base}/{app.name}{ext}"] = app.all()
    elif layout < 0.65:
        # One file per kind.
        files[f"{base}/configmaps{ext}"] = app.config
        files[f"{base}/deployments{ext}"] = [d for d, _ in app.workloads]
        files[f"{base}/services{ext}"] = [s for _, s in app.workloads]
        files[f"{base}/extras{ext}"] = app.extras
        files[f"{base}/networkpolicies{ext}"] = app.policies
        if app.database:
            files[f"{base}/db/statefulset{ext}"] = app.database
        for ing in app.ingress:
            files[f"{base}/ingress{ext}"] = [ing]
    else:
        # One file per component, single-object files for the rest.
        for dep, svc in app.workloads:
            files[f"{base}/{dep['metadata']['name']}{ext}"] = [dep, svc]
        for obj in app.config + app.extras + app.ingress:
            kind = str(obj["kind"]).lower()
            files[f"{base}/{kind}-{obj['metadata']['name']}{ext}"] = [obj]
        if app.database:
            files[f"{base}/db/{app.database[0]['metadata']['name']}{ext}"] = app.database
        if app.policies:
            files[f"{base}/policies/networkpolicies{ext}"] = app.policies


def _namespace(name: str, team: str, env: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {NS_NAME: name, "team": team, "environment": env}},
    }


def _namespace_policies(ns: str) -> list[Obj]:
    deny = _netpol("default-deny", ns, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
    dns = _netpol(
        "allow-dns",
        ns,
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            **_ns_peer("kube-system"),
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        },
    )
    return [deny, dns]


def _infrastructure() -> Files:
    """Shared namespaces: the ingress controller and Prometheus."""
    ctrl_labels = {NAME: "ingress-nginx", COMPONENT: "controller"}
    controller: Obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta("ingress-nginx-controller", INGRESS_NS, ctrl_labels),
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": ctrl_labels},
            "template": {
                "metadata": {"labels": ctrl_labels},
                "spec": {
                    "containers": [
                        {
                            "name": "controller",
                            "image": "registry.k8s.io/ingress-nginx/controller:v1.10.0",
                            "args": ["/nginx-ingress-controller", "--ingress-class=nginx"],
                            "ports": [
                                {"name": "http", "containerPort": 80, "protocol": "TCP"},
                                {"name": "https", "containerPort": 443, "protocol": "TCP"},
                                {"name": "metrics", "containerPort": 10254, "protocol": "TCP"},
                            ],
                        }
                    ]
                },
            },
        },
    }
    ctrl_svc: Obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta("ingress-nginx-controller", INGRESS_NS, ctrl_labels),
        "spec": {
            "type": "LoadBalancer",
            "externalTrafficPolicy": "Local",
            "selector": ctrl_labels,
            "ports": [
                {"name": "http", "port": 80, "targetPort": "http"},
                {"name": "https", "port": 443, "targetPort": "https"},
            ],
        },
    }
    prom_labels = {NAME: "prometheus", COMPONENT: "server"}
    prometheus: Obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta("prometheus", MONITORING_NS, prom_labels),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": prom_labels},
            "template": {
                "metadata": {"labels": prom_labels},
                "spec": {
                    "containers": [
                        {
                            "name": "prometheus",
                            "image": "quay.io/prometheus/prometheus:v2.51.0",
                            "ports": [{"name": "web", "containerPort": 9090, "protocol": "TCP"}],
                        }
                    ]
                },
            },
        },
    }
    prom_svc: Obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta("prometheus", MONITORING_NS, prom_labels),
        "spec": {
            "selector": prom_labels,
            "ports": [{"name": "web", "port": 9090, "targetPort": "web"}],
        },
    }
    return {
        f"platform/{INGRESS_NS}/namespace.yaml": [_namespace(INGRESS_NS, "platform", "prod")],
        f"platform/{INGRESS_NS}/controller.yaml": [controller, ctrl_svc],
        f"platform/{MONITORING_NS}/namespace.yaml": [_namespace(MONITORING_NS, "platform", "prod")],
        f"platform/{MONITORING_NS}/prometheus.yaml": [prometheus, prom_svc],
    }


def _build_app(
    rng: random.Random,
    team: str,
    ns: str,
    app: str,
    other_teams: list[str],
    policy_rate: float,
) -> _App:
    registry = "registry.example.com"
    out = _App(app)
    components = ["api", *rng.sample(COMPONENTS, rng.randint(1, 4))]
    for comp in components:
        out.workloads.append(
            (_deployment(rng, team, ns, app, comp, registry), _service(rng, team, ns, app, comp))
        )
    db: _Database | None = None
    if rng.random() < 0.45:
        db = rng.choice(_DATABASES)
        out.database = _statefulset(rng, team, ns, app, db)
    has_ingress = rng.random() < 0.4
    if has_ingress:
        front = "web" if "web" in components else "api"
        out.ingress.append(_ingress(rng, ns, app, f"{app}-{front}", f"{app}-api"))
    out.config.append(_app_config(rng, team, ns, app))
    out.extras.append(_service_account(team, ns, app))
    if rng.random() < 0.2:
        out.extras.append(_cronjob(rng, team, ns, app, registry))
    if rng.random() < 0.3:
        out.extras.append(_pdb(ns, app))
    if rng.random() < 0.2:
        out.extras.append(_hpa(ns, app))
    if rng.random() < policy_rate:
        out.policies = _app_policies(rng, ns, app, components, db, has_ingress, other_teams)
    return out


def _plan(objects: int, seed: int) -> Files:
    """Decide every object and the file it goes to, exactly ``objects`` in total."""
    rng = random.Random(seed)
    files: Files = {}
    total = 0

    def put(path: str, objs: list[Obj]) -> None:
        nonlocal total
        if objs:
            files[path] = objs
            total += len(objs)

    infra = _infrastructure()
    if sum(len(v) for v in infra.values()) <= objects:
        for path, objs in infra.items():
            put(path, objs)

    index = 0
    teams_seen: list[str] = []
    last_base = "platform/misc"
    last_ns = "default"
    full = False
    while not full:
        team = TEAMS[index % len(TEAMS)]
        ns = f"{team}-{index:04d}"
        index += 1
        env = rng.choice(("prod", "prod", "staging", "dev"))
        header = [_namespace(ns, team, env)]
        isolated = rng.random() < 0.85
        if isolated:
            header += _namespace_policies(ns)
        if total + len(header) > objects:
            break
        ns_dir = f"teams/{team}/{ns}" if rng.random() < 0.5 else f"{ns}"
        put(f"{ns_dir}/namespace.yaml", header)
        last_ns, last_base = ns, ns_dir
        other_teams = [t for t in teams_seen if t != team]
        if team not in teams_seen:
            teams_seen.append(team)
        # Teams with a default deny write policies for (almost) every app.
        policy_rate = 0.97 if isolated else 0.5
        for app_name in rng.sample(APPS, rng.randint(1, 5)):
            app = _build_app(rng, team, ns, app_name, other_teams, policy_rate)
            if total + app.size() > objects:
                full = True
                break
            app_files: Files = {}
            sub = rng.random()
            base = f"{ns_dir}/{app_name}" + ("/base" if sub < 0.2 else "")
            _lay_out_app(rng, base, app, app_files)
            for path, objs in app_files.items():
                put(path, objs)

    # The remainder, smaller than one app: ConfigMaps in the last namespace.
    filler: list[Obj] = []
    while total + len(filler) < objects:
        i = len(filler)
        filler.append(
            _configmap(
                last_ns,
                f"extra-settings-{i:03d}",
                None,
                {"KEY": f"value-{i}", "ENABLED": "yes", "RATIO": "0.5"},
            )
        )
    put(f"{last_base}/extra-settings.yaml", filler)
    return files


def _render(path: str, objs: list[Obj], rng: random.Random) -> str:
    parts: list[str] = []
    style = rng.random()
    for i, obj in enumerate(objs):
        doc = to_yaml(obj)
        if style < 0.2:
            # helm template style: a leading separator and a Source comment per document.
            parts.append(f"---\n# Source: {path}\n{doc}")
        elif i:
            parts.append(f"---\n{doc}")
        else:
            parts.append(doc)
    return "".join(parts)


# --------------------------------------------------------------------------- policy-dense
#
# A second corpus shape, denser in NetworkPolicies and selectors: many namespaces, every
# workload kind, and policies whose peers mix pod selectors, namespace selectors (by
# name, by team, by expression) and AND peers (both in one element). It stresses what
# scales with peers x namespaces and policies x workloads rather than parsing.

_DENSE_KINDS: tuple[tuple[str, int], ...] = (
    ("Deployment", 50),
    ("StatefulSet", 14),
    ("DaemonSet", 5),
    ("CronJob", 10),
    ("Job", 6),
    ("Pod", 8),
    ("ReplicaSet", 7),
)
_DENSE_SERVED = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Pod", "ReplicaSet"})
_ROLES: tuple[str, ...] = ("frontend", "backend", "data", "batch", "edge")


def _dense_pod_spec(name: str, kind: str, image: str, rng: random.Random) -> Obj:
    container: Obj = {
        "name": "main",
        "image": image,
        "ports": [
            {"name": "http", "containerPort": 8080, "protocol": "TCP"},
            {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
        ],
        "resources": _resources(rng),
        "securityContext": _container_security(),
    }
    spec: Obj = {"containers": [container]}
    if kind in ("Job", "CronJob"):
        spec["restartPolicy"] = "OnFailure"
    return spec


def _dense_workload(rng: random.Random, kind: str, ns: str, team: str, name: str, role: str) -> Obj:
    labels = {"app": name, "role": role, "team": team, MANAGED_BY: "kustomize"}
    select = {"app": name}
    image = f"registry.example.com/{team}/{name}:2.{rng.randrange(30)}.{rng.randrange(9)}"
    meta = _meta(name, ns, labels)
    template: Obj = {
        "metadata": {"labels": labels},
        "spec": _dense_pod_spec(name, kind, image, rng),
    }
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template["spec"]}
    if kind == "Job":
        return {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": meta,
            "spec": {"backoffLimit": 2, "template": template},
        }
    if kind == "CronJob":
        return {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": meta,
            "spec": {
                "schedule": f"{rng.randrange(60)} {rng.randrange(24)} * * *",
                "concurrencyPolicy": "Forbid",
                "jobTemplate": {"spec": {"template": template}},
            },
        }
    spec: Obj = {"selector": {"matchLabels": select}, "template": template}
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        spec = {"replicas": rng.choice((2, 2, 3, 4)), **spec}
    if kind == "StatefulSet":
        spec["serviceName"] = name
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": spec}


def _dense_service(
    ns: str, name: str, selector: str, team: str, suffix: str, headless: bool
) -> Obj:
    ports: list[Obj] = [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    if suffix:
        ports = [{"name": "metrics", "port": 9090, "targetPort": 9090, "protocol": "TCP"}]
    spec: Obj = {"selector": {"app": selector}, "ports": ports}
    if headless and not suffix:
        spec = {"clusterIP": "None", **spec}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(name + suffix, ns, {"app": selector, "team": team}),
        "spec": spec,
    }


@dataclass
class _DenseNs:
    name: str
    team: str
    env: str
    workloads: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, name, role)


def _dense_peer(rng: random.Random, here: _DenseNs, spaces: list[_DenseNs], roll: float) -> Obj:
    """One `from`/`to` element: pod, namespace or AND peer (by ``roll``), mostly
    matching something."""
    other = rng.choice(spaces)
    if roll < 0.35 and here.workloads:
        _, target, _ = rng.choice(here.workloads)
        return {"podSelector": {"matchLabels": {"app": target}}}
    if roll < 0.45:
        return {"podSelector": {"matchLabels": {"role": rng.choice(_ROLES)}}}
    if roll < 0.6:
        return {"namespaceSelector": {"matchLabels": {NS_NAME: other.name}}}
    if roll < 0.7:
        return {"namespaceSelector": {"matchLabels": {"team": other.team}}}
    if roll < 0.78:
        envs = rng.sample(("prod", "staging", "dev"), 2)
        return {
            "namespaceSelector": {
                "matchExpressions": [{"key": "environment", "operator": "In", "values": envs}]
            }
        }
    if roll < 0.97 and other.workloads:
        _, target, _ = rng.choice(other.workloads)
        return {
            "namespaceSelector": {"matchLabels": {NS_NAME: other.name}},
            "podSelector": {"matchLabels": {"app": target}},
        }
    if roll < 0.97:
        return {
            "namespaceSelector": {"matchLabels": {"team": other.team}},
            "podSelector": {"matchLabels": {"role": rng.choice(_ROLES)}},
        }
    return {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.96.0.0/12"]}}


def _dense_policy(rng: random.Random, ns: _DenseNs, spaces: list[_DenseNs], i: int) -> Obj:
    _, target, _ = rng.choice(ns.workloads)
    spec: Obj = {"podSelector": {"matchLabels": {"app": target}}}
    types: list[str] = []
    if rng.random() < 0.85:
        types.append("Ingress")
        rules = []
        for _ in range(rng.randint(1, 3)):
            roll = rng.random()  # one kind of peer per rule, as people write them
            peers = [_dense_peer(rng, ns, spaces, roll) for _ in range(rng.randint(1, 3))]
            rule: Obj = {"from": peers}
            if rng.random() < 0.8:
                port: int | str = rng.choice(("http", 8080, "metrics", 9090))
                rule["ports"] = [{"protocol": "TCP", "port": port}]
            rules.append(rule)
        spec["ingress"] = rules
    if not types or rng.random() < 0.4:
        types.append("Egress")
        spec["egress"] = [
            {
                "to": [_dense_peer(rng, ns, spaces, rng.random())],
                "ports": [{"protocol": "TCP", "port": rng.choice((80, 8080, 5432, 443))}],
            },
            {
                "to": [{"namespaceSelector": {"matchLabels": {NS_NAME: "kube-system"}}}],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            },
        ]
    spec["policyTypes"] = types
    return _netpol(f"{target}-np-{i:05d}", ns.name, spec)


def plan_policy_dense(
    workloads: int, policies: int, services: int, seed: int = 0, deny_every: int = 4
) -> Files:
    """The policy-dense corpus as {relative path: objects}.

    ``workloads`` workloads of mixed kinds (Deployment, StatefulSet, DaemonSet, CronJob,
    Job, Pod, ReplicaSet), ``policies`` NetworkPolicies (a default deny and a DNS
    allowance in every ``deny_every``-th namespace (default every fourth; 1: every
    namespace) while they fit, then per-workload policies whose peers mix pod,
    namespace and AND selectors), ``services`` Services (one per long-running workload,
    then metrics Services), in namespaces of about 50 workloads.
    """
    if deny_every < 1:
        raise ValueError("deny_every must be >= 1")
    rng = random.Random(seed)
    n_ns = max(1, workloads // 50)
    spaces: list[_DenseNs] = []
    for i in range(n_ns):
        team = TEAMS[i % len(TEAMS)]
        spaces.append(_DenseNs(f"{team}-{i:04d}", team, rng.choice(("prod", "staging", "dev"))))
    names, weights = zip(*_DENSE_KINDS, strict=True)
    for i in range(workloads):
        ns = spaces[i % n_ns]
        kind = rng.choices(names, weights)[0]
        app = APPS[(i // n_ns) % len(APPS)]
        name = f"{app}-{kind.lower()}-{i:05d}"
        ns.workloads.append((kind, name, rng.choice(_ROLES)))
    files: Files = {}
    for ns in spaces:
        labels = {NS_NAME: ns.name, "team": ns.team, "environment": ns.env}
        files[f"{ns.team}/{ns.name}/namespace.yaml"] = [
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": ns.name, "labels": labels},
            }
        ]
        by_kind: dict[str, list[Obj]] = {}
        for kind, name, role in ns.workloads:
            by_kind.setdefault(kind, []).append(
                _dense_workload(rng, kind, ns.name, ns.team, name, role)
            )
        for kind, objs in sorted(by_kind.items()):
            files[f"{ns.team}/{ns.name}/{kind.lower()}s.yaml"] = objs
    # Services: one per long-running workload, round robin over namespaces, then metrics.
    served = [(ns, w) for ns in spaces for w in ns.workloads if w[0] in _DENSE_SERVED]
    svc: dict[str, list[Obj]] = {}
    for j in range(services if served else 0):
        ns, (kind, name, _) = served[j % len(served)]
        suffix = "" if j < len(served) else f"-metrics{j // len(served)}"
        svc.setdefault(ns.name, []).append(
            _dense_service(ns.name, name, name, ns.team, suffix, kind == "StatefulSet")
        )
    pols: dict[str, list[Obj]] = {}
    left = policies
    for k, ns in enumerate(spaces):  # a default deny in every deny_every-th namespace
        if k % deny_every:
            continue
        for pol in _namespace_policies(ns.name)[: max(0, min(2, left))]:
            pols.setdefault(ns.name, []).append(pol)
            left -= 1
    busy = [ns for ns in spaces if ns.workloads]
    for i in range(left if busy else 0):
        ns = busy[i % len(busy)]
        pols.setdefault(ns.name, []).append(_dense_policy(rng, ns, spaces, i))
    for ns in spaces:
        if ns.name in svc:
            files[f"{ns.team}/{ns.name}/services.yaml"] = svc[ns.name]
        if ns.name in pols:
            files[f"{ns.team}/{ns.name}/networkpolicies.yaml"] = pols[ns.name]
    return files


def write_files(out_dir: Path, files: Files, seed: int) -> dict[str, int]:
    """Render ``files`` under ``out_dir`` (plus the config file); counts by kind."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        render_rng = random.Random(seed * 7919 + 1)
        counts: Counter[str] = Counter()
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / CONFIG_FILE).write_text(CONFIG_TEXT, encoding="utf-8")
        made: set[Path] = {out_dir}
        for rel in sorted(files):
            objs = files[rel]
            path = out_dir / rel
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            path.write_text(_render(rel, objs, render_rng), encoding="utf-8")
            counts.update(str(o["kind"]) for o in objs)
    finally:
        if gc_was_enabled:
            gc.enable()
    return dict(sorted(counts.items()))


def generate_policy_dense(
    out_dir: Path,
    workloads: int = 10_000,
    policies: int = 5_000,
    services: int = 9_000,
    seed: int = 0,
    deny_every: int = 4,
) -> dict[str, int]:
    """Write the policy-dense corpus (see :func:`plan_policy_dense`); counts by kind."""
    if min(workloads, policies, services) < 0:
        raise ValueError("counts must be >= 0")
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        files = plan_policy_dense(workloads, policies, services, seed, deny_every)
    finally:
        if gc_was_enabled:
            gc.enable()
    return write_files(out_dir, files, seed)


CONFIG_FILE = ".k8snetlint.yaml"
CONFIG_TEXT = f"""\
# k8snetlint configuration of the generated benchmark corpus: the facts about the
# cluster that the manifests do not state (see ../shared/design.md, "assume").
assume:
  ingress-controller:
    namespace: {INGRESS_NS}
    labels:
      {NAME}: ingress-nginx
  namespace-labels:
    kube-system:
      {NS_NAME}: kube-system
"""


def generate(out_dir: Path, objects: int, seed: int = 0) -> dict[str, int]:
    """Write a corpus of exactly ``objects`` Kubernetes objects under ``out_dir``.

    Returns the number of objects written, by kind (sorted by kind). The same
    ``objects`` and ``seed`` always produce byte-identical files. ``out_dir`` is created
    if needed; existing files at the generated paths are overwritten, others are left.
    Besides the manifests, ``out_dir/.k8snetlint.yaml`` tells k8snetlint where the
    ingress controller runs, as a team would (the loader skips that file).
    """
    if objects < 0:
        raise ValueError("objects must be >= 0")
    # The plan is a large tree of fresh dicts and lists that lives until the end: left
    # on, the cyclic garbage collector rescans it again and again (6x slower overall).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        files = _plan(objects, seed)
    finally:
        if gc_was_enabled:
            gc.enable()
    return write_files(out_dir, files, seed)


def iter_files(root: Path) -> Iterator[Path]:
    """The manifest files of a corpus, in sorted order (not ``.k8snetlint.yaml``)."""
    for path in sorted(root.rglob("*")):
        if path.suffix in (".yaml", ".yml") and not path.name.startswith(".") and path.is_file():
            yield path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("out_dir", type=Path, help="directory to write the corpus into")
    parser.add_argument("--objects", type=int, default=10_000, help="number of objects")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--policy-dense",
        metavar="W,P,S",
        default=None,
        help="write the policy-dense corpus instead: W workloads, P NetworkPolicies, "
        "S Services (e.g. 10000,5000,9000); --objects is then ignored",
    )
    parser.add_argument(
        "--deny-every",
        type=int,
        default=4,
        metavar="N",
        help="policy-dense corpus: a default deny in every N-th namespace (default 4; "
        "1: every namespace)",
    )
    args = parser.parse_args(argv)
    if args.deny_every < 1:
        parser.error("--deny-every must be >= 1")
    start = time.perf_counter()
    if args.policy_dense:
        try:
            w, pol, svc = (int(x) for x in args.policy_dense.split(","))
        except ValueError:
            parser.error("--policy-dense takes three integers W,P,S")
        counts = generate_policy_dense(args.out_dir, w, pol, svc, args.seed, args.deny_every)
    else:
        counts = generate(args.out_dir, args.objects, args.seed)
    elapsed = time.perf_counter() - start
    nfiles = sum(1 for _ in iter_files(args.out_dir))
    width = max((len(k) for k in counts), default=4)
    for kind, n in counts.items():
        print(f"{kind:<{width}}  {n:>7}")
    print(f"{'total':<{width}}  {sum(counts.values()):>7}  in {nfiles} files, {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
