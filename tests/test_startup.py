"""Start-up: what `k8snetlint check FILE` (a commit hook's call) imports and does.

No timing is asserted (machines are noisy; `bench/run.py --startup` measures it): these
tests pin down the causes of a slow start instead: heavy modules imported on the
all-valid path, and the plain `check PATH...` call answered exactly like the full
option parser would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BAD_SERVICE, FIXTURES, GOOD_SERVICE
from k8snetlint.cli import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.mark.parametrize("text", [GOOD_SERVICE, BAD_SERVICE])
def test_plain_check_answers_like_the_option_parser(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(GOOD_SERVICE.replace("name: web", "name: api"))
    fast = _run(["check", "a.yaml", "b.yaml"], capsys)
    # "--format auto" is the default: the same call through the full option parser
    full = _run(["check", "--format", "auto", "a.yaml", "b.yaml"], capsys)
    assert fast == full
    assert fast[0] == (1 if text is BAD_SERVICE else 0)


def test_plain_check_reports_usage_errors_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(["check", "missing.yaml"], capsys)
    assert code == 2
    assert "missing.yaml" in err


_PROBE = """
import json, sys
from k8snetlint.cli import main
try:
    main(sys.argv[1:-1])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "loaded": [m for m in sys.argv[-1].split(",") if m in sys.modules]}))
"""

#: The Gateway API and admin-tier modules: imported only for an input that holds such
#: an object (k8snetlint.model.GATEWAY_API_GROUPS, ADMIN_POLICY_KINDS).
_GATEWAY = ("k8snetlint.gateway", "k8snetlint.net.gatewayroutes")
_TIERS = ("k8snetlint.tiers", "k8snetlint.net.tiers")

#: What a check of a small plain file (cache warm) must not import: the pure-Python
#: validator, the connectivity library, typer and click, the kustomize renderer and the
#: subprocess machinery it runs, the temporary files only a report file or a render
#: needs, the full schema definitions (gzip), the package listing of the checks,
#: hashlib (OpenSSL: the caches' keys are hashed with the built-in BLAKE2b), the
#: Gateway API and admin-tier modules, the connectivity engine (an input without
#: workloads has no connection to judge), and difflib (only a "did you mean" hint).
_HEAVY = (
    *_GATEWAY,
    *_TIERS,
    "k8snetlint.net",
    "difflib",
    "jsonschema",
    "networkx",
    "pydantic",
    "referencing",
    "typer",
    "click",
    "k8snetlint.kustomize",
    "subprocess",
    "shutil",
    "tempfile",
    "gzip",
    "pkgutil",
    "hashlib",
)


def _probe(tmp_path: Path, *args: str) -> dict[str, object]:
    env = {**os.environ, "K8SNETLINT_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args, ",".join(_HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_all_valid_check_imports_no_heavy_module(tmp_path: Path) -> None:
    f = tmp_path / "svc.yaml"
    f.write_text(GOOD_SERVICE)
    (tmp_path / "cache").mkdir()
    # the first run fills the caches (rules, the Service schema: the definitions are
    # read, with gzip), the second reads them
    first = _probe(tmp_path, "check", str(f))
    assert first["code"] == 0 and "gzip" in first["loaded"]  # type: ignore[operator]
    assert _probe(tmp_path, "check", str(f)) == {"code": 0, "loaded": []}


def test_a_kustomization_loads_the_renderer(tmp_path: Path) -> None:
    """The lazy imports are there when the input needs them: a kustomization directory
    is rendered (or reported as not renderable) by the kustomize module."""
    kdir = tmp_path / "app"
    kdir.mkdir()
    (kdir / "kustomization.yaml").write_text("resources:\n- svc.yaml\n")
    (kdir / "svc.yaml").write_text(GOOD_SERVICE)
    (tmp_path / "cache").mkdir()
    found = _probe(tmp_path, "check", str(kdir))
    assert {"k8snetlint.kustomize", "shutil"} <= set(found["loaded"])  # type: ignore[call-overload]


_EAGER = """
import sys
import k8snetlint.gateway, k8snetlint.net.gatewayroutes, k8snetlint.net.tiers, k8snetlint.tiers
from k8snetlint.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize(
    ("source", "loaded"),
    [
        ("gateway-backend-service-missing/fail-example.yaml", set(_GATEWAY)),
        ("admin-policy-pass-no-op/fail-example.yaml", set(_TIERS)),
        ("admin-policy-pass-no-op/pass-fix.yaml", set(_TIERS)),
    ],
    ids=["gateway", "admin-policy", "admin-policy-clean"],
)
def test_gateway_and_tier_modules_load_for_their_objects_only(
    source: str, loaded: set[str], tmp_path: Path
) -> None:
    """A Gateway API object or an admin policy loads its modules (and only those); the
    report is the same as with every such module imported up front."""
    f = tmp_path / "in.yaml"
    f.write_text((FIXTURES / "rules" / source).read_text())
    (tmp_path / "cache").mkdir()
    _probe(tmp_path, "check", str(f))  # fill the caches
    found = _probe(tmp_path, "check", str(f))
    lazy_modules = {*_GATEWAY, *_TIERS}
    assert lazy_modules & set(found["loaded"]) == loaded  # type: ignore[call-overload]
    env = {**os.environ, "K8SNETLINT_CACHE_DIR": str(tmp_path / "cache")}
    lazy = subprocess.run(
        [sys.executable, "-m", "k8snetlint", "check", "-f", "json", str(f)],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    eager = subprocess.run(
        [sys.executable, "-c", _EAGER, "check", "-f", "json", str(f)],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert (lazy.returncode, lazy.stdout, lazy.stderr) == (
        eager.returncode,
        eager.stdout,
        eager.stderr,
    )
    assert lazy.returncode == found["code"]
    assert lazy.returncode == (0 if "pass-" in source else 1), lazy.stdout


def test_lazy_kinds_match_the_modules_that_read_them() -> None:
    from k8snetlint.gateway import GATEWAY_GROUP, X_GROUP
    from k8snetlint.model import ADMIN_POLICY_KINDS, GATEWAY_API_GROUPS
    from k8snetlint.tiers import TIER_KINDS

    assert set(TIER_KINDS) == ADMIN_POLICY_KINDS
    assert {GATEWAY_GROUP, X_GROUP} == set(GATEWAY_API_GROUPS)


_LOADED = """
import json, sys
from k8snetlint.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith("k8snetlint"))))
"""


def test_dataclasses_of_a_plain_check_have_docstrings(tmp_path: Path) -> None:
    """A dataclass without a docstring gets one made from ``inspect.signature`` when it
    is defined (the costliest part of defining it): every dataclass a check of a small
    file defines has its own."""
    import ast
    import importlib.util

    f = tmp_path / "svc.yaml"
    f.write_text(GOOD_SERVICE)
    env = {**os.environ, "K8SNETLINT_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-c", _LOADED, "check", str(f)],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True,
    )  # fmt: skip
    modules = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "k8snetlint.model" in modules
    bare = []
    for name in modules:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None
        tree = ast.parse(Path(spec.origin).read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef) or ast.get_docstring(node):
                continue
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                if isinstance(target, ast.Name) and target.id == "dataclass":
                    bare.append(f"{name}.{node.name}")
    assert bare == []


# -- k8snetlint.cli.startup: the code cache, the collector pause, the fast exit -------

_DATACLASS_SOURCE = (
    "def __create_fn__(_type_x):\n def __init__(self, x:_type_x):\n  self.x=x\n return __init__"
)


def test_code_cache_compiles_once_and_reads_back(tmp_path: Path) -> None:
    from k8snetlint.cli.startup import CodeCache, cache_file

    path = cache_file(tmp_path)
    first = CodeCache(path)
    ns: dict[str, object] = {}
    first.exec(_DATACLASS_SOURCE, {}, ns)
    assert first.compiled == 1 and callable(ns["__create_fn__"])
    first.save()
    assert path.is_file()
    second = CodeCache(path)
    ns2: dict[str, object] = {}
    second.exec(_DATACLASS_SOURCE, {}, ns2)
    assert second.compiled == 0
    init = ns2["__create_fn__"](int)  # type: ignore[operator]
    assert init.__code__.co_filename == "<string>"
    second.save()  # nothing compiled: nothing written
    assert path.stat().st_mtime_ns == path.stat().st_mtime_ns


@pytest.mark.parametrize(
    "content", [b"", b"garbage", b"\xe3\x00\x00", None], ids=["empty", "text", "bad", "dir"]
)
def test_code_cache_ignores_a_bad_file(content: bytes | None, tmp_path: Path) -> None:
    from k8snetlint.cli.startup import CodeCache, cache_file

    path = cache_file(tmp_path)
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    cache = CodeCache(path)
    assert cache.codes == {}
    cache.exec(_DATACLASS_SOURCE, {}, {})
    cache.save()  # a folder in the way: silently not written
    assert cache.compiled == 1


def test_code_cache_ignores_a_file_others_may_write(tmp_path: Path) -> None:
    from k8snetlint.cli.startup import CodeCache, cache_file

    path = cache_file(tmp_path)
    cache = CodeCache(path)
    cache.exec(_DATACLASS_SOURCE, {}, {})
    cache.save()
    assert CodeCache(path).codes
    path.chmod(0o666)
    assert CodeCache(path).codes == {}


def test_release_without_hold_leaves_the_collector_alone() -> None:
    import gc

    from k8snetlint.cli import startup

    assert gc.isenabled()
    startup.release_gc()
    assert gc.isenabled()
    gc.disable()
    try:
        startup.release_gc()
        assert not gc.isenabled()
    finally:
        gc.enable()


def _command(args: list[str], cwd: Path, cache: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "K8SNETLINT_CACHE_DIR": cache}
    return subprocess.run(
        [sys.executable, "-m", "k8snetlint", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )


def test_command_output_is_the_same_with_a_cold_warm_corrupt_or_no_cache(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BAD_SERVICE)
    (tmp_path / "b.yaml").write_text(GOOD_SERVICE.replace("name: web", "name: api"))
    cache = tmp_path / "cache"
    runs = {}
    runs["cold"] = _command(["check", "a.yaml", "b.yaml"], tmp_path, str(cache))
    files = sorted(p.name for p in cache.iterdir())
    assert any(n.startswith("dataclass-code-") for n in files), files
    runs["warm"] = _command(["check", "a.yaml", "b.yaml"], tmp_path, str(cache))
    for f in cache.glob("dataclass-code-*"):
        f.write_bytes(b"\x00corrupt")
    runs["corrupt"] = _command(["check", "a.yaml", "b.yaml"], tmp_path, str(cache))
    runs["off"] = _command(["check", "a.yaml", "b.yaml"], tmp_path, "off")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    runs["unwritable"] = _command(["check", "a.yaml", "b.yaml"], tmp_path, str(blocked / "x"))
    runs["json"] = _command(["check", "-f", "json", "a.yaml"], tmp_path, str(cache))
    expected = runs.pop("cold")
    assert expected.returncode == 1 and "70000" in expected.stdout
    for name, proc in runs.items():
        if name == "json":
            assert proc.returncode == 1 and json.loads(proc.stdout)["findings"]
            continue
        assert (proc.returncode, proc.stdout, proc.stderr) == (
            expected.returncode,
            expected.stdout,
            expected.stderr,
        ), name
    assert "Traceback" not in "".join(p.stderr for p in runs.values())


def test_command_writes_everything_before_its_fast_exit(tmp_path: Path) -> None:
    """Long output through a pipe, every command path (plain, typer, usage error)."""
    body = "".join(BAD_SERVICE.replace("name: web", f"name: web{i}") + "---\n" for i in range(300))
    (tmp_path / "many.yaml").write_text(body)
    plain = _command(["check", "many.yaml"], tmp_path, "off")
    assert plain.returncode == 1 and plain.stdout.count("\n") > 300
    assert plain.stdout.endswith("in 1 file (300 objects)\n")
    full = _command(["check", "--show-source", "many.yaml"], tmp_path, "off")
    assert full.returncode == 1 and full.stdout.count("\n") > 600
    version = _command(["--version"], tmp_path, "off")
    assert (version.returncode, version.stdout) == (0, "k8snetlint 0.1.0\n")
    bad = _command(["check", "missing.yaml"], tmp_path, "off")
    assert bad.returncode == 2 and "missing.yaml" in bad.stderr and not bad.stdout
