"""Fuzzing campaign: mutated manifests through ``check``, ``graph`` and ``reach``.

Every input is a set of valid seed manifests (Pod, Deployment, StatefulSet, Service,
Ingress, NetworkPolicy, Namespace, Gateway API Gateway/HTTPRoute, AdminNetworkPolicy,
BaselineAdminNetworkPolicy, ClusterNetworkPolicy) with a few fields
replaced by values of the wrong type or shape (a number where a list is expected, a
mapping where a name is expected, ...), deleted, or the whole YAML text damaged. Each
input runs in-process through the three commands; a run fails when it raises, prints
an internal error, exits with a code other than 0/1/2, or writes invalid JSON.

Usage::

    python bench/fuzz.py --inputs 5000 --seed 1 [--save DIR]

prints the counts (inputs, runs, failures) and the first failures; with ``--save``
each failing input is written to DIR. ``tests/test_fuzz.py`` runs the same harness
with a bounded hypothesis budget in CI.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SEEDS: list[dict[str, Any]] = [
    {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "shop", "labels": {"team": "shop"}},
    },
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.27",
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "readinessProbe": {"httpGet": {"path": "/", "port": "http"}},
                            "livenessProbe": {"tcpSocket": {"port": 8080}},
                        }
                    ]
                },
            },
        },
    },
    {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {
            "serviceName": "db",
            "replicas": 1,
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {
                    "containers": [
                        {
                            "name": "db",
                            "image": "postgres:16",
                            "ports": [{"name": "pg", "containerPort": 5432, "protocol": "TCP"}],
                        }
                    ]
                },
            },
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "client", "namespace": "shop", "labels": {"app": "client"}},
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "image": "curl",
                    "ports": [{"containerPort": 9000, "name": "metrics"}],
                    "startupProbe": {"grpc": {"port": 9000}},
                }
            ],
            "hostNetwork": False,
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "type": "LoadBalancer",
            "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080}],
            "loadBalancerSourceRanges": ["10.0.0.0/8"],
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {"clusterIP": "None", "selector": {"app": "db"}, "ports": [{"port": 5432}]},
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": "shop.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"name": "http"}}},
                            }
                        ]
                    },
                }
            ],
            "defaultBackend": {"service": {"name": "web", "port": {"number": 80}}},
        },
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "db"}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": [
                        {
                            "podSelector": {"matchLabels": {"app": "web"}},
                            "namespaceSelector": {
                                "matchExpressions": [
                                    {"key": "team", "operator": "In", "values": ["shop"]}
                                ]
                            },
                        },
                        {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
                    ],
                    "ports": [{"protocol": "TCP", "port": 5432, "endPort": 5433}],
                }
            ],
            "egress": [
                {"to": [{"podSelector": {}}], "ports": [{"port": "dns", "protocol": "UDP"}]}
            ],
        },
    },
    {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": "gw", "namespace": "shop"},
        "spec": {
            "gatewayClassName": "example",
            "listeners": [
                {
                    "name": "http",
                    "protocol": "HTTP",
                    "port": 80,
                    "hostname": "shop.example.com",
                    "allowedRoutes": {"namespaces": {"from": "Same"}},
                }
            ],
        },
    },
    {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "parentRefs": [{"name": "gw", "sectionName": "http"}],
            "hostnames": ["shop.example.com"],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [{"name": "web", "port": 80, "weight": 1}],
                }
            ],
        },
    },
]

SEEDS += [
    {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "shop-ingress"},
        "spec": {
            "priority": 10,
            "subject": {"namespaces": {"matchLabels": {"team": "shop"}}},
            "ingress": [
                {
                    "name": "allow-shop",
                    "action": "Allow",
                    "from": [{"namespaces": {"matchLabels": {"team": "shop"}}}],
                    "ports": [{"portNumber": {"protocol": "TCP", "port": 5432}}],
                },
                {"name": "deny-rest", "action": "Deny", "from": [{"namespaces": {}}]},
            ],
            "egress": [
                {
                    "name": "pass-dns",
                    "action": "Pass",
                    "to": [{"pods": {"namespaceSelector": {}, "podSelector": {}}}],
                    "ports": [{"namedPort": "dns"}],
                }
            ],
        },
    },
    {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "BaselineAdminNetworkPolicy",
        "metadata": {"name": "default"},
        "spec": {
            "subject": {"namespaces": {}},
            "ingress": [{"name": "default-deny", "action": "Deny", "from": [{"namespaces": {}}]}],
        },
    },
    {
        "apiVersion": "policy.networking.k8s.io/v1alpha2",
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": "guard"},
        "spec": {
            "tier": "Baseline",
            "priority": 3,
            "subject": {"namespaces": {}},
            "egress": [
                {
                    "action": "Accept",
                    "to": [{"pods": {"podSelector": {}}}],
                    "protocols": [
                        {"tcp": {"destinationPort": {"number": 443}}},
                        {"udp": {"destinationPort": {"range": {"start": 5, "end": 6}}}},
                        {"destinationNamedPort": "dns"},
                    ],
                }
            ],
        },
    },
]

# Values of every JSON/YAML type and a few awkward shapes.
WRONG_VALUES: list[Any] = [
    5,
    -1,
    0,
    70000,
    2.5,
    1e400,
    True,
    None,
    "",
    "x",
    "a-b",
    "80",
    "999999999999999999999",
    [],
    [5],
    ["a-b"],
    [None],
    [{"a": 1}],
    {},
    {"a": 1},
    {"name": {"a": 1}},
    {"matchLabels": 5},
    {"matchExpressions": [{"key": 1, "operator": "Bogus", "values": 5}]},
    [[[]]],
]

REACH = ("shop/client", "shop/web")


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (mapping keys and list indexes)."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths_of(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths_of(v, (*prefix, i))


def mutate(obj: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    """A copy of ``obj`` with the value at ``path`` replaced (``set``) or removed
    (``delete``)."""
    out = copy.deepcopy(obj)
    if not path:
        return copy.deepcopy(value) if action == "set" else {}
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "delete":
        del parent[last]
    else:
        parent[last] = copy.deepcopy(value)
    return out


def random_input(rng: random.Random) -> str:
    """One fuzz input: the seeds with 1-4 mutations, sometimes with damaged text."""
    docs = copy.deepcopy(SEEDS)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(docs))
        paths = [p for p in paths_of(docs[i]) if p[:1] not in (("apiVersion",), ("kind",))]
        path = rng.choice(paths)
        action = "delete" if path and rng.random() < 0.2 else "set"
        docs[i] = mutate(docs[i], path, action, rng.choice(WRONG_VALUES))
    text = render(docs)
    if rng.random() < 0.1:
        cut = rng.randrange(len(text))
        text = (
            text[:cut] + rng.choice(["\t", "{{ .Values.x }}", ": [", "&a *a", "\x00"]) + text[cut:]
        )
    return text


def render(docs: list[Any]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False, width=1 << 16)


@dataclass(frozen=True)
class Outcome:
    command: str
    code: int
    problem: str | None


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    from k8snetlint.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        else:  # pragma: no cover - main always exits
            code = 0
    return code, out.getvalue(), err.getvalue()


def run_input(text: str, *, allow_empty: bool = True) -> list[Outcome]:
    """Run ``check``, ``graph`` and ``reach`` on one input; one outcome each.

    ``allow_empty=False`` leaves out ``--allow-empty`` (for versions without it)."""
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="k8snetlint-fuzz-") as tmp:
        path = Path(tmp) / "input.yaml"
        path.write_text(text, encoding="utf-8")
        commands = {
            "check": ["check", str(path), "-f", "json", *(["--allow-empty"] * allow_empty)],
            "graph": ["graph", str(path), "-f", "json"],
            "reach": ["reach", str(path), "--from", REACH[0], "--to", REACH[1], "-f", "json"],
        }
        for name, argv in commands.items():
            try:
                code, out, err = run_cli(argv)
            except BaseException as exc:
                outcomes.append(Outcome(name, -1, f"raised {type(exc).__name__}: {exc}"))
                continue
            problem = None
            if "internal error" in err or "Traceback" in err:
                problem = err.strip().splitlines()[0] if err.strip() else "internal error"
            elif code not in (0, 1, 2):
                problem = f"exit code {code}"
            elif code in (0, 1) or out.strip():
                try:
                    json.loads(out)
                except ValueError as exc:
                    problem = f"invalid JSON: {exc}"
            outcomes.append(Outcome(name, code, problem))
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--inputs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save", type=Path, default=None, help="write failing inputs here")
    parser.add_argument(
        "--no-allow-empty", action="store_true", help="for versions without --allow-empty"
    )
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    runs = failures = 0
    families: dict[str, int] = {}
    start = time.perf_counter()
    for n in range(args.inputs):
        text = random_input(rng)
        for outcome in run_input(text, allow_empty=not args.no_allow_empty):
            runs += 1
            if outcome.problem is not None:
                failures += 1
                key = f"{outcome.command}: {outcome.problem[:120]}"
                families[key] = families.get(key, 0) + 1
                if args.save is not None:
                    args.save.mkdir(parents=True, exist_ok=True)
                    (args.save / f"fail-{n:06d}-{outcome.command}.yaml").write_text(text)
    elapsed = time.perf_counter() - start
    print(f"inputs {args.inputs}, runs {runs}, failures {failures} ({elapsed:.0f} s)")
    for key, count in sorted(families.items(), key=lambda kv: -kv[1])[:20]:
        print(f"  {count:5d}  {key}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
