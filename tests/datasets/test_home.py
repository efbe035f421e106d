"""The data home: $LUCIDNET_DATA, else $LUCIDNET_SHARED_DATA, else the platform's user
data folder."""

import sys
from pathlib import Path

import pytest

from lucidnet.datasets import home


@pytest.fixture
def no_variables(monkeypatch):
    for variable in ("LUCIDNET_DATA", "LUCIDNET_SHARED_DATA", "XDG_DATA_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_the_variables_come_first(no_variables, tmp_path):
    no_variables.setenv("LUCIDNET_SHARED_DATA", str(tmp_path / "shared"))
    assert home.data_home() == tmp_path / "shared"
    no_variables.setenv("LUCIDNET_DATA", str(tmp_path / "mine"))
    assert home.data_home() == tmp_path / "mine"


@pytest.mark.parametrize(("platform", "variable", "default"), [
    ("linux", "XDG_DATA_HOME", Path(".local") / "share"),
    ("darwin", None, Path("Library") / "Application Support"),
    ("win32", "LOCALAPPDATA", Path("AppData") / "Local"),
])
def test_the_platform_folder(no_variables, tmp_path, platform, variable, default):
    no_variables.setattr(sys, "platform", platform)
    no_variables.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    assert home.data_home() == tmp_path / default / "lucidnet"
    if variable:
        no_variables.setenv(variable, str(tmp_path / "elsewhere"))
        assert home.data_home() == tmp_path / "elsewhere" / "lucidnet"
