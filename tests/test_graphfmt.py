"""Renderers of the connectivity map on a small in-memory input."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import mapcluster
import pytest

from k8snetlint.config import Config
from k8snetlint.connectivity import Connection, ConnSet, Endpoint
from k8snetlint.engine import resolve_version, run
from k8snetlint.loader import load_paths
from k8snetlint.model import build_inventory
from k8snetlint.net import analyze
from k8snetlint.reporters import graph_html, graphfmt

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


def test_txt_is_netpol_analyzer_connlist() -> None:
    """Ports grouped per protocol (alphabetical), ``[External]`` on address ranges, as
    in np-guard/netpol-analyzer's test_outputs/connlist/*.txt."""
    a, b = wl("x", "a"), wl("x", "b")
    ext = Endpoint("external", "", "10.0.0.0-10.255.255.255")
    all_but_80 = ConnSet.all().intersection(
        ConnSet.from_dict(
            {"TCP": [(1, 79), (81, 65535)], "UDP": [(1, 65535)], "SCTP": [(1, 65535)]}
        )
    )
    two = ConnSet.from_dict({"TCP": [(8090, 8090), (8050, 8050)]})
    data = graphfmt.GraphData(
        (a, b, ext),
        (Connection(a, b, all_but_80), Connection(b, a, two), Connection(a, ext, two)),
        (),
    )
    assert graphfmt.render_txt(data).splitlines() == [
        "x/a[Deployment] => 10.0.0.0-10.255.255.255[External] : TCP 8050,8090",
        "x/a[Deployment] => x/b[Deployment] : SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535",
        "x/b[Deployment] => x/a[Deployment] : TCP 8050,8090",
    ]


IPV4_ONLY = """
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {}
  ingress: [{}]
  egress: [{to: [{ipBlock: {cidr: CIDR}}]}]
"""


def graph_of(text: str, tmp_path: Path) -> graphfmt.GraphData:
    (tmp_path / "in.yaml").write_text(text)
    cfg = Config()
    conn = analyze(build_inventory(load_paths([str(tmp_path)], ()).manifests, cfg), cfg)
    return graphfmt.graph_data(conn)


def test_ipv6_ranges_only_when_the_input_mentions_ipv6(tmp_path: Path) -> None:
    v4 = graphfmt.render_txt(graph_of(IPV4_ONLY.replace("CIDR", "10.0.0.0/8"), tmp_path))
    # the ranges every ipBlock treats alike, as netpol-analyzer splits them; no IPv6
    assert v4.splitlines() == [
        "0.0.0.0-9.255.255.255[External] => x/a[Pod] : All Connections",
        "10.0.0.0-10.255.255.255[External] => x/a[Pod] : All Connections",
        "11.0.0.0-255.255.255.255[External] => x/a[Pod] : All Connections",
        "x/a[Pod] => 10.0.0.0-10.255.255.255[External] : All Connections",
    ]
    v6 = graphfmt.render_txt(graph_of(IPV4_ONLY.replace("CIDR", "'fd00::/8'"), tmp_path))
    assert v6.splitlines() == [
        "0.0.0.0-255.255.255.255[External] => x/a[Pod] : All Connections",
        "::-fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff[External] => x/a[Pod] : All Connections",
        "fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff[External] => x/a[Pod] : All Connections",
        "fe00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff[External] => x/a[Pod] : All Connections",
        "x/a[Pod] => fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff[External] : All Connections",
    ]


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
    assert page.index('"Findings ("') < page.index('"Who reaches it ("')
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


CHROME = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROME is None, reason="chromium is not installed (.ci/run installs Debian's chromium)"
)

# Measures the drawn page from the DOM (screen coordinates after the initial fit),
# exercises search, filter and zoom, and writes the result into the page for
# --dump-dom to carry out.
HARNESS = """<script>
(function(){
var out={nodes:[],overlaps:[],badEdges:[],labelOverlaps:[],labelOnNode:[],edges:0,labels:0};
var svg=document.getElementById("svg"),sr=svg.getBoundingClientRect();
var boxes={};
document.querySelectorAll("#nodes .node").forEach(function(g){
 var r=g.querySelector("rect.box").getBoundingClientRect();boxes[g.getAttribute("data-id")]=r;
 out.nodes.push({id:g.getAttribute("data-id"),cls:g.getAttribute("class"),x:r.left,y:r.top,w:r.width,h:r.height});});
var ids=Object.keys(boxes);
function ov(a,b,pad){return a.left<b.right-pad&&b.left<a.right-pad&&a.top<b.bottom-pad&&b.top<a.bottom-pad;}
for(var i=0;i<ids.length;i++)for(var j=i+1;j<ids.length;j++)if(ov(boxes[ids[i]],boxes[ids[j]],0))out.overlaps.push([ids[i],ids[j]]);
function onBorder(p,r){var tol=1.5;var inX=p.x>=r.left-tol&&p.x<=r.right+tol,inY=p.y>=r.top-tol&&p.y<=r.bottom+tol;
 var nearX=Math.abs(p.x-r.left)<=tol||Math.abs(p.x-r.right)<=tol,nearY=Math.abs(p.y-r.top)<=tol||Math.abs(p.y-r.bottom)<=tol;
 return inX&&inY&&(nearX||nearY);}
function screen(path,len){var p=path.getPointAtLength(len),m=path.getScreenCTM();
 var q=svg.createSVGPoint();q.x=p.x;q.y=p.y;q=q.matrixTransform(m);return {x:q.x,y:q.y};}
document.querySelectorAll("#edges path.edge").forEach(function(p){out.edges++;
 var s=p.getAttribute("data-src"),d=p.getAttribute("data-dst"),a=screen(p,0),b=screen(p,p.getTotalLength());
 if(!boxes[s]||!boxes[d]||!onBorder(a,boxes[s])||!onBorder(b,boxes[d]))out.badEdges.push([s,d,a,b]);});
var labels=[];
document.querySelectorAll("#labels .el").forEach(function(l){if(getComputedStyle(l).display==="none")return;
 labels.push(l.querySelector("rect").getBoundingClientRect());});
out.labels=labels.length;
for(var i=0;i<labels.length;i++){for(var j=i+1;j<labels.length;j++)if(ov(labels[i],labels[j],0.5))out.labelOverlaps.push([i,j]);
 ids.forEach(function(id){if(ov(labels[i],boxes[id],0.5))out.labelOnNode.push([i,id]);});}
var all=document.getElementById("vp").getBoundingClientRect();
out.fits=all.left>=sr.left-1&&all.top>=sr.top-1&&all.right<=sr.right+1&&all.bottom<=sr.bottom+1;
out.fill=Math.max(all.width/sr.width,all.height/sr.height);
// a label hidden for lack of room shows when its edge is pointed at
var hid=document.querySelector("#labels .el.hidden");
if(hid){var i=hid.getAttribute("data-i"),hit=document.querySelector('#edges .eg[data-i="'+i+'"] .hit');
 out.hiddenBefore=getComputedStyle(hid).display;hit.dispatchEvent(new MouseEvent("mouseenter"));
 out.hiddenOnHover=getComputedStyle(hid).display;hit.dispatchEvent(new MouseEvent("mouseleave"));
 out.hiddenAfter=getComputedStyle(hid).display;}
// search
var q=document.getElementById("search");q.value="db";q.dispatchEvent(new Event("input"));
out.search=document.querySelectorAll("#nodes .node.match").length;
out.searchText=document.getElementById("matches").textContent;
q.value="";q.dispatchEvent(new Event("input"));
// namespace filter
var cb=document.querySelector('#nsfilter input[data-ns="payments"]');
cb.checked=false;cb.dispatchEvent(new Event("change"));
out.filteredHidden=Array.prototype.filter.call(document.querySelectorAll('#nodes .node[data-ns="payments"]'),function(g){return getComputedStyle(g).display==="none";}).length;
out.filteredEdgesShown=Array.prototype.filter.call(document.querySelectorAll("#edges path.edge"),function(p){
 return (p.getAttribute("data-src").indexOf("payments/")===0||p.getAttribute("data-dst").indexOf("payments/")===0)&&getComputedStyle(p.parentNode).display!=="none";}).length;
cb.checked=true;cb.dispatchEvent(new Event("change"));
// zoom
var k0=window.k8snetlintMap.view.k;document.getElementById("zoom-in").click();out.zoomed=window.k8snetlintMap.view.k/k0;
document.getElementById("fit").click();
var pre=document.createElement("pre");pre.id="k8snetlint-test";pre.textContent=JSON.stringify(out);document.body.appendChild(pre);
})();
</script></body>"""


def chromium(target: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROME is not None
    return subprocess.run(
        [CHROME, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, target.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def console_errors(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if "CONSOLE" in line and ("Uncaught" in line or ":ERROR:" in line)
    ]


def cluster_map(tmp_path: Path, workloads: int) -> tuple[str, graphfmt.GraphData]:
    folder = tmp_path / f"cluster-{workloads}"
    folder.mkdir()
    (folder / "cluster.yaml").write_text(mapcluster.cluster(workloads))
    data, reasons, by_node, by_ns = findings_data(folder)
    assert sum(1 for e in data.endpoints if e.kind == "workload") == workloads
    return graphfmt.render_html(data, reasons, by_node, by_ns), data


@needs_chromium
@pytest.mark.parametrize("workloads", [12, 60])
def test_html_map_in_headless_chromium(tmp_path: Path, workloads: int) -> None:
    html, data = cluster_map(tmp_path, workloads)
    page = tmp_path / "map.html"
    page.write_text(html.replace("</body>", HARNESS))
    res = chromium(page, tmp_path / "profile", "--window-size=1400,900", "--dump-dom")
    assert console_errors(res.stderr) == []
    found = re.search(r'<pre id="k8snetlint-test">(.*?)</pre>', res.stdout, re.S)
    assert found is not None, res.stderr[-2000:]
    out = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    ids = {n["id"] for n in out["nodes"]}
    assert {
        f"{e.namespace}/{e.name}[{e.workload_kind}]" for e in data.endpoints if e.kind == "workload"
    } <= ids
    assert graph_html.OUTSIDE in ids  # one node for everything outside the cluster
    assert not any("[External]" in i for i in ids)
    assert out["overlaps"] == []  # no two node boxes overlap
    assert out["edges"] > workloads and out["badEdges"] == []  # ends on their nodes
    assert out["labels"] > 0
    assert out["labelOverlaps"] == [] and out["labelOnNode"] == []
    assert out["fits"] and out["fill"] > 0.6  # the whole map fits and fills the window
    db_nodes = [i for i in ids if "/db[" in i]
    assert out["search"] == len(db_nodes) and out["searchText"] == f"{len(db_nodes)} matches"
    assert out["filteredHidden"] == sum(1 for i in ids if i.startswith("payments/"))
    assert out["filteredEdgesShown"] == 0
    assert out["zoomed"] == pytest.approx(1.25)
    # dense maps hide some labels, and show them on hover
    assert (out["hiddenBefore"], out["hiddenOnHover"], out["hiddenAfter"]) == (
        "none",
        "inline",
        "none",
    )
    # entry points and findings are marked
    classes = {n["id"]: n["cls"] for n in out["nodes"]}
    assert "entry" in classes["shop/frontend[Deployment]"].split()
    assert "has-findings" in classes["payments/db[StatefulSet]"]
    assert "sev-error" in classes["payments/db[StatefulSet]"]
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"connectivity-map-{workloads}.png"
    shot.unlink(missing_ok=True)
    plain = tmp_path / "map-plain.html"
    plain.write_text(html)
    chromium(plain, tmp_path / "profile2", "--window-size=1400,900", f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 20_000


@needs_chromium
def test_html_side_panel_in_headless_chromium(tmp_path: Path) -> None:
    data, reasons, by_node, by_ns = findings_data(SHOP_OPEN)
    html = graphfmt.render_html(data, reasons, findings=by_node, namespace_findings=by_ns)
    click = (
        "<script>document.querySelectorAll('.node').forEach(function(g){"
        f"if(g.getAttribute('data-id')==='{DB}')g.dispatchEvent(new MouseEvent('click',{{bubbles:true}}));}});"
        "</script></body>"
    )
    page = tmp_path / "clicked.html"
    page.write_text(html.replace("</body>", click))
    res = chromium(page, tmp_path / "profile", "--window-size=1400,900", "--dump-dom")
    assert console_errors(res.stderr) == []
    info = res.stdout.split('<div id="info">', 1)[1]
    # every finding of the node, then who reaches it on which port and why
    for f in by_node[DB]:
        assert f["rule"] in info
    assert "workloads.yaml:62:15" in info
    assert info.index("database-reachable-cluster-wide") < info.index("Who reaches it")
    assert "shop/backend[Deployment]" in info and "TCP 5432" in info
    assert "why: " in info
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "connectivity-map-selected.png"
    shot.unlink(missing_ok=True)
    chromium(page, tmp_path / "profile2", "--window-size=1400,900", f"--screenshot={shot}")
    assert shot.exists()
    # the default panel lists every finding (nodes and namespaces), not just some
    plain = tmp_path / "plain.html"
    plain.write_text(html)
    res = chromium(plain, tmp_path / "profile3", "--dump-dom")
    info = res.stdout.split('<div id="info">', 1)[1]
    total = sum(len(v) for v in by_node.values()) + sum(len(v) for v in by_ns.values())
    assert f"Findings ({total})" in info
    assert info.count('class="finding ') == total


SCENARIOS = ROOT / "fixtures" / "scenarios"


def scenario(name: str) -> graphfmt.GraphData:
    cfg = Config()
    loaded = load_paths([str(SCENARIOS / name)], ())
    return graphfmt.graph_data(analyze(build_inventory(loaded.manifests, cfg), cfg))


def test_outside_reading_clusterip_database_is_not_exposed() -> None:
    doc = json.loads(graphfmt.render_json(scenario("shop-open")))
    outside = {
        (c["src"]["name"], c["dst"]["name"]): c["outside"]
        for c in doc["connections"]
        if c["outside"] is not None
    }
    db_in = outside[("0.0.0.0-255.255.255.255[External]", "shop/postgres[StatefulSet]")]
    assert (db_in["direction"], db_in["exposed"], db_in["via"]) == ("ingress", False, [])
    assert "no NodePort, LoadBalancer, externalIP, hostPort or Ingress" in db_in["meaning"]
    db_out = outside[("shop/postgres[StatefulSet]", "0.0.0.0-255.255.255.255[External]")]
    assert (db_out["direction"], db_out["exposed"]) == ("egress", False)
    # pairs between workloads have no outside reading
    assert all(
        c["outside"] is None
        for c in doc["connections"]
        if "[External]" not in c["src"]["name"] + c["dst"]["name"]
    )
    summary = doc["summary"]
    assert summary["admittedByPolicyOnly"] == [
        "shop/api[Deployment]",
        "shop/frontend[Deployment]",
        "shop/postgres[StatefulSet]",
    ]
    assert summary["exposedToOutside"] == []
    assert "admitted by policy only, not exposed" in summary["text"]


def test_outside_reading_names_the_ways_in() -> None:
    data = scenario("seed-fixed")
    doc = json.loads(graphfmt.render_json(data))
    front = next(
        c["outside"]
        for c in doc["connections"]
        if c["src"]["type"] == "external" and c["dst"]["name"] == "default/frontend[Deployment]"
    )
    assert front["exposed"] is True
    assert "LoadBalancer default/web-service:80 loadBalancer" in front["via"]
    assert "Ingress default/app-ingress */ui" in front["via"]
    assert doc["summary"]["exposedToOutside"] == [
        "default/backend[Deployment]",
        "default/frontend[Deployment]",
        "default/myapp[Deployment]",
    ]
    assert "default/database[StatefulSet]" in doc["summary"]["egressToOutside"]


def test_graph_prints_the_summary_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    from k8snetlint.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["graph", str(SCENARIOS / "shop-open")])
    assert exc.value.code in (0, None)
    out, err = capsys.readouterr()
    assert "[External]" in out and "Outside the cluster" not in out
    assert err.startswith("12 connections between 3 workloads. Outside the cluster: ")
    assert "3 workloads admitted by policy only, not exposed" in err


def test_csv_one_record_shape() -> None:
    rows = list(csv.DictReader(io.StringIO(graphfmt.render_csv(scenario("seed-fixed")))))
    assert {r["type"] for r in rows} == {"connection", "route"}
    for r in rows:
        # every row names a destination workload and its port range, numerically
        assert r["dst_type"] == "workload" or r["dst_type"] == "external"
        assert int(r["port_from"]) <= int(r["port_to"])
        if r["type"] == "connection":
            assert r["conn"] and r["route_kind"] == "" and r["via"] == ""
            assert r["assumed"] in ("true", "false") and r["blocked"] == ""
        else:
            assert r["conn"] == "" and r["route_kind"] and r["via"]
            assert r["blocked"] in ("true", "false") and r["assumed"] == ""
    lb = [r for r in rows if r["route_kind"] == "loadbalancer"]
    assert [(r["src"], r["dst"], r["port_from"], r["via_port"]) for r in lb] == [
        ("0.0.0.0-255.255.255.255[External]", "default/frontend[Deployment]", "8080", "80")
    ]
    ing = [r for r in rows if r["route_kind"] == "ingress"]
    assert {r["src"] for r in ing} == {"{ingress-controller}"}
    outside = {r["outside"] for r in rows if r["type"] == "connection"}
    assert outside == {"", "egress", "ingress-exposed"}


def test_ipv6_in_admin_tier_networks_counts() -> None:
    folder = (
        ROOT / "tests" / "data" / "netpol-analyzer" / "anp_and_banp_using_networks_with_ipv6_test"
    )
    cfg = Config()
    inv = build_inventory(load_paths([str(folder)], ()).manifests, cfg)
    assert inv.tier_policies and graphfmt.mentions_ipv6(inv)
    plain = ROOT / "fixtures" / "scenarios" / "multi-namespace"
    assert not graphfmt.mentions_ipv6(build_inventory(load_paths([str(plain)], ()).manifests, cfg))


def test_graphml_leaves_out_ipv6_unless_mentioned(tmp_path: Path) -> None:
    cfg = Config()
    (tmp_path / "in.yaml").write_text(IPV4_ONLY.replace("CIDR", "10.0.0.0/8"))
    conn = analyze(build_inventory(load_paths([str(tmp_path)], ()).manifests, cfg), cfg)
    text = graphfmt.render_graphml(conn)
    assert "10.0.0.0-10.255.255.255" in text and "::" not in text
    assert "::" in "\n".join(n for n in conn.nx_graph.nodes)  # the engine keeps both


# -- the streamed map ---------------------------------------------------------------

STREAM_INPUTS = sorted(
    [
        *(ROOT / "fixtures" / "scenarios").iterdir(),
        *(p for p in (ROOT / "tests" / "realworld").iterdir() if p.is_dir()),
        SHOP,
        SHOP_OPEN,
    ]
)


def _streamed(conn: Any, fmt: str, focus: Endpoint | None, findings: Any = None) -> str:
    return "".join(graphfmt.MapStream(conn, focus).chunks(fmt, findings))


@pytest.mark.parametrize("folder", STREAM_INPUTS, ids=lambda p: p.name)
def test_streamed_map_equals_the_materialised_one(folder: Path) -> None:
    """txt, csv and json written source by source are the materialised renderings,
    byte for byte, with and without a focus; the summary too."""
    cfg = Config()
    loaded = load_paths([str(folder)], ())
    conn = analyze(build_inventory(loaded.manifests, cfg), cfg)
    findings = graphfmt.map_findings(conn, run(loaded, cfg, resolve_version(cfg)))
    foci = [None, *(conn.endpoint_for(w) for w in conn.inventory.workloads[:3])]
    for focus in foci:
        data = graphfmt.graph_data(conn, focus)
        stream = graphfmt.MapStream(conn, focus)
        assert "".join(stream.chunks("text")) == graphfmt.render_txt(data)
        assert stream.summary() == graphfmt.outside_summary(data)
        assert _streamed(conn, "csv", focus) == graphfmt.render_csv(data)
        assert _streamed(conn, "json", focus, findings) == graphfmt.render_json(data, *findings)
        assert _streamed(conn, "json", focus) == graphfmt.render_json(data)


def test_jsonl_is_one_object_per_connection() -> None:
    cfg = Config()
    conn = analyze(build_inventory(load_paths([str(SHOP_OPEN)], ()).manifests, cfg), cfg)
    data = graphfmt.graph_data(conn)
    lines = _streamed(conn, "jsonl", None).splitlines()
    records = [json.loads(line) for line in lines]
    doc = json.loads(graphfmt.render_json(data))
    conns = [r for r in records if r["type"] == "connection"]
    assert [{k: v for k, v in r.items() if k != "type"} for r in conns] == doc["connections"]
    routes = [r for r in records if r["type"] == "route"]
    assert [{k: v for k, v in r.items() if k != "type"} for r in routes] == doc["routes"]
    assert [r["text"] for r in records if r["type"] == "note"] == doc["notes"]
    assert records[-1] == {"type": "summary", **doc["summary"]}
    assert all(" " not in line.split('"')[0] for line in lines)  # compact


def test_names_that_do_not_sort_by_parts_fall_back_to_whole_lines() -> None:
    """A workload named so that ``a => `` starts another source's key: the lines are
    sorted whole, as before."""
    objs = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "x"},
            "spec": {"containers": [{"name": "c", "image": "i"}]},
        }
        for name in ("a", "a[Pod] => b", "b")
    ]
    from netutil import analyze_input

    conn = analyze_input(objs, Config())
    assert conn.stream_rows(graphfmt.endpoint_name, lambda e: True) is None
    data = graphfmt.graph_data(conn)
    for fmt, want in (
        ("text", graphfmt.render_txt(data)),
        ("csv", graphfmt.render_csv(data)),
        ("json", graphfmt.render_json(data)),
    ):
        assert _streamed(conn, fmt, None) == want
