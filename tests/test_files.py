"""Crash-safe writes: the previous file survives a failed write, and the new file gets
ordinary permissions (those of the file it replaces, else the umask's)."""

import os
import stat

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
