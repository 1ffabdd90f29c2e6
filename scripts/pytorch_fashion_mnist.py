"""PyTorch's side of the FashionMNIST comparison: the tutorial's train/test loops on the
same data (Debian's files, read with the standard library instead of torchvision), with the
wall time of each epoch. Usage:
    python3 scripts/pytorch_fashion_mnist.py [sgd|adam] [--model mlp|cnn] [--epochs N]
`--model cnn` is `fashion-mnist --model cnn`'s network (Examples/FashionMNIST)."""
import sys
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from fashion_common import NeuralNetwork, read_idx


def convolutional_network():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))


arguments = sys.argv[1:]
model_name = arguments[arguments.index("--model") + 1] if "--model" in arguments else "mlp"
epochs = int(arguments[arguments.index("--epochs") + 1]) if "--epochs" in arguments else 1

ROOT = "/usr/share/datasets/fashion-mnist/"


def idx(name):
    return read_idx(ROOT + name + ".gz")


start = time.time()
torch.manual_seed(0)
train = TensorDataset(idx("train-images-idx3-ubyte").float().div(255).unsqueeze(1), idx("train-labels-idx1-ubyte").long())
test = TensorDataset(idx("t10k-images-idx3-ubyte").float().div(255).unsqueeze(1), idx("t10k-labels-idx1-ubyte").long())
train_loader = DataLoader(train, batch_size=64, shuffle=True)
test_loader = DataLoader(test, batch_size=64)
model = convolutional_network() if model_name == "cnn" else NeuralNetwork()
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=1e-3) if "sgd" in arguments else torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(epochs):
    t0 = time.time()
    model.train()
    for X, y in train_loader:
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
    train_seconds = time.time() - t0
    model.eval()
    correct, total_loss = 0, 0.0
    with torch.no_grad():
        for X, y in test_loader:
            pred = model(X)
            total_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).float().sum().item()
    print(f"pytorch {torch.__version__} model={model_name} epoch={epoch + 1} threads={torch.get_num_threads()} "
          f"epoch_train_seconds={train_seconds:.2f} accuracy={correct / len(test):.4f} wall={time.time() - start:.2f}")
