"""Files on disk: lucidnet's cache folder, SHA-256 checks and crash-safe writes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """lucidnet's cache folder: ``$LUCIDNET_HOME`` or ``~/.lucidnet``, plus ``parts``."""
    root = Path(os.environ.get("LUCIDNET_HOME") or Path.home() / ".lucidnet")
    return root.joinpath(*parts)


def sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ChecksumError(ValueError):
    """A file's SHA-256 differs from the pinned value."""


def verify_sha256(path: str | os.PathLike, expected: str) -> Path:
    """Return ``path`` if its SHA-256 is ``expected``; raise ChecksumError otherwise."""
    actual = sha256(path)
    if actual != expected:
        raise ChecksumError(
            f"{path}: SHA-256 mismatch, expected {expected}, got {actual}; "
            "the file is damaged or not the one lucidnet expects"
        )
    return Path(path)


_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once: os.umask can only be read by setting it


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb"):
    """Open a temporary file beside ``path``; rename it onto ``path`` only on success.

    A crash in the middle of the write leaves the previous file untouched. The file
    gets the permissions of the one it replaces, or those a new file gets (mkstemp's
    own 0600 would hide a report or a model from every other user).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        permissions = path.stat().st_mode & 0o777
    except FileNotFoundError:
        permissions = 0o666 & ~_UMASK
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(fd, permissions)
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
