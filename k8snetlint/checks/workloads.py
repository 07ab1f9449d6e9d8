"""Workload hygiene from the seed document: bare pods, hardcoded IPs, single replicas."""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any

from k8snetlint.checks import Hit, RelatedHit, check
from k8snetlint.context import Context
from k8snetlint.document import Path
from k8snetlint.model import Workload

PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fd00::/8")

_V4 = r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]|/\d)"
_V6 = r"(?<![\w:.])[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:]|/\d)"


@functools.cache
def _ip_re() -> re.Pattern[str]:
    """Compiled on first use: only an input with containers needs it."""
    return re.compile(f"{_V4}|{_V6}")


IPNet = ipaddress.IPv4Network | ipaddress.IPv6Network


@check("bare-pod")
def bare_pod(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A Pod with no ownerReferences (static mirror pods excluded)."""
    for w in ctx.inventory.workloads:
        if w.kind != "Pod" or w.owner is not None:
            continue
        ann = w.manifest.get("metadata", "annotations")
        if isinstance(ann, Mapping) and "kubernetes.io/config.mirror" in ann:
            continue
        yield Hit(
            f"Pod {w.namespace}/{w.name} has no controller: it is not recreated when it or "
            "its node fails, and a recreated copy gets a new IP; run it from a Deployment "
            "(or a Job for one-off work)",
            manifest=w.manifest,
            path=("kind",),
        )


def _networks(ctx: Context) -> list[tuple[IPNet, str]]:
    out: list[tuple[IPNet, str]] = []
    assume = ctx.config.assume
    for label, cidrs in (
        ("pod network", assume.pod_cidr),
        ("service network", assume.service_cidr),
    ):
        for c in cidrs:
            try:
                out.append((ipaddress.ip_network(c, strict=False), f"the {label} {c}"))
            except ValueError:
                continue
    for c in PRIVATE_RANGES:
        out.append((ipaddress.ip_network(c), f"the private range {c}"))
    return out


def _strings(c: Mapping[str, Any], cpath: Path) -> Iterator[tuple[Path, str, str]]:
    """(path, where, text) of every env value, arg and command word of a container."""
    env = c.get("env")
    if isinstance(env, list):
        for i, e in enumerate(env):
            if isinstance(e, Mapping) and isinstance(e.get("value"), str):
                yield (*cpath, "env", i, "value"), f"env {e.get('name')}", e["value"]
    for key in ("command", "args"):
        items = c.get(key)
        if isinstance(items, list):
            for i, s in enumerate(items):
                if isinstance(s, str):
                    yield (*cpath, key, i), f"{key}[{i}]", s


def _containers(w: Workload) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    spec = w.manifest.get(*w.pod_spec_path)
    if not isinstance(spec, Mapping):
        return
    for key in ("initContainers", "containers"):
        items = spec.get(key)
        if isinstance(items, list):
            for i, c in enumerate(items):
                if isinstance(c, Mapping):
                    yield (*w.pod_spec_path, key, i), c


@check("hardcoded-pod-ip")
def hardcoded_pod_ip(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A literal IP in env/args/command inside the pod/service network or a private range.

    CIDRs (``10.0.0.0/8``) are not addresses and are not reported.
    """
    nets = _networks(ctx)
    for w in ctx.inventory.workloads:
        for cpath, c in _containers(w):
            cname = c.get("name") or "?"
            for path, where, text in _strings(c, cpath):
                for m in _ip_re().finditer(text):
                    try:
                        addr = ipaddress.ip_address(m.group(0))
                    except ValueError:
                        continue
                    inside = next((label for net, label in nets if addr in net), None)
                    if inside is None:
                        continue
                    yield Hit(
                        f"{where} of container {cname} in {w.kind} {w.namespace}/{w.name} "
                        f"holds the literal address {addr}, inside {inside}: pod IPs change "
                        "when pods are recreated; use a Service DNS name instead",
                        manifest=w.manifest,
                        path=path,
                    )
                    break


def _hpa_min(ctx: Context) -> dict[tuple[str, str, str], int]:
    out: dict[tuple[str, str, str], int] = {}
    ns_default = ctx.config.default_namespace
    for m in ctx.manifests:
        if m.kind != "HorizontalPodAutoscaler":
            continue
        ref = m.get("spec", "scaleTargetRef")
        if not isinstance(ref, Mapping):
            continue
        low = m.get("spec", "minReplicas")
        low = low if isinstance(low, int) and not isinstance(low, bool) else 1
        key = (m.effective_namespace(ns_default), str(ref.get("name")), str(ref.get("kind")))
        out[key] = low
    return out


@check("single-replica-service")
def single_replica_service(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A Service whose only backend workload runs one replica (HPA minReplicas counts)."""
    hpa = _hpa_min(ctx)
    for svc in ctx.inventory.services:
        if svc.type == "ExternalName" or svc.headless or len(svc.target_workloads) != 1:
            # A headless Service load-balances nothing: it names the pods (StatefulSet).
            continue
        w = svc.target_workloads[0]
        if w.replicas != 1 or w.kind in ("Job", "CronJob"):
            continue
        if hpa.get((w.namespace, w.name, w.kind), 1) > 1:
            continue
        rpath: Path = (
            ("spec", "replicas") if w.manifest.get("spec", "replicas") is not None else ("kind",)
        )
        yield Hit(
            f"Service {svc.namespace}/{svc.name} has a single backend, {w.kind} "
            f"{w.namespace}/{w.name}, running one replica: no load balancing and no "
            "failover while it restarts",
            manifest=svc.manifest,
            path=svc.selector_path,
            related=(RelatedHit(w.manifest, rpath if not w.pods else ("kind",), "one replica"),),
        )
