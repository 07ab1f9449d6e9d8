"""The connectivity commands (graph, reach, diff) end to end through ``cli.main``."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from benchutil import bench_module

from k8snetlint.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "fixtures" / "connectivity-cli" / "shop"
SHOP_OPEN = ROOT / "fixtures" / "connectivity-cli" / "shop-open"

EXPECTED_TXT = """\
0.0.0.0-255.255.255.255[External] => shop/backend[Deployment] : All Connections
0.0.0.0-255.255.255.255[External] => shop/frontend[Deployment] : All Connections
shop/backend[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections
shop/backend[Deployment] => shop/db[StatefulSet] : TCP 5432
shop/backend[Deployment] => shop/frontend[Deployment] : All Connections
shop/db[StatefulSet] => 0.0.0.0-255.255.255.255[External] : All Connections
shop/db[StatefulSet] => shop/backend[Deployment] : All Connections
shop/db[StatefulSet] => shop/frontend[Deployment] : All Connections
shop/frontend[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections
shop/frontend[Deployment] => shop/backend[Deployment] : All Connections
{ingress-controller} => shop/frontend[Deployment] : TCP 8080
"""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out, err


def files(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.glob("*.yaml"))


# -- graph ----------------------------------------------------------------------------


def test_graph_txt_exact(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run(["graph", "fixtures/connectivity-cli/shop"], capsys)
    assert code == 0, err
    assert out == EXPECTED_TXT


def test_graph_order_independent(capsys: pytest.CaptureFixture[str]) -> None:
    fs = files(SHOP)
    outs = []
    for argv in (fs, list(reversed(fs))):
        for fmt in ("txt", "json", "csv", "dot", "mermaid"):
            code, out, err = run(["graph", *argv, "--format", fmt], capsys)
            assert code == 0, err
            outs.append((fmt, out))
    assert outs[:5] == outs[5:]


def test_graph_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["graph", str(SHOP), "-f", "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    pairs = {(c["src"]["name"], c["dst"]["name"]): c for c in doc["connections"]}
    db = pairs[("shop/backend[Deployment]", "shop/db[StatefulSet]")]
    assert db["conn"] == "TCP 5432"
    assert db["ports"] == [{"protocol": "TCP", "from": 5432, "to": 5432}]
    assert db["dst"] == {
        "name": "shop/db[StatefulSet]",
        "type": "workload",
        "namespace": "shop",
        "workload": "db",
        "kind": "StatefulSet",
    }
    assert len(doc["connections"]) == len(EXPECTED_TXT.splitlines())
    kinds = {(r["kind"], r["via"]) for r in doc["routes"]}
    assert ("nodeport", "shop/frontend:80 nodePort 30080") in kinds
    assert ("ingress", "shop/shop shop.example.com/") in kinds
    assert ("service", "shop/db:5432") in kinds


def test_graph_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["graph", str(SHOP), "-f", "csv"], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    db = [r for r in rows if r["type"] == "connection" and r["dst"] == "shop/db[StatefulSet]"]
    assert [(r["src"], r["protocol"], r["port_from"], r["port_to"]) for r in db] == [
        ("shop/backend[Deployment]", "TCP", "5432", "5432")
    ]
    nodeport = [r for r in rows if r["route_kind"] == "nodeport"]
    assert nodeport and nodeport[0]["via_port"] == "30080" and nodeport[0]["port_from"] == "8080"


def test_graph_focus(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["graph", str(SHOP), "--focus", "shop/db"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert "shop/backend[Deployment] => shop/db[StatefulSet] : TCP 5432" in lines
    assert all("shop/db[StatefulSet]" in line for line in lines)
    assert len(lines) == 4  # no IPv6 line: the input names no IPv6 address
    code, out2, _ = run(["graph", str(SHOP), "--focus", "shop/db[StatefulSet]"], capsys)
    assert out2 == out


def test_graph_dot_mermaid_aggregate(capsys: pytest.CaptureFixture[str]) -> None:
    code, dot, _ = run(["graph", str(SHOP), "-f", "dot"], capsys)
    assert code == 0
    assert dot.startswith("digraph connectivity {")
    assert 'label="namespace shop"' in dot
    assert '"shop/backend[Deployment]" -> "shop/db[StatefulSet]" [label="TCP 5432"];' in dot
    # frontend admits everyone: one aggregated edge, not one per source
    assert dot.count('-> "shop/frontend[Deployment]"') == 2  # anyone + ingress controller
    code, mm, _ = run(["graph", str(SHOP), "-f", "mermaid"], capsys)
    assert mm.startswith("flowchart LR\n")
    assert 'subgraph ns1["namespace shop"]' in mm
    assert '-->|"TCP 5432"|' in mm


def test_graph_graphml(capsys: pytest.CaptureFixture[str]) -> None:
    import networkx as nx

    code, out, _ = run(["graph", str(SHOP), "-f", "graphml"], capsys)
    assert code == 0
    g = nx.parse_graphml(out, force_multigraph=True)
    assert "shop/db[StatefulSet]" in g
    assert g.has_edge("shop/backend[Deployment]", "shop/db[StatefulSet]")
    code, out, _ = run(["graph", str(SHOP), "-f", "graphml", "--focus", "shop/db"], capsys)
    g = nx.parse_graphml(out, force_multigraph=True)
    assert not g.has_edge("shop/backend[Deployment]", "shop/frontend[Deployment]")


def test_graph_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "map.txt"
    code, out, _ = run(["graph", str(SHOP), "--output", str(target)], capsys)
    assert code == 0 and out == ""
    assert target.read_text().count(" => ") == len(EXPECTED_TXT.splitlines())


def test_graph_jsonl(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """One JSON object per line: the connections in the text map's order, then routes,
    notes and the summary; the same stderr summary as the other formats."""
    code, out, err = run(["graph", "-f", "jsonl", str(SHOP)], capsys)
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    conns = [r for r in records if r["type"] == "connection"]
    assert [f"{r['src']['name']} => {r['dst']['name']} : {r['conn']}" for r in conns] == (
        EXPECTED_TXT.splitlines()
    )
    assert {r["type"] for r in records} == {"connection", "route", "note", "summary"}
    assert records[-1]["type"] == "summary" and records[-1]["text"] == err.strip()
    target = tmp_path / "map.jsonl"
    code, out, _ = run(["graph", "-f", "jsonl", str(SHOP), "--output", str(target)], capsys)
    assert code == 0 and out == ""
    assert target.read_text().count('"type":"connection"') == len(conns)
    code, _, err = run(["graph", "-f", "jsonl", "--exposure", str(SHOP)], capsys)
    assert code == 2 and "only with --format text, json or json-compact" in err


@pytest.mark.parametrize(
    ("path", "options"),
    [
        (SHOP, []),
        (SHOP, ["--exposure"]),
        (SHOP_OPEN, []),
        (ROOT / "fixtures" / "scenarios" / "seed", ["--exposure"]),
        (SHOP, ["--focus", "shop/db"]),
    ],
)
def test_graph_json_compact_is_the_json_document_on_one_line(
    capsys: pytest.CaptureFixture[str], path: Path, options: list[str]
) -> None:
    """json-compact is the json document (findings and exposure included) as
    ``json.dumps(separators=(",", ":"))`` writes it, streamed, with the same summary."""
    code, indented, err = run(["graph", "-f", "json", *options, str(path)], capsys)
    assert code == 0, err
    code, compact, err2 = run(["graph", "-f", "json-compact", *options, str(path)], capsys)
    assert code == 0, err2
    assert compact == json.dumps(json.loads(indented), separators=(",", ":")) + "\n"
    assert compact.count("\n") == 1 and err2 == err
    assert json.loads(compact)["connections"]


def test_graph_streams_to_a_device_and_fails_cleanly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(["graph", str(SHOP), "--output", os.devnull], capsys)
    assert code == 0 and out == ""
    code, _, err = run(["graph", str(SHOP), "--output", str(tmp_path / "no" / "map.txt")], capsys)
    assert code == 2 and "cannot write" in err and "Traceback" not in err


def _html_payload(page: str) -> dict[str, Any]:
    start = '<script id="data" type="application/json">'
    doc: dict[str, Any] = json.loads(page.split(start, 1)[1].split("</script>", 1)[0])
    return doc


def test_graph_html_findings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "map.html"
    code, out, err = run(
        ["graph", str(SHOP_OPEN), "--format", "html", "--output", str(target)], capsys
    )
    assert code == 0, err
    assert out == ""
    page = target.read_text()
    doc = _html_payload(page)
    db = next(n for n in doc["nodes"] if n["id"] == "shop/db[StatefulSet]")
    assert db["findings"] >= 2 and db["worst"] == "error"
    rules = [f["rule"] for f in doc["findings"]["shop/db[StatefulSet]"]]
    assert rules[0] == "database-reachable-cluster-wide"
    assert "statefulset-service-missing" in rules
    assert doc["findings"]["shop/db[StatefulSet]"][0]["location"].endswith("workloads.yaml:62:15")
    # a Service finding is shown on the workload behind the Service
    front = {f["rule"] for f in doc["findings"]["shop/frontend[Deployment]"]}
    assert "node-port-service" in front
    assert [f["rule"] for f in doc["namespaceFindings"]["shop"]] == [
        "namespace-missing-default-deny"
    ]
    assert "has-findings sev-" in page
    # the same map, restricted by --focus, keeps only the findings of drawn nodes
    code, out, err = run(
        ["graph", str(SHOP_OPEN), "-f", "html", "--focus", "shop/frontend"], capsys
    )
    assert code == 0, err
    drawn = {n["id"] for n in _html_payload(out)["nodes"]}
    assert set(_html_payload(out)["findings"]) <= drawn


def test_graph_json_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["graph", str(SHOP_OPEN), "-f", "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    db = doc["findings"]["nodes"]["shop/db[StatefulSet]"]
    assert db[0] == {
        "severity": "error",
        "rule": "database-reachable-cluster-wide",
        "message": db[0]["message"],
        "location": db[0]["location"],
        "object": "StatefulSet shop/db",
    }
    assert "from any pod in any namespace" in db[0]["message"]
    assert doc["findings"]["namespaces"]["shop"][0]["rule"] == "namespace-missing-default-deny"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["graph", str(SHOP), "-f", "png"], "--format: 'png' is not one of"),
        (["graph", str(SHOP), "--focus", "shop/nope"], "--focus: no workload 'shop/nope'"),
        (["graph", "/no/such/path"], "/no/such/path: no such file or directory"),
        (["reach", str(SHOP), "--from", "db", "--to", "shop/frontend"], "shop/db[StatefulSet]"),
        (["reach", str(SHOP), "--from", "svc:shop/nope", "--to", "shop/db"], "svc:shop/backend"),
        (["reach", str(SHOP), "--from", "shop/db", "--to", "svc:shop/db:99"], "ports: 5432"),
        (["reach", str(SHOP), "--from", "a/b", "--to", "c/d", "--port", "x/ICMP"], "--port"),
        (["diff", str(SHOP), "/no/such/path"], "/no/such/path"),
    ],
)
def test_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, _out, err = run(argv, capsys)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


# -- reach ----------------------------------------------------------------------------


def test_reach_allowed(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    argv = ["reach", "fixtures/connectivity-cli/shop", "--from", "shop/backend"]
    code, out, _ = run([*argv, "--to", "shop/db", "--port", "5432/TCP"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "ALLOWED: shop/backend[Deployment] => shop/db[StatefulSet] : TCP 5432"
    assert "    - not isolated: no policy selects shop/backend[Deployment] for egress" in lines
    assert any(
        "shop/db-allow-backend ingress rule 0" in line
        and "fixtures/connectivity-cli/shop/policy.yaml:13" in line
        for line in lines
    )


def test_reach_denied(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    argv = ["reach", "fixtures/connectivity-cli/shop", "--from", "shop/frontend[Deployment]"]
    code, out, _ = run([*argv, "--to", "shop/db", "--port", "5432"], capsys)
    assert code == 1
    assert out.startswith("DENIED: shop/frontend[Deployment] => shop/db[StatefulSet] : TCP 5432\n")
    assert "fixtures/connectivity-cli/shop/policy.yaml:7" in out
    assert "none of its rules allows shop/frontend[Deployment] on TCP 5432" in out


def test_reach_connection_set(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["reach", str(SHOP), "--from", "shop/backend", "--to", "shop/db"], capsys)
    assert code == 0
    assert (
        out.splitlines()[0]
        == "ALLOWED: shop/backend[Deployment] => shop/db[StatefulSet] : TCP 5432"
    )
    code, out, _ = run(["reach", str(SHOP), "--from", "shop/frontend", "--to", "shop/db"], capsys)
    assert code == 1
    assert out.splitlines()[0].endswith(": No Connections")


def test_reach_service(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["reach", str(SHOP), "--from", "shop/backend"]
    for to, extra in (
        ("svc:shop/db:5432", []),
        ("svc:shop/db:postgres", []),
        ("svc:shop/db", ["--port", "postgres"]),
    ):
        code, out, err = run([*base, "--to", to, *extra], capsys)
        assert code == 0, err
        assert "via Service shop/db port 5432 -> targetPort 5432" in out
    # the Service port differs from the container port: 8000 -> 9000
    code, out, _ = run(
        ["reach", str(SHOP), "--from", "shop/db", "--to", "svc:shop/backend:8000"], capsys
    )
    assert code == 0
    assert out.splitlines()[0].endswith(": TCP 9000")
    code, out, _ = run(
        ["reach", str(SHOP), "--from", "shop/frontend", "--to", "svc:shop/db:5432"], capsys
    )
    assert code == 1


def test_reach_internet_and_ip(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["reach", str(SHOP), "--from", "internet", "--to", "shop/db", "-p", "5432"], capsys
    )
    assert code == 1
    assert "8.8.8.8" in out
    code, out, _ = run(
        ["reach", str(SHOP), "--from", "10.1.2.3", "--to", "shop/frontend", "-p", "8080"], capsys
    )
    assert code == 0
    # the answer names the address asked about, not the range holding it
    assert out.startswith("ALLOWED: 10.1.2.3[External] => shop/frontend[Deployment] : TCP 8080")
    assert "egress (from 10.1.2.3)" in out
    assert "every address of 0.0.0.0-255.255.255.255 alike" in out
    code, out, _ = run(
        ["reach", str(SHOP), "--from", "shop/frontend", "--to", "10.0.0.5", "-f", "json"], capsys
    )
    assert code == 0
    assert json.loads(out)["checks"][0]["dst"]["name"] == "10.0.0.5[External]"


def test_reach_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "reach",
        str(SHOP),
        "--from",
        "shop/backend",
        "--to",
        "shop/db",
        "-p",
        "5432",
        "-f",
        "json",
    ]
    code, out, _ = run(argv, capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["allowed"] is True
    (check,) = doc["checks"]
    (reason,) = check["ingress"]
    assert reason["policy"] == "shop/db-allow-backend"
    assert (reason["ruleIndex"], reason["peerIndex"], reason["portIndex"]) == (0, 0, 0)
    assert reason["file"].endswith("policy.yaml") and reason["line"] == 13


# -- diff -----------------------------------------------------------------------------


def test_diff_folders(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["diff", str(SHOP), str(SHOP_OPEN)], capsys)
    assert code == 0
    lines = out.splitlines()
    # (IPv4 and workloads: IPv6 ranges are left out, as in graph, unless an input
    # mentions IPv6)
    assert "connections added (2):" in lines
    assert "+ 0.0.0.0-255.255.255.255[External] => shop/db[StatefulSet] : All Connections" in lines
    assert "+ shop/frontend[Deployment] => shop/db[StatefulSet] : All Connections" in lines
    assert (
        "~ shop/backend[Deployment] => shop/db[StatefulSet] : TCP 5432 -> All Connections" in lines
    )
    assert "connections removed (0):" in lines
    code, out, _ = run(["diff", str(SHOP_OPEN), str(SHOP), "-f", "json"], capsys)
    doc = json.loads(out)
    assert len(doc["connections"]["removed"]) == 2
    assert doc["connections"]["changed"] == [
        {
            "src": "shop/backend[Deployment]",
            "dst": "shop/db[StatefulSet]",
            "before": "All Connections",
            "after": "TCP 5432",
        }
    ]
    assert set(doc["findings"]) == {"new", "fixed"}


def test_diff_findings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    new = tmp_path / "new"
    shutil.copytree(SHOP, new)
    # a Service selecting nothing is a new finding, and opens nothing
    (new / "orphan.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: orphan\n  namespace: shop\n"
        "spec:\n  selector:\n    app: nothing\n  ports:\n    - port: 80\n"
    )
    code, out, _ = run(["diff", str(SHOP), str(new), "-f", "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["connections"] == {"added": [], "removed": [], "changed": []}
    assert doc["findings"]["fixed"] == []
    new_findings = doc["findings"]["new"]
    assert new_findings and all(f["object"] == "Service shop/orphan" for f in new_findings)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_git_revision(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(SHOP, repo / "k8s")

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=repo,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "base")
    (repo / "k8s" / "policy.yaml").unlink()
    before = sorted(p.name for p in (repo / "k8s").iterdir())
    monkeypatch.chdir(repo)
    code, out, err = run(["diff", "HEAD:k8s", "k8s"], capsys)
    assert code == 0, err
    assert "+ shop/frontend[Deployment] => shop/db[StatefulSet] : All Connections" in out
    assert sorted(p.name for p in (repo / "k8s").iterdir()) == before  # work tree untouched
    monkeypatch.chdir(repo / "k8s")
    code, out2, _ = run(["diff", "HEAD:./", "."], capsys)
    assert code == 0 and out2 == out
    code, _, err = run(["diff", "nosuchrev:k8s", "k8s"], capsys)
    assert code == 2 and "unknown git revision" in err


def test_mermaid_for() -> None:
    from k8snetlint.config import Config
    from k8snetlint.loader import load_paths
    from k8snetlint.netcli import mermaid_for

    loaded = load_paths([str(SHOP)], ())
    text = mermaid_for(loaded, Config())
    assert text is not None and text.startswith("flowchart LR")


def test_diff_fail_on_new_findings_and_added_connections(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(["diff", str(SHOP), str(SHOP_OPEN), "--fail-on", "info"], capsys)
    assert code == 1
    assert out.splitlines()[-1].startswith("failing: ")
    assert "new finding" in out.splitlines()[-1]
    code, out, _ = run(["diff", str(SHOP), str(SHOP_OPEN), "--fail-on-connections", "any"], capsys)
    added = sum(1 for line in out.splitlines() if line.startswith("+ ") and " => " in line)
    assert code == 1 and added >= 2
    assert out.splitlines()[-1] == f"failing: {added} connections added in all"
    # the database now admits every address (pods isolated by no ingress policy accept
    # traffic from outside the cluster, if it gets there): external connections added
    code, out, _ = run(
        ["diff", str(SHOP), str(SHOP_OPEN), "--fail-on-connections", "external", "-f", "json"],
        capsys,
    )
    doc = json.loads(out)
    outside = [c for c in doc["connections"]["added"] if c["src"].endswith("[External]")]
    assert code == 1 and outside
    assert doc["failing"] == [
        f"{len(outside)} connection{'s' if len(outside) > 1 else ''} added from outside the cluster"
    ]
    code, _, _ = run(["diff", str(SHOP_OPEN), str(SHOP), "--fail-on-connections", "any"], capsys)
    assert code == 0  # the reverse change only removes connections
    # without the options, diff reports and exits 0
    assert run(["diff", str(SHOP), str(SHOP_OPEN)], capsys)[0] == 0
    code, _, err = run(["diff", str(SHOP), str(SHOP), "--fail-on-connections", "some"], capsys)
    assert code == 2 and "--fail-on-connections: 'some' is not one of never, external, any" in err


def test_diff_outside_sources() -> None:
    from k8snetlint.netcli import _from_outside

    assert _from_outside("0.0.0.0-255.255.255.255")
    assert _from_outside("0.0.0.0-255.255.255.255[External]")
    assert _from_outside("{ingress-controller}")
    assert not _from_outside("shop/db[StatefulSet]")
    assert not _from_outside("shop/web[ReplicaSet]/web-1")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_base_without_the_path_is_empty(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README").write_text("first commit\n")

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=repo,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "base")
    shutil.copytree(SHOP_OPEN, repo / "k8s")
    monkeypatch.chdir(repo)
    code, out, _ = run(["diff", "HEAD:k8s", "k8s", "--fail-on-connections", "any"], capsys)
    assert code == 1
    assert "note: HEAD has no k8s; it is compared as empty" in out.splitlines()
    assert "connections removed (0):" in out
    code, out, _ = run(["diff", "HEAD:k8s", "k8s", "-f", "json"], capsys)
    assert code == 0 and json.loads(out)["notes"] == ["HEAD has no k8s; it is compared as empty"]


WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
"""


def _ingress_from(*blocks: str) -> str:
    peers = ", ".join(f"{{ipBlock: {b}}}" for b in blocks)
    return (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: p, namespace: default}\n"
        "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n"
        f"  ingress:\n  - from: [{peers}]\n    ports: [{{port: 80}}]\n"
    )


def _folder(root: Path, name: str, *docs: str) -> str:
    d = root / name
    d.mkdir()
    (d / "all.yaml").write_text("---\n".join([WEB, *docs]))
    return str(d)


def test_diff_compares_external_addresses_per_interval(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old = _folder(tmp_path, "old")
    new = _folder(
        tmp_path,
        "new",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: half, namespace: default}\n"
        "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n"
        "  ingress:\n  - from: [{ipBlock: {cidr: 0.0.0.0/1}}]\n",
    )
    code, out, _ = run(["diff", old, new], capsys)
    assert code == 0
    section = out.split("findings new")[0]
    # egress never changed; ingress from the upper half of IPv4 is gone (IPv6 ranges are
    # shown, as in graph, only when an input mentions IPv6)
    assert section.splitlines() == [
        "connections added (0):",
        "connections removed (1):",
        "- 128.0.0.0-255.255.255.255[External] => default/web[Deployment] : All Connections",
        "connections changed (0):",
    ]
    code, out, _ = run(["diff", old, new, "-f", "json"], capsys)
    doc = json.loads(out)["connections"]
    assert doc["added"] == [] and doc["changed"] == []
    assert [x["src"] for x in doc["removed"]] == ["128.0.0.0-255.255.255.255[External]"]
    # an input that mentions IPv6: its ranges are compared too
    v6 = _folder(
        tmp_path,
        "v6",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: half, namespace: default}\n"
        "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n"
        "  ingress:\n  - from: [{ipBlock: {cidr: 0.0.0.0/1}}, {ipBlock: {cidr: '2001:db8::/32'}}]\n",
    )
    code, out, _ = run(["diff", old, v6, "-f", "json"], capsys)
    assert code == 0
    removed = [x["src"] for x in json.loads(out)["connections"]["removed"]]
    assert removed == [
        "128.0.0.0-255.255.255.255[External]",
        "2001:db9::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff[External]",
        "::-2001:db7:ffff:ffff:ffff:ffff:ffff:ffff[External]",
    ]


def test_diff_splits_on_both_sides_boundaries_and_merges(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # the same addresses, cut differently: no change
    old = _folder(tmp_path, "old", _ingress_from("{cidr: 10.0.0.0/8}", "{cidr: 11.0.0.0/8}"))
    same = _folder(tmp_path, "same", _ingress_from("{cidr: 10.0.0.0/7}"))
    code, out, _ = run(["diff", old, same, "-f", "json"], capsys)
    assert code == 0
    assert json.loads(out)["connections"] == {"added": [], "removed": [], "changed": []}
    # a hole in the middle: one change for the hole, one for what lies beyond
    holed = _folder(tmp_path, "holed", _ingress_from("{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}"))
    code, out, _ = run(["diff", old, holed, "-f", "json"], capsys)
    assert code == 0
    doc = json.loads(out)["connections"]
    assert doc["added"] == [] and doc["changed"] == []
    assert [(x["src"], x["conn"]) for x in doc["removed"]] == [
        ("10.1.0.0-10.1.255.255[External]", "TCP 80"),
        ("11.0.0.0-11.255.255.255[External]", "TCP 80"),
    ]


def test_interval_changes_merge_adjacent_equal_changes() -> None:
    from k8snetlint.netcli import _interval_changes

    old = [(0, 9, "A"), (10, 19, "A"), (20, 29, "B")]
    new = [(0, 4, "A"), (5, 24, "C")]
    assert _interval_changes(old, new) == [
        (5, 19, "A", "C"),
        (20, 24, "B", "C"),
        (25, 29, "B", None),
    ]


INGRESS_INPUTS = [
    ROOT / "fixtures" / "scenarios" / "seed",
    ROOT / "fixtures" / "scenarios" / "seed-fixed",
    SHOP,
    SHOP_OPEN,
]


@pytest.mark.parametrize("folder", INGRESS_INPUTS, ids=lambda p: p.name)
def test_reach_from_the_ingress_controller_agrees_with_graph(folder: Path) -> None:
    from k8snetlint.config import Config
    from k8snetlint.loader import load_paths
    from k8snetlint.netcli import analyze_loaded, resolve_target, run_reach

    cfg = Config()
    conn = analyze_loaded(load_paths([str(folder)], ()), cfg)
    listed = {c.dst: c.conns for c in conn.connections if c.src.kind == "ingress-controller"}
    src = resolve_target(conn, "{ingress-controller}", "--from")
    for w in conn.inventory.workloads:
        dst = resolve_target(conn, w.display(), "--to")
        (check,) = run_reach(conn, src, dst, None, "TCP")
        ep = conn.endpoint_for(w)
        assert check.allowed == (ep in listed), w.display()
        if ep in listed:
            assert check.conns == listed[ep]
            assert all(v.startswith("via Ingress ") for v in check.vias)
            for proto, ranges in listed[ep].ranges:
                for lo, _hi in ranges:
                    (one,) = run_reach(conn, src, dst, str(lo), proto)
                    assert one.allowed and one.vias
        else:
            assert check.unrouted or check.conns.is_empty()


def test_reach_through_the_ingress_controller_names_ingress_rule_and_path(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["reach", str(SHOP), "--from", "{ingress-controller}"]
    code, out, _ = run([*base, "--to", "shop/frontend", "-p", "8080"], capsys)
    assert code == 0
    assert (
        "  via Ingress shop/shop rule 0 path shop.example.com/ -> Service shop/frontend "
        "port 80 -> targetPort 8080 (" in out
    )
    # policies admit it, but no Ingress routes there: graph omits the edge, reach denies
    code, out, _ = run([*base, "--to", "shop/backend", "-p", "9000"], capsys)
    assert code == 1
    assert out.startswith("DENIED: {ingress-controller} => shop/backend[Deployment] : TCP 9000\n")
    assert "  no Ingress routes to shop/backend[Deployment] on TCP 9000" in out
    code, out, _ = run([*base, "--to", "shop/frontend", "-p", "9999", "-f", "json"], capsys)
    assert code == 1
    (check,) = json.loads(out)["checks"]
    assert check["allowed"] is False and "no Ingress routes" in check["unrouted"]
    code, out, _ = run([*base, "--to", "shop/frontend", "-f", "json"], capsys)
    (check,) = json.loads(out)["checks"]
    assert check["allowed"] is True and check["via"].startswith("via Ingress shop/shop rule 0")


REPLICAS = """\
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: alertmanager-main, namespace: monitoring}
spec:
  replicas: 3
  selector: {matchLabels: {app: am}}
  template:
    metadata: {labels: {app: am}}
    spec:
      containers:
      - name: am
        image: quay.io/prometheus/alertmanager
        ports: [{containerPort: 9093, name: web}, {containerPort: 9094, protocol: UDP}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: am, namespace: monitoring}
spec:
  podSelector: {matchLabels: {app: am}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: am}}}]
    ports: [{port: 9094, protocol: UDP}]
"""


def test_reach_between_two_replicas_of_one_workload(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    f = tmp_path / "am.yaml"
    f.write_text(REPLICAS)
    am = "monitoring/alertmanager-main"
    base = ["reach", str(f), "--from", am, "--to", am]
    code, out, _ = run([*base, "--port", "9094/UDP"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        "ALLOWED: monitoring/alertmanager-main[StatefulSet] => "
        "monitoring/alertmanager-main[StatefulSet] : UDP 9094"
    )
    assert any("monitoring/am ingress rule 0 allows" in line for line in lines)
    assert any("between two pods of monitoring/alertmanager-main" in line for line in lines)
    # the policy applies between replicas: the web port is not admitted
    code, out, _ = run([*base, "--port", "9093"], capsys)
    assert code == 1
    assert out.startswith("DENIED: ")
    code, out, _ = run([*base, "-f", "json"], capsys)
    assert code == 0
    (check,) = json.loads(out)["checks"]
    assert check["conn"] == "UDP 9094"


def test_reach_accepts_the_owner_kind_pod_names_graph_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    split = ROOT / "fixtures" / "rules" / "owner-pods-label-mismatch" / "fail-example.yaml"
    code, out, _ = run(["graph", str(split)], capsys)
    assert code == 0
    names = sorted({line.split(" => ")[0] for line in out.splitlines() if line.startswith("shop/")})
    assert names == [
        "shop/api-7d9f[ReplicaSet]/api-7d9f-a",
        "shop/api-7d9f[ReplicaSet]/api-7d9f-b",
    ]
    code, out, err = run(
        ["reach", str(split), "--from", names[0], "--to", names[1], "-p", "80"], capsys
    )
    assert code == 0, err
    assert out.startswith(f"ALLOWED: {names[0]} => {names[1]} : TCP 80\n")
    code, out, err = run(["graph", str(split), "--focus", names[1]], capsys)
    assert code == 0, err
    assert all(names[1] in line for line in out.splitlines())


def test_unread_documents_are_counted_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 8 section 3: graph, reach and diff say that their answer may be incomplete
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"
        "spec: {containers: [{name: a, image: nginx}]}\n---\nkey: [unclosed\n",
        encoding="utf-8",
    )
    for argv in (
        ["graph", str(bad)],
        ["reach", str(bad), "--from", "default/a", "--to", "default/a"],
        ["diff", str(bad), str(bad)],
    ):
        code, _, err = run(argv, capsys)
        assert code in (0, 1), (argv, err)
        assert f"1 document could not be read ({bad}:7:1)" in err, argv
        assert "may be incomplete" in err
    code, _, err = run(["graph", str(SHOP)], capsys)
    assert code == 0 and "could not be read" not in err


OUTSIDE = ROOT / "fixtures" / "connectivity-cli" / "outside" / "outside.yaml"


def test_graph_exposure_txt_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, plain, _ = run(["graph", str(OUTSIDE)], capsys)
    assert code == 0
    code, out, _ = run(["graph", "--exposure", str(OUTSIDE)], capsys)
    assert code == 0
    assert out.startswith(plain + "\n")
    assert out[len(plain) + 1 :].splitlines() == [
        "Exposure to pods outside the input:",
        "Ingress exposure (sources outside the input):",
        "shop/db[Deployment] <= entire cluster : All Connections",
        "shop/web[Deployment] <= entire cluster : TCP 9090-9091",
        "shop/web[Deployment] <= pods with labels {app=monitor} in namespaces with labels "
        "{team=ops} : TCP 8080",
        "Egress exposure (destinations outside the input):",
        "shop/db[Deployment] => entire cluster : All Connections",
        "shop/web[Deployment] => namespaces with labels {kubernetes.io/metadata.name=kube-dns} "
        ": UDP 53,TCP dns-tcp",
    ]
    code, out, _ = run(["graph", "--exposure", "-f", "json", str(OUTSIDE)], capsys)
    assert code == 0
    doc = json.loads(out)
    assert "connections" in doc
    web_in = [x for x in doc["exposure"]["ingress"] if x["workload"]["workload"] == "web"]
    assert [x["peer"]["text"] for x in web_in] == [
        "entire cluster",
        "pods with labels {app=monitor} in namespaces with labels {team=ops}",
    ]
    assert web_in[1]["peer"]["namespaceSelector"] == "team=ops"
    assert web_in[1]["ports"] == [{"protocol": "TCP", "from": 8080, "to": 8080}]
    (dns,) = [x for x in doc["exposure"]["egress"] if x["workload"]["workload"] == "web"]
    assert dns["namedPorts"] == [{"protocol": "TCP", "name": "dns-tcp"}]
    code, out, _ = run(["graph", "--exposure", "--focus", "shop/web", str(OUTSIDE)], capsys)
    assert code == 0
    exposed = out.split("Exposure to pods outside the input:\n")[1].splitlines()
    assert len(exposed) == 5 and "shop/db" not in "".join(exposed)
    code, _, err = run(["graph", "--exposure", "-f", "csv", str(OUTSIDE)], capsys)
    assert code == 2 and "--exposure" in err


def test_reach_hypothetical_endpoints(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["reach", str(OUTSIDE)]
    monitor = "pods app=monitor in namespaces team=ops"
    code, out, _ = run([*base, "--from", monitor, "--to", "shop/web", "-p", "8080"], capsys)
    assert code == 0
    assert out.startswith(f"ALLOWED: {monitor} => shop/web[Deployment] : TCP 8080\n")
    assert "shop/web ingress rule 0 allows pods app=monitor in namespaces team=ops" in out
    assert "is a hypothetical pod with exactly the labels {app=monitor}" in out
    # the same pod in another namespace, or another pod there: not admitted on 8080
    for other in ("pods app=monitor in namespaces team=dev", "namespaces team=ops"):
        code, out, _ = run([*base, "--from", other, "--to", "shop/web", "-p", "8080"], capsys)
        assert code == 1, other
    # a destination outside the input: web's egress to kube-dns
    dns = "pods k8s-app=kube-dns in namespace kube-dns"
    code, out, _ = run([*base, "--from", "shop/web", "--to", dns, "-p", "53/UDP"], capsys)
    assert code == 0
    code, out, _ = run(
        [*base, "--from", "shop/web", "--to", dns, "-p", "5432", "-f", "json"], capsys
    )
    assert code == 1
    (check,) = json.loads(out)["checks"]
    assert check["dst"]["name"] == dns
    assert check["dst"]["type"] == "hypothetical"
    assert check["dst"]["podLabels"] == {"k8s-app": "kube-dns"}
    assert check["dst"]["namespace"] == "kube-dns"
    code, _, err = run([*base, "--from", "pods a=b in nowhere", "--to", "shop/web"], capsys)
    assert code == 2 and "in namespaces LABELS" in err and "Traceback" not in err


SCENARIOS = sorted(p for p in (ROOT / "fixtures" / "scenarios").iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_scenario_exposure(
    folder: Path,
    update_goldens: bool,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from goldens import check_golden

    monkeypatch.chdir(ROOT)
    code, out, _ = run(["graph", "--exposure", str(folder.relative_to(ROOT))], capsys)
    assert code == 0
    exposure = out[out.index("Exposure to pods outside the input:") :]
    check_golden(folder / "expected-exposure.txt", exposure, update_goldens)


# -- loading options shared with check -------------------------------------------------

LONE_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: shop
spec:
  containers:
  - name: c
    image: nginx
"""


@pytest.mark.parametrize("follow", [False, True], ids=["default", "follow"])
def test_graph_reach_diff_follow_symlinks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], follow: bool
) -> None:
    """A symlink out of the tree is not followed unless --follow-symlinks, as in check."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "far.yaml").write_text(LONE_POD.format(name="far"))
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "near.yaml").write_text(LONE_POD.format(name="near"))
    (tree / "link").symlink_to(outside)
    flag = ["--follow-symlinks"] if follow else []
    code, out, _ = run(["graph", str(tree), *flag], capsys)
    assert code == 0 and ("shop/far[Pod]" in out) is follow, out
    code, out, err = run(
        ["reach", str(tree), "--from", "shop/near", "--to", "shop/far", *flag], capsys
    )
    if follow:
        assert code == 0 and "ALLOWED" in out, out + err
    else:
        assert code == 2 and "no workload" in err, err
    (tmp_path / "empty").mkdir()
    code, out, err = run(["diff", str(tmp_path / "empty"), str(tree), *flag], capsys)
    assert code in (0, 1) and ("shop/far" in out) is follow, out + err


@pytest.mark.parametrize("command", ["graph", "reach", "diff"])
def test_kustomize_allow_remote_reaches_the_loader(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    from k8snetlint import engine

    seen: list[bool] = []
    real = engine.load

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("kustomize_allow_remote", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "load", spy)
    (tmp_path / "m.yaml").write_text(LONE_POD.format(name="near"))
    m = str(tmp_path / "m.yaml")
    argv = {
        "graph": ["graph", m],
        "reach": ["reach", m, "--from", "shop/near", "--to", "shop/near"],
        "diff": ["diff", m, m],
    }[command]
    code, _, err = run([*argv, "--kustomize-allow-remote"], capsys)
    assert code in (0, 1), err
    assert seen and all(seen)
    seen.clear()
    code, _, err = run(argv, capsys)
    assert code in (0, 1), err
    assert seen and not any(seen)


# -- worker processes (--jobs) ------------------------------------------------------


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A policy-dense corpus, and a copy with three policy files fewer."""
    module = bench_module("corpus")
    root = tmp_path_factory.mktemp("dense")
    module.generate_policy_dense(root / "old", workloads=120, policies=60, services=100)
    shutil.copytree(root / "old", root / "new")
    victims = sorted((root / "new").rglob("networkpolicies.yaml"))[:3]
    for p in victims:
        p.unlink()
    return root


def _workloads(folder: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    code, out, _ = run(["graph", "-f", "csv", "-j", "1", str(folder)], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    return sorted({r["src"] for r in rows if r["src_type"] == "workload"})


@pytest.mark.parametrize(
    "command",
    ["graph text", "graph json", "reach", "reach address", "diff"],
)
def test_the_answer_is_the_same_with_workers(
    dense: Path,
    command: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--jobs 2`` reads the files in worker processes: the output is byte for byte the
    one of ``--jobs 1``."""
    from k8snetlint import netcli, parallel

    old, new = str(dense / "old"), str(dense / "new")
    wls = _workloads(dense / "old", capsys)
    argv = {
        "graph text": ["graph", old],
        "graph json": ["graph", "-f", "json", old],
        "reach": ["reach", old, "--from", wls[0], "--to", wls[-1]],
        "reach address": ["reach", old, "--from", "10.1.2.3", "--to", wls[-1]],
        "diff": ["diff", old, new],
    }[command]
    kinds: list[str] = []
    real_load = netcli.load

    def load(*args: Any, **kwargs: Any) -> Any:
        result = real_load(*args, **kwargs)
        kinds.append(type(result).__name__)
        return result

    monkeypatch.setattr(netcli, "load", load)
    monkeypatch.setattr(parallel, "MIN_FILES", 0)  # the corpus is a few dozen files
    serial = run([*argv, "-j", "1"], capsys)
    assert set(kinds) == {"LoadResult"}
    kinds.clear()
    workers = run([*argv, "-j", "2"], capsys)
    assert workers == serial
    assert set(kinds) == {"ParallelLoad"}
    assert serial[0] in (0, 1), serial[2]


def test_frozen_after_freezes_what_the_body_built_before_collecting_again() -> None:
    import gc

    from k8snetlint.netcli import frozen_after

    assert gc.isenabled()
    before = gc.get_freeze_count()
    try:
        with frozen_after():
            assert not gc.isenabled()
            kept = [[i] for i in range(1000)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= before + len(kept)
    finally:
        gc.unfreeze()
