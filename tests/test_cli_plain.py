"""Plain command lines read without typer (:mod:`k8snetlint.cli.plain`): the option
tables agree with the typer commands, and ``graph`` answers byte for byte alike."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from k8snetlint.cli import main, plain
from k8snetlint.cli import root as cli_root

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "scenarios"


def _click_command(name: str) -> Any:
    import typer

    return typer.main.get_command(cli_root.app).commands[name]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("command", "table"),
    [
        ("check", plain.CHECK_OPTIONS),
        ("graph", plain.GRAPH_OPTIONS),
        ("reach", plain.REACH_OPTIONS),
    ],
)
def test_option_tables_match_the_typer_commands(command: str, table: plain.Options) -> None:
    params = {p.name: p for p in _click_command(command).params}
    for option, (name, kind) in table.items():
        assert name in params, option
        param = params[name]
        if isinstance(kind, bool):
            assert param.is_flag, option
            names = param.opts if kind else param.secondary_opts
            # --show-source/--no-show-source: one parameter, two spellings
            assert option in names or (not kind and option in param.opts), option
        else:
            assert not param.is_flag, option
            assert option in param.opts, option
            assert param.multiple == (kind is list), option
    # every option of the tables' parameters is in the table (none read half)
    spelled = {o for p in params.values() for o in (*p.opts, *p.secondary_opts)}
    covered = {name for name, _ in table.values()}
    for p in params.values():
        if p.name in covered:
            assert {*p.opts, *p.secondary_opts} <= set(table), p.name
    assert set(table) <= spelled


GRAPH_LINES = [
    ["graph", "x"],
    ["graph", "-f", "json", "x"],
    ["graph", "--format=csv", "x"],
    ["graph", "--format", "mermaid", "x"],
    ["graph", "--format", "jsonl", "x"],
    ["graph", "--format", "json-compact", "--exposure", "x"],
    ["graph", "--exposure", "x"],
    ["graph", "-f", "json", "--exposure", "x"],
    ["graph", "--focus", "shop/web", "x"],
    ["graph", "--focus", "nope", "x"],
    ["graph", "-n", "shop", "x"],
    ["graph", "-o", "map.txt", "x"],
    ["graph", "--format", "bogus", "x"],
    ["graph", "--config", "missing.yaml", "x"],
    ["graph", "--exposure", "-f", "dot", "x"],
    ["graph", "missing-dir"],
]


def _answer(
    entry: Any, args: list[str], capsys: pytest.CaptureFixture[str], folder: Path
) -> tuple[int, str, str, dict[str, bytes]]:
    out_file = folder / "map.txt"
    if out_file.exists():
        out_file.unlink()
    with pytest.raises(SystemExit) as exc:
        entry(args)
    out, err = capsys.readouterr()
    written = {f.name: f.read_bytes() for f in sorted(folder.iterdir()) if f.is_file()}
    return int(exc.value.code or 0), out, err, written


@pytest.mark.parametrize("args", GRAPH_LINES, ids=" ".join)
def test_plain_graph_answers_byte_for_byte_like_the_full_parser(
    args: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = next(p for p in sorted(SEED.iterdir()) if p.is_dir())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    args = [str(scenario) if a == "x" else a for a in args]
    assert plain.read(args, "graph", plain.GRAPH_OPTIONS) is not None
    fast = _answer(main, args, capsys, tmp_path)
    full = _answer(cli_root.main, args, capsys, tmp_path)
    assert fast == full
    assert "Traceback" not in fast[2]


REACH_LINES = [
    ["reach", "x", "--from", "shop/api", "--to", "shop/postgres"],
    ["reach", "--from", "shop/api", "--to", "shop/postgres", "-f", "json", "x"],
    ["reach", "x", "--from=shop/api", "--to=svc:shop/postgres", "--port", "5432/TCP"],
    ["reach", "x", "--from", "shop/api", "--to", "shop/postgres", "-p", "http", "-j", "1"],
    ["reach", "x", "--from", "internet", "--to", "shop/frontend"],
    ["reach", "x", "--from", "pods app=x in namespace shop", "--to", "shop/frontend"],
    ["reach", "x", "--from", "shop/nope", "--to", "shop/postgres"],
    ["reach", "x", "--from", "shop/api", "--to", "shop/postgres", "--port", "99999"],
    ["reach", "x", "--from", "shop/api", "--to", "shop/postgres", "-n", "shop", "--jobs", "0"],
    ["reach", "x", "--from", "shop/api", "--to", "shop/postgres", "--config", "missing.yaml"],
    ["reach", "missing-dir", "--from", "shop/api", "--to", "shop/postgres"],
]


@pytest.mark.parametrize("args", REACH_LINES, ids=" ".join)
def test_plain_reach_answers_byte_for_byte_like_the_full_parser(
    args: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = ROOT / "fixtures" / "scenarios" / "shop-protected"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    args = [str(scenario) if a == "x" else a for a in args]
    assert plain.read(args, "reach", plain.REACH_OPTIONS) is not None
    fast = _answer(main, args, capsys, tmp_path)
    full = _answer(cli_root.main, args, capsys, tmp_path)
    assert fast == full
    assert "Traceback" not in fast[2]


@pytest.mark.parametrize(
    "args",
    [
        ["reach", "x", "--from", "shop/web"],
        ["reach", "x", "--to", "shop/frontend"],
        ["reach", "--from", "a/b", "--to", "a/c"],
        ["reach", "x", "--from", "-a", "--to", "a/c"],
        ["reach", "x", "--from", "a/b", "--to", "a/c", "--exposure"],
    ],
    ids=" ".join,
)
def test_other_reach_lines_go_to_the_full_parser(args: list[str]) -> None:
    assert plain.read(args, "reach", plain.REACH_OPTIONS) is None


def test_plain_graph_skips_typer_parsing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The plain path never builds the typer command (the expensive part of typer)."""
    import typer

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("typer command built")

    monkeypatch.setattr(typer.main, "get_command", boom)
    scenario = next(p for p in sorted(SEED.iterdir()) if p.is_dir())
    with pytest.raises(SystemExit) as exc:
        main(["graph", "-f", "csv", str(scenario)])
    assert exc.value.code == 0


def test_a_changed_command_goes_to_the_full_parser() -> None:
    def graph_cmd(paths: list[str], format: str = "text") -> None: ...

    assert plain.accepts(graph_cmd, {"paths": ["x"], "format": "json"})
    assert not plain.accepts(graph_cmd, {"paths": ["x"], "exposure": True})


@pytest.mark.parametrize(
    "args",
    [
        ["graph"],
        ["graph", "--help"],
        ["graph", "--exposure=1", "x"],
        ["graph", "--focus"],
        ["graph", "-f", "-o", "x"],
        ["graph", "--unknown", "x"],
        ["reach", "x"],
    ],
    ids=" ".join,
)
def test_other_graph_lines_go_to_the_full_parser(args: list[str]) -> None:
    assert plain.read(args, "graph", plain.GRAPH_OPTIONS) is None
