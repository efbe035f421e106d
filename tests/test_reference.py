"""PyTorch, the reference of the gradient and trajectory tests, is installed.

Those tests skip themselves without it (``pytest.importorskip``), so a machine without
PyTorch would pass the suite with the comparisons unmade; this test fails there instead.
The test extra pins the version the references were checked with.
"""

import pytest


def test_the_pytorch_reference_is_installed():
    try:
        import torch
    except ImportError:
        pytest.fail("PyTorch is not installed, so every comparison with it would be skipped: "
                    "pip install -e '.[test]' installs torch==2.13.0")
    assert torch.__version__.split("+")[0] == "2.13.0", torch.__version__
