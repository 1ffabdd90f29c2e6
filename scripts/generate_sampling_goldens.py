#!/usr/bin/env python3
"""Writes Tests/TorchTests/Fixtures/sampling_goldens.json: PyTorch's seeded exponential_ values
(exact, as float64 bit patterns) and torch.multinomial draws for the cases below, the messages
its misuse stops with, float32 erfinv on a grid over [-1, 1] (MKL's on x86, which the Swift one
matches within an ulp), seeded nn.init.trunc_normal_ draws (both of its samplers) and
nn.init.orthogonal_ matrices, so SamplingTests can check the Swift ones.

    /work/venv-torch/bin/python3 scripts/generate_sampling_goldens.py
"""
import hashlib
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "TorchTests", "Fixtures", "sampling_goldens.json")


def bits(t):
    return [struct.unpack("<Q", struct.pack("<d", v))[0] for v in t.double().flatten().tolist()]


def weights(name):
    """The weight tensors the Swift test builds under the same names."""
    return {
        "four": torch.tensor([0.1, 0.2, 0.3, 0.4]),
        "rows": torch.tensor([[0.0, 3.0, 1.0, 0.0, 5.0], [1.0, 1.0, 1.0, 1.0, 1.0]]),
        "withZeros": torch.tensor([0.0, 0.0, 1.0]),
        "uniform64": torch.ones(5, dtype=torch.float64),
        "ramp": torch.arange(1.0, 41.0).reshape(4, 10),
        "transposed": torch.arange(1.0, 13.0).reshape(4, 3).t(),
        "tiny": torch.tensor([1e-30, 1.0, 3e-8]),
    }[name]


# (weights, samples, replacement, seed)
CASES = [
    ("four", 1, False, 0), ("four", 2, False, 0), ("four", 4, False, 0), ("four", 1, True, 0), ("four", 5, True, 0),
    ("rows", 3, False, 3), ("rows", 7, True, 3), ("withZeros", 2, False, 0), ("uniform64", 5, False, 3),
    ("uniform64", 9, True, 11), ("ramp", 10, False, 5), ("ramp", 25, True, 5), ("ramp", 1, False, 6),
    ("transposed", 2, False, 1), ("transposed", 6, True, 1), ("tiny", 3, False, 2), ("tiny", 20, True, 2),
]

# (name, mean, std, a, b) of trunc_normal_: [a, b] holding more than 0.3 of the normal's mass
# (normal samples redrawn) or less (uniform samples accepted by density)
TRUNCATED = [("standard", 0.0, 1.0, -2.0, 2.0), ("vit", 0.0, 0.02, -2.0, 2.0), ("shifted", 1.0, 0.5, 0.2, 1.3),
             ("tail", 0.0, 1.0, 2.0, 3.0), ("narrow", 0.0, 1.0, -0.2, 0.2), ("float64Tail", -1.0, 2.0, 3.0, 9.0)]

# (name, shape, gain, dtype) of orthogonal_: tall, wide (transposed), a convolution's weight
ORTHOGONAL = [("tall", (6, 4), 1.0, torch.float32), ("wide", (3, 5), 2.0, torch.float32),
              ("convolution", (4, 2, 3, 3), 1.0, torch.float32), ("square64", (5, 5), 0.5, torch.float64)]

# (name, builder) of misuse, each stopping with a RuntimeError
MISUSE = [
    ("threeDims", lambda: torch.multinomial(torch.ones(1, 2, 3), 1)),
    ("integers", lambda: torch.multinomial(torch.tensor([1, 2]), 1)),
    ("zeroSamples", lambda: torch.multinomial(torch.ones(2), 0)),
    ("tooManyWithoutReplacement", lambda: torch.multinomial(torch.ones(2), 3)),
    ("negativeRace", lambda: torch.multinomial(torch.tensor([-1.0, 2.0]), 1)),
    ("infiniteRace", lambda: torch.multinomial(torch.tensor([float("inf"), 1.0]), 1)),
    ("zeroRowRace", lambda: torch.multinomial(torch.tensor([[1.0, 1.0], [0.0, 0.0]]), 1)),
    ("negativeDraws", lambda: torch.multinomial(torch.tensor([-1.0, 2.0]), 2, True)),
    ("infiniteDraws", lambda: torch.multinomial(torch.tensor([1.0, float("inf")]), 3, True)),
    ("nanDraws", lambda: torch.multinomial(torch.tensor([1.0, float("nan")]), 3, True)),
    ("zeroRowDraws", lambda: torch.multinomial(torch.tensor([[1.0, 1.0], [0.0, 0.0]]), 3, True)),
    ("tooManyCategories", lambda: torch.multinomial(torch.ones(16777217, dtype=torch.float64), 2)),
    ("exponentialRate", lambda: torch.empty(3).exponential_(0.0)),
    ("orthogonalVector", lambda: torch.nn.init.orthogonal_(torch.empty(3))),
]


def main():
    exponential = {}
    for name, dtype, rate, count in (("float32", torch.float32, 1.0, 40), ("float64", torch.float64, 1.0, 40),
                                     ("rate2_5", torch.float32, 2.5, 17)):
        torch.manual_seed(7)
        exponential[name] = bits(torch.empty(count, dtype=dtype).exponential_(rate))
    draws = []
    for name, samples, replacement, seed in CASES:
        torch.manual_seed(seed)
        result = torch.multinomial(weights(name), samples, replacement)
        after = torch.rand(2).tolist()  # what the generator gives next: the draws consumed match
        draws.append({"weights": name, "samples": samples, "replacement": replacement, "seed": seed,
                      "shape": list(result.shape), "indices": result.flatten().tolist(), "nextRand": bits(torch.tensor(after))})
    grid = torch.cat([torch.linspace(-1, 1, 2001), torch.tensor([0.7, -0.7, 0.6999999, 1e-30, -1e-8, 0.99999994, 1.5, -2.0])])
    erfinv = {"inputs": bits(grid), "values": bits(torch.erfinv(grid))}
    truncated, truncated_next = {}, {}
    for name, mean, std, a, b in TRUNCATED:
        torch.manual_seed(11)
        dtype = torch.float64 if name.startswith("float64") else torch.float32
        truncated[name] = bits(torch.nn.init.trunc_normal_(torch.empty(300, dtype=dtype), mean=mean, std=std, a=a, b=b))
        truncated_next[name] = bits(torch.rand(2))
    orthogonal, orthogonal_next = {}, {}
    for name, shape, gain, dtype in ORTHOGONAL:
        torch.manual_seed(13)
        orthogonal[name] = bits(torch.nn.init.orthogonal_(torch.empty(shape, dtype=dtype), gain=gain))
        orthogonal_next[name] = bits(torch.rand(2))
    generator = torch.Generator().manual_seed(1)
    explicit = torch.multinomial(torch.ones(3), 2, generator=generator).tolist()
    messages = {}
    for name, build in MISUSE:
        try:
            build()
        except (RuntimeError, ValueError) as error:
            messages[name] = type(error).__name__ + ": " + str(error)
        else:
            raise SystemExit(f"{name} did not stop")
    with open(__file__, "rb") as f:
        md5 = hashlib.md5(f.read()).hexdigest()
    with open(OUT, "w") as f:
        json.dump({"generatorMD5": md5, "torch": torch.__version__, "exponential": exponential, "draws": draws,
                   "explicitGenerator": explicit, "messages": messages,
                   "erfinv": erfinv, "truncNormal": truncated,
                   "truncNormalNext": truncated_next,
                   "orthogonal": orthogonal, "orthogonalNext": orthogonal_next}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
