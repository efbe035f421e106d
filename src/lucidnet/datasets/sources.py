"""What the data home should hold, where each file comes from, and its pinned hash:
the table behind ``lucidnet datasets`` (listing) and ``lucidnet datasets --fetch``.

Fetching goes through pooch (``pip install lucidnet[datasets]``), which downloads to a
temporary file, checks the pinned hash and only then moves the file into place; an
archive (Reuters-21578's) is unpacked after that check, and each file taken from it is
checked against its own pinned hash. A dataset without a download whose hash could be
pinned (R8, R52) is listed with where to get its files and the folder they belong in.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from lucidnet._files import ChecksumError
from lucidnet.datasets import _r8_r52, fashion_mnist, mnist, reuters
from lucidnet.datasets.home import locate

KERAS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
MNIST = "https://ossci-datasets.s3.amazonaws.com/mnist/"  # PyTorch's mirror of LeCun's files


@dataclass(frozen=True)
class DataFile:
    """A file of a dataset: its name as stored, the pinned hash of those bytes
    ('sha256:…' or 'md5:…', pooch's form), the official URL (None: no download), and
    the SHA-256 of its decompressed data when a '.gz' may also be kept unpacked."""

    name: str
    known_hash: str | None
    url: str | None = None
    plain_sha256: str | None = None


@dataclass(frozen=True)
class Source:
    """A dataset's files in ``folder`` (under the data home); ``archive``: the one
    download that holds them all, unpacked into that folder (None: each file has its
    own URL, or there is no download); ``note``: where to get files without one."""

    folder: str
    files: tuple[DataFile, ...]
    note: str = ""
    archive: DataFile | None = None

    @property
    def fetchable(self) -> bool:
        return self.archive is not None or all(f.url for f in self.files)


def _idx(stems: dict, gz_hashes: dict, base: str) -> tuple[DataFile, ...]:
    return tuple(DataFile(f"{stem}.gz", gz_hashes[stem], base + f"{stem}.gz", plain)
                 for stem, plain in stems.items())


SOURCES = {
    "fashion_mnist": Source("fashion-mnist", _idx(fashion_mnist.FILES, {
        "train-images-idx3-ubyte": "sha256:3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte": "sha256:a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte": "sha256:346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte": "sha256:67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    }, KERAS)),
    "mnist": Source("mnist", _idx(mnist.FILES, {  # torchvision's pinned MD5s
        "train-images-idx3-ubyte": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte": "md5:d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte": "md5:9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte": "md5:ec29112dd5afa0611ce80d1b7f02629c",
    }, MNIST)),
    # The UCI KDD archive's tarball; its SHA-256 and size (8,150,596 bytes) as recorded
    # by Hugging Face's datasets (datasets/reuters21578/dataset_infos.json); the SGML
    # files in it are checked against the SHA-256s the loader pins.
    "reuters": Source("reuters/reuters21578", tuple(
        DataFile(f"{name}.gz", None, None, digest) for name, digest in reuters.FILES.items()),
        archive=DataFile(
            "reuters21578.tar.gz",
            "sha256:3bae43c9b14e387f76a61b6d82bf98a4fb5d3ef99ef7e7075ff2ccbcf59f9d30",
            "https://kdd.ics.uci.edu/databases/reuters21578/reuters21578.tar.gz")),
    **{corpus: Source("reuters", tuple(
        DataFile(name, f"sha256:{digest}") for name, digest in _r8_r52.SHA256.items()
        if name.startswith(f"{corpus}-")),
        f"download {corpus}-train-all-terms.txt and {corpus}-test-all-terms.txt from "
        "Cardoso-Cachopo's page, http://ana.cachopo.org/datasets-for-single-label-text-"
        "categorization (no published hash to pin a download with)")
       for corpus in ("r8", "r52")},
    "imdb": Source(".", (
        DataFile("imdb.npz", "sha256:69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
                 KERAS + "imdb.npz"),
        DataFile("imdb_word_index.json", "md5:bfafd718b763782e994055a2d397834f",
                 KERAS + "imdb_word_index.json"))),
    "boston_housing": Source(".", (
        DataFile("boston_housing.npz",
                 "sha256:f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
                 KERAS + "boston_housing.npz"),)),
}


def _digest(path: Path, algorithm: str, opener=open) -> str:
    h = hashlib.new(algorithm)
    with opener(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check(folder: Path, file: DataFile) -> tuple[str, str]:
    """(the name found, its state): 'ok', 'MISMATCH', 'unpinned' or 'missing'. A
    '.gz' file is also accepted unpacked (its data then checked by SHA-256)."""
    stored, plain = folder / file.name, folder / file.name.removesuffix(".gz")
    if stored.is_file():
        if file.known_hash is not None:
            algorithm, expected = file.known_hash.split(":")
            return file.name, "ok" if _digest(stored, algorithm) == expected else "MISMATCH"
        if file.plain_sha256 is None:
            return file.name, "unpinned"
        return file.name, ("ok" if _digest(stored, "sha256", gzip.open) == file.plain_sha256
                           else "MISMATCH")
    if file.plain_sha256 is not None and plain.is_file():
        return plain.name, "ok" if _digest(plain, "sha256") == file.plain_sha256 else "MISMATCH"
    return file.name, "missing"


def listing() -> list[dict]:
    """One row per dataset: name, folder, files present / expected, checksums, note."""
    rows = []
    for name, source in SOURCES.items():
        folder = locate(source.folder)
        states = [check(folder, f)[1] for f in source.files]
        present = sum(s != "missing" for s in states)
        if present == 0:
            checksum = "-"
        elif "MISMATCH" in states:
            checksum = "MISMATCH"
        else:
            checksum = "ok" if present == len(states) else f"ok ({present} present)"
        rows.append({"name": name, "folder": str(folder),
                     "present": f"{present}/{len(states)}", "checksum": checksum,
                     "fetch": "yes" if source.fetchable else source.note})
    return rows


def fetch(name: str) -> Path:
    """Download the files of ``name`` that are missing or damaged into its folder of
    the data home, each checked against its pinned hash; returns the folder."""
    if name not in SOURCES:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(SOURCES)}")
    source = SOURCES[name]
    if not source.fetchable:
        raise ValueError(f"{name} has no official download with a pinned hash: "
                         f"{source.note}, and put them in {locate(source.folder)}")
    try:
        import pooch
    except ImportError:
        raise ImportError("fetching datasets needs pooch: pip install lucidnet[datasets]") from None
    folder = locate(source.folder)
    missing = [file for file in source.files if check(folder, file)[1] != "ok"]
    if missing and source.archive is not None:
        members = [file.name.removesuffix(".gz") for file in missing]
        pooch.retrieve(source.archive.url, source.archive.known_hash,
                       fname=source.archive.name, path=folder, progressbar=True,
                       processor=pooch.Untar(members=members, extract_dir="."))
    for file in missing:
        if source.archive is None:
            pooch.retrieve(file.url, file.known_hash, fname=file.name, path=folder,
                           progressbar=True)
        found, state = check(folder, file)
        if state != "ok":
            raise ChecksumError(f"{folder / found}: {state} after the download; the "
                                f"{name} files are not the ones lucidnet pins")
    return folder
