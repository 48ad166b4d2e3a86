"""The package as pip builds it: quiet, and with the web front end's templates and assets."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_builds_without_warnings_and_carries_the_web_files(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("search", "web"):
        shutil.copytree(ROOT / package, project / package, ignore=ignore)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(project)],
        capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr
    assert "warning" not in (built.stdout + built.stderr).lower(), built.stderr
    [wheel] = (tmp_path / "dist").glob("dateline-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    web_files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "web").rglob("*") if p.is_file()
                 and p.suffix in {".html", ".css", ".js", ".svg"}}
    assert web_files and web_files <= names
