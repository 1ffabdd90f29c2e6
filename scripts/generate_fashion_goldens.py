"""Generates Tests/TorchTests/Fixtures/fashion_sample_goldens.json: PyTorch's one-epoch run of
the tutorial's model and loops on the 5,000-image FashionMNIST sample shipped with the example
(Examples/FashionMNIST/Resources/sample), seeded as the Swift test seeds it (its MD5 covers fashion_common.py too): the loss every 10th
batch with SGD (lr 1e-3, batch 64, shuffled), then the test accuracy and average loss. Run:

    python3 scripts/generate_fashion_goldens.py > Tests/TorchTests/Fixtures/fashion_sample_goldens.json
"""
import hashlib
import json
import os
import sys

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from fashion_common import NeuralNetwork, read_idx

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "Examples", "FashionMNIST", "Resources", "sample")


def idx(name):
    return read_idx(os.path.join(SAMPLE, name + ".gz"))


def generator_md5():
    """MD5 of this script and the module it imports, so either changing shows in the test."""
    sources = b"".join(open(os.path.join(HERE, name), "rb").read() for name in ("generate_fashion_goldens.py", "fashion_common.py"))
    return hashlib.md5(sources).hexdigest()


def main():
    torch.manual_seed(0)
    train = TensorDataset(idx("train-images-idx3-ubyte").float().div(255).unsqueeze(1), idx("train-labels-idx1-ubyte").long())
    test = TensorDataset(idx("t10k-images-idx3-ubyte").float().div(255).unsqueeze(1), idx("t10k-labels-idx1-ubyte").long())
    model = NeuralNetwork()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    losses = []
    model.train()
    for batch, (X, y) in enumerate(DataLoader(train, batch_size=64, shuffle=True)):
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 10 == 0:
            losses.append(loss.item())
    model.eval()
    correct, total_loss, batches = 0, 0.0, 0
    with torch.no_grad():
        for X, y in DataLoader(test, batch_size=64):
            pred = model(X)
            total_loss += loss_fn(pred, y).item()
            correct += int((pred.argmax(1) == y).sum().item())
            batches += 1
    json.dump({
        "generatorMD5": generator_md5(),
        "pytorch": torch.__version__,
        "trainImages": len(train), "testImages": len(test),
        "losses": losses, "testCorrect": correct, "testLoss": total_loss / batches,
    }, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
