"""Activation functions: each a Function with its forward and derivative side by side.

Notation: x is the input (any shape), y = f(x) the output, dY = dL/dy; the backward
returns dL/dx = dY ⊙ f'(x). Every function is registered under its Keras name with
its Function (``function``, built with the keyword arguments of the function below it), the
facts a student asks about (``lucidnet.activations.info('relu')``) and the input domain
and kinks at which the test suite checks its gradient. An entry that needs more
than x declares it in ``requires`` (prelu's alpha, maxout's pieces).

Numbers, lists and integer arrays are converted to the default float dtype; float32
stays float32 (constants are cast to the input's dtype, so no float64 scalar upcasts).

>>> from lucidnet import tensor, functional as F
>>> F.relu(tensor([-1., 2.]))
tensor([0. 2.])
"""

from __future__ import annotations

import math
import numbers

from lucidnet import backend
from lucidnet.autograd import Function, Tensor
from lucidnet.autograd.ops import Abs, Exp
from lucidnet.errors import ShapeError
from lucidnet.registry import ACTIVATIONS, Facts

__all__ = [
    "absolute",
    "binary_step",
    "elu",
    "exponential",
    "gelu",
    "hard_sigmoid",
    "identity",
    "leaky_relu",
    "log_softmax",
    "maxout",
    "prelu",
    "relu",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "swish",
    "tanh",
]


def _float_tensor(x) -> Tensor:
    """``x`` as a floating Tensor: numbers, lists and integer arrays get the default dtype."""
    if not isinstance(x, Tensor):
        x = Tensor(x)
    return x if x.dtype.kind == "f" else x.astype(backend.get_default_dtype())


def _logistic(x):
    """σ(x) on an array, with no positive exponent (finite for any x)."""
    xp = backend.xp
    z = xp.exp(-xp.abs(x))  # in (0, 1]: never overflows
    return xp.where(x >= 0, 1 / (1 + z), z / (1 + z))


def _erfc(x):
    """The complementary error function on the active backend's arrays.

    SciPy's ufuncs take NumPy arrays only; under CuPy the same function comes from
    ``cupyx.scipy.special``. Imported on first use: SciPy is slow to import.
    """
    if backend.name == "cupy":
        from cupyx.scipy.special import erfc
    else:
        from scipy.special import erfc
    return erfc(x)


# -- step and linear --------------------------------------------------------------
class BinaryStep(Function):
    """step(x) = 1 for x ≥ 0, 0 for x < 0 (Heaviside, with step(0) = 1);  step'(x) = 0.

    The derivative is 0 wherever it exists and undefined at 0 (taken as 0), so
    dY ⊙ step'(x) = 0: no gradient reaches the weights and gradient descent cannot
    train it. The perceptron learning rule trains such units instead.
    """

    def forward(self, x):
        return (x >= 0).astype(x.dtype)  # value 1 at x = 0, as the perceptron's x ≥ 0 test

    def backward(self, dY):
        return backend.xp.zeros_like(dY)


@ACTIVATIONS.register(
    "binary_step",
    function=BinaryStep,
    domain=(-3.0, 3.0),
    kinks=(0.0,),
    facts=Facts(
        range="{0, 1}",
        zero_centred=False,
        monotonic=True,
        smooth=False,
        saturating="everywhere: derivative 0, so not trainable by gradient descent",
        needs_exp=False,
        used_in="the perceptron (historical); never in networks trained by backpropagation",
    ),
)
def binary_step(x):
    """1 where x ≥ 0, else 0 (see :class:`BinaryStep`)."""
    return BinaryStep.apply(_float_tensor(x))


class Identity(Function):
    """f(x) = a·x;  f'(x) = a  (a = 1: the identity, Keras's 'linear')."""

    def __init__(self, a=1.0):
        self.a = a

    def forward(self, x):
        self.a = x.dtype.type(self.a)
        return self.a * x

    def backward(self, dY):
        return self.a * dY


@ACTIVATIONS.register(
    "linear",
    "identity",
    function=Identity,
    domain=(-3.0, 3.0),
    facts=Facts(
        range="(−∞, ∞)",
        zero_centred=True,
        monotonic=True,
        smooth=True,
        saturating="never",
        needs_exp=False,
        used_in="output of regression; useless in hidden layers (linear layers compose "
        "into one linear layer)",
    ),
)
def identity(x, a=1.0):
    """a·x, the linear activation (see :class:`Identity`).

    Registered as 'linear' and 'identity'; called ``identity`` here because
    ``F.linear`` names the affine map x Wᵀ + b in PyTorch.
    """
    return Identity.apply(_float_tensor(x), a=a)


# -- sigmoid family -----------------------------------------------------------------
class Sigmoid(Function):
    """σ(x) = 1 / (1 + e^{−x});  σ'(x) = σ(x)(1 − σ(x)).

    Computed as e^{x}/(1 + e^{x}) for x < 0 and 1/(1 + e^{−x}) otherwise, so no
    exponent is ever positive: finite for any x (|x| = 1e4 included).
    """

    def forward(self, x):
        self.y = _logistic(x)
        return self.y

    def backward(self, dY):
        return dY * self.y * (1 - self.y)


@ACTIVATIONS.register(
    "sigmoid",
    function=Sigmoid,
    domain=(-8.0, 8.0),
    facts=Facts(
        range="(0, 1)",
        zero_centred=False,
        monotonic=True,
        smooth=True,
        saturating="both sides: σ'(x) < 0.05 for |x| > 3; σ'(x) ≤ 1/4",
        needs_exp=True,
        used_in="output of binary and multilabel classification (with binary cross-entropy); "
        "historical hidden layers (vanishing gradients)",
        saturation_point=3.0,
    ),
)
def sigmoid(x):
    """σ(x) = 1/(1 + e^{−x}), the logistic function (see :class:`Sigmoid`)."""
    return Sigmoid.apply(_float_tensor(x))


class Tanh(Function):
    """tanh(x) = (eˣ − e^{−x}) / (eˣ + e^{−x}) = 2σ(2x) − 1;  tanh'(x) = 1 − tanh²(x).

    The backward reuses the output. ``xp.tanh`` is finite for any x (±1 beyond |x| ≈ 20).
    """

    def forward(self, x):
        self.y = backend.xp.tanh(x)
        return self.y

    def backward(self, dY):
        return dY * (1 - self.y * self.y)


@ACTIVATIONS.register(
    "tanh",
    function=Tanh,
    domain=(-4.0, 4.0),
    facts=Facts(
        range="(−1, 1)",
        zero_centred=True,
        monotonic=True,
        smooth=True,
        saturating="both sides: tanh'(x) < 0.01 for |x| > 3; tanh'(0) = 1",
        needs_exp=True,
        used_in="hidden layers of recurrent networks; output of values in (−1, 1)",
        saturation_point=3.0,
    ),
)
def tanh(x):
    """The hyperbolic tangent, a rescaled sigmoid (see :class:`Tanh`)."""
    return Tanh.apply(_float_tensor(x))


class HardSigmoid(Function):
    """hard_sigmoid(x) = max(0, min(1, x/6 + 1/2));  derivative 1/6 on (−3, 3), 0 outside.

    At the kinks ±3 the derivative is taken as 0 (as PyTorch's ``hardsigmoid``). This is
    Keras 3's and PyTorch's definition; Keras 2 used max(0, min(1, 0.2x + 0.5)).
    """

    def forward(self, x):
        self.inside = (x > -3) & (x < 3)
        return backend.xp.clip(x / 6 + 0.5, 0, 1)

    def backward(self, dY):
        return dY * self.inside / 6


@ACTIVATIONS.register(
    "hard_sigmoid",
    function=HardSigmoid,
    domain=(-5.0, 5.0),
    kinks=(-3.0, 3.0),
    facts=Facts(
        range="[0, 1]",
        zero_centred=False,
        monotonic=True,
        smooth=False,
        saturating="both sides: derivative exactly 0 for |x| ≥ 3",
        needs_exp=False,
        used_in="cheap sigmoid for mobile networks and gates",
        saturation_point=3.0,
    ),
)
def hard_sigmoid(x):
    """The piecewise-linear sigmoid clip(x/6 + 1/2, 0, 1) (see :class:`HardSigmoid`)."""
    return HardSigmoid.apply(_float_tensor(x))


# -- rectifiers ---------------------------------------------------------------------
class ReLU(Function):
    """relu(x) = max(0, x);  relu'(x) = 1 for x > 0, 0 for x ≤ 0.

    At the kink x = 0 the derivative is taken as 0 (as PyTorch, JAX and TensorFlow):
    a unit exactly at 0 passes no gradient.
    """

    def forward(self, x):
        self.active = x > 0
        return backend.xp.maximum(x, 0) if x.dtype.kind == "f" else x * self.active

    def backward(self, dY):
        return dY * self.active


@ACTIVATIONS.register(
    "relu",
    function=ReLU,
    domain=(-3.0, 3.0),
    kinks=(0.0,),
    facts=Facts(
        range="[0, ∞)",
        zero_centred=False,
        monotonic=True,
        smooth=False,
        saturating="left side only (gradient 0 for x < 0: units can die)",
        needs_exp=False,
        used_in="default for hidden layers",
        dead_below=0.0,
    ),
)
def relu(x):
    """max(0, x), the rectified linear unit (see :class:`ReLU`); integer inputs stay integer."""
    return ReLU.apply(x if isinstance(x, Tensor) else Tensor(x))


class LeakyReLU(Function):
    """leaky_relu(x) = x for x > 0, s·x for x ≤ 0 (s = negative_slope);  derivative 1 or s.

    At x = 0 the derivative is taken as s (as PyTorch). Defaults differ: s = 0.01 here
    and in PyTorch and JAX, 0.2 in Keras's function, 0.3 in Keras's layer.
    """

    def __init__(self, negative_slope=0.01):
        self.slope = negative_slope

    def forward(self, x):
        self.slope = x.dtype.type(self.slope)
        self.positive = x > 0
        return backend.xp.where(self.positive, x, self.slope * x)

    def backward(self, dY):
        return backend.xp.where(self.positive, dY, self.slope * dY)


@ACTIVATIONS.register(
    "leaky_relu",
    function=LeakyReLU,
    domain=(-3.0, 3.0),
    kinks=(0.0,),
    facts=Facts(
        range="(−∞, ∞)",
        zero_centred=False,
        monotonic=True,
        smooth=False,
        saturating="never: slope s on the left keeps units alive",
        needs_exp=False,
        used_in="hidden layers, where ReLU units die",
    ),
)
def leaky_relu(x, negative_slope=0.01):
    """max(0, x) + s·min(0, x) with s = ``negative_slope`` (see :class:`LeakyReLU`)."""
    return LeakyReLU.apply(_float_tensor(x), negative_slope=negative_slope)


class PReLU(Function):
    """prelu(x, α) = x for x > 0, α·x for x ≤ 0, with α learned;
    dx = dY for x > 0, α ⊙ dY otherwise;  dα = Σ dY ⊙ min(0, x) over the axes α is shared.

    At x = 0 the derivative w.r.t. x is taken as α (as PyTorch).
    """

    def forward(self, x, alpha):
        self.alpha_shape = alpha.shape
        self.alpha = alpha.reshape(()) if alpha.size == 1 else alpha  # one slope: x's shape
        self.x, self.positive = x, x > 0
        return backend.xp.where(self.positive, x, self.alpha * x)

    def backward(self, dY):
        xp = backend.xp
        dx = xp.where(self.positive, dY, self.alpha * dY) if self.needs_grad[0] else None
        dalpha = None
        if self.needs_grad[1]:
            dalpha = xp.where(self.positive, 0, dY * self.x)
            if self.alpha.ndim == 0:
                dalpha = dalpha.sum().reshape(self.alpha_shape)
        return dx, dalpha  # the engine sums dalpha over the axes α was broadcast on


@ACTIVATIONS.register(
    "prelu",
    function=PReLU,
    domain=(-3.0, 3.0),
    kinks=(0.0,),
    requires=("alpha",),
    facts=Facts(
        range="(−∞, ∞)",
        zero_centred=False,
        monotonic=True,
        smooth=False,
        saturating="never while α ≠ 0",
        needs_exp=False,
        used_in="hidden layers of deep convolutional networks (a learned leaky ReLU)",
    ),
)
def prelu(x, alpha):
    """max(0, x) + α ⊙ min(0, x), with α a learnable Tensor (see :class:`PReLU`).

    Shape: x (*, D) → (*, D); α of one element is one slope for all, (D,) one per
    feature of the last axis, (*, D) one per element (α broadcasts against x).
    PyTorch takes the channels from axis 1 instead; both agree on (N, D) inputs.
    """
    x = _float_tensor(x)
    if not isinstance(alpha, Tensor):
        alpha = Tensor(backend.xp.asarray(alpha, dtype=x.dtype))
    try:
        fits = alpha.size == 1 or backend.xp.broadcast_shapes(x.shape, alpha.shape) == x.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"prelu: alpha of shape {alpha.shape} does not broadcast over inputs of shape "
            f"{x.shape}; expected (), (1,) or ({x.shape[-1] if x.ndim else 1},)"
        )
    return PReLU.apply(x, alpha)


@ACTIVATIONS.register(
    "abs",
    function=Abs,
    domain=(-3.0, 3.0),
    kinks=(0.0,),
    facts=Facts(
        range="[0, ∞)",
        zero_centred=False,
        monotonic=False,
        smooth=False,
        saturating="never: |derivative| = 1",
        needs_exp=False,
        used_in="object recognition features invariant to polarity (Jarrett et al. 2009)",
    ),
)
def absolute(x):
    """|x| = max(0, x) − min(0, x), absolute-value rectification;  |x|' = sign(x), 0 at 0.

    The α = −1 case of max(0, x) + α·min(0, x) (ReLU: α = 0, leaky: small α, PReLU:
    learned α); sign(0) = 0 as PyTorch's ``abs``. Registered as 'abs'; its Function is
    the primitive :class:`~lucidnet.autograd.ops.Abs` (``Tensor.abs``).
    """
    return Abs.apply(_float_tensor(x))


class Maxout(Function):
    """maxout(x)ⱼ = max_{i<k} x[j·k + i]: each output is the max of k contiguous inputs;
    dx = dY at the maximum of each group, 0 elsewhere.

    Shape: (*, C·k) → (*, C): unit j owns inputs j·k … j·k + k − 1 (contiguous pieces,
    as TensorFlow's ``maxout``). Ties share dY equally (as ``Tensor.max``).
    """

    def __init__(self, pieces):
        self.k = pieces

    def forward(self, x):
        self.shape = x.shape
        Z = x.reshape(*x.shape[:-1], x.shape[-1] // self.k, self.k)
        Y = Z.max(axis=-1)
        winner = (Z == Y[..., None]).astype(x.dtype)
        self.share = winner / winner.sum(axis=-1, keepdims=True)
        return Y

    def backward(self, dY):
        return (dY[..., None] * self.share).reshape(self.shape)


@ACTIVATIONS.register(
    "maxout",
    function=Maxout,
    domain=(-3.0, 3.0),
    requires=("pieces",),
    facts=Facts(
        range="(−∞, ∞)",
        zero_centred=False,
        monotonic=True,
        smooth=False,
        saturating="never: the winning piece passes dY unchanged",
        needs_exp=False,
        used_in="hidden layers (with dropout); learns a convex piecewise-linear activation",
    ),
)
def maxout(x, pieces: int):
    """The max over each group of ``pieces`` contiguous features (see :class:`Maxout`).

    Shape: (*, C·k) → (*, C) with k = ``pieces``. Kinks: wherever two pieces tie.

    >>> from lucidnet import tensor
    >>> maxout(tensor([[1., 5., -2., 0.]]), pieces=2)   # max(1, 5), max(−2, 0)
    tensor([[5. 0.]])
    """
    x = _float_tensor(x)
    if not isinstance(pieces, numbers.Integral) or pieces < 1:
        raise ValueError(f"maxout: pieces must be a positive integer, got {pieces!r}")
    if x.ndim == 0 or x.shape[-1] % pieces:
        raise ShapeError(
            f"maxout expects a last axis divisible by pieces={pieces}, got shape {x.shape}"
        )
    return Maxout.apply(x, pieces=pieces)


# -- exponential linear units -----------------------------------------------------
class ELU(Function):
    """elu(x) = x for x > 0, α(eˣ − 1) for x ≤ 0;  elu'(x) = 1 for x > 0, αeˣ for x ≤ 0.

    At x = 0 the derivative is taken as α (as PyTorch): C¹ only for α = 1. eˣ − 1 is
    ``expm1`` (exact near 0) of min(x, 0), so the unused branch never overflows.
    ``scale`` λ multiplies output and derivative (1 here, SELU's λ in :func:`selu`).
    """

    def __init__(self, alpha=1.0, scale=1.0):
        self.alpha, self.scale = alpha, scale

    def forward(self, x):
        xp = backend.xp
        self.positive = x > 0
        self.alpha, self.scale = x.dtype.type(self.alpha), x.dtype.type(self.scale)
        left = xp.minimum(x, 0)
        # eˣ kept for the backward: recovering it from the output as y + α cancels
        # (float32 loses it entirely below x ≈ −17)
        self.exp = xp.exp(left)
        return self.scale * xp.where(self.positive, x, self.alpha * xp.expm1(left))

    def backward(self, dY):
        slope = (self.scale * self.alpha) * self.exp  # λαeˣ on the left
        return dY * backend.xp.where(self.positive, self.scale, slope)


@ACTIVATIONS.register(
    "elu",
    function=ELU,
    domain=(-3.0, 3.0),
    kinks=(0.0,),
    facts=Facts(
        range="(−α, ∞)",
        zero_centred=True,
        monotonic=True,
        smooth=False,
        saturating="left side: to −α (a bounded negative output, mean activations near 0)",
        needs_exp=True,
        used_in="hidden layers (faster learning than ReLU, Clevert et al. 2016)",
    ),
)
def elu(x, alpha=1.0):
    """The exponential linear unit (see :class:`ELU`)."""
    return ELU.apply(_float_tensor(x), alpha=alpha)


# SELU's α and λ (Klambauer et al. 2017), to the digits PyTorch uses
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class SELU(ELU):
    """selu(x) = λ·elu(x, α) with SELU's constants (see :func:`selu`)."""

    def __init__(self):
        super().__init__(alpha=SELU_ALPHA, scale=SELU_SCALE)


@ACTIVATIONS.register(
    "selu",
    function=SELU,
    domain=(-3.0, 3.0),
    kinks=(0.0,),
    facts=Facts(
        range="(−λα, ∞) ≈ (−1.758, ∞)",
        zero_centred=True,
        monotonic=True,
        smooth=False,
        saturating="left side: to −λα",
        needs_exp=True,
        used_in="hidden layers of self-normalizing networks (with lecun_normal init)",
    ),
)
def selu(x):
    """selu(x) = λ·elu(x, α), λ ≈ 1.0507, α ≈ 1.6733;  derivative λ or λαeˣ (λα at 0).

    The constants make mean 0 and variance 1 a fixed point of the layers (see
    :class:`ELU`, which computes it with ``scale`` = λ).
    """
    return SELU.apply(_float_tensor(x))


# -- smooth rectifiers -----------------------------------------------------------------
class GELU(Function):
    """gelu(x) = x·Φ(x), Φ the standard normal CDF;  gelu'(x) = Φ(x) + x·φ(x).

    Exact: Φ(x) = ½ erfc(−x/√2) (erfc, not 1 + erf: no cancellation for x ≪ 0),
    φ(x) = e^{−x²/2}/√(2π). With approximate='tanh':
    gelu(x) ≈ ½x(1 + t), t = tanh(u), u = √(2/π)(x + 0.044715x³);
    derivative ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²).
    """

    def __init__(self, approximate="none"):
        self.approximate = approximate

    def forward(self, x):
        xp = backend.xp
        self.x = x
        if self.approximate == "tanh":
            self.t = xp.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x))
            return 0.5 * x * (1 + self.t)
        self.Phi = 0.5 * _erfc(-x / math.sqrt(2))
        return x * self.Phi

    def backward(self, dY):
        xp, x = backend.xp, self.x
        if self.approximate == "tanh":
            du = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x * x)
            sech2 = 1 - self.t * self.t
            # where tanh saturates, sech² = 0 and du may be ∞ (x² overflows for |x| ≥ 1e20
            # in float32): the product tends to 0, and 0·∞ would be NaN
            du = xp.where(sech2 == 0, 0, du)
            return dY * (0.5 * (1 + self.t) + 0.5 * x * sech2 * du)
        phi = xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return dY * (self.Phi + x * phi)


@ACTIVATIONS.register(
    "gelu",
    function=GELU,
    domain=(-4.0, 4.0),
    facts=Facts(
        range="[≈ −0.17, ∞)",
        zero_centred=False,
        monotonic=False,
        smooth=True,
        saturating="left side: to 0 (minimum ≈ −0.17 at x ≈ −0.75)",
        needs_exp=True,
        used_in="hidden layers of Transformers (BERT, GPT)",
    ),
)
def gelu(x, approximate: str = "none"):
    """x·Φ(x), the Gaussian error linear unit (see :class:`GELU`).

    ``approximate`` is 'none' (exact, PyTorch's default) or 'tanh'; Keras's ``gelu``
    defaults to the tanh approximation.
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(_float_tensor(x), approximate=approximate)


class SiLU(Function):
    """silu(x) = x·σ(βx);  silu'(x) = σ(βx) + βx·σ(βx)(1 − σ(βx)) = s(1 + βx(1 − s)), s = σ(βx).

    β is a constant (1: SiLU, Swish-1). σ is computed without a positive exponent.
    """

    def __init__(self, beta=1.0):
        self.beta = beta

    def forward(self, x):
        self.x, self.beta = x, x.dtype.type(self.beta)
        self.s = _logistic(self.beta * x)
        return x * self.s

    def backward(self, dY):
        s = self.s
        return dY * s * (1 + self.beta * self.x * (1 - s))


@ACTIVATIONS.register(
    "silu",
    "swish",
    function=SiLU,
    domain=(-6.0, 6.0),
    facts=Facts(
        range="[≈ −0.28, ∞) for β = 1",
        zero_centred=False,
        monotonic=False,
        smooth=True,
        saturating="left side: to 0 (minimum ≈ −0.278 at x ≈ −1.28 for β = 1)",
        needs_exp=True,
        used_in="hidden layers of deep networks (EfficientNet, LLaMA's SwiGLU)",
    ),
)
def silu(x, beta=1.0):
    """x·σ(βx), the sigmoid linear unit or swish (see :class:`SiLU`)."""
    return SiLU.apply(_float_tensor(x), beta=beta)


swish = silu


class Softplus(Function):
    """softplus(x) = (1/β) ln(1 + e^{βx});  softplus'(x) = σ(βx).

    Stable as (max(βx, 0) + ln(1 + e^{−|βx|}))/β: the exponent is never positive.
    As PyTorch, where βx > ``threshold`` the output is x and the derivative 1 (a jump
    of < 2.1e-9 at the default threshold 20).
    """

    def __init__(self, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        xp = backend.xp
        self.beta = x.dtype.type(self.beta)
        bx = self.beta * x
        self.linear = bx > self.threshold
        self.s = _logistic(bx)
        soft = (xp.maximum(bx, 0) + xp.log1p(xp.exp(-xp.abs(bx)))) / self.beta
        return xp.where(self.linear, x, soft)

    def backward(self, dY):
        return dY * backend.xp.where(self.linear, 1, self.s)


@ACTIVATIONS.register(
    "softplus",
    function=Softplus,
    domain=(-8.0, 8.0),
    facts=Facts(
        range="(0, ∞)",
        zero_centred=False,
        monotonic=True,
        smooth=True,
        saturating="left side: to 0",
        needs_exp=True,
        used_in="smooth ReLU; output of positive quantities (a variance, a rate)",
    ),
)
def softplus(x, beta=1.0, threshold=20.0):
    """(1/β) ln(1 + e^{βx}), a smooth ReLU (see :class:`Softplus`); β ≠ 0."""
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero, got 0")
    return Softplus.apply(_float_tensor(x), beta=beta, threshold=threshold)


@ACTIVATIONS.register(
    "exponential",
    function=Exp,
    domain=(-3.0, 3.0),
    facts=Facts(
        range="(0, ∞)",
        zero_centred=False,
        monotonic=True,
        smooth=True,
        saturating="left side: to 0; overflows for x > 88 (float32), 709 (float64)",
        needs_exp=True,
        used_in="output of a positive rate (Poisson regression: log link)",
    ),
)
def exponential(x):
    """exp(x) = eˣ;  exp'(x) = eˣ. Its Function is the primitive
    :class:`~lucidnet.autograd.ops.Exp` (``Tensor.exp``), whose backward reuses the output."""
    return Exp.apply(_float_tensor(x))


# -- over an axis ----------------------------------------------------------------------
class Softmax(Function):
    """softmax(x)ᵢ = e^{xᵢ} / Σⱼ e^{xⱼ} along ``axis``;  dx = y ⊙ (dY − Σⱼ dYⱼ yⱼ).

    Shifted by the max first (softmax(x − c) = softmax(x)): every exponent ≤ 0, so no
    overflow, and the largest term is 1, so no 0/0. The backward reuses the output.
    """

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        xp = backend.xp
        e = xp.exp(x - x.max(axis=self.axis, keepdims=True))
        self.y = e / e.sum(axis=self.axis, keepdims=True)
        return self.y

    def backward(self, dY):
        y = self.y
        return y * (dY - (dY * y).sum(axis=self.axis, keepdims=True))


@ACTIVATIONS.register(
    "softmax",
    function=Softmax,
    domain=(-5.0, 5.0),
    facts=Facts(
        range="(0, 1), each row sums to 1",
        zero_centred=False,
        monotonic=True,
        smooth=True,
        saturating="when one input dominates the others by ≳ 10",
        needs_exp=True,
        used_in="output of multiclass classification (with categorical cross-entropy)",
    ),
)
def softmax(x, axis: int = -1):
    """Normalized exponentials along ``axis`` (see :class:`Softmax`). Shape: (*) → (*).

    >>> from lucidnet import tensor
    >>> softmax(tensor([[1., 2., 3.]]))   # (N, C) logits → class probabilities
    tensor([[0.09   0.2447 0.6652]])
    """
    return Softmax.apply(_float_tensor(x), axis=axis)


class LogSoftmax(Function):
    """log_softmax(x)ᵢ = xᵢ − ln Σⱼ e^{xⱼ} along ``axis``;  dx = dY − softmax(x) Σⱼ dYⱼ.

    Computed as (x − m) − ln Σⱼ e^{xⱼ − m} with m the max: no overflow, and the
    logarithm's argument is ≥ 1, so no log(0) even where softmax underflows to 0.
    """

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        xp = backend.xp
        shifted = x - x.max(axis=self.axis, keepdims=True)
        y = shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))
        self.p = xp.exp(y)  # softmax(x), for the backward
        return y

    def backward(self, dY):
        return dY - self.p * dY.sum(axis=self.axis, keepdims=True)


@ACTIVATIONS.register(
    "log_softmax",
    function=LogSoftmax,
    domain=(-5.0, 5.0),
    facts=Facts(
        range="(−∞, 0)",
        zero_centred=False,
        monotonic=True,
        smooth=True,
        saturating="never for the largest input (derivative 1 − pᵢ)",
        needs_exp=True,
        used_in="output of multiclass classification with the negative log-likelihood loss",
    ),
)
def log_softmax(x, axis: int = -1):
    """ln softmax(x) along ``axis``, computed stably (see :class:`LogSoftmax`)."""
    return LogSoftmax.apply(_float_tensor(x), axis=axis)
