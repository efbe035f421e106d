"""The errors of the PyTorch facade for what lucidnet deliberately does not do."""

from __future__ import annotations

from lucidnet.errors import NotSupportedError

SCOPE = ("lucidnet implements the course's multilayer perceptrons on NumPy "
         "(dense layers, activations, losses, optimizers)")

_REASONS = {
    "conv": "convolutions", "pool": "pooling", "rnn": "recurrent layers", "lstm": "recurrent layers",
    "gru": "recurrent layers", "attention": "attention", "transformer": "transformers",
    "embedding": "embeddings", "stream": "CUDA streams", "sparse": "sparse tensors",
    "complex": "complex numbers", "fft": "Fourier transforms", "jit": "TorchScript",
    "compile": "torch.compile", "distributed": "distributed training", "quantiz": "quantization",
    "hook": "hooks", "onnx": "torch.onnx",
}


class NotSupportedAttributeError(NotSupportedError, AttributeError):
    """A PyTorch name that lucidnet.torch does not offer; an AttributeError too, so
    ``hasattr`` and ``getattr(obj, name, default)`` keep working."""


def unsupported(feature: str) -> NotSupportedError:
    """The error for a feature (an argument, a mode) that lucidnet.torch does not offer."""
    return NotSupportedError(f"{feature} is not supported by lucidnet.torch: {SCOPE}")


def missing(where: str, name: str) -> AttributeError:
    """The error for the absent name ``where.name``: NotSupportedAttributeError naming the
    feature; a plain AttributeError for dunder and private names, which Python's own
    protocols probe (copy, pickle, NumPy)."""
    if name.startswith("_"):
        return AttributeError(f"{where} has no attribute {name!r}")
    kind = next((v for k, v in _REASONS.items() if k in name.lower()), None)
    what = f"{where}.{name}" + (f" ({kind})" if kind else "")
    return NotSupportedAttributeError(f"{what} is not supported by lucidnet.torch: {SCOPE}")
