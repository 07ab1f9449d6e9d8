"""The pre-commit hook (.pre-commit-hooks.yaml), run by the real pre-commit.

pre-commit installs k8snetlint from a copy of this working tree (committed into a
temporary repository, so uncommitted and untracked files of the checkout are part of
it) into its own virtual environment, downloading the dependencies with pip: slow (tens
of seconds), so ``K8SNETLINT_SKIP_SLOW=1`` skips these tests. They run by default and in
CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import BAD_SERVICE, GOOD_SERVICE, ROOT, slow

# Only the schema rule runs, so the tests do not depend on which other rules exist.
CONFIG = "select: [schema-violation]\n"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "k8snetlint tests",
    "GIT_AUTHOR_EMAIL": "tests@k8snetlint.invalid",
    "GIT_COMMITTER_NAME": "k8snetlint tests",
    "GIT_COMMITTER_EMAIL": "tests@k8snetlint.invalid",
}


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(GIT_ENV)
    return env


def _env(home: Path) -> dict[str, str]:
    env = _git_env()
    env["PRE_COMMIT_HOME"] = str(home)
    env["PRE_COMMIT_COLOR"] = "never"
    env.pop("GITHUB_ACTIONS", None)  # text output, whatever runs the tests
    env.pop("GITHUB_STEP_SUMMARY", None)
    return env


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=_git_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def pre_commit(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


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
    else:  # not a git checkout: the files that make the package and the hook
        tops = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "k8snetlint", "rules")
        names = [
            str(p.relative_to(ROOT))
            for top in (*tops, "schemas")
            for p in ([ROOT / top] if (ROOT / top).is_file() else (ROOT / top).rglob("*"))
        ]
    for name in names:
        source = ROOT / name
        if source.is_file() and "__pycache__" not in source.parts:
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """This project as a committed git repository: (path, commit)."""
    repo = _snapshot(tmp_path_factory.mktemp("project"))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "snapshot of the working tree")
    yield repo, git(repo, "rev-parse", "HEAD")


def _manifests_repo(path: Path) -> Path:
    (path / "manifests").mkdir(parents=True)
    (path / ".k8snetlint.yaml").write_text(CONFIG, encoding="utf-8")
    (path / "manifests" / "service.yaml").write_text(BAD_SERVICE, encoding="utf-8")
    (path / "README.md").write_text("# deployment repository\n", encoding="utf-8")
    git(path, "init", "-q")
    git(path, "add", "-A")
    return path


def test_hook_definition() -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "k8snetlint"
    assert hook["language"] == "python"
    assert hook["entry"] == "k8snetlint check"
    assert hook["pass_filenames"] is False
    assert hook["require_serial"] is True
    assert hook["args"] == ["."]
    pattern = hook["files"]
    for name in ("a.yaml", "deploy/b.yml", "c.json", "d.YAML.yaml"):
        assert re.search(pattern, name), name
    for name in ("README.md", "yaml", "x.yaml.txt", "main.py"):
        assert not re.search(pattern, name), name


@slow
def test_try_repo_fails_on_a_bad_manifest_and_passes_once_fixed(
    project: tuple[Path, str], tmp_path: Path
) -> None:
    repo = _manifests_repo(tmp_path / "deploy")
    home = tmp_path / "pre-commit-home"
    source, _ = project

    failed = pre_commit(repo, home, "try-repo", str(source), "k8snetlint", "--all-files")
    out = failed.stdout + failed.stderr
    assert failed.returncode == 1, out
    assert "k8snetlint" in out and "Failed" in out
    assert "manifests/service.yaml:9:11: error schema-violation" in out
    assert "70000" in out

    (repo / "manifests" / "service.yaml").write_text(GOOD_SERVICE, encoding="utf-8")
    git(repo, "add", "-A")
    passed = pre_commit(repo, home, "try-repo", str(source), "k8snetlint", "--all-files")
    out = passed.stdout + passed.stderr
    assert passed.returncode == 0, out
    assert "Passed" in out


@slow
def test_config_with_args_lints_the_given_directories(
    project: tuple[Path, str], tmp_path: Path
) -> None:
    """The README's `.pre-commit-config.yaml`: `args: [manifests/]`."""
    source, rev = project
    repo = _manifests_repo(tmp_path / "deploy")
    # a broken manifest outside manifests/ is not checked
    (repo / "scratch").mkdir()
    (repo / "scratch" / "draft.yaml").write_text(BAD_SERVICE, encoding="utf-8")
    config = {
        "repos": [
            {
                "repo": str(source),
                "rev": rev,
                "hooks": [{"id": "k8snetlint", "args": ["manifests/"]}],
            }
        ]
    }
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    git(repo, "add", "-A")
    home = tmp_path / "pre-commit-home"

    failed = pre_commit(repo, home, "run", "--all-files")
    out = failed.stdout + failed.stderr
    assert failed.returncode == 1, out
    assert "manifests/service.yaml:9:11: error schema-violation" in out
    assert "scratch/" not in out

    (repo / "manifests" / "service.yaml").write_text(GOOD_SERVICE, encoding="utf-8")
    git(repo, "add", "-A")
    passed = pre_commit(repo, home, "run", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr

    # a change to any YAML file triggers a run over manifests/, not over that file
    other = pre_commit(repo, home, "run", "--files", "scratch/draft.yaml")
    assert other.returncode == 0, other.stdout + other.stderr
    assert "Passed" in other.stdout
    # a change to other files does not trigger the hook
    skipped = pre_commit(repo, home, "run", "--files", "README.md")
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert "(no files to check)Skipped" in skipped.stdout
