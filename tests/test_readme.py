"""Every Python block of the README runs as written, pasted alone into a fresh
interpreter (a fresh namespace here, in a temporary folder): nothing is injected, nothing
is rewritten. The Keras block trains the course's Reuters network for its 20 epochs."""

import re
from pathlib import Path

import numpy as np
import pytest

import lucidnet
import lucidnet.functional as F

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


@pytest.fixture
def data_home(shared_data, monkeypatch, tmp_path):
    """The real datasets, a fresh cache, and a temporary folder to run in (the blocks
    write files where they run)."""
    monkeypatch.setenv("LUCIDNET_DATA", str(shared_data))
    monkeypatch.setenv("LUCIDNET_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


def test_there_are_blocks():
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("block", BLOCKS, ids=[f"line-{README[:README.index(b)].count(chr(10))}"
                                                for b in BLOCKS])
def test_block_runs_as_written(block, data_home):
    namespace = {"__name__": "__readme__"}
    exec(compile(block, "README.md", "exec"), namespace)
    if "history = model.fit" in block:  # the course's Reuters network
        assert namespace["history"].history["val_accuracy"][-1] > 0.7
    if "loss.backward()" in block:
        assert np.isfinite(float(namespace["loss"].item()))


def test_the_sigmoid_excerpt_is_the_real_code_and_works():
    source = (ROOT / "src" / "lucidnet" / "functional" / "activations.py").read_text(encoding="utf-8")
    excerpt = next(b for b in BLOCKS if "class Sigmoid(Function)" in b)
    code = [line.split("  #")[0].rstrip() for line in excerpt.splitlines()
            if line.strip() and not line.strip().startswith(('"""', "from ", "import "))]
    assert all(line in source for line in code), [c for c in code if c not in source]
    namespace = {}
    exec(excerpt, namespace)
    x = lucidnet.tensor(np.linspace(-5, 5, 11), requires_grad=True)
    y = namespace["Sigmoid"].apply(x)
    y.sum().backward()
    expected = lucidnet.tensor(np.linspace(-5, 5, 11), requires_grad=True)
    F.sigmoid(expected).sum().backward()
    np.testing.assert_array_equal(y.numpy(), F.sigmoid(expected).numpy())
    np.testing.assert_array_equal(x.grad, expected.grad)
