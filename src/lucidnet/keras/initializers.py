"""``keras.initializers``: :mod:`lucidnet.initializers` under Keras's names, the
classes (``GlorotUniform``) and their snake-case aliases (``glorot_uniform``), as
Keras 3 exports both. Fans, distributions and defaults are Keras's (see there)."""

from lucidnet.initializers import (  # noqa: F401
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Initializer,
    LecunNormal,
    LecunUniform,
    Ones,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    Zeros,
    get,
    serialize,
)

constant, ones, zeros, orthogonal = Constant, Ones, Zeros, Orthogonal
glorot_normal, glorot_uniform = GlorotNormal, GlorotUniform
he_normal, he_uniform = HeNormal, HeUniform
lecun_normal, lecun_uniform = LecunNormal, LecunUniform
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling = VarianceScaling
