"""Everything the README shows runs as shown: its Python blocks and its neuronet commands."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = blocks("python")
    assert len(code) >= 4
    claims = 0
    for i, block in enumerate(code):
        namespace: dict = {"__name__": f"readme_block_{i}"}
        exec(compile(block, f"README.md python block {i}", "exec"), namespace)  # noqa: S102
        claims += _check_claims(block, namespace)
    assert (tmp_path / "xor.png").stat().st_size > 0
    assert claims == 3


def comment(block: str, code: str) -> str:
    """The ``# …`` comment on the line of ``block`` that starts with ``code``."""
    line = next(ln for ln in block.splitlines() if ln.startswith(code))
    return line.split("# ", 1)[1]


def _check_claims(block: str, ns: dict) -> int:
    """The values README's comments say a block gives are what it gives; returns how many were checked."""
    if "model.predict(rows)  " in block:
        assert comment(block, "model.predict(rows)").startswith(repr(ns["model"].predict(ns["rows"])) + ";")
        return 1
    if "session.run(" in block:
        assert comment(block, "assert label.tolist()") == str(ns["label"].tolist())
        return 1
    if "cross_val_score" in block:
        assert comment(block, "print(") == f"{ns['score']:.2f}"
        return 1
    return 0


def test_running_example_figures_in_the_readme_are_what_the_code_prints():
    import neuronet as nn

    namespace: dict = {}
    exec(compile(blocks("python")[0], "README.md", "exec"), namespace)  # noqa: S102
    t, d = namespace["t"], namespace["d"]
    text = README.read_text(encoding="utf-8")
    assert f"t.z[6] = {t.z[6]:.4f}" in text and f"t.o[6] = {t.o[6]:.4f}" in text
    assert f"d.deltas[4] = ∂L/∂z_4 = {d.deltas[4]:.4f}".replace("-", "−") in text
    assert f"d.weights[(4, 6)] = {d.weights[(4, 6)]:.4f}".replace("-", "−") in text
    assert repr(namespace["net"]) in text
    # the explain excerpt is a verbatim part of what `neuronet explain` prints
    excerpt = text.split("([full output](docs/explain.txt)):\n\n```\n", 1)[1].split("```", 1)[0]
    assert excerpt.strip() in nn.explain().text()


def test_docs_explain_txt_is_what_neuronet_explain_prints():
    from typer.testing import CliRunner

    from neuronet.cli import app

    r = CliRunner().invoke(app, ["explain"], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    assert (README.parent / "docs" / "explain.txt").read_text(encoding="utf-8") == r.stdout


def command_lines() -> list[str]:
    lines = []
    for block in blocks("bash"):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line.startswith("neuronet "):
                lines.append(line)
    return lines


def test_command_lines_run_in_order(tmp_path):
    lines = command_lines()
    assert any(line.startswith("neuronet train") for line in lines)
    env = {**os.environ, "COLUMNS": "100"}
    for line in lines:
        args = shlex.split(line)
        if args[1] == "export" and importlib.util.find_spec("onnx") is None:
            continue
        proc = subprocess.run([sys.executable, "-m", "neuronet", *args[1:]], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"{line}\n{proc.stdout}\n{proc.stderr}"
    assert (tmp_path / "model.json").exists() and (tmp_path / "report.html").exists()
    assert (tmp_path / "predictions.csv").read_text().count("\n") == 151


@pytest.mark.parametrize("path", ["docs/running_example.png", "docs/report.png", "docs/explain.txt",
                                  "docs/file-format.md", "benchmarks/README.md",
                                  "docs/xor_restarts.png"])
def test_files_the_readme_links_exist(path):
    assert path in README.read_text(encoding="utf-8")
    assert (README.parent / path).stat().st_size > 0
