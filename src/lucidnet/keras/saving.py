"""``keras.saving``: whole models and their registration, in lucidnet's safe format.

``save_model``/``load_model`` write and read what ``model.save`` writes (safetensors:
weights, architecture and compile settings as data). A custom layer class becomes
loadable once registered: ``@keras.saving.register_keras_serializable()``.
"""

from lucidnet.keras.models import clone_model, load_model, model_from_json  # noqa: F401
from lucidnet.nn.module import LAYERS, Module


def save_model(model, filepath, overwrite: bool = True) -> None:
    """``model.save(filepath, overwrite)``."""
    model.save(filepath, overwrite=overwrite)


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """A class decorator that registers a layer or model class as ``package>name`` (the
    class's name by default), so files and JSON that name it can build it again."""

    def register(cls):
        if not (isinstance(cls, type) and issubclass(cls, Module)):
            raise TypeError(f"register_keras_serializable registers layer and model classes "
                            f"in lucidnet, got {cls!r}")
        return LAYERS.register(f"{package}>{name or cls.__name__}")(cls)

    return register
