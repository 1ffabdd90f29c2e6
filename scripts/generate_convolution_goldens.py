#!/usr/bin/env python3
"""Generates Tests/TorchTests/Fixtures/convolution_goldens.json: PyTorch's reprs of the
convolution, pooling and normalization modules, their seeded initial weights, batch-norm
running statistics after training steps, max-pooling indices and Dropout2d's channel mask.
ConvolutionTests builds the same modules by name. Run with PyTorch installed:

    python3 scripts/generate_convolution_goldens.py > Tests/TorchTests/Fixtures/convolution_goldens.json

The file records this script's MD5, which a test compares with the script.
"""
import hashlib
import json
import sys

import torch
import torch.nn.functional as F
from torch import nn

# name -> constructor; the Swift test has one entry per name.
MODULES = {
    "conv2d": lambda: nn.Conv2d(1, 6, 5),
    "conv2d_full": lambda: nn.Conv2d(3, 6, (3, 5), stride=2, padding=(1, 2), dilation=2, groups=3, bias=False, padding_mode="reflect"),
    "conv2d_same": lambda: nn.Conv2d(3, 6, 3, padding="same"),
    "conv2d_valid": lambda: nn.Conv2d(2, 4, 1, padding="valid"),
    "conv1d": lambda: nn.Conv1d(4, 2, 3),
    "conv_transpose2d": lambda: nn.ConvTranspose2d(3, 6, 3, stride=2, output_padding=1),
    "max_pool2d": lambda: nn.MaxPool2d(2),
    "max_pool2d_full": lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True),
    "max_pool2d_tuple": lambda: nn.MaxPool2d((2, 3), stride=(1, 2)),
    "max_pool1d": lambda: nn.MaxPool1d(2),
    "avg_pool2d": lambda: nn.AvgPool2d(2),
    "adaptive_avg_pool2d": lambda: nn.AdaptiveAvgPool2d((7, 7)),
    "adaptive_max_pool2d": lambda: nn.AdaptiveMaxPool2d(1),
    "batch_norm2d": lambda: nn.BatchNorm2d(32),
    "batch_norm1d": lambda: nn.BatchNorm1d(3, momentum=None, affine=False),
    "layer_norm": lambda: nn.LayerNorm(10),
    "group_norm": lambda: nn.GroupNorm(2, 4),
    "dropout2d": lambda: nn.Dropout2d(0.3),
    "upsample": lambda: nn.Upsample(scale_factor=2, mode="nearest"),
    "upsample_size": lambda: nn.Upsample(size=(4, 6), mode="bilinear"),
    "relu_inplace": lambda: nn.ReLU(inplace=True),
}


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def module_goldens():
    result = {}
    for name, make in MODULES.items():
        torch.manual_seed(0)
        module = make()
        result[name] = {
            "repr": repr(module),
            "state": [[k, flat(v)] for k, v in module.state_dict().items()],
        }
    return result


def batch_norm_goldens():
    """Running statistics after two training steps, then an eval-mode output (seeded inputs)."""
    result = {}
    for name, make in [("momentum", lambda: nn.BatchNorm2d(3)), ("cumulative", lambda: nn.BatchNorm2d(3, momentum=None)),
                       ("no_tracking", lambda: nn.BatchNorm2d(3, track_running_stats=False))]:
        torch.manual_seed(0)
        bn = make()
        first = torch.randn(4, 3, 5, 5) * 2 + 1
        second = torch.randn(4, 3, 5, 5)
        train_out = bn(first)
        bn(second)
        bn.eval()
        eval_out = bn(first)
        result[name] = {
            "first": flat(first), "second": flat(second), "train_output": flat(train_out),
            "state": [[k, flat(v)] for k, v in bn.state_dict().items()], "eval_output": flat(eval_out),
        }
    return result


def pooling_goldens():
    torch.manual_seed(0)
    x = torch.randn(2, 2, 5, 6)
    values, indices = F.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True)
    adaptive_values, adaptive_indices = F.adaptive_max_pool2d(x, (3, 4), return_indices=True)
    return {"input": flat(x), "max_values": flat(values), "max_indices": indices.reshape(-1).tolist(),
            "adaptive_values": flat(adaptive_values), "adaptive_indices": adaptive_indices.reshape(-1).tolist()}


def padding_mode_goldens():
    """Conv2d outputs with each padding mode (and 'same' with an even kernel), seeded."""
    result = {}
    for mode in ["zeros", "reflect", "replicate", "circular"]:
        for padding in [(1, 2), "same"]:
            torch.manual_seed(0)
            conv = nn.Conv2d(2, 3, (3, 4), padding=padding, padding_mode=mode)
            x = torch.randn(1, 2, 5, 6)
            result[f"{mode}-{'same' if padding == 'same' else 'explicit'}"] = flat(conv(x))
    return result


def dropout2d_golden():
    torch.manual_seed(0)
    return flat(F.dropout2d(torch.ones(2, 3, 2, 2), 0.5))


def main():
    with open(__file__, "rb") as f:
        md5 = hashlib.md5(f.read()).hexdigest()
    json.dump({
        "generatorMD5": md5,
        "torchVersion": torch.__version__,
        "modules": module_goldens(),
        "batchNorm": batch_norm_goldens(),
        "pooling": pooling_goldens(),
        "dropout2d": dropout2d_golden(),
        "paddingModes": padding_mode_goldens(),
    }, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
