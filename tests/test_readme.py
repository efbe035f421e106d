"""The README's Python examples run as written (on small data of the same shapes)."""

import re
from pathlib import Path

import numpy as np

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_the_keras_and_pytorch_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write files where they run
    rng = np.random.default_rng(0)
    x_train = (rng.random((64, 10000)) < 0.01).astype(np.float32)
    y_train = np.eye(46, dtype=np.float32)[rng.integers(0, 46, 64)]
    X, Y = rng.normal(size=(96, 64)), rng.integers(0, 10, 96)
    namespace = {"x_train": x_train, "y_train": y_train, "x_test": x_train[:16],
                 "y_test": y_train[:16], "X": X, "Y": Y}
    runnable = [b for b in BLOCKS if "Function)" not in b  # the Sigmoid excerpt is a quote
                and "tcp://HOST" not in b]  # the cluster recipe needs a cluster
    assert len(runnable) >= 2
    for block in runnable:
        exec(block.replace("epochs=20", "epochs=1"), namespace)
    assert set(namespace["history"].history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert np.isfinite(namespace["loss"].item())


def test_the_sigmoid_excerpt_is_the_real_code():
    source = (Path(__file__).resolve().parents[1] / "src" / "lucidnet" / "functional"
              / "activations.py").read_text(encoding="utf-8")
    excerpt = next(b for b in BLOCKS if "class Sigmoid(Function)" in b)
    code = [line.split("  #")[0].rstrip() for line in excerpt.splitlines()
            if line.strip() and not line.strip().startswith('"""')]
    assert all(line in source for line in code), [c for c in code if c not in source]
