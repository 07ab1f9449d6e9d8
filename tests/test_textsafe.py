"""No terminal or log injection: control characters are escaped in every
human-readable output (check -f text, graph -f txt, reach, diff)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from k8snetlint.textsafe import escape_control

EVIL = "a\\e[2J\\r\\n::error::injected\\n```\\nx"

RAW = "a\x1b[2J\r\n::error::injected\n```\nx"  # EVIL as the YAML reader decodes it

MANIFESTS = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: "{EVIL}"
  namespace: shop
  labels:
    app: "{EVIL}"
spec:
  containers:
  - name: c
    image: nginx
    ports:
    - containerPort: 80
---
apiVersion: v1
kind: Pod
metadata:
  name: client
  namespace: shop
spec:
  containers:
  - name: c
    image: curl
"""


def _run_any(args: list[str], cwd: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "k8snetlint", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )
    return proc.stdout + proc.stderr


def _run(args: list[str], cwd: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "k8snetlint", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout + proc.stderr


def _assert_safe(out: str) -> None:
    assert "\x1b" not in out and "\r" not in out
    for line in out.splitlines():
        assert not line.startswith("::error::"), line
        assert not line.startswith("```"), line
    assert "injected" in out  # the name is there, escaped


def test_escape_control() -> None:
    assert escape_control("a\x1b[2J\r\n::x\u2028\x85\tz") == "a\\x1b[2J\\r\\n::x\\u2028\\x85\tz"


@pytest.mark.parametrize(
    "args",
    [
        ["check", "m.yaml", "-f", "text"],
        ["graph", "m.yaml", "-f", "txt"],
        ["reach", "m.yaml", "--from", "shop/client", "--to", "shop/" + RAW],
    ],
    ids=["check", "graph", "reach"],
)
def test_hostile_names_are_escaped(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    _assert_safe(_run(args, tmp_path))


def test_diff_is_escaped(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "m.yaml").write_text(MANIFESTS.split("---")[1])
    (tmp_path / "new" / "m.yaml").write_text(MANIFESTS)
    _assert_safe(_run(["diff", "old", "new"], tmp_path))


def _readme_comment_script() -> str:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    step = readme.index("- name: What this pull request opens or closes")
    start = readme.index("run: |\n", step) + len("run: |\n")
    end = readme.index("```\n", readme.index("gh pr comment", start))
    lines = readme[start:end].splitlines()
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines) + "\n"


def test_readme_comment_workflow_is_fence_safe(tmp_path: Path) -> None:
    """Even output that holds a fence (were escaping ever bypassed) stays inside the
    comment's code block."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "k8snetlint").write_text(
        "#!/bin/sh\nprintf '+ a => b : All\\n```\\n::error::x\\n````` more\\n'\n"
    )
    (bin_dir / "gh").write_text("#!/bin/sh\nexit 0\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "BASE_REF": "main",
        "PR_NUMBER": "1",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    subprocess.run(
        ["bash", "-c", _readme_comment_script()], cwd=tmp_path, env=env, check=True, timeout=60
    )
    body = (tmp_path / "k8snetlint-diff.md").read_text().splitlines()
    start = next(i for i, line in enumerate(body) if line.startswith("```"))
    fence = body[start]
    assert fence == "``````" and body[-1] == fence
    inner = body[start + 1 : -1]
    assert "::error::x" in inner
    # CommonMark: a closing fence is at least as long as the opening one
    assert not any(line.startswith(fence) for line in inner)


def test_usage_errors_are_escaped(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    out = _run_any(
        ["reach", "m.yaml", "--from", "shop/client", "--to", "x\x1b[2J\r::error::y"], tmp_path
    )
    assert "\x1b" not in out and "\r" not in out and "\\x1b[2J" in out


@pytest.mark.parametrize("fmt", ["csv", "dot", "mermaid", "graphml"])
def test_graph_formats_hold_no_raw_control_characters(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    proc = subprocess.run(
        [sys.executable, "-m", "k8snetlint", "graph", "m.yaml", "-f", fmt],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\r" not in proc.stdout
    assert "injected" in proc.stdout
    if fmt == "csv":
        # escaped, not merely quoted: a quoted newline still starts a new terminal line
        assert not any(line.startswith("::error::") for line in proc.stdout.splitlines())
    if fmt == "graphml":
        import xml.etree.ElementTree as ET

        ET.fromstring(proc.stdout)  # well-formed XML 1.0


def test_did_you_mean_names_are_escaped(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    out = _run_any(["reach", "m.yaml", "--from", "x", "--to", "shop/client"], tmp_path)
    assert "did you mean" in out and "injected" in out
    assert not any(line.startswith("::error::") for line in out.splitlines()), out


def test_graph_exposure_text_is_escaped(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    _assert_safe(_run(["graph", "m.yaml", "--exposure", "-f", "text"], tmp_path))


def test_unread_file_names_are_escaped(tmp_path: Path) -> None:
    """The stderr note of graph (and reach) naming the files it could not read."""
    (tmp_path / "m.yaml").write_text(MANIFESTS)
    (tmp_path / "bad\x1b[2J\n::error::injected.yaml").write_text("a: [\n")
    out = _run(["graph", "."], tmp_path)
    assert "could not be read" in out
    _assert_safe(out)
