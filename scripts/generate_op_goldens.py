"""Generates Tests/TorchTests/Fixtures/op_goldens.json: PyTorch's values, gradients and
gradients of gradients for every entry of the Swift op registry
(Sources/Torch/Testing/OpRegistry.swift), evaluated on the same seeded float64 inputs. Run
with PyTorch installed:

    swift run torch-bench --op-registry | python3 scripts/generate_op_goldens.py > Tests/TorchTests/Fixtures/op_goldens.json

The file records this script's MD5, which a test compares with the script, so goldens and
generator cannot drift apart.
"""
import hashlib
import json
import sys

import torch
import torch.nn.functional as F


def weights(shape):
    """((i * 7) mod 11 - 5) / 5 over the flattened shape: the Swift side's OpInfo.weights."""
    n = 1
    for d in shape:
        n *= d
    return torch.tensor([((i * 7) % 11 - 5) / 5 for i in range(n)], dtype=torch.float64).reshape(shape)


def evaluate(entry):
    torch.manual_seed(0)
    inputs = [
        (torch.rand(spec["shape"], dtype=torch.float64) * (spec["high"] - spec["low"]) + spec["low"]).detach().requires_grad_()
        for spec in entry["inputs"]
    ]
    out = eval(entry["pytorch"], {"torch": torch, "F": F, "x": inputs})
    grads = torch.autograd.grad((out * weights(out.shape)).sum(), inputs, create_graph=True, allow_unused=True)
    grads = [g if g is not None else torch.zeros_like(x) for g, x in zip(grads, inputs)]
    # s = sum_i <grad_i, v_i>; its gradient is the Hessian-vector product of the weighted output.
    s = sum((g * weights(g.shape)).sum() for g in grads)
    if isinstance(s, torch.Tensor) and s.requires_grad:
        try:
            second = torch.autograd.grad(s, inputs, allow_unused=True)
        except RuntimeError as error:  # e.g. hardsigmoid: PyTorch has no double backward
            print(f"// {entry['name']}: no PyTorch second derivative ({error})", file=sys.stderr)
            return out.detach(), [g.detach() for g in grads], None
    else:
        second = [None] * len(inputs)
    second = [g if g is not None else torch.zeros_like(x) for g, x in zip(second, inputs)]
    return out.detach(), [g.detach() for g in grads], [g.detach() for g in second]


def values(t):
    return [float(v) for v in t.detach().clone().flatten().tolist()]


def main():
    registry = json.load(sys.stdin)
    script = open(__file__, "rb").read()
    goldens = {}
    for entry in registry:
        out, grads, second = evaluate(entry)
        goldens[entry["name"]] = {
            "shape": list(out.shape),
            "output": values(out),
            "gradients": [values(g) for g in grads],
            "secondGradients": None if second is None else [values(g) for g in second],
        }
    document = {
        "generator": "scripts/generate_op_goldens.py",
        "generatorMD5": hashlib.md5(script).hexdigest(),
        "pytorch": torch.__version__,
        "ops": goldens,
    }
    json.dump(document, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
