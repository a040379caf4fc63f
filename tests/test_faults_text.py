"""Group 5: text from files is text.

Class names, column names, file names and metadata holding rich markup ([red], [/], [low]) or
terminal escape sequences go through every command (train, evaluate, show, explain, predict's
messages) printed as written: no MarkupError, no empty labels, and control characters shown as
visible escapes (\\x1b), never sent to the terminal raw.
"""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from neuronet.cli import app
from neuronet.cli._app import safe

ESC = "\x1b"
CLASSES = ["[low]", "[/]", "[red]hot", f"{ESC}[31mevil{ESC}[0m"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("text")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 2))
    rows = ['"[bold]x",":smile:",label']
    for (a, b), k in zip(X, (X[:, 0] > 0) * 2 + (X[:, 1] > 0)):
        rows.append(f'{a:.4f},{b:.4f},"{CLASSES[k]}"')
    data = tmp / "[red]data.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp / "[low]model.json"
    r = CliRunner().invoke(app, ["train", str(data), "-t", "label", "--epochs", "3", "--out", str(out),
                                 "--engine", "matrix"])
    return data, out, r


def clean(output: str) -> None:
    assert "Traceback" not in output and "MarkupError" not in output
    assert ESC not in output                      # never raw to the terminal…
    assert "\\x1b[31mevil" in output or "evil" not in output   # …but visibly, when printed


def test_train_prints_markup_and_escapes_as_text(trained):
    data, out, r = trained
    assert r.exit_code == 0, r.output
    clean(r.output)
    assert str(data) in r.output and str(out) in r.output         # file names with [red], [low] as written


def test_show_prints_every_class_and_column_as_written(trained):
    _, out, _ = trained
    r = CliRunner().invoke(app, ["show", str(out)])
    assert r.exit_code == 0, r.output
    clean(r.output)
    for name in ("[low]", "[/]", "[red]hot", "\\x1b[31mevil\\x1b[0m", "[bold]x", ":smile:"):
        assert name in r.output, name


def test_evaluate_labels_its_confusion_matrix_with_the_classes_as_written(trained):
    data, out, _ = trained
    r = CliRunner().invoke(app, ["evaluate", str(out), str(data)])
    assert r.exit_code == 0, r.output
    clean(r.output)
    assert "[low]" in r.output and "[/]" in r.output and "\\x1b[31mevil" in r.output


def test_explain_prints_the_column_names_as_written(trained):
    data, out, _ = trained
    r = CliRunner().invoke(app, ["explain", str(out), "--data", str(data), "--row", "0"])
    assert r.exit_code == 0, r.output
    clean(r.output)
    assert "[bold]x" in r.output


def test_an_error_naming_data_is_one_line_with_control_characters_visible(trained, tmp_path):
    data, out, _ = trained
    bad = tmp_path / f"x{ESC}]0;pwned{ESC}\\.csv"
    bad.write_text("a\n1\n")
    r = CliRunner().invoke(app, ["evaluate", str(out), str(bad)])
    assert r.exit_code == 1 and ESC not in r.output and "\\x1b]0;pwned" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_safe_shows_control_characters_and_keeps_everything_else():
    assert safe("[red]x[/]") == "[red]x[/]"
    assert safe(f"a{ESC}[2Jb\x07\u202e") == "a\\x1b[2Jb\\x07\\u202e"
    assert safe("one\ntwo") == "one\\x0atwo" and safe("one\ntwo", newlines=True) == "one\ntwo"
    assert safe("größe → ✓") == "größe → ✓"


@pytest.mark.skipif(not hasattr(__import__("os"), "openpty"), reason="no pseudo-terminals here")
def test_predict_to_a_terminal_shows_escapes_visibly_and_to_a_pipe_writes_the_exact_csv(trained):
    import os
    import subprocess
    import sys
    from pathlib import Path

    import neuronet

    data, out, _ = trained
    env = {**os.environ, "PYTHONPATH": str(Path(neuronet.__file__).resolve().parents[1])}
    cmd = [sys.executable, "-m", "neuronet", "predict", str(out), str(data)]
    piped = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
    assert piped.returncode == 0 and ESC.encode() in piped.stdout          # the data, byte for byte
    master, slave = os.openpty()
    p = subprocess.Popen(cmd, stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:       # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    err = p.stderr.read()
    p.stderr.close()
    assert p.wait(timeout=120) == 0, err
    assert ESC.encode() not in shown and b"\\x1b[31mevil" in shown
