"""Model files that hold data, never code: safetensors weights, JSON architecture.

- :func:`save` / :func:`load`: a whole model (architecture, weights, optimizer state,
  metadata) in one ``.safetensors`` file, written atomically;
- :func:`save_weights` / :func:`load_weights`: the weights only, for
  ``module.load_state_dict``; ``load_weights`` reads any safetensors file;
- :func:`load_state`: the parts of a file, checked but not built (:class:`Checkpoint`).

Loading never imports, unpickles or evaluates anything named in a file; see
``SECURITY.md`` for what a hostile file can and cannot do.
"""

from lucidnet.io.model import (
    Checkpoint,
    check_model_name,
    check_weights_name,
    from_json,
    load,
    load_state,
    load_weights,
    save,
    save_weights,
    to_json,
)
from lucidnet.io.tensorfile import MAX_HEADER_BYTES

__all__ = [
    "MAX_HEADER_BYTES",
    "Checkpoint",
    "check_model_name",
    "check_weights_name",
    "from_json",
    "load",
    "load_state",
    "load_weights",
    "save",
    "save_weights",
    "to_json",
]
