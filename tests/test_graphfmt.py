"""Renderers of the connectivity map on a small in-memory input."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from k8snetlint.config import Config
from k8snetlint.connectivity import Connection, ConnSet, Endpoint
from k8snetlint.engine import resolve_version, run
from k8snetlint.loader import load_paths
from k8snetlint.model import build_inventory
from k8snetlint.net import analyze
from k8snetlint.reporters import graphfmt

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "fixtures" / "connectivity-cli" / "shop"
SHOP_OPEN = ROOT / "fixtures" / "connectivity-cli" / "shop-open"
DB = "shop/db[StatefulSet]"


def shop_data() -> tuple[graphfmt.GraphData, dict[tuple[str, str], str]]:
    cfg = Config()
    conn = analyze(build_inventory(load_paths([str(SHOP)], ()).manifests, cfg), cfg)
    return graphfmt.graph_data(conn), graphfmt.pair_reasons(conn)


def findings_data(
    folder: Path,
) -> tuple[
    graphfmt.GraphData, dict[tuple[str, str], str], graphfmt.FindingsByKey, graphfmt.FindingsByKey
]:
    """The map of ``folder`` and its findings per node and per namespace (checks run once)."""
    cfg = Config()
    loaded = load_paths([str(folder)], ())
    conn = analyze(build_inventory(loaded.manifests, cfg), cfg)
    by_node, by_ns = graphfmt.map_findings(conn, run(loaded, cfg, resolve_version(cfg)))
    return graphfmt.graph_data(conn), graphfmt.pair_reasons(conn), by_node, by_ns


def html_payload(page: str) -> dict[str, Any]:
    start = '<script id="data" type="application/json">'
    doc: dict[str, Any] = json.loads(page.split(start, 1)[1].split("</script>", 1)[0])
    return doc


def wl(ns: str, name: str) -> Endpoint:
    return Endpoint("workload", ns, name, "Deployment")


def test_txt_sorted_and_names() -> None:
    a, b = wl("x", "a"), wl("x", "b")
    ctrl = Endpoint("ingress-controller", "", "ingress-controller", "IngressController")
    tcp80 = ConnSet.from_dict({"TCP": [(80, 80)], "UDP": [(53, 53)]})
    data = graphfmt.GraphData(
        (a, b, ctrl),
        (Connection(b, a, ConnSet.all()), Connection(ctrl, b, tcp80), Connection(a, b, tcp80)),
        (),
    )
    assert graphfmt.render_txt(data) == (
        "x/a[Deployment] => x/b[Deployment] : TCP 80,UDP 53\n"
        "x/b[Deployment] => x/a[Deployment] : All Connections\n"
        "{ingress-controller} => x/b[Deployment] : TCP 80,UDP 53\n"
    )
    assert graphfmt.render_txt(graphfmt.GraphData((), (), ())) == ""


def test_picture_aggregates_open_destinations() -> None:
    pods = [wl("x", n) for n in "abcd"]
    ext = Endpoint("external", "", "0.0.0.0-255.255.255.255")
    conns = [Connection(s, pods[0], ConnSet.all()) for s in [*pods[1:], ext]] + [
        Connection(pods[1], pods[2], ConnSet.from_dict({"TCP": [(5432, 5432)]}))
    ]
    pic = graphfmt.picture(graphfmt.GraphData((*pods, ext), tuple(conns), ()))
    edges = {(e.src, e.dst, e.label) for e in pic.edges}
    assert edges == {
        (graphfmt.ANYONE, "x/a[Deployment]", "All Connections"),
        ("x/b[Deployment]", "x/c[Deployment]", "TCP 5432"),
    }
    assert {n.id for n in pic.nodes if n.entry} == {"x/a[Deployment]"}


def test_mermaid_escapes() -> None:
    ep = Endpoint("workload", "n", 'we"ird<x>', "Pod")
    other = wl("n", "b")
    data = graphfmt.GraphData((ep, other), (Connection(other, ep, ConnSet.all()),), ())
    text = graphfmt.render_mermaid(data)
    assert '"' not in text.replace('["', "").replace('"]', "").replace('|"', "").replace('"|', "")
    assert "#quot;" in text and "#lt;" in text


def test_html_self_contained(tmp_path: Path) -> None:
    data, reasons = shop_data()
    page = graphfmt.render_html(data, reasons)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"(src|href)=\"https?:", page)
    payload = page.split('<script id="data" type="application/json">', 1)[1].split("</script>", 1)[
        0
    ]
    doc = json.loads(payload)
    db = doc["incoming"]["shop/db[StatefulSet]"]
    assert [(c["src"], c["conn"]) for c in db] == [("shop/backend[Deployment]", "TCP 5432")]
    assert "shop/db-allow-backend ingress[0]" in db[0]["why"]
    assert {n["id"] for n in doc["nodes"] if n["entry"]} >= {"shop/frontend[Deployment]"}
    assert any("nodePort 30080" in r for r in doc["routes"]["shop/frontend[Deployment]"])


def test_findings_mapped_to_nodes() -> None:
    _, _, by_node, by_ns = findings_data(SHOP_OPEN)
    db = by_node[DB]
    # the workload's own finding, worst first, with its location
    assert db[0]["rule"] == "database-reachable-cluster-wide"
    assert db[0]["severity"] == "error"
    assert db[0]["location"].endswith("shop-open/workloads.yaml:62:15")
    # a Service finding lands on the workloads the Service selects
    assert "single-replica-service" in {f["rule"] for f in db}
    front = {f["rule"] for f in by_node["shop/frontend[Deployment]"]}
    assert "node-port-service" in front
    # a Namespace finding is namespace-level
    assert [f["rule"] for f in by_ns["shop"]] == ["namespace-missing-default-deny"]


def test_html_findings_marked() -> None:
    data, reasons, by_node, by_ns = findings_data(SHOP_OPEN)
    page = graphfmt.render_html(data, reasons, findings=by_node, namespace_findings=by_ns)
    doc = html_payload(page)
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert (nodes[DB]["findings"], nodes[DB]["worst"]) == (len(by_node[DB]), "error")
    assert nodes["shop/frontend[Deployment]"]["worst"] == "warning"
    assert nodes["shop/backend[Deployment]"]["worst"] == "info"
    assert nodes[graphfmt.ANYONE]["findings"] == 0 and nodes[graphfmt.ANYONE]["worst"] == ""
    assert doc["findings"][DB][0]["message"].startswith(
        "database shop/db[StatefulSet] accepts TCP 5432 from any pod in any namespace"
    )
    assert doc["namespaceFindings"]["shop"][0]["rule"] == "namespace-missing-default-deny"
    # the page marks such nodes (class and badge) and lists findings above the reach list
    assert '" has-findings sev-"' in page and 'class:"badge' in page
    assert page.index('"Findings ("') < page.index('"Who can reach it ("')
    assert not re.search(r"(src|href)=\"https?:", page)


def test_html_findings_escaped() -> None:
    ep, other = wl("n", "a"), wl("n", "b")
    data = graphfmt.GraphData((ep, other), (Connection(other, ep, ConnSet.all()),), ())
    nasty = "</script><b>&amp; \"quoted\" 'single' <!-- x"
    finding = {"severity": "error", "rule": "r<1>", "message": nasty, "location": "a&b.yaml:1:2"}
    page = graphfmt.render_html(
        data,
        findings={"n/a[Deployment]": [finding], "not/drawn[Pod]": [finding]},
        namespace_findings={"n": [dict(finding, message=nasty + " ns")]},
    )
    data_block = page.split('<script id="data" type="application/json">', 1)[1]
    data_block = data_block.split("</script>", 1)[0]
    for raw in ("<", ">", "&"):
        assert raw not in data_block
    assert "<b>" not in page and "<!-- x" not in page
    assert page.count("</script>") == 2  # the data block and the code, nothing from data
    doc = html_payload(page)
    assert doc["findings"] == {"n/a[Deployment]": [finding]}  # undrawn nodes dropped
    assert doc["namespaceFindings"]["n"][0]["message"] == nasty + " ns"
    # the side panel writes text nodes, never markup
    assert "innerHTML" not in page


def test_json_findings() -> None:
    data, _, by_node, by_ns = findings_data(SHOP_OPEN)
    doc = json.loads(graphfmt.render_json(data, by_node, by_ns))
    assert doc["findings"]["nodes"][DB][0]["rule"] == "database-reachable-cluster-wide"
    assert doc["findings"]["namespaces"]["shop"][0]["severity"] == "info"
    assert "findings" not in json.loads(graphfmt.render_json(data))


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.mark.skipif(
    not (shutil.which("chromium") or shutil.which("chromium-browser")),
    reason="chromium is not installed (.ci/run installs Debian's chromium)",
)
def test_html_in_headless_chromium(tmp_path: Path) -> None:
    data, reasons, by_node, by_ns = findings_data(SHOP_OPEN)
    html = graphfmt.render_html(data, reasons, findings=by_node, namespace_findings=by_ns)
    page = tmp_path / "map.html"
    page.write_text(html)
    # the same page, with a click on the database node once it is drawn
    clicked = tmp_path / "clicked.html"
    click = (
        "<script>document.querySelectorAll('.node').forEach(function(g){"
        f"if(g.getAttribute('data-id')==='{DB}')g.dispatchEvent(new MouseEvent('click'));}});"
        "</script></body>"
    )
    clicked.write_text(html.replace("</body>", click))
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"

    def chromium(*args: str, target: Path = page) -> subprocess.CompletedProcess[str]:
        profile = tmp_path / f"profile-{target.stem}-{len(args)}"
        return subprocess.run(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, target.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    res = chromium("--dump-dom")
    assert 'class="node' in res.stdout  # the script drew the nodes
    for node in ("shop/frontend[Deployment]", "shop/backend[Deployment]", "shop/db[StatefulSet]"):
        assert node in res.stdout, node
    console_errors = [
        line
        for line in res.stderr.splitlines()
        if "CONSOLE" in line and ("Uncaught" in line or ":ERROR:" in line)
    ]
    assert console_errors == [], console_errors
    # nodes with findings are marked: class and badge, coloured by the worst severity
    db_node = re.search(r'<g class="([^"]*)" data-id="shop/db\[StatefulSet\]"', res.stdout)
    assert db_node is not None and "has-findings sev-error" in db_node.group(1)
    assert 'class="badge"' in res.stdout
    assert 'class="badge gbadge sev-info"' in res.stdout  # the namespace-level finding

    res = chromium("--dump-dom", target=clicked)
    info = res.stdout.split('<div id="info">', 1)[1]
    assert "database-reachable-cluster-wide" in info
    assert "workloads.yaml:62:15" in info
    assert info.index("database-reachable-cluster-wide") < info.index("Who can reach it")

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "connectivity-map.png"
    shot.unlink(missing_ok=True)
    chromium("--window-size=1280,900", f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 10_000
