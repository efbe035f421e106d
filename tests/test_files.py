"""Crash-safe writes: the previous file survives a failed write, and the new file gets
ordinary permissions (those of the file it replaces, else the umask's)."""

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from lucidnet._files import atomic_write


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_file_gets_the_umask_permissions(tmp_path):
    with atomic_write(tmp_path / "report.html", "w") as f:
        f.write("<p>hello</p>")
    umask = os.umask(0)
    os.umask(umask)
    assert mode(tmp_path / "report.html") == 0o666 & ~umask


def test_a_replaced_file_keeps_its_permissions_and_a_failed_write_keeps_the_file(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    with pytest.raises(RuntimeError):
        with atomic_write(path) as f:
            f.write(b"half")
            raise RuntimeError("crash")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["model.bin"]
    with atomic_write(path) as f:
        f.write(b"new")
    assert path.read_bytes() == b"new" and mode(path) == 0o640


def test_a_symlink_is_written_through_and_kept(tmp_path):
    """A symlinked model path used to be replaced by a file, its target left stale."""
    target = tmp_path / "store" / "model.bin"
    target.parent.mkdir()
    target.write_bytes(b"old")
    link = tmp_path / "model.bin"
    link.symlink_to(target)
    with atomic_write(link) as f:
        f.write(b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"
    dangling = tmp_path / "next.bin"
    dangling.symlink_to(tmp_path / "store" / "next.bin")
    with atomic_write(dangling) as f:
        f.write(b"first")
    assert dangling.is_symlink() and (tmp_path / "store" / "next.bin").read_bytes() == b"first"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_and_a_folder_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "to_pipe"
    link.symlink_to(fifo)
    # (no device here: a regression would replace /dev/null when the tests run as root)
    cases = {fifo: "a FIFO", link: "a FIFO", tmp_path: "a folder"}
    for path, kind in cases.items():
        with pytest.raises(ValueError, match=f"cannot write {path}: it is {kind}"):
            with atomic_write(path) as f:
                f.write(b"x")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe", "to_pipe"]


def test_a_model_saved_through_a_symlink_updates_its_target(tmp_path):
    from lucidnet import io, nn

    target = tmp_path / "real.safetensors"
    model = nn.Linear(2, 1)
    io.save(model, target)
    link = tmp_path / "current.safetensors"
    link.symlink_to(target)
    model.weight.data[...] = 7.0
    io.save(model, link)
    assert link.is_symlink() and (io.load(target).weight.data == 7.0).all()


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_the_temporary_file_of_a_killed_save_is_removed_by_the_next_save(tmp_path):
    path = tmp_path / "model.bin"
    script = (f"from lucidnet._files import atomic_write\n"
              f"with atomic_write({str(path)!r}) as f:\n"
              "    f.write(b'x' * 1000); f.flush(); print('writing', flush=True)\n"
              "    import time; time.sleep(60)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env)
    assert writer.stdout.readline() == b"writing\n"
    with atomic_write(path) as f:  # the writer lives: its temporary file stays
        f.write(b"mine")
    assert len(list(tmp_path.glob(".model.bin.*.tmp"))) == 1
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    with atomic_write(path) as f:
        f.write(b"again")
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]
    assert path.read_bytes() == b"again"
