#!/usr/bin/env python3
"""Writes Tests/TorchTests/Fixtures/distributed_goldens.json: the indices PyTorch's
torch.utils.data.DistributedSampler gives each rank, for the configurations below, so the
Swift DistributedSampler can be checked against them (DistributedSamplerTests).

    /work/venv-torch/bin/python3 scripts/generate_distributed_goldens.py
"""
import hashlib
import json
import os

import torch
from torch.utils.data import DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "TorchTests", "Fixtures", "distributed_goldens.json")

# (dataset size, replicas, shuffle, seed, epoch, drop_last)
CONFIGS = [
    (10, 2, True, 0, 0, False),
    (10, 3, True, 0, 0, False),
    (10, 3, True, 0, 0, True),
    (10, 4, False, 0, 0, False),
    (11, 4, False, 0, 0, True),
    (100, 3, True, 0, 1, False),
    (100, 3, True, 42, 7, True),
    (5, 8, True, 3, 2, False),
    (1000, 2, True, 0, 5, False),
    (60000, 2, True, 0, 0, False),
]


class Sized:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


def main():
    cases = []
    for n, replicas, shuffle, seed, epoch, drop_last in CONFIGS:
        ranks = []
        for rank in range(replicas):
            sampler = DistributedSampler(Sized(n), num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed, drop_last=drop_last)
            sampler.set_epoch(epoch)
            indices = list(iter(sampler))
            assert len(indices) == len(sampler)
            ranks.append(indices if n <= 1000 else indices[:50] + indices[-50:])
        cases.append({"count": n, "replicas": replicas, "shuffle": shuffle, "seed": seed, "epoch": epoch,
                      "dropLast": drop_last, "perRank": len(sampler), "indices": ranks, "truncated": n > 1000})
    with open(__file__, "rb") as f:
        md5 = hashlib.md5(f.read()).hexdigest()
    with open(OUT, "w") as f:
        json.dump({"generatorMD5": md5, "torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
