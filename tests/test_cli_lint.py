"""The plain ``check`` command line (:mod:`k8snetlint.cli.lint`): read without typer into
exactly the arguments typer passes, and answered byte for byte like the full parser."""

from __future__ import annotations

import inspect
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import BAD_SERVICE, GOOD_SERVICE
from k8snetlint.cli import lint, main
from k8snetlint.cli import root as cli_root

#: Command lines the plain reader takes (paths a.yaml and b.yaml exist in the test).
PLAIN = [
    ["check", "a.yaml"],
    ["check", "a.yaml", "b.yaml"],
    ["check", "--format", "json", "a.yaml"],
    ["check", "-f", "sarif", "a.yaml"],
    ["check", "--format=junit", "a.yaml"],
    ["check", "a.yaml", "--fail-on", "warning"],
    ["check", "--fail-on=never", "--quiet", "a.yaml", "b.yaml"],
    ["check", "-q", "--statistics", "a.yaml"],
    ["check", "--select", "schema-violation", "--select", "unknown-kind", "a.yaml"],
    ["check", "--ignore=service-selector-matches-nothing", "a.yaml"],
    ["check", "-n", "shop", "--namespace", "web", "a.yaml"],
    ["check", "--kubernetes-version", "1.30", "a.yaml"],
    ["check", "--no-kustomize", "--follow-symlinks", "--allow-empty", "a.yaml"],
    ["check", "--kustomize-allow-remote", "a.yaml"],
    ["check", "--show-source", "a.yaml"],
    ["check", "--no-show-source", "--show-source", "--no-show-source", "a.yaml"],
    ["check", "--color", "never", "a.yaml"],
    ["check", "--color=always", "a.yaml"],
    ["check", "--jobs", "1", "a.yaml"],
    ["check", "-j", "2", "a.yaml"],
    ["check", "--format", "json", "--format", "text", "a.yaml"],
    ["check", "-o", "out.txt", "a.yaml"],
    ["check", "--output-json", "r.json", "--output-sarif", "r.sarif", "a.yaml"],
    ["check", "--output-junit=r.xml", "a.yaml"],
    ["check", "--write-baseline", "base.json", "a.yaml"],
    ["check", "--config", "cfg.yaml", "a.yaml"],
    ["check", "--schema-location", ".", "--schema-location=.", "a.yaml"],
    ["check", "--stdin-path", "charts/x", "a.yaml"],
    ["check", "--format", "", "a.yaml"],
    ["check", "--fail-on", "bogus", "a.yaml"],
    ["check", "--jobs", "0", "a.yaml"],
    ["check", "-"],
]

#: Command lines left to the full parser.
FULL = [
    [],
    ["check"],
    ["check", "--help"],
    ["--version"],
    ["graph", "a.yaml"],
    ["check", "--format"],
    ["check", "--fail-on", "--quiet", "a.yaml"],
    ["check", "--quiet=yes", "a.yaml"],
    ["check", "-f=json", "a.yaml"],
    ["check", "-qf", "json", "a.yaml"],
    ["check", "--jobs", "two", "a.yaml"],
    ["check", "--jobs", "-1", "a.yaml"],
    ["check", "--", "a.yaml"],
    ["check", "--unknown", "a.yaml"],
    ["check", "--fo", "json", "a.yaml"],
    ["check", "--quiet"],
]


def _typer_kwargs(args: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What typer passes to ``run_check`` for ``args``."""
    seen: dict[str, Any] = {}

    def fake(paths: list[str], **kwargs: Any) -> int:
        seen.update(paths=paths, **kwargs)
        return 0

    monkeypatch.setattr(lint, "run_check", fake)
    with pytest.raises(SystemExit):
        cli_root.main(args)
    monkeypatch.undo()
    return seen


@pytest.mark.parametrize("args", PLAIN, ids=" ".join)
def test_plain_reading_equals_typer(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    plain = lint.plain_check_args(args)
    assert plain is not None
    full = _typer_kwargs(args, monkeypatch)
    assert full, "typer did not call run_check"
    # typer passes every parameter; the plain reading only those given (defaults apply)
    defaults = {
        name: p.default
        for name, p in inspect.signature(lint.run_check).parameters.items()
        if name != "paths"
    }
    assert {**defaults, **plain} == full


@pytest.mark.parametrize("args", FULL, ids=lambda a: " ".join(a) or "(none)")
def test_other_command_lines_go_to_the_full_parser(args: list[str]) -> None:
    assert lint.plain_check_args(args) is None


def _answer(
    entry: Any, args: list[str], capsys: pytest.CaptureFixture[str], folder: Path
) -> tuple[int, str, str, dict[str, bytes]]:
    for f in folder.iterdir():
        if f.name not in ("a.yaml", "b.yaml", "cfg.yaml"):
            f.unlink()
    with pytest.raises(SystemExit) as exc:
        entry(args)
    out, err = capsys.readouterr()
    written = {f.name: f.read_bytes() for f in sorted(folder.iterdir())}
    return int(exc.value.code or 0), out, err, written


@pytest.mark.parametrize("text", [GOOD_SERVICE, BAD_SERVICE], ids=["good", "bad"])
@pytest.mark.parametrize("args", PLAIN, ids=" ".join)
def test_plain_path_answers_byte_for_byte_like_the_full_parser(
    args: list[str],
    text: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(GOOD_SERVICE.replace("name: web", "name: api"))
    (tmp_path / "cfg.yaml").write_text("fail-on: warning\n")
    fast = _answer(main, args, capsys, tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    full = _answer(cli_root.main, args, capsys, tmp_path)
    assert fast == full


def test_plain_path_never_loads_typer(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD_SERVICE)
    probe = (
        "import json, sys\n"
        "from k8snetlint.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "mods = ('typer', 'click', 'rich', 'k8snetlint.netcli', 'k8snetlint.cli.root')\n"
        "print(json.dumps([code, [m for m in mods if m in sys.modules]]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, "check", "--fail-on", "error", "-q", "a.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [0, []], proc.stderr
