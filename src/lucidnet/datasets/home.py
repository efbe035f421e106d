"""One home for data: the folder where every loader, the lab and ``lucidnet datasets``
look for dataset files.

``data_home()`` is ``$LUCIDNET_DATA`` when set (``lucidnet --data-dir`` sets it), else
``$LUCIDNET_SHARED_DATA`` (the name the test suite and CI use for the same layout),
else the platform's user data folder (``$XDG_DATA_HOME/lucidnet``, by default
``~/.local/share/lucidnet``, on Linux; ``~/Library/Application Support/lucidnet`` on
macOS; ``%LOCALAPPDATA%\\lucidnet`` on Windows). Inside it, one place per dataset:

    fashion-mnist/            Keras's four Fashion-MNIST files (*.gz or plain)
    mnist/                    LeCun's four MNIST files
    reuters/                  Cardoso-Cachopo's r8-*/r52-* files
    reuters/reuters21578/     the 22 SGML files of Reuters-21578
    imdb.npz, imdb_word_index.json, boston_housing.npz   Keras's files

A loader's ``path=`` argument still names another folder (or file) for one call.
Caches that lucidnet builds (the parsed Reuters corpus) go to ``_files.cache_dir``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def data_home() -> Path:
    """The data folder (see the module docstring for the order it is chosen in)."""
    for variable in ("LUCIDNET_DATA", "LUCIDNET_SHARED_DATA"):
        if os.environ.get(variable):
            return Path(os.environ[variable]).expanduser()
    return _user_data_dir() / "lucidnet"


def _user_data_dir() -> Path:
    """Where the platform keeps a user's application data (platformdirs' rule, without
    the dependency: the core keeps to NumPy, SciPy, tqdm and safetensors)."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def locate(path: str | os.PathLike, *parts: str) -> Path:
    """``path`` (then ``parts``) under the data home, unless ``path`` is absolute."""
    return (data_home() / Path(path).expanduser()).joinpath(*parts)
