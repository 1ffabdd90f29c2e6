#!/usr/bin/env python3
"""Generates Tests/TorchTests/Fixtures/model_goldens.json: torchvision's ResNet family as
torchvision builds it after torch.manual_seed(0): each model's repr, its state dict (names,
shapes and a digest of every tensor's seeded initial values), and what a seeded batch gives
in eval mode and in train mode (logits, the running statistics one training forward leaves,
and gradients of the logits weighted by a seeded draw). ModelTests builds the same models by
name. Run with
PyTorch and torchvision installed (`pip install --no-deps torchvision pillow`):

    python3 scripts/generate_model_goldens.py > Tests/TorchTests/Fixtures/model_goldens.json

The file records this script's MD5, which a test compares with the script.
"""
import hashlib
import json
import sys

import torch
import torchvision
from torchvision import models

# name -> constructor; the Swift test has one entry per name.
MODELS = {
    "resnet18": lambda: models.resnet18(),
    "resnet34": lambda: models.resnet34(),
    "resnet50": lambda: models.resnet50(),
    "resnext50_32x4d": lambda: models.resnext50_32x4d(),
    "resnet18_zero_init_10": lambda: models.resnet18(num_classes=10, zero_init_residual=True),
    "resnet50_dilated_10": lambda: models.resnet50(num_classes=10, replace_stride_with_dilation=[False, True, True]),
}
# Models also run forward and backward on a seeded batch (the others: repr and initial state),
# with the gradients compared. ResNet-50's in train mode on a batch of two are ill-conditioned
# (PyTorch's own float32 gradients differ from its float64 ones by 1-3% below the classifier),
# so only its classifier's are compared; its logits pin the rest.
ALL_GRADIENTS = ["conv1.weight", "layer1.0.conv1.weight", "fc.weight", "fc.bias"]
RUN = {"resnet18": ALL_GRADIENTS, "resnet18_zero_init_10": ALL_GRADIENTS, "resnet50_dilated_10": ["fc.weight", "fc.bias"]}


def digest(t):
    """Float64 sum, sum of squares, and the values (exact) at the start, a third, half and two
    thirds of the way, and at the end."""
    flat = t.detach().reshape(-1)
    if flat.numel() == 0:
        return [0.0, 0.0, []]
    wide = flat.double()
    n = flat.numel()
    picks = [0, n // 3, n // 2, 2 * n // 3, n - 1]
    return [float(wide.sum()), float((wide * wide).sum()), [float(flat[i]) for i in picks]]


def run_goldens(model, gradients):
    torch.manual_seed(1)
    x = torch.randn(2, 3, 64, 64)
    model.eval()
    with torch.no_grad():
        evaluated = model(x)
    model.train()
    trained = model(x)
    (trained * torch.randn(trained.shape)).sum().backward()
    named = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    return {
        "eval": [float(v) for v in evaluated.reshape(-1)],
        "train": [float(v) for v in trained.detach().reshape(-1)],
        "gradients": {name: digest(named[name].grad) for name in gradients},
        "buffers": {name: digest(buffers[name]) for name in ["bn1.running_mean", "bn1.running_var", "layer4.1.bn2.running_var"]},
    }


def main():
    with open(__file__, "rb") as f:
        md5 = hashlib.md5(f.read()).hexdigest()
    result = {}
    for name, make in MODELS.items():
        torch.manual_seed(0)
        model = make()
        entry = {
            "repr": repr(model),
            "state": [[key, list(value.shape), digest(value)] for key, value in model.state_dict().items()],
        }
        if name in RUN:
            entry["run"] = run_goldens(model, RUN[name])
        result[name] = entry
    json.dump({
        "generatorMD5": md5,
        "torchVersion": torch.__version__,
        "torchvisionVersion": torchvision.__version__,
        "models": result,
    }, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
