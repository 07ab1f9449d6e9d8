"""Renderers of the connectivity map on a small in-memory input."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from k8snetlint.config import Config
from k8snetlint.connectivity import Connection, ConnSet, Endpoint
from k8snetlint.graph import analyze
from k8snetlint.loader import load_paths
from k8snetlint.model import build_inventory
from k8snetlint.reporters import graphfmt

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "fixtures" / "connectivity-cli" / "shop"


def shop_data() -> tuple[graphfmt.GraphData, dict[tuple[str, str], str]]:
    cfg = Config()
    conn = analyze(build_inventory(load_paths([str(SHOP)], ()).manifests, cfg), cfg)
    return graphfmt.graph_data(conn), graphfmt.pair_reasons(conn)


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
    data, reasons = shop_data()
    page = tmp_path / "map.html"
    page.write_text(graphfmt.render_html(data, reasons))
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"

    def chromium(*args: str) -> subprocess.CompletedProcess[str]:
        profile = tmp_path / f"profile-{len(args)}"
        return subprocess.run(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
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

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "connectivity-map.png"
    shot.unlink(missing_ok=True)
    chromium("--window-size=1280,900", f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 10_000
