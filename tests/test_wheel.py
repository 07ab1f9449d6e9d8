"""The wheel ships rules/ and schemas/ and works outside the source tree."""

from __future__ import annotations

import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from conftest import FIXTURES, ROOT, slow


@slow
def test_wheel_installs_and_checks(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        timeout=600,
    )
    (wheel,) = dist.glob("k8snetlint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "k8snetlint/_rules/schema-violation.md" in names
    assert "k8snetlint/_schemas/report.schema.json" in names
    assert any(n.startswith("k8snetlint/_schemas/kubernetes/v1.") for n in names)
    assert {"k8snetlint/assets/map.html", "k8snetlint/assets/map.js"} <= set(names)  # HTML map

    # A fresh environment. The dependencies come from the test environment (a .pth
    # file appends its site-packages after the new environment's own), so the test
    # needs no network; the package itself comes only from the wheel.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    own = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(own, "_k8snetlint_test_deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", str(wheel)],
        check=True,
        timeout=600,
    )
    where = subprocess.run(
        [str(py), "-c", "import k8snetlint, sys; print(k8snetlint.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout
    assert str(env_dir) in where, where
    seed = FIXTURES / "scenarios" / "seed"
    proc = subprocess.run(
        [str(env_dir / "bin" / "k8snetlint"), "check", "--format", "json", str(seed)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert '"kubernetesVersion"' in proc.stdout


def test_every_subpackage_is_shipped() -> None:
    """pyproject.toml lists packages by hand: a new subpackage must be listed there."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "k8snetlint").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert found <= listed, sorted(found - listed)
