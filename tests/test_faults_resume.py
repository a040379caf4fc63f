"""Group 1 of the hostile-input audit: a run that resumes is the run that was checkpointed.

The checkpoint records everything that defines the run (architecture and activations, every
training option, the starting network, checksums of the data) and a resume compares all of it:
a mismatch is one error naming the option and both values. Kills are deterministic: the child
process kills itself at a known point (a callback after a given epoch, or inside the n-th
rename of a checkpoint write), never after a sleep.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import neuronet as nn
from neuronet.cli import app
from neuronet.errors import DataError

SRC = str(Path(nn.__file__).resolve().parents[1])


def data(n=40, seed=0):
    X = np.random.default_rng(seed).standard_normal((n, 3))
    return X, np.tanh(X @ [1.0, -1.0, 0.5])


BASE = dict(optimizer="sgd", step_size=0.05, schedule="constant", epochs=6, batch_size=8, restarts=2, seed=5,
            checkpoint_every=3, engine="matrix")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A checkpoint after epoch 3 of a 6-epoch run (a callback stops the run right after epoch 3)."""
    X, Y = data()
    ck = tmp_path_factory.mktemp("ck") / "run.ckpt"
    nn.train(nn.mlp([3, 5, 1], hidden="tanh", seed=0), X, Y, checkpoint=ck,
             callback=lambda info: info["epoch"] == 3, **BASE)
    return ck


CHANGES = [  # (what the resuming call changes, the option the error must name)
    (dict(net=nn.mlp([3, 5, 1], hidden="relu", seed=0)), "architecture"),
    (dict(net=nn.mlp([3, 4, 1], hidden="tanh", seed=0)), "P"),
    (dict(net=nn.mlp([3, 5, 1], hidden="tanh", seed=1)), "network_crc32"),
    (dict(early_stopping=True), "early_stopping"),
    (dict(step_size=0.02), "step_size"),
    (dict(schedule="inverse_time"), "schedule"),
    (dict(momentum=0.9), "momentum"),
    (dict(nesterov=True, momentum=0.9), "momentum"),
    (dict(optimizer="adam"), "optimizer"),
    (dict(loss="absolute"), "loss"),
    (dict(patience=3), "patience"),
    (dict(tol=0.5), "tol"),
    (dict(target_loss=0.01), "target_loss"),
    (dict(seed=6), "seed"),
    (dict(shuffle=False), "shuffle"),
    (dict(init_scale=0.5), "init_scale"),
    (dict(batch_size=4), "batch_size"),
    (dict(epochs=9), "epochs"),
    (dict(restarts=3), "restarts"),
    (dict(first_restart=2), "first_restart"),
    (dict(validation_fraction=0.25), "N"),           # 10 rows held out: 30 training rows, not 40
]


@pytest.mark.parametrize("change, option", CHANGES, ids=[c[1] + str(i) for i, c in enumerate(CHANGES)])
def test_resuming_with_any_other_option_is_refused_naming_it_and_both_values(made, change, option):
    X, Y = data()
    kw = {**BASE, **change}
    net = kw.pop("net", nn.mlp([3, 5, 1], hidden="tanh", seed=0))
    with pytest.raises(DataError, match=rf"made with {option}=.*this call has {option}=") as e:
        nn.train(net, X, Y, resume=made, **kw)
    assert "\n" not in str(e.value)


def test_resuming_on_other_data_or_other_validation_data_is_refused(made, tmp_path):
    X, Y = data()
    with pytest.raises(DataError, match="other training data"):
        nn.train(nn.mlp([3, 5, 1], hidden="tanh", seed=0), X, Y * 2, resume=made, **BASE)
    ck = tmp_path / "v.ckpt"
    net = nn.mlp([3, 5, 1], hidden="tanh", seed=0)
    nn.train(net, X[:30], Y[:30], validation_data=(X[30:], Y[30:]), checkpoint=ck, **BASE)
    with pytest.raises(DataError, match="other validation data"):
        nn.train(net, X[:30], Y[:30], validation_data=(X[30:], Y[30:] + 1), resume=ck, **BASE)


def test_the_same_call_resumes_bit_identically(made):
    X, Y = data()
    net = nn.mlp([3, 5, 1], hidden="tanh", seed=0)
    resumed = nn.train(net, X, Y, resume=made, **BASE)
    straight = nn.train(net, X, Y, **BASE)
    np.testing.assert_array_equal(resumed.theta, straight.theta)
    np.testing.assert_array_equal(resumed.history, straight.history)


def _csv(path: Path) -> Path:
    X, _ = data(60)
    rows = ["a,b,c,y"] + [f"{a:.6f},{b:.6f},{c:.6f},{int(a + b > 0)}" for a, b, c in X]
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("first, then, option", [
    ([], ["--activation", "relu"], "architecture"),
    (["--no-early-stopping"], ["--early-stopping"], "early_stopping"),
    ([], ["--step-size", "0.02"], "step_size"),
    ([], ["--schedule", "inverse_time"], "schedule"),
    (["--optimizer", "sgd"], ["--optimizer", "sgd", "--momentum", "0.9"], "momentum"),
])
def test_cli_resume_with_a_changed_option_is_one_clear_error(tmp_path, first, then, option):
    _csv(tmp_path / "d.csv")
    base = ["train", str(tmp_path / "d.csv"), "-t", "y", "--hidden", "4", "--epochs", "4", "--checkpoint-every",
            "2", "--checkpoint", str(tmp_path / "ck"), "--out", str(tmp_path / "m.json"), "--engine", "matrix", "-q"]
    r = CliRunner().invoke(app, base + first)
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, base + first + then + ["--resume", str(tmp_path / "ck")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert f"made with {option}=" in r.output and f"this call has {option}=" in r.output
    assert "(set by --" in r.output and "without --resume" in r.output      # in the command line's words
    assert len(r.output.strip().splitlines()) == 1


# -- kills at known points --------------------------------------------------------------------
KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import numpy as np, neuronet as nn
    import neuronet._atomic as atomic
    X = np.random.default_rng(0).standard_normal((40, 3)); Y = np.tanh(X @ [1.0, -1.0, 0.5])
    net = nn.mlp([3, 6, 1], hidden="tanh", seed=0)
    how, n = sys.argv[2], int(sys.argv[3])
    callback = None
    if how == "epoch":          # SIGKILL right after epoch n (before that epoch's checkpoint)
        callback = lambda info: info["epoch"] == n and os.kill(os.getpid(), signal.SIGKILL)
    else:                       # SIGKILL inside the n-th checkpoint write, after its bytes are synced
        real, calls = os.replace, []
        def replace(src, dst):
            calls.append(src)
            if len(calls) == n:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(src, dst)
        atomic.os.replace = replace
    nn.train(net, X, Y, optimizer="adam", step_size=0.01, epochs=60, batch_size=8, restarts=3, seed=5,
             schedule="cosine", checkpoint=sys.argv[1], checkpoint_every=7, callback=callback, engine="matrix")
""")


def _killed_run(tmp_path: Path, how: str, n: int) -> Path:
    ck = tmp_path / "run.ckpt"
    script = tmp_path / "job.py"
    script.write_text(KILL_SCRIPT)
    env = {**os.environ, "PYTHONPATH": SRC}
    p = subprocess.run([sys.executable, str(script), str(ck), how, str(n)], env=env, capture_output=True,
                       timeout=300)
    assert p.returncode == -9, p.stderr.decode()
    return ck


def _same_as_uninterrupted(ck: Path) -> None:
    X, Y = data()
    net = nn.mlp([3, 6, 1], hidden="tanh", seed=0)
    kw = dict(optimizer="adam", step_size=0.01, epochs=60, batch_size=8, restarts=3, seed=5, schedule="cosine",
              checkpoint_every=7, engine="matrix")
    resumed = nn.train(net, X, Y, resume=ck, checkpoint=ck, **kw)
    straight = nn.train(net, X, Y, **kw)
    np.testing.assert_array_equal(resumed.theta, straight.theta)
    np.testing.assert_array_equal(resumed.history, straight.history)
    assert resumed.best == straight.best and resumed.status == straight.status


def test_killed_after_an_epoch_resumes_bit_identically(tmp_path):
    ck = _killed_run(tmp_path, "epoch", 25)                       # checkpoints at 7, 14, 21 were written
    from neuronet.training import checkpoint
    assert checkpoint.epoch_of(ck) == 21
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    _same_as_uninterrupted(ck)


def test_killed_inside_a_checkpoint_write_keeps_the_last_one_and_its_orphan_is_cleaned_up(tmp_path):
    ck = _killed_run(tmp_path, "write", 3)                        # killed while writing epoch 21's
    from neuronet.training import checkpoint
    assert checkpoint.epoch_of(ck) == 14                          # the previous checkpoint, intact
    orphans = [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    assert len(orphans) == 1 and orphans[0].startswith(".run.ckpt.")
    _same_as_uninterrupted(ck)                                    # resumes writing to the same path…
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]   # …which removed the orphan


def test_an_unseeded_run_with_a_drawn_validation_split_says_why_it_cannot_resume(tmp_path):
    X, Y = data()
    kw = {**BASE, "seed": None, "validation_fraction": 0.25}
    net = nn.mlp([3, 5, 1], hidden="tanh", seed=0)
    nn.train(net, X, Y, checkpoint=tmp_path / "ck", **kw)
    with pytest.raises(DataError, match="give the run a seed to resume it"):
        nn.train(net, X, Y, resume=tmp_path / "ck", **kw)
    kw["validation_fraction"] = None                       # without a drawn split, an unseeded run resumes
    nn.train(net, X, Y, checkpoint=tmp_path / "ck2", callback=lambda info: info["epoch"] == 3, **kw)
    assert nn.train(net, X, Y, resume=tmp_path / "ck2", **kw).epochs_run.tolist() == [6, 6]


@pytest.mark.parametrize("engine, dtype, extra", [
    ("neuron", "float64", dict(early_stopping=True, patience=3, tol=1e-3)),
    ("matrix", "float32", dict(validation_fraction=0.25, early_stopping=True, patience=4)),
    ("neuron", "float32", dict(optimizer="sgd", momentum=0.9, target_loss=0.05)),
    ("matrix", "float64", dict(optimizer="rprop", batch_size=None)),
])
def test_stopped_and_resumed_runs_are_bit_identical_to_straight_ones(tmp_path, engine, dtype, extra):
    X, Y = data(48, seed=3)
    kw = {**dict(optimizer="adam", step_size=0.02, epochs=30, batch_size=8, restarts=4, seed=2, engine=engine),
          **extra}
    net = nn.mlp([3, 5, 1], hidden="tanh", seed=0, dtype=dtype)
    ck = tmp_path / "ck"
    nn.train(net, X, Y, checkpoint=ck, checkpoint_every=4, callback=lambda info: info["epoch"] == 12, **kw)
    resumed = nn.train(net, X, Y, resume=ck, checkpoint=ck, checkpoint_every=4, **kw)
    straight = nn.train(net, X, Y, **kw)
    np.testing.assert_array_equal(resumed.theta, straight.theta)
    np.testing.assert_array_equal(resumed.history, straight.history)
    assert resumed.status == straight.status and resumed.epochs_run.tolist() == straight.epochs_run.tolist()
