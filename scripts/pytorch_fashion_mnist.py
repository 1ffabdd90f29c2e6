"""PyTorch's side of the FashionMNIST comparison: the tutorial's train/test loops on the
same data (Debian's files, read with the standard library instead of torchvision), with the
wall time of each epoch. Usage:
    python3 scripts/pytorch_fashion_mnist.py [sgd|adam] [--model mlp|cnn] [--epochs N] [--load PATH] [--save PATH]
`--model cnn` is `fashion-mnist --model cnn`'s network (Examples/FashionMNIST), with the same
state-dict names. `--load` starts from the weights in a .pth file (a state dict, or the
checkpoint `fashion-mnist --save` writes) loaded with weights_only=True; `--epochs 0` only
evaluates them. `--save` writes the model's state dict after training, for `fashion-mnist --load`."""
import sys
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from fashion_common import NeuralNetwork, read_idx


class ConvolutionalNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


arguments = sys.argv[1:]
model_name = arguments[arguments.index("--model") + 1] if "--model" in arguments else "mlp"
epochs = int(arguments[arguments.index("--epochs") + 1]) if "--epochs" in arguments else 1
load_path = arguments[arguments.index("--load") + 1] if "--load" in arguments else None
save_path = arguments[arguments.index("--save") + 1] if "--save" in arguments else None

ROOT = "/usr/share/datasets/fashion-mnist/"


def idx(name):
    return read_idx(ROOT + name + ".gz")


start = time.time()
torch.manual_seed(0)
train = TensorDataset(idx("train-images-idx3-ubyte").float().div(255).unsqueeze(1), idx("train-labels-idx1-ubyte").long())
test = TensorDataset(idx("t10k-images-idx3-ubyte").float().div(255).unsqueeze(1), idx("t10k-labels-idx1-ubyte").long())
train_loader = DataLoader(train, batch_size=64, shuffle=True)
test_loader = DataLoader(test, batch_size=64)
model = ConvolutionalNetwork() if model_name == "cnn" else NeuralNetwork()
if load_path:
    saved = torch.load(load_path, weights_only=True)
    model.load_state_dict(saved.get("model_state_dict", saved))
    print(f"Loaded model weights from {load_path}")
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=1e-3) if "sgd" in arguments else torch.optim.Adam(model.parameters(), lr=1e-3)
def evaluate():
    model.eval()
    correct, total_loss = 0, 0.0
    with torch.no_grad():
        for X, y in test_loader:
            pred = model(X)
            total_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).float().sum().item()
    return correct / len(test), total_loss / len(test_loader)


if epochs == 0:
    accuracy, loss = evaluate()
    print(f"pytorch {torch.__version__} model={model_name} evaluated accuracy={accuracy:.4f} loss={loss:.4f}")
for epoch in range(epochs):
    t0 = time.time()
    model.train()
    for X, y in train_loader:
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
    train_seconds = time.time() - t0
    accuracy, loss = evaluate()
    print(f"pytorch {torch.__version__} model={model_name} epoch={epoch + 1} threads={torch.get_num_threads()} "
          f"epoch_train_seconds={train_seconds:.2f} accuracy={accuracy:.4f} loss={loss:.4f} wall={time.time() - start:.2f}")
if save_path:
    torch.save(model.state_dict(), save_path)
    print(f"Saved the model's state dict to {save_path}")
