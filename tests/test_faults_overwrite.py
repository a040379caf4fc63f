"""Group 3: never overwrite what is not ours.

Writes go to regular files only (a device, FIFO or folder at the path is refused, and stays what it
was); a symlink is followed and the file it points to keeps its mode; a checkpoint never replaces a
file that is not a neuronet checkpoint; the temporary files of interrupted writes are removed by the
next write to the same target once their process is gone, and nothing else is touched.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import numpy as np
import pytest
from typer.testing import CliRunner

import neuronet as nn
from neuronet import _atomic
from neuronet.cli import app
from neuronet.errors import DataError, ModelFileError

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
X = np.random.default_rng(0).standard_normal((16, 2))
Y = X[:, 0] - X[:, 1]


def small():
    return nn.mlp([2, 2, 1], hidden="tanh", seed=0)


@needs_fifo
def test_saving_onto_a_fifo_or_folder_is_refused_and_the_node_stays(tmp_path):
    fifo = tmp_path / "m.json"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match="FIFO.*not a regular file"):
        nn.save(small(), fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    (tmp_path / "d.json").mkdir()
    with pytest.raises(ModelFileError, match="folder"):
        nn.save(small(), tmp_path / "d.json")


def test_a_character_device_is_refused_before_anything_is_written():
    # target() only checks: nothing is written, so this is safe even as root
    with pytest.raises(_atomic.NotRegularFileError, match="device, FIFO or socket"):
        _atomic.target(os.devnull)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@needs_fifo
def test_cli_out_naming_a_fifo_or_device_is_refused_up_front(tmp_path):
    os.mkfifo(tmp_path / "fifo.json")
    r = CliRunner().invoke(app, ["train", "iris", "--epochs", "2", "--out", str(tmp_path / "fifo.json"), "-q"])
    assert r.exit_code == 1 and "not a regular file" in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo.json").st_mode)


def test_a_symlink_is_followed_and_the_target_keeps_its_mode(tmp_path):
    real = tmp_path / "real.json"
    nn.save(small(), real)
    os.chmod(real, 0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    net = nn.mlp([2, 3, 1], hidden="tanh", seed=1)
    nn.save(net, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640
    np.testing.assert_array_equal(nn.load(real).theta, net.theta)


def test_a_checkpoint_never_replaces_a_model_file(tmp_path):
    keep = tmp_path / "keep.json"
    nn.save(small(), keep)
    before = keep.read_bytes()
    with pytest.raises(DataError, match="not a neuronet checkpoint; it was left as it is"):
        nn.train(small(), X, Y, epochs=2, checkpoint=keep)
    r = CliRunner().invoke(app, ["train", "iris", "--epochs", "2", "--checkpoint", str(keep), "--out",
                                 str(tmp_path / "o.json"), "-q"])
    assert r.exit_code == 1 and "not a neuronet checkpoint" in r.output
    assert keep.read_bytes() == before


def test_a_checkpoint_replaces_an_older_checkpoint(tmp_path):
    ck = tmp_path / "run.ckpt"
    nn.train(small(), X, Y, epochs=2, checkpoint=ck, checkpoint_every=1)
    nn.train(small(), X, Y, epochs=3, checkpoint=ck, checkpoint_every=1, seed=1)
    from neuronet.training import checkpoint
    assert checkpoint.epoch_of(ck) == 3


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_orphans_of_dead_writers_are_removed_and_nothing_else(tmp_path):
    target = tmp_path / "m.json"
    dead = tmp_path / f".m.json.{_dead_pid():x}-{'ab' * 6}.tmp"
    live = tmp_path / f".m.json.{os.getpid():x}-{'cd' * 6}.tmp"         # a write of ours in progress
    reused = tmp_path / f".m.json.{os.getpid():x}-{'ef' * 6}.tmp"       # our pid, but older than us
    other = tmp_path / ".m.json.abcdef.tmp"                             # not our pattern
    neighbour = tmp_path / f".n.json.{_dead_pid():x}-{'ab' * 6}.tmp"    # another target's
    old_style = tmp_path / f".m.json.{'12' * 6}.tmp"                    # earlier versions' pattern, no pid…
    old_style_now = tmp_path / f".m.json.{'34' * 6}.tmp"                # …removed only once over a day old
    for p in (dead, live, reused, other, neighbour, old_style, old_style_now):
        p.write_bytes(b"partial")
    long_ago = time.time() - 10 * 24 * 3600
    os.utime(reused, (long_ago, long_ago))
    os.utime(old_style, (long_ago, long_ago))
    nn.save(small(), target)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([target.name, live.name, other.name, neighbour.name, old_style_now.name])


def test_a_loop_of_symlinks_is_refused_and_left_as_it_is(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(ModelFileError, match="loop of symbolic links"):
        nn.save(small(), a)
    assert a.is_symlink() and b.is_symlink()


def test_a_dangling_symlink_is_written_where_it_points(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "new.json")
    nn.save(small(), link)
    assert link.is_symlink() and (tmp_path / "new.json").is_file()


@pytest.mark.parametrize("other", ["--report", "--checkpoint"])
def test_two_outputs_naming_one_file_are_refused(tmp_path, other):
    (tmp_path / "link.json").symlink_to(tmp_path / "m.json")
    r = CliRunner().invoke(app, ["train", "iris", "--epochs", "2", "--out", str(tmp_path / "m.json"), other,
                                 str(tmp_path / "link.json"), "-q"])
    assert r.exit_code == 1 and f"--out and {other} name the same file" in r.output
    assert not (tmp_path / "m.json").exists()
