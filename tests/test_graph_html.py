"""What the HTML map draws: the folding of the picture and the page's payload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from k8snetlint.config import Config
from k8snetlint.connectivity import Connection, ConnSet, Endpoint
from k8snetlint.loader import load_paths
from k8snetlint.model import build_inventory
from k8snetlint.net import analyze
from k8snetlint.reporters import graph_html, graphfmt
from k8snetlint.reporters.graph_html import OUTSIDE, map_picture

ROOT = Path(__file__).resolve().parent.parent


def wl(name: str, ns: str = "x") -> Endpoint:
    return Endpoint("workload", ns, name, "Deployment")


def ext(name: str) -> Endpoint:
    return Endpoint("external", "", name)


ALL = ConnSet.all()
TCP80 = ConnSet.from_dict({"TCP": [(80, 80)]})


def payload(page: str) -> dict[str, Any]:
    start = '<script id="data" type="application/json">'
    doc: dict[str, Any] = json.loads(page.split(start, 1)[1].split("</script>", 1)[0])
    return doc


def test_every_range_folds_into_one_outside_node() -> None:
    a, b = wl("a"), wl("b")
    lo, hi = ext("0.0.0.0-9.255.255.255"), ext("10.0.0.0-255.255.255.255")
    data = graphfmt.GraphData(
        (a, b, lo, hi),
        (Connection(lo, a, TCP80), Connection(hi, a, ALL), Connection(a, b, TCP80)),
        (),
    )
    nodes, edges = map_picture(data)
    assert [n.id for n in nodes if n.type == "outside"] == [OUTSIDE]
    out = [e for e in edges if e.src == OUTSIDE]
    assert len(out) == 1 and out[0].dst == "x/a[Deployment]"
    assert out[0].label == "All Connections"  # the union; the ranges are in the detail
    assert out[0].detail == (
        "0.0.0.0-9.255.255.255[External]: TCP 80; 10.0.0.0-255.255.255.255[External]: "
        "All Connections"
    )
    assert out[0].kind == "admitted"  # no route from outside: policy only


def test_anyone_only_when_every_address_reaches_alike() -> None:
    pods = [wl(n) for n in "abcd"]
    lo, hi = ext("0.0.0.0-9.255.255.255"), ext("10.0.0.0-255.255.255.255")
    every = [Connection(p, pods[0], ALL) for p in pods[1:]]
    some = graphfmt.GraphData((*pods, lo, hi), (*every, Connection(hi, pods[0], ALL)), ())
    _, edges = map_picture(some)
    srcs = {e.src for e in edges if e.dst == "x/a[Deployment]"}
    # every pod, but not every address: "any pod" plus the outside node, never "anyone"
    assert srcs == {graphfmt.ANY_POD, OUTSIDE}
    full = graphfmt.GraphData(
        (*pods, lo, hi), (*every, Connection(lo, pods[0], ALL), Connection(hi, pods[0], ALL)), ()
    )
    _, edges = map_picture(full)
    assert {e.src for e in edges if e.dst == "x/a[Deployment]"} == {graphfmt.ANYONE}


def test_egress_of_every_pod_is_one_edge() -> None:
    pods = [wl(n) for n in "abc"]
    anywhere = ext("0.0.0.0-255.255.255.255")
    data = graphfmt.GraphData(
        (*pods, anywhere), tuple(Connection(p, anywhere, ALL) for p in pods), ()
    )
    _, edges = map_picture(data)
    assert [(e.src, e.dst, e.kind) for e in edges] == [(graphfmt.ANY_POD, OUTSIDE, "egress")]


def test_page_payload_has_geometry_and_panels(tmp_path: Path) -> None:
    cfg = Config()
    folder = ROOT / "fixtures" / "scenarios" / "seed-fixed"
    conn = analyze(build_inventory(load_paths([str(folder)], ()).manifests, cfg), cfg)
    data = graphfmt.graph_data(conn)
    page = graph_html.render_html(data, graphfmt.pair_reasons(conn))
    doc = payload(page)
    assert 'http-equiv="Content-Security-Policy" content="default-src \'none\'' in page
    assert "/*__JS__*/" not in page and "/*__CSS__*/" not in page and "__DATA__" not in page
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert all({"x", "y", "w", "h"} <= set(n) for n in nodes.values())
    assert {g["name"] for g in doc["groups"]} == {"", "default"}
    # exposed workloads are entry points; the database is not
    assert nodes["default/frontend[Deployment]"]["entry"]
    assert not nodes["default/database[StatefulSet]"]["entry"]
    assert any(e["kind"] == "exposed" for e in doc["edges"])
    assert all(e["d"].startswith("M") for e in doc["edges"])
    front = doc["incoming"]["default/frontend[Deployment]"]
    assert any("exposed" in item["outside"] for item in front)
    assert any(
        r.startswith("LoadBalancer default/web-service:80")
        for r in doc["routes"]["default/frontend[Deployment]"]
    )
    assert doc["summary"].startswith("28 connections between 6 workloads")


def test_page_is_deterministic() -> None:
    cfg = Config()
    folder = ROOT / "fixtures" / "scenarios" / "multi-namespace"

    def page() -> str:
        conn = analyze(build_inventory(load_paths([str(folder)], ()).manifests, cfg), cfg)
        return graph_html.render_html(graphfmt.graph_data(conn), graphfmt.pair_reasons(conn))

    assert page() == page()


def test_empty_and_single_maps() -> None:
    empty = payload(graph_html.render_html(graphfmt.GraphData((), (), ())))
    assert (empty["nodes"], empty["edges"], empty["groups"]) == ([], [], [])
    one = payload(graph_html.render_html(graphfmt.GraphData((wl("a"),), (), ())))
    assert [n["id"] for n in one["nodes"]] == ["x/a[Deployment]"]
    assert (
        one["summary"]
        == "0 connections between 1 workload; none with addresses outside the cluster"
    )
