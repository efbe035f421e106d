"""Files on disk: lucidnet's cache folder, SHA-256 checks and crash-safe writes."""

from __future__ import annotations

import contextlib
import glob
import gzip
import hashlib
import os
import stat
import tempfile
import zlib
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


GZIP_MAGIC = b"\x1f\x8b"


@contextlib.contextmanager
def open_data(path: str | os.PathLike):
    """``path`` opened for reading bytes, decompressed as it is read when it is gzipped;
    a damaged gzip stream (bad header, CRC, truncation) raises ChecksumError."""
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        try:
            with gzip.GzipFile(fileobj=raw) if gzipped else contextlib.nullcontext(raw) as f:
                yield f
        except (OSError, EOFError, zlib.error) as err:
            if isinstance(err, ChecksumError) or not gzipped:
                raise
            raise ChecksumError(f"{path}: damaged gzip data ({err})") from err


def read_at_most(f, limit: int, data: bytearray | None = None) -> bytearray:
    """``data`` (or a new bytearray) extended from the binary file ``f`` in blocks of
    1 MiB until it holds ``limit`` bytes or the file ends: memory grows with what the
    file holds, never past ``limit``."""
    data = bytearray() if data is None else data
    while len(data) < limit and (block := f.read(min(1 << 20, limit - len(data)))):
        data += block
    return data


def read_bounded(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of ``path``, decompressed when it is gzipped (:func:`open_data`), and
    ChecksumError as soon as they pass ``limit``: a gzip bomb stops there, not at
    gigabytes."""
    with open_data(path) as f:
        data = bytes(read_at_most(f, limit + 1))
    if len(data) > limit:
        raise ChecksumError(f"{path}: holds more than {limit:,} bytes (decompressed); the "
                            "file is damaged or not the one lucidnet expects")
    return data


_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once: os.umask can only be read by setting it


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def writable_target(path: str | os.PathLike) -> Path:
    """Where a write to ``path`` lands: ``path`` itself, or, when it is a symbolic link,
    the file the link points to (written through, the link kept). Raises ValueError
    when that is not a regular file (a FIFO, a device such as /dev/stdout, a folder):
    a rename would replace it, and a FIFO without a reader would block forever."""
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    if not stat.S_ISREG(mode):
        raise ValueError(f"cannot write {path}: it is {_kind(mode)}"
                         + (f" (through the link to {target})" if target != Path(path) else "")
                         + "; lucidnet writes regular files only, by renaming a finished "
                         "temporary file onto the path")
    return target


def _remove_stale_temporaries(path: Path) -> None:
    """Delete the temporary files of earlier writes to ``path`` whose process is gone (a
    killed save), named ``.<name>.<pid>.<random>.tmp``; a running writer's stay. POSIX
    only: elsewhere ``os.kill`` cannot ask whether a process lives."""
    if os.name != "posix":
        return
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = leftover.name[len(path.name) + 2:].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        except (PermissionError, OverflowError):  # another user's live process, or junk
            continue


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb"):
    """Open a temporary file beside ``path``; rename it onto ``path`` only on success.

    A crash in the middle of the write leaves the previous file untouched (and the next
    write to ``path`` removes the killed one's temporary file). The file gets the
    permissions of the one it replaces, or those a new file gets (mkstemp's own 0600
    would hide a report or a model from every other user). A symbolic link is written
    through; a FIFO, a device or a folder is refused (:func:`writable_target`).
    """
    path = writable_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    try:
        permissions = path.stat().st_mode & 0o777
    except FileNotFoundError:
        permissions = 0o666 & ~_UMASK
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.",
                               suffix=".tmp")
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
