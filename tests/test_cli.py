"""The command line: options, formats, exit codes, errors without tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from conftest import FIXTURES, ROOT
from k8snetlint import __version__
from k8snetlint.cli import app, main

SEED = FIXTURES / "scenarios" / "seed"
BAD = FIXTURES / "rules" / "schema-violation" / "fail-service.yaml"
GOOD = FIXTURES / "rules" / "schema-violation" / "pass-valid.yaml"


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["--version"], capsys)
    assert (code, out.strip()) == (0, f"k8snetlint {__version__}")


def test_clean_input_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", "--format", "text", str(GOOD)], capsys)
    assert code == 0
    assert out.strip().endswith("(1 object)")


def test_findings_exit_1_with_text_lines(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", "--format", "text", str(BAD)], capsys)
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith("fixtures/rules/schema-violation/fail-service.yaml:")
    assert " error schema-violation " in first
    assert "\x1b[" not in out  # no colour when not a terminal


@pytest.mark.parametrize(("fail_on", "code"), [("never", 0), ("error", 1), ("info", 1)])
def test_fail_on(fail_on: str, code: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["check", "--fail-on", fail_on, str(BAD)], capsys)[0] == code


def test_warning_threshold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "cr.yaml"
    p.write_text("apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: t\n")
    assert run_cli(["check", "--fail-on", "warning", str(p)], capsys)[0] == 0
    assert run_cli(["check", "--fail-on", "info", str(p)], capsys)[0] == 1


def test_json_report_validates_against_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", "--format", "json", str(BAD), str(SEED)], capsys)
    assert code == 1
    report = json.loads(out)
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["summary"]["error"] >= 4
    keys = [(f["file"], f["line"], f["column"], f["rule"]) for f in report["findings"]]
    assert keys == sorted(keys)


def test_output_file_is_written_atomically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.json"
    code, out, _ = run_cli(["check", "-f", "json", "-o", str(target), str(BAD)], capsys)
    assert (code, out) == (1, "")
    assert json.loads(target.read_text())["tool"]["name"] == "k8snetlint"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temp file left


def test_several_formats_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sarif = tmp_path / "out.sarif"
    junit = tmp_path / "out.xml"
    code, out, _ = run_cli(
        [
            "check",
            "-f",
            "text",
            "--output-sarif",
            str(sarif),
            "--output-junit",
            str(junit),
            str(BAD),
        ],
        capsys,
    )
    assert code == 1 and "schema-violation" in out
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert junit.read_text().startswith("<?xml")


def test_auto_format_is_github_in_actions(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(ROOT))
    code, out, _ = run_cli(["check", str(BAD)], capsys)
    assert code == 1
    assert out.startswith("::error file=fixtures/rules/schema-violation/fail-service.yaml,line=")


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    data = BAD.read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run_cli(["check", "-f", "text", "-"], capsys)
    assert code == 1
    assert out.startswith("-:")


def test_namespace_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", "-f", "json", "-n", "payments", str(BAD)], capsys)
    assert code == 1
    objs = {f["object"]["namespace"] for f in json.loads(out)["findings"]}
    assert objs == {"payments"}


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["check", "/no/such/dir"], "no such file or directory"),
        (["check", "--format", "xml", "x"], "--format"),
        (["check", "--fail-on", "fatal", "x"], "--fail-on"),
        (["check", "--bogus", "x"], "--bogus"),
        (["check", "--select", "no-such-rule", str(GOOD)], "unknown rule"),
        (["check", "--kubernetes-version", "1.2", str(GOOD)], "is older than 1.22"),
        (["check", "--config", "/no/such/config.yaml", str(GOOD)], "no such file"),
        (["explain", "no-such-rule"], "unknown rule"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(argv, capsys)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_invalid_config_names_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / ".k8snetlint.yaml"
    cfg.write_text("ignore: [unknown-kind]\nfail-on: sometimes\n")
    code, _, err = run_cli(["check", "--config", str(cfg), str(GOOD)], capsys)
    assert code == 2
    assert f"{cfg}:2:10: fail-on:" in err


def test_config_is_discovered_upwards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".k8snetlint.yaml").write_text("ignore: [schema-violation]\n")
    (tmp_path / "k8s").mkdir()
    shutil.copy(BAD, tmp_path / "k8s" / "svc.yaml")
    code, out, _ = run_cli(["check", "-f", "json", str(tmp_path / "k8s")], capsys)
    assert code == 0, out


def test_select_and_ignore(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(
        ["check", "-f", "json", "--select", "removed-api-version", str(BAD)], capsys
    )
    assert json.loads(out)["findings"] == []
    _, out, _ = run_cli(["check", "-f", "json", "--ignore", "schema-violation", str(BAD)], capsys)
    assert all(f["rule"] != "schema-violation" for f in json.loads(out)["findings"])


def test_output_does_not_depend_on_path_order(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(BAD), str(SEED), str(FIXTURES / "loader")]
    _, a, _ = run_cli(["check", "-f", "json", *paths], capsys)
    _, b, _ = run_cli(["check", "-f", "json", *reversed(paths)], capsys)
    assert a == b


def test_rules_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["rules", "--format", "json"], capsys)
    rows = json.loads(out)
    assert code == 0
    assert {"name", "severity", "enabled", "summary", "confidence"} == set(rows[0])


def test_explain_prints_the_doc(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["explain", "schema-violation"], capsys)
    assert code == 0
    assert "## Why is this bad?" in out


def test_typer_cli_runner() -> None:
    result = CliRunner().invoke(app, ["check", "--format", "json", str(GOOD)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["objects"] == 1


def test_installed_command_runs_as_a_subprocess() -> None:
    exe = Path(sys.executable).parent / "k8snetlint"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "k8snetlint"]
    proc = subprocess.run(
        [*cmd, "check", "--format", "text", str(BAD)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "schema-violation" in proc.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "k8snetlint", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout.strip() == f"k8snetlint {__version__}"


def test_step_summary_with_connectivity_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(ROOT))
    shop = FIXTURES / "connectivity-cli" / "shop-open"
    code, out, _ = run_cli(["check", str(shop)], capsys)
    assert code == 1
    assert out.startswith("::")
    text = summary.read_text()
    assert text.startswith("earlier step\n")  # appended, never overwritten
    assert "database-reachable-cluster-wide" in text
    assert "```mermaid" in text


def _cfg_tree(tmp_path: Path) -> Path:
    """cfg/.k8snetlint.yaml excluding generated/* and ignoring a rule in legacy/*."""
    cfg = tmp_path / "cfg"
    for sub in ("generated", "legacy", "current"):
        (cfg / sub).mkdir(parents=True)
        shutil.copy(BAD, cfg / sub / "svc.yaml")
    (cfg / ".k8snetlint.yaml").write_text(
        "exclude: ['generated/*']\nper-path-ignores:\n  'legacy/*': [schema-violation]\n"
    )
    return cfg


def test_config_patterns_do_not_depend_on_the_current_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = _cfg_tree(tmp_path)
    seen = []
    for cwd, arg in ((tmp_path, "cfg"), (cfg, "."), (cfg / "current", "..")):
        monkeypatch.chdir(cwd)
        code, out, _ = run_cli(["check", "-f", "json", arg], capsys)
        report = json.loads(out)
        seen.append(
            (
                code,
                report["summary"]["files"],
                sorted(
                    {
                        Path(f["file"]).resolve().parent.name
                        for f in report["findings"]
                        if f["rule"] == "schema-violation"
                    }
                ),
                report["summary"]["suppressed"],
            )
        )
    assert seen == [(1, 2, ["current"], 5)] * 3


def test_unknown_rule_on_the_command_line_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["check", "--select", "bare-pods", str(GOOD)], capsys)
    assert code == 2
    assert err == "k8snetlint: error: unknown rule 'bare-pods'; did you mean 'bare-pod'?\n"
    code, _, err = run_cli(["check", "--ignore", "schema_violation", str(GOOD)], capsys)
    assert "did you mean 'schema-violation'?" in err
    code, _, err = run_cli(["explain", "bare-pods"], capsys)
    assert code == 2 and "did you mean 'bare-pod'?" in err


def test_config_error_suggests_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / ".k8snetlint.yaml"
    p.write_text("fail_on: warning\n")
    code, _, err = run_cli(["check", "--config", str(p), str(GOOD)], capsys)
    assert code == 2
    assert f"{p}:1:1: unknown key 'fail_on'; did you mean 'fail-on'?" in err


def test_github_format_turns_exit_2_into_an_annotation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    summary_file = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    code, out, err = run_cli(["check", "-f", "github", str(tmp_path / "missing")], capsys)
    assert code == 2
    assert err == f"k8snetlint: error: {tmp_path / 'missing'}: no such file or directory\n"
    assert out == f"::error title=k8snetlint::{tmp_path / 'missing'}: no such file or directory\n"
    assert summary_file.read_text() == (
        f"## k8snetlint\n\n**Error** (exit code 2): {tmp_path / 'missing'}: no such file or "
        "directory\n"
    )
    # auto is github inside Actions; text elsewhere prints no annotation
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run_cli(["check", "--fail-on", "sometimes", str(GOOD)], capsys)
    assert code == 2 and out.startswith("::error title=k8snetlint::--fail-on:")
    code, out, _ = run_cli(["check", "-f", "text", "--fail-on", "sometimes", str(GOOD)], capsys)
    assert code == 2 and out == ""


HELM_OUTPUT = """---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 70000  # k8snetlint: ignore[service-selector-matches-nothing]
"""


def test_stdin_path_maps_helm_sources_to_real_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    chart = tmp_path / "charts" / "shop"
    (chart / "templates").mkdir(parents=True)
    (chart / "templates" / "service.yaml").write_text("# the template\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(HELM_OUTPUT.encode())))
    code, out, _ = run_cli(
        ["check", "-f", "json", "--stdin-path", "charts/shop", "--select", "schema-violation", "-"],
        capsys,
    )
    files = {f["file"] for f in json.loads(out)["findings"]}
    assert code == 1 and files == {"charts/shop/templates/service.yaml"}
    # without the option the Source name is kept as Helm wrote it
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(HELM_OUTPUT.encode())))
    code, out, _ = run_cli(["check", "-f", "json", "--select", "schema-violation", "-"], capsys)
    assert {f["file"] for f in json.loads(out)["findings"]} == {"shop/templates/service.yaml"}
    # a file name names standard input itself (suppression comments follow it)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD.read_bytes())))
    code, out, _ = run_cli(["check", "-f", "json", "--stdin-path", "svc.yaml", "-"], capsys)
    assert {f["file"] for f in json.loads(out)["findings"]} == {"svc.yaml"}


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_report_files_get_the_umask_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = os.umask(0o027)
    try:
        out = tmp_path / "report.json"
        run_cli(
            [
                "check",
                "-f",
                "json",
                "-o",
                str(out),
                "--output-sarif",
                str(tmp_path / "s"),
                str(GOOD),
            ],
            capsys,
        )
        assert (out.stat().st_mode & 0o777, (tmp_path / "s").stat().st_mode & 0o777) == (
            0o640,
            0o640,
        )
        out.chmod(0o644)
        run_cli(["check", "-f", "json", "-o", str(out), str(GOOD)], capsys)
        assert out.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)


@pytest.mark.parametrize(
    ("version", "code", "note"),
    [
        (
            "1.25",
            0,
            "Kubernetes 1.25 predates the schemas shipped (1.30 to 1.37): objects are "
            "validated against the 1.30 schema, and apiVersions against the APIs removed up to 1.25",
        ),
        (
            "v1.40.2",
            0,
            "Kubernetes 1.40 is newer than the schemas shipped (1.30 to 1.37): "
            "objects are validated against the 1.37 schema",
        ),
        ("1.33", 0, None),
        ("1.21", 2, "--kubernetes-version: Kubernetes 1.21 is older than 1.22"),
        ("latest", 2, "--kubernetes-version: not a Kubernetes version: 'latest'"),
    ],
)
def test_kubernetes_version_range(
    version: str, code: int, note: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    got, out, err = run_cli(
        ["check", "-f", "json", "--kubernetes-version", version, str(GOOD)], capsys
    )
    assert got == code
    if note is None:
        assert err == ""
    else:
        assert note in err and len(err.splitlines()) == 1
    if code == 0:
        assert json.loads(out)["kubernetesVersion"] == version.lstrip("v")[:4]


# -- one CLI: formats, flags, help ---------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "-f", "{fmt}", str(GOOD)],
        ["graph", "-f", "{fmt}", str(SEED)],
        ["reach", "-f", "{fmt}", str(SEED), "--from", "default/pod-a", "--to", "default/pod-b"],
        ["diff", "-f", "{fmt}", str(SEED), str(SEED)],
        ["rules", "-f", "{fmt}"],
    ],
    ids=lambda a: a[0],
)
def test_text_and_txt_are_one_format_everywhere(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = []
    for fmt in ("text", "txt", "TXT"):
        code, out, err = run_cli([a.replace("{fmt}", fmt) for a in argv], capsys)
        assert code in (0, 1), err
        outputs.append(out)
    assert outputs[0] == outputs[1] == outputs[2] and outputs[0]


def test_unknown_format_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["graph", "-f", "svg", str(SEED)], capsys)
    assert code == 2
    assert err == (
        "k8snetlint: error: --format: 'svg' is not one of text, json, json-compact, jsonl, csv, "
        "dot, mermaid, graphml, html\n"
    )


def test_statistics_counts_per_rule(capsys: pytest.CaptureFixture[str]) -> None:
    plain_code, plain, _ = run_cli(["check", "-f", "text", str(SEED)], capsys)
    code, out, _ = run_cli(["check", "--statistics", "-f", "text", str(SEED)], capsys)
    lines = out.splitlines()
    assert code == plain_code
    # most frequent rule first, with its severity and summary
    assert lines[0].split()[:2] == ["4", "service-selector-matches-nothing"]
    assert "selector matches no workload" in lines[0]
    assert sum(int(line.split()[0]) for line in lines[:-1]) == len(plain.splitlines()) - 1
    assert lines[-1] == plain.splitlines()[-1]  # the same summary line
    code, _, err = run_cli(["check", "--statistics", "-f", "json", str(SEED)], capsys)
    assert code == 2 and "--statistics: works with --format text only" in err


def test_quiet_prints_findings_only(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        ["check", "-q", "-f", "text", "--kubernetes-version", "1.25", str(BAD)], capsys
    )
    assert code == 1 and err == ""
    assert all(line.startswith("fixtures/") or line.startswith("    ") for line in out.splitlines())
    code, out, _ = run_cli(["check", "-q", "-f", "text", "--select", "bare-pod", str(GOOD)], capsys)
    assert (code, out) == (0, "")


@pytest.mark.parametrize(
    ("option", "env", "coloured"),
    [
        ("auto", {}, False),  # not a terminal
        ("auto", {"FORCE_COLOR": "1"}, True),
        ("auto", {"FORCE_COLOR": "0"}, False),
        ("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, True),
        ("always", {"NO_COLOR": "1"}, True),
        ("never", {"FORCE_COLOR": "1"}, False),
    ],
)
def test_color_option_and_environment(
    option: str,
    env: dict[str, str],
    coloured: bool,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    _, out, _ = run_cli(["check", "-f", "text", "--color", option, str(BAD)], capsys)
    assert ("\x1b[" in out) is coloured


def test_show_source_puts_a_caret_under_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(
        ["check", "-f", "text", "--show-source", "--select", "schema-violation", str(BAD)],
        capsys,
    )
    lines = out.splitlines()
    i = next(n for n, line in enumerate(lines) if "70000" in line and ":12:11:" in line)
    assert lines[i + 1 : i + 4] == ["     |", "  12 |   - port: 70000", "     |           ^^^^^"]
    _, plain, _ = run_cli(["check", "-f", "text", "--select", "schema-violation", str(BAD)], capsys)
    assert "  12 |" not in plain  # off by default when not a terminal


def test_help_shows_metavars_defaults_exit_codes_and_examples(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for command in ("check", "graph", "reach", "diff", "rules", "explain"):
        code, out, _ = run_cli([command, "--help"], capsys)
        assert code == 0
        assert "<str>" not in out and "<list[str]>" not in out, command
        assert "Exit codes:" in out and "Examples:" in out, command
        examples = out.split("Examples:", 1)[1].strip().splitlines()
        assert 2 <= len(examples) <= 3 and all("k8snetlint " in e for e in examples), command
    _, out, _ = run_cli(["check", "--help"], capsys)
    for needle in (
        "--output FILE",
        "--fail-on SEVERITY",
        "--kubernetes-version X.Y",
        "[default: auto]",
        "--color WHEN",
        "{PATH}...",
    ):
        assert needle in out, needle


def test_progress_covers_every_phase(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from k8snetlint.cli.common import Progress

    shown: list[str] = []
    p = Progress(True)
    monkeypatch.setattr(p, "show", lambda text: shown.append(text))
    monkeypatch.setattr("k8snetlint.cli.lint.Progress", lambda enabled: p)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    run_cli(["check", "-f", "json", str(SEED)], capsys)
    assert any(s.startswith("checking 8 objects: rule 1/") for s in shown)
    # the shared analyses, which take most of a long run, are named as they start
    assert "validating 8 objects against Kubernetes 1.37" in shown
    assert "indexing 8 objects" in shown
    assert any(s.startswith("analysing connectivity of ") for s in shown)
    assert shown[-1] == "writing the report"
    # a real Progress is silent during the first second, then writes one line
    q = Progress(True)
    q._start -= 5
    q.files(0, 300)
    q.done()
    err = capsys.readouterr().err
    assert "k8snetlint: reading files 1/300" in err and err.endswith("\r")


CERTIFICATE = """apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: web
spec:
  duration: 2160
"""
CERT_SCHEMA = (
    '{"type": "object", "properties": {"spec": {"type": "object", "required": ["secretName"], '
    '"properties": {"secretName": {"type": "string"}, "duration": {"type": "string"}}}}}'
)


@pytest.mark.parametrize("layout", ["cert-manager.io/certificate_v1.json", "certificate_v1.json"])
def test_schema_location_validates_custom_resources(
    layout: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "cert.yaml").write_text(CERTIFICATE)
    schema = tmp_path / "schemas" / layout
    schema.parent.mkdir(parents=True)
    schema.write_text(CERT_SCHEMA)
    code, out, _ = run_cli(["check", "-f", "json", str(tmp_path / "cert.yaml")], capsys)
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["unknown-kind"]
    code, out, _ = run_cli(
        [
            "check",
            "-f",
            "json",
            "--schema-location",
            str(tmp_path / "schemas"),
            str(tmp_path / "cert.yaml"),
        ],
        capsys,
    )
    found = [(f["rule"], f["line"], f["message"]) for f in json.loads(out)["findings"]]
    assert code == 1
    assert found == [
        (
            "schema-violation",
            5,
            "spec: 'secretName' is a required property (schema certificate_v1.json)",
        ),
        (
            "schema-violation",
            6,
            "spec.duration: 2160 is not of type 'string' (schema certificate_v1.json)",
        ),
    ]
    code, _, err = run_cli(
        ["check", "--schema-location", str(tmp_path / "nope"), str(GOOD)], capsys
    )
    assert code == 2 and "--schema-location" in err


def test_schema_location_in_config_is_relative_to_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "cert.yaml").write_text(CERTIFICATE)
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "certificate_v1.json").write_text(CERT_SCHEMA)
    (tmp_path / ".k8snetlint.yaml").write_text("schema-location: [schemas]\n")
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path / "k8s")
    code, out, _ = run_cli(["check", "-f", "json", "."], capsys)
    assert code == 1
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"schema-violation"}


def test_command_modules_form_no_import_cycle() -> None:
    """Command modules import the shared modules only; the package imports no command."""
    code = (
        "import sys, importlib\n"
        "importlib.import_module(sys.argv[1])\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('k8snetlint.cli')"
        " or m == 'k8snetlint.netcli')))\n"
    )
    expected = {
        # the package imports nothing; the body of check, no typer module
        "k8snetlint.cli": "k8snetlint.cli",
        "k8snetlint.cli.lint": (
            "k8snetlint.cli k8snetlint.cli.common k8snetlint.cli.lint k8snetlint.cli.startup"
        ),
        "k8snetlint.cli.check": (
            "k8snetlint.cli k8snetlint.cli.check k8snetlint.cli.common k8snetlint.cli.lint "
            "k8snetlint.cli.options k8snetlint.cli.startup"
        ),
        "k8snetlint.cli.rules": ("k8snetlint.cli k8snetlint.cli.common k8snetlint.cli.rules"),
        "k8snetlint.netcli": (
            "k8snetlint.cli k8snetlint.cli.common k8snetlint.cli.options k8snetlint.netcli"
        ),
    }
    for module, loaded in expected.items():
        proc = subprocess.run(
            [sys.executable, "-c", code, module], capture_output=True, text=True, check=True
        )
        assert proc.stdout.strip() == loaded, module
    # every command is registered on the one app
    from k8snetlint.cli import app

    names = {c.name or c.callback.__name__ for c in app.registered_commands}  # type: ignore[union-attr]
    assert {"check", "rules", "explain", "graph", "reach", "diff"} <= names
