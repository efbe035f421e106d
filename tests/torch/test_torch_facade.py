"""The facade's own behaviour: gradients and data as Tensors, in-place rules, layouts,
modules, files, grad modes, data loading, custom Functions."""

import numpy as np
import pytest

import lucidnet
from lucidnet import torch
from lucidnet.diagnostics import gradcheck
from lucidnet.errors import FormatError
from lucidnet.nn.layers import LinearFunction
from lucidnet.torch import nn

rng = np.random.default_rng(2)


# -- the Linear road in PyTorch's layout ---------------------------------------------------
@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3)])
def test_linear_function_in_pytorch_layout_gradchecks(x_shape):
    X, A, b = rng.standard_normal(x_shape), rng.standard_normal((2, 3)), rng.standard_normal(2)
    assert gradcheck(lambda x, a, c: LinearFunction.apply(x, a, c, transposed=True), X, A, b)
    y = LinearFunction.apply(lucidnet.tensor(X), lucidnet.tensor(A.T.copy()), b)
    y_t = LinearFunction.apply(lucidnet.tensor(X), lucidnet.tensor(A), b, transposed=True)
    np.testing.assert_array_equal(y.data, y_t.data)


def test_linear_keeps_pytorchs_layout_init_and_dtype_rule():
    layer = nn.Linear(50, 2)
    assert layer.weight.shape == (2, 50) and layer.bias.shape == (2,)
    assert np.abs(layer.weight.detach().numpy()).max() <= 1 / np.sqrt(50)
    assert repr(layer) == "Linear(in_features=50, out_features=2, bias=True)"
    with pytest.raises(RuntimeError, match="same dtype"):
        layer(torch.zeros(1, 50, dtype=torch.float64))


def test_init_reads_pytorchs_fans():
    w = torch.empty(2, 5000)  # fan_in 5000, fan_out 2
    nn.init.xavier_uniform_(w)
    bound = np.sqrt(6 / 5002)
    assert bound * 0.99 < np.abs(w.numpy()).max() <= bound
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.numpy().std() - np.sqrt(2 / 5000)) < 0.002


def test_module_prints_as_pytorch():
    real = pytest.importorskip("torch")

    def build(t):
        class Net(t.nn.Module):
            def __init__(self):
                super().__init__()
                self.body = t.nn.Sequential(t.nn.Flatten(), t.nn.Linear(4, 8), t.nn.ReLU(),
                                            t.nn.Dropout(0.25), t.nn.Linear(8, 2, bias=False))
                self.out = t.nn.LogSoftmax(dim=1)
        return Net()

    assert repr(build(torch)) == repr(build(real))


# -- gradients and data are Tensors over the engine's arrays --------------------------------
def test_grad_and_data_write_where_the_engine_reads():
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    (w * w).sum().backward()
    assert isinstance(w.grad, torch.Tensor)
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, -4.0])
    w.grad.data.zero_()
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])
    (w * w).sum().backward()
    w.grad.zero_()
    assert w.grad.numpy().tolist() == [0.0, 0.0]
    w.data.fill_(3.0)
    w.data[w.data > 0] = 5.0
    assert w.tolist() == [5.0, 5.0] and w.requires_grad
    with pytest.raises(RuntimeError, match="detach"):
        w.numpy()


def test_in_place_update_on_a_leaf_follows_pytorchs_rule():
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        w -= 1.0
    with torch.no_grad():
        w -= 1.0
        w.add_(torch.ones(2), alpha=0.5)
    assert w.tolist() == [0.5, 0.5]


def test_parameter_update_by_hand_changes_the_model():
    model = nn.Sequential(nn.Linear(3, 2))
    before = [p.detach().numpy().copy() for p in model.parameters()]
    model(torch.ones(4, 3)).sum().backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    after = [p.detach().numpy() for p in model.parameters()]
    assert all(np.abs(a - b).max() > 0 for a, b in zip(after, before))


# -- modules ---------------------------------------------------------------------------------
def test_lazy_linear_trains_with_an_optimizer_made_before_its_first_call():
    net = nn.Sequential(nn.LazyLinear(3))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    X, y = torch.randn(20, 4), torch.randint(0, 3, (20,))
    losses = []
    for _ in range(20):
        loss = nn.functional.cross_entropy(net(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert net[0].weight.shape == (3, 4) and losses[-1] < losses[0]


def test_state_dict_round_trip_and_strictness():
    a, b = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)), nn.Sequential(nn.Linear(2, 3),
                                                                          nn.BatchNorm1d(3))
    a.train()
    a(torch.randn(8, 2))  # moves the running statistics
    assert list(a.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias",
                                    "1.running_mean", "1.running_var", "1.num_batches_tracked"]
    b.load_state_dict(a.state_dict())
    a.eval(), b.eval()
    x = torch.randn(4, 2)
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    with pytest.raises(RuntimeError, match="missing keys"):
        b.load_state_dict({"0.weight": torch.zeros(3, 2)})
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        b.load_state_dict({**a.state_dict(), "0.weight": torch.zeros(2, 3)})


# -- files -----------------------------------------------------------------------------------
def test_save_and_load_keep_tensors_and_plain_values_without_pickle(tmp_path):
    path = tmp_path / "checkpoint.pt"
    model = nn.Linear(2, 2)
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.ones(1, 2)).sum().backward()
    optimizer.step()
    torch.save({"epoch": 3, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "history": [0.5, 0.25], "note": "x"}, path)
    assert path.read_bytes()[8:9] == b"{"  # a safetensors header, not a zip of pickles
    back = torch.load(path)
    assert back["epoch"] == 3 and back["history"] == [0.5, 0.25] and back["note"] == "x"
    other = nn.Linear(2, 2)
    other.load_state_dict(back["model"])
    np.testing.assert_array_equal(other.weight.detach().numpy(), model.weight.detach().numpy())
    again = torch.optim.Adam(other.parameters())
    again.load_state_dict(back["optimizer"])


def test_loading_a_pickle_is_refused(tmp_path):
    real = pytest.importorskip("torch")
    path = tmp_path / "real.pt"
    real.save({"w": real.zeros(2)}, path)
    with pytest.raises(FormatError, match="pickle"):
        torch.load(path)


# -- grad modes and custom Functions -----------------------------------------------------------
def test_grad_modes_as_contexts_and_decorators():
    w = torch.ones(2, requires_grad=True)

    @torch.no_grad()
    def predict(x):
        return x * w

    assert not predict(torch.ones(2)).requires_grad
    with torch.inference_mode():
        assert not (w * 2).requires_grad
        with torch.enable_grad():
            assert (w * 2).requires_grad
    with torch.set_grad_enabled(False):
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()


def test_custom_function_sees_which_inputs_need_gradients():
    seen = []

    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, factor):
            ctx.factor = factor
            seen.append(ctx.needs_input_grad)
            return x * factor

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.factor, None

    x = torch.ones(3, requires_grad=True)
    Scale.apply(x, 2.0).sum().backward()
    assert seen == [(True, False)] and x.grad.tolist() == [2.0, 2.0, 2.0]


# -- data --------------------------------------------------------------------------------------
def test_dataloader_batches_as_pytorch():
    X, y = torch.arange(10.0).reshape(5, 2), torch.arange(5)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=2,
                                         num_workers=4)
    batches = list(loader)
    assert len(loader) == 3 and [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    shuffled = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=5,
                                           shuffle=True)
    assert sorted(next(iter(shuffled))[1].tolist()) == [0, 1, 2, 3, 4]


def test_a_state_dict_file_travels_between_pytorch_and_the_facade(tmp_path):
    real = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    ours, theirs = nn.Linear(3, 2), real.nn.Linear(3, 2)
    torch.save(ours.state_dict(), tmp_path / "ours.safetensors")
    theirs.load_state_dict(safetensors_torch.load_file(tmp_path / "ours.safetensors"))
    np.testing.assert_array_equal(theirs.weight.detach().numpy(), ours.weight.detach().numpy())
    theirs.bias.data.fill_(0.5)
    safetensors_torch.save_file(theirs.state_dict(), tmp_path / "theirs.safetensors")
    ours.load_state_dict(torch.load(tmp_path / "theirs.safetensors"))
    assert ours.bias.tolist() == [0.5, 0.5]


def test_save_keeps_tensors_whose_dotted_names_collide(tmp_path):
    torch.save({"a.b": torch.zeros(1), "a": {"b": torch.ones(1)}}, tmp_path / "x.pt")
    back = torch.load(tmp_path / "x.pt")
    assert back["a.b"].tolist() == [0.0] and back["a"]["b"].tolist() == [1.0]


@pytest.mark.parametrize("skeleton", [
    '{"__lucidnet_tensor__": "absent"}', '{"keys": [["str", "a"]], "values": 3}',
    '[1, 2]', '{"keys": 1, "values": []}', '{"list": {"list": 5}}', '{"list": ' * 900 + "[]" +
    "}" * 900])
def test_a_damaged_header_is_a_format_error(tmp_path, skeleton):
    from lucidnet.io import tensorfile

    path = tmp_path / "bad.pt"
    tensorfile.write(path, {"w": np.zeros(2, np.float32)}, {"lucidnet.torch": skeleton})
    with pytest.raises(FormatError):
        torch.load(path)


def test_random_split_gives_disjoint_subsets_a_dataloader_reads():
    dataset = torch.utils.data.TensorDataset(torch.arange(10.0).reshape(10, 1), torch.arange(10))
    train, test = torch.utils.data.random_split(dataset, [0.75, 0.25])
    assert (len(train), len(test)) == (8, 2)
    seen = [int(y) for _, ys in torch.utils.data.DataLoader(train, batch_size=3) for y in ys]
    seen += [int(y) for _, y in test]
    assert sorted(seen) == list(range(10))
    with pytest.raises(ValueError, match="Sum of input lengths"):
        torch.utils.data.random_split(dataset, [3, 3])


def test_prelu_module_learns_its_slopes():
    layer = nn.PReLU(3)
    assert layer.weight.tolist() == [0.25] * 3
    layer(torch.tensor([[-1.0, -2.0, 3.0]])).sum().backward()
    assert layer.weight.grad.tolist() == [-1.0, -2.0, 0.0]


def test_sequential_runs_as_one_chain_with_the_numbers_of_layer_by_layer():
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 3),
                          nn.Sigmoid())
    x = torch.randn(6, 5)
    results = []
    for fused in (True, False):
        lucidnet.manual_seed(0)  # the same dropout mask
        model.zero_grad()
        out = model(x) if fused else model[4](model[3](model[2](model[1](model[0](x)))))
        out.sum().backward()
        results.append([out.detach().numpy()] + [p.grad.numpy().copy() for p in model.parameters()])
        assert (type(out.grad_fn).__name__ == "Chain") == fused
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    model.eval()  # Dropout is the identity: no Function, run layer by layer
    assert model.function() is None and type(model(x).grad_fn).__name__ != "Chain"
