"""Short PyTorch teaching programs of the kinds the course uses, written once.

Each takes the ``torch`` module it runs on (PyTorch itself, or ``lucidnet.torch``) and
the initial numbers as NumPy arrays, and returns what it saw: losses per step and
gradients. The tests run each twice and compare.
"""

import math

import numpy as np


def polynomial_fit(torch, init, steps=60, lr=1e-6):
    """y = sin(x) fitted by a + bx + cx² + dx³ with raw tensors and autograd."""
    x = torch.linspace(-math.pi, math.pi, 200, dtype=torch.float64)
    y = torch.sin(x)
    a, b, c, d = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in init)
    losses = []
    for _ in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x.pow(3)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward(retain_graph=True)
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= lr * p.grad
            grads = [p.grad.numpy().copy() for p in (a, b, c, d)]
            for p in (a, b, c, d):
                p.grad.zero_()
    return losses, grads


def custom_function(torch, init, steps=40, lr=5e-6):
    """A custom autograd.Function (Legendre's P₃) with ctx.save_for_backward."""

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    x = torch.linspace(-math.pi, math.pi, 200, dtype=torch.float64)
    y = torch.sin(x)
    a, b, c, d = (torch.full((), float(v), dtype=torch.float64, requires_grad=True) for v in init)
    P3 = LegendrePolynomial3.apply
    losses = []
    for _ in range(steps):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            grads = [p.grad.numpy().copy() for p in (a, b, c, d)]
            for p in (a, b, c, d):
                p -= lr * p.grad
                p.grad = None
    return losses, grads


def nn_manual_update(torch, init, steps=30, lr=1e-6):
    """nn.Sequential(Linear, Flatten) with the update written by hand under no_grad."""
    nn = torch.nn
    x = torch.linspace(-math.pi, math.pi, 100, dtype=torch.float64)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(init[0]))
        model[0].bias.copy_(torch.tensor(init[1]))
    loss_fn = nn.MSELoss(reduction="sum")
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(xx), y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            grads = [q.grad.numpy().copy() for q in model.parameters()]
            for param in model.parameters():
                param -= lr * param.grad
    return losses, grads


def nn_optim(torch, init, steps=30):
    """A custom Module trained by optim.RMSprop, then saved and loaded as a state_dict."""
    nn = torch.nn

    class Polynomial3(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(torch.tensor(init[0]))
            self.b = nn.Parameter(torch.tensor(init[1]))
            self.c = nn.Parameter(torch.tensor(init[2]))
            self.d = nn.Parameter(torch.tensor(init[3]))

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    x = torch.linspace(-math.pi, math.pi, 100, dtype=torch.float64)
    y = torch.sin(x)
    model = Polynomial3()
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        grads = [q.grad.numpy().copy() for q in model.parameters()]
        optimizer.step()
    return losses, grads


def softmax_scratch(torch, init, data, epochs=3, lr=0.1, batch_size=16):
    """Softmax regression from scratch: softmax, cross-entropy, SGD and accuracy by hand."""
    X_all, y_all = torch.tensor(data[0]), torch.tensor(data[1])
    W = torch.tensor(init[0], requires_grad=True)
    b = torch.tensor(init[1], requires_grad=True)

    def softmax(X):
        X_exp = torch.exp(X - X.max(dim=1, keepdim=True).values)
        return X_exp / X_exp.sum(1, keepdim=True)

    def net(X):
        return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)

    def cross_entropy(y_hat, y):
        return -torch.log(y_hat[list(range(len(y_hat))), y])

    def sgd(params, lr, batch_size):
        with torch.no_grad():
            for param in params:
                param -= lr * param.grad / batch_size
                param.grad.zero_()

    losses, accuracies = [], []
    for _ in range(epochs):
        for i in range(0, len(y_all), batch_size):
            X, y = X_all[i:i + batch_size], y_all[i:i + batch_size]
            l = cross_entropy(net(X), y)
            l.sum().backward()
            losses.append(l.mean().item())
            grads = [W.grad.numpy().copy(), b.grad.numpy().copy()]
            sgd([W, b], lr, len(y))
        correct = (net(X_all).argmax(axis=1).type(y_all.dtype) == y_all).float().sum()
        accuracies.append(correct.item() / len(y_all))
    return losses + accuracies, grads


def softmax_concise(torch, init, data, epochs=3, lr=0.1, batch_size=16):
    """Softmax regression with nn: LazyLinear, CrossEntropyLoss(reduction='none'), SGD."""
    nn = torch.nn
    X_all, y_all = torch.tensor(data[0]).float(), torch.tensor(data[1])
    net = nn.Sequential(nn.Flatten(), nn.LazyLinear(init[0].shape[0]))
    net(X_all[:2])  # the lazy layer learns its input size
    net[1].weight.data.copy_(torch.tensor(init[0]))
    net[1].bias.data.fill_(0)
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = torch.optim.SGD(net.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        for i in range(0, len(y_all), batch_size):
            X, y = X_all[i:i + batch_size], y_all[i:i + batch_size]
            l = loss(net(X), y)
            trainer.zero_grad()
            l.mean().backward()
            losses.append(l.mean().item())
            grads = [q.grad.numpy().copy() for q in net.parameters()]
            trainer.step()
    return losses, grads


def mlp_dropout_weight_decay(torch, init, data, epochs=4, p=0.0, weight_decay=1e-3):
    """An MLP with ReLU and Dropout, SGD with weight decay, a DataLoader over a
    TensorDataset, evaluation under eval() and no_grad()."""
    nn = torch.nn
    X_all = torch.tensor(data[0])
    y_all = torch.tensor(data[1])
    net = nn.Sequential(nn.Linear(X_all.shape[1], 16), nn.ReLU(), nn.Dropout(p),
                        nn.Linear(16, 3)).double()
    with torch.no_grad():
        for param, value in zip(net.parameters(), init):
            param.copy_(torch.from_numpy(value))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.2, momentum=0.9,
                                weight_decay=weight_decay)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_all, y_all),
                                         batch_size=20, shuffle=False, num_workers=0)
    losses = []
    for _ in range(epochs):
        net.train()
        for X, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(net(X), y)
            loss.backward()
            grads = [q.grad.numpy().copy() for q in net.parameters()]
            optimizer.step()
            losses.append(loss.item())
        net.eval()
        with torch.no_grad():
            losses.append(loss_fn(net(X_all), y_all).item())
    return losses, grads


def fashion_style_loop(torch, init, data, tmp_path, epochs=3):
    """The quickstart's shape: images (N, 1, 8, 8), Dataset + DataLoader, Flatten → MLP,
    train and test functions, Adam, torch.save / torch.load of the state_dict."""
    nn = torch.nn

    class Images(torch.utils.data.Dataset):
        def __init__(self, X, y):
            self.X, self.y = X, y

        def __len__(self):
            return len(self.y)

        def __getitem__(self, i):
            return torch.tensor(self.X[i]), int(self.y[i])

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 4))

        def forward(self, x):
            x = self.flatten(x)
            return self.linear_relu_stack(x)

    device = "cpu"
    model = NeuralNetwork().to(device)
    model.load_state_dict({k: torch.tensor(v) for k, v in zip(model.state_dict(), init)})
    train = torch.utils.data.DataLoader(Images(*data), batch_size=25)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(epochs):
        model.train()
        for X, y in train:
            X, y = X.to(device), y.to(device)
            loss = loss_fn(model(X), y)
            loss.backward()
            grads = [q.grad.detach().numpy().copy() for q in model.parameters()]
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
        model.eval()
        correct = 0
        with torch.no_grad():
            for X, y in train:
                correct += (model(X).argmax(1) == y).type(torch.float).sum().item()
        losses.append(correct)
    path = str(tmp_path / f"model_{torch.__name__}.pth")
    torch.save(model.state_dict(), path)
    again = NeuralNetwork()
    again.load_state_dict(torch.load(path, weights_only=True))
    with torch.no_grad():
        X = torch.tensor(data[0][:5])
        losses.append(float((again(X) - model(X)).abs().max()))
    return losses, grads


def float32_params(arrays):
    return [np.asarray(a, dtype=np.float32) for a in arrays]
