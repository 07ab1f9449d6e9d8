"""The GitHub Action (action.yml): its metadata, and its scripts run in a simulated runner.

The runner below does what GitHub does for a composite action's ``shell: bash`` steps:
it evaluates the ``${{ ... }}`` expressions of each step's ``env``, runs the ``run``
script with ``bash --noprofile --norc -eo pipefail`` in ``GITHUB_WORKSPACE``, stops at
the first failing step, and applies ``GITHUB_PATH`` and ``GITHUB_OUTPUT`` between steps.
The install step is skipped with ``K8SNETLINT_ACTION_SKIP_INSTALL=1`` (the installed
``k8snetlint`` of this interpreter is used), except in the tests of the install step
itself: one with a fake ``python3`` that records what it is asked to do, and one slow
test (skipped with ``K8SNETLINT_SKIP_SLOW=1``) that installs the project for real.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import BAD_SERVICE, GOOD_SERVICE, ROOT, slow

ACTION = ROOT / "action.yml"
BIN = Path(sys.executable).parent
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
INPUTS = (
    "paths",
    "config",
    "fail-on",
    "kubernetes-version",
    "baseline",
    "sarif-file",
    "version",
)

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: two
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 8080
"""
# Only the schema rule runs, so the tests do not depend on which other rules exist.
CONFIG = "select: [schema-violation]\n"


def action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps() -> list[dict[str, Any]]:
    result = action()["runs"]["steps"]
    assert isinstance(result, list)
    return result


# --------------------------------------------------------------------------- the runner


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    path_added: list[str] = field(default_factory=list)
    summary: str = ""

    def annotations(self, level: str = "error") -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith(f"::{level} ")]


def _evaluate(expression: str, inputs: dict[str, str], action_path: Path) -> str:
    defaults = {name: spec.get("default", "") for name, spec in action()["inputs"].items()}
    if expression.startswith("inputs."):
        name = expression[len("inputs.") :]
        assert name in defaults, f"unknown input {name}"
        return str(inputs.get(name, defaults[name]))
    if expression == "github.action_path":
        return str(action_path)
    raise AssertionError(f"the test runner does not know ${{{{ {expression} }}}}")


def run_action(
    workspace: Path,
    inputs: dict[str, str],
    *,
    install: bool = False,
    action_path: Path = ROOT,
    path_prefix: list[Path] | None = None,
) -> Run:
    """Run the action's steps like a GitHub runner would, in ``workspace``."""
    temp = workspace.parent / "runner-temp"
    temp.mkdir(exist_ok=True)
    summary = temp / "step_summary.md"
    github_path = temp / "github_path"
    summary.touch()
    github_path.touch()
    search = [*(path_prefix or []), BIN, Path("/usr/local/bin"), Path("/usr/bin"), Path("/bin")]
    base = {
        "PATH": os.pathsep.join(str(p) for p in search),
        "HOME": os.environ.get("HOME", str(temp)),
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_PATH": str(github_path),
        "GITHUB_ACTION_PATH": str(action_path),
        "RUNNER_TEMP": str(temp),
    }
    for name in ("PIP_FIND_LINKS", "PIP_CERT", "PIP_INDEX_URL", "PIP_DEFAULT_TIMEOUT"):
        if name in os.environ:
            base[name] = os.environ[name]
    if not install:
        base["K8SNETLINT_ACTION_SKIP_INSTALL"] = "1"
    result = Run(0, "", "")
    for number, step in enumerate(steps()):
        assert step["shell"] == "bash"
        env = dict(base)
        added = [
            line for line in github_path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        env["PATH"] = os.pathsep.join([*reversed(added), env["PATH"]])
        output = temp / f"output-{number}"
        output.touch()
        env["GITHUB_OUTPUT"] = str(output)
        for name, value in (step.get("env") or {}).items():
            env[name] = EXPRESSION.sub(
                lambda m: _evaluate(m.group(1), inputs, action_path), str(value)
            )
        script = temp / f"step-{number}.sh"
        script.write_text(step["run"], encoding="utf-8")
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        result.stdout += proc.stdout
        result.stderr += proc.stderr
        values = dict(
            line.split("=", 1)
            for line in output.read_text(encoding="utf-8").splitlines()
            if "=" in line
        )
        result.outputs[step.get("id", str(number))] = values
        result.code = proc.returncode
        if proc.returncode != 0:
            break
    result.path_added = [
        line for line in github_path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    result.summary = summary.read_text(encoding="utf-8")
    return result


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A repository checkout with manifests: one bad Service, one bad Deployment."""
    ws = tmp_path / "workspace"
    (ws / "deploy" / "web").mkdir(parents=True)
    (ws / "deploy" / "db").mkdir(parents=True)
    (ws / ".k8snetlint.yaml").write_text(CONFIG, encoding="utf-8")
    (ws / "deploy" / "web" / "service.yaml").write_text(BAD_SERVICE, encoding="utf-8")
    (ws / "deploy" / "db" / "deployment.yaml").write_text(DEPLOYMENT, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    return ws


def _fix(ws: Path) -> None:
    (ws / "deploy" / "web" / "service.yaml").write_text(GOOD_SERVICE, encoding="utf-8")
    (ws / "deploy" / "db" / "deployment.yaml").write_text(
        DEPLOYMENT.replace("replicas: two", "replicas: 2"), encoding="utf-8"
    )


# --------------------------------------------------------------------------- metadata


def test_metadata() -> None:
    data = action()
    assert data["runs"]["using"] == "composite"
    assert tuple(data["inputs"]) == INPUTS
    defaults = {name: spec.get("default") for name, spec in data["inputs"].items()}
    assert defaults["paths"] == "."
    assert defaults["fail-on"] == "error"
    assert defaults["version"] == ""
    for spec in data["inputs"].values():
        assert spec["description"]
        assert spec["required"] is False
    assert data["outputs"]["exit-code"]["value"] == "${{ steps.check.outputs.exit-code }}"
    assert [s["id"] for s in steps()] == ["install", "check"]


def test_inputs_reach_the_scripts_only_through_env() -> None:
    used: set[str] = set()
    for step in steps():
        assert "${{" not in step["run"], f"expression inside the script of {step['name']}"
        assert "inputs." not in step["run"]
        for name, value in step["env"].items():
            # each variable is exactly one expression: nothing is concatenated
            m = EXPRESSION.fullmatch(str(value))
            assert m, f"{name}: {value!r}"
            used.add(m.group(1))
        for key, value in step.items():
            if key not in ("env", "run"):
                assert "${{" not in str(value), f"expression in {key} of {step['name']}"
    assert used == {f"inputs.{name}" for name in INPUTS} | {"github.action_path"}
    # and the raw file agrees: every expression sits in an env mapping or in outputs
    for line in ACTION.read_text(encoding="utf-8").splitlines():
        if "${{" in line and not line.lstrip().startswith("#"):
            assert re.fullmatch(r"\s+[A-Z0-9_]+: \$\{\{ [a-z._-]+ \}\}", line) or (
                line.strip() == "value: ${{ steps.check.outputs.exit-code }}"
            ), line


# --------------------------------------------------------------------------- check step


def test_findings_become_annotations_summary_and_sarif(workspace: Path) -> None:
    run = run_action(workspace, {"paths": "deploy", "sarif-file": "reports/k8snetlint.sarif"})
    assert run.code == 1, run.stderr
    assert run.outputs["check"] == {"exit-code": "1"}
    errors = run.annotations("error")
    assert (
        "::error file=deploy/web/service.yaml,line=9,col=11,endLine=9,endColumn=16,"
        "title=k8snetlint schema-violation::spec.ports[0].port: 70000 is not a valid port "
        "number; it must be between 1 and 65535"
    ) in errors
    assert any(a.startswith("::error file=deploy/db/deployment.yaml,line=6,") for a in errors)
    assert len(errors) == 2
    assert "K8SNETLINT_ACTION_SKIP_INSTALL=1" in run.stdout
    # the step summary
    assert run.summary.startswith("## k8snetlint")
    assert "**Failed**" in run.summary
    assert "schema-violation" in run.summary
    assert "deploy/web/service.yaml" in run.summary
    # the SARIF file, with repository-relative locations
    sarif = json.loads((workspace / "reports" / "k8snetlint.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert uris == {"deploy/web/service.yaml", "deploy/db/deployment.yaml"}


def test_clean_manifests_pass(workspace: Path) -> None:
    _fix(workspace)
    run = run_action(workspace, {"paths": "deploy", "sarif-file": "k8snetlint.sarif"})
    assert run.code == 0, run.stdout + run.stderr
    assert run.outputs["check"] == {"exit-code": "0"}
    assert run.annotations("error") == []
    assert "**Passed**" in run.summary
    sarif = json.loads((workspace / "k8snetlint.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"] == []


def test_default_paths_and_no_sarif(workspace: Path) -> None:
    run = run_action(workspace, {})
    assert run.code == 1
    assert len(run.annotations("error")) == 2
    assert not list(workspace.rglob("*.sarif"))


def test_paths_split_on_whitespace_and_newlines_with_globs(workspace: Path) -> None:
    (workspace / "deploy" / "web" / "more.yaml").write_text(BAD_SERVICE, encoding="utf-8")
    paths = "  deploy/web/service.yaml\n\tdeploy/db/*.yaml   \n\n"
    run = run_action(workspace, {"paths": paths})
    assert run.code == 1
    files = sorted(re.findall(r"file=([^,]+),", "\n".join(run.annotations("error"))))
    assert files == ["deploy/db/deployment.yaml", "deploy/web/service.yaml"]


def test_a_path_with_a_space(workspace: Path) -> None:
    # paths are split on whitespace; a glob reaches a folder whose name has one
    (workspace / "my apps").mkdir()
    (workspace / "my apps" / "svc.yaml").write_text(BAD_SERVICE, encoding="utf-8")
    run = run_action(workspace, {"paths": "my?apps"})
    assert run.code == 1
    [error] = run.annotations("error")
    assert error.startswith("::error file=my apps/svc.yaml,line=9,")


def test_fail_on_never_and_config_input(workspace: Path) -> None:
    (workspace / ".k8snetlint.yaml").unlink()
    (workspace / "ci").mkdir()
    (workspace / "ci" / "lint.yaml").write_text(CONFIG, encoding="utf-8")
    run = run_action(workspace, {"paths": "deploy", "fail-on": "never", "config": "ci/lint.yaml"})
    assert run.code == 0
    assert run.outputs["check"] == {"exit-code": "0"}
    assert len(run.annotations("error")) == 2


def test_kubernetes_version_input(workspace: Path) -> None:
    run = run_action(workspace, {"paths": "deploy", "kubernetes-version": "0.1"})
    assert run.code == 2
    assert run.outputs["check"] == {"exit-code": "2"}
    assert "--kubernetes-version: Kubernetes 0.1 is older than 1.22" in run.stderr
    # the error is also an annotation, so it shows on the pull request
    assert any("is older than 1.22" in a for a in run.annotations("error"))


def test_crafted_inputs_are_not_executed(workspace: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    crafted = {
        "paths": f"$(touch {marker}) ; echo x `touch {marker}` deploy",
        "config": f"$(touch {marker})",
        "kubernetes-version": f"1.33; touch {marker}",
        "fail-on": f"error$(touch {marker})",
        "sarif-file": f"out/$(touch {marker}).sarif",
        "baseline": f"$(touch {marker}).json",
    }
    for name, value in crafted.items():
        run = run_action(workspace, {"paths": "deploy", name: value})
        assert not marker.exists(), f"input {name} was executed"
        # a usage error, except the SARIF file name: a strange but valid file name
        assert run.code == (1 if name == "sarif-file" else 2), (name, run.stdout, run.stderr)
        assert "\nx\n" not in f"\n{run.stdout}"
    assert (workspace / crafted["sarif-file"]).is_file()
    run = run_action(workspace, {"paths": crafted["paths"]})
    assert "$(touch: no such file or directory" in run.stderr
    assert not marker.exists()


def test_a_path_that_looks_like_an_option_is_a_path(workspace: Path) -> None:
    run = run_action(workspace, {"paths": "--fail-on=never"})
    assert run.code == 2
    assert "--fail-on=never: no such file or directory" in run.stderr


# --------------------------------------------------------------------------- install step


def _fake_python(folder: Path, log: Path) -> None:
    """A ``python3`` that records its arguments and fakes ``-m venv`` and ``-m pip``."""
    folder.mkdir(parents=True)
    script = folder / "python3"
    script.write_text(
        textwrap.dedent(
            f"""\
            #!/bin/sh
            printf '%s\\n' "$*" >> '{log}'
            if [ "$1" = -m ] && [ "$2" = venv ]; then
              mkdir -p "$3/bin"
              cp "$0" "$3/bin/python"
              printf '#!/bin/sh\\necho "k8snetlint (fake) $*"\\n' > "$3/bin/k8snetlint"
              chmod +x "$3/bin/k8snetlint"
            fi
            exit 0
            """
        ),
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.mark.parametrize(
    ("version", "requirement"),
    [
        ("", str(ROOT)),
        ("0.1.0", "k8snetlint==0.1.0"),
        ("v0.2.0rc1", "k8snetlint==0.2.0rc1"),
        ("k8snetlint==0.1.0", "k8snetlint==0.1.0"),
        ("k8snetlint @ git+https://github.com/k8snetlint/k8snetlint@main", None),
        ("$(touch {marker})", None),
    ],
)
def test_install_step(
    workspace: Path, tmp_path: Path, version: str, requirement: str | None
) -> None:
    marker = tmp_path / "pwned"
    version = version.replace("{marker}", str(marker))
    log = tmp_path / "python.log"
    fake = tmp_path / "fake-bin"
    _fake_python(fake, log)
    # the check step then runs the fake k8snetlint put on PATH by the install step
    run = run_action(workspace, {"version": version}, install=True, path_prefix=[fake])
    assert run.code == 0, run.stdout + run.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    temp = workspace.parent / "runner-temp"
    assert calls[1] == f"-m venv {temp}/k8snetlint-venv"
    expected = requirement if requirement is not None else version
    assert calls[2] == f"-m pip install --quiet --disable-pip-version-check -- {expected}"
    assert not marker.exists()
    assert run.path_added == [f"{temp}/k8snetlint-bin"]
    assert "k8snetlint (fake) check --format github --fail-on error -- ." in run.stdout


def test_install_step_refuses_an_option_as_version(workspace: Path, tmp_path: Path) -> None:
    log = tmp_path / "python.log"
    _fake_python(tmp_path / "fake-bin", log)
    run = run_action(
        workspace,
        {"version": "--index-url=https://example.invalid/simple"},
        install=True,
        path_prefix=[tmp_path / "fake-bin"],
    )
    assert run.code == 2
    assert "::error title=k8snetlint::input 'version' must be a version" in run.stdout
    assert "pip" not in log.read_text(encoding="utf-8")
    assert "check" not in run.outputs


def _snapshot(destination: Path) -> Path:
    """A copy of the project's working tree (tracked and untracked, not ignored files)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode == 0:
        names = [n for n in listed.stdout.decode().split("\0") if n]
    else:  # not a git checkout: the files that make the package
        names = [
            str(p.relative_to(ROOT))
            for top in ("pyproject.toml", "README.md", "k8snetlint", "rules", "schemas")
            for p in ([ROOT / top] if (ROOT / top).is_file() else (ROOT / top).rglob("*"))
        ]
    for name in names:
        source = ROOT / name
        if source.is_file() and "__pycache__" not in source.parts:
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


@slow
def test_action_installs_its_own_checkout(workspace: Path, tmp_path: Path) -> None:
    # pip installs the action's checkout (a copy, so the build leaves the tree alone)
    action_path = _snapshot(tmp_path / "action")
    run = run_action(
        workspace,
        {"paths": "deploy", "sarif-file": "k8snetlint.sarif"},
        install=True,
        action_path=action_path,
    )
    temp = workspace.parent / "runner-temp"
    assert run.path_added == [f"{temp}/k8snetlint-bin"], run.stdout + run.stderr
    assert "k8snetlint 0." in run.stdout  # k8snetlint --version of the installed copy
    assert run.code == 1, run.stdout + run.stderr
    assert len(run.annotations("error")) == 2
    assert (workspace / "k8snetlint.sarif").is_file()
    assert "**Failed**" in run.summary


def test_baseline_input(workspace: Path) -> None:
    from k8snetlint.cli import main

    baseline = workspace / ".k8snetlint-baseline.json"
    old = os.getcwd()
    os.chdir(workspace)
    try:
        with pytest.raises(SystemExit) as exc:
            main(["check", "--write-baseline", str(baseline), "deploy"])
    finally:
        os.chdir(old)
    assert exc.value.code == 0
    run = run_action(workspace, {"paths": "deploy", "baseline": ".k8snetlint-baseline.json"})
    assert run.code == 0, run.stderr
    assert run.annotations("error") == []
