#!/usr/bin/env python3
"""Writes Tests/TorchTests/Fixtures/distributed_goldens.json: the indices PyTorch's
torch.utils.data.DistributedSampler gives each rank, for the configurations below, so the
Swift DistributedSampler can be checked against them (DistributedTests), and the gradient
buckets DistributedDataParallel's reducer builds (compute_bucket_assignment_by_size over the
gradient-ready order and the limits it rebuilds buckets with) for the models below.

    /work/venv-torch/bin/python3 scripts/generate_distributed_goldens.py
"""
import hashlib
import json
import os

import torch
import torch.distributed as dist
from torch.nn.parallel.distributed import _BucketCapacityConfig
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


SEED_MODEL = [(784 * 512, "float32"), (512, "float32"), (512 * 512, "float32"), (512, "float32"), (512 * 10, "float32"),
              (10, "float32")]
FASHION_CNN = [(32 * 9, "float32"), (32, "float32"), (32, "float32"), (32, "float32"), (64 * 32 * 9, "float32"), (64, "float32"),
               (64, "float32"), (64, "float32"), (128 * 3136, "float32"), (128, "float32"), (10 * 128, "float32"), (10, "float32")]
MIXED = [(300000, "float32"), (10, "float64"), (300000, "float32"), (200000, "float64"), (5, "float32")]
SMALL = [(n, "float32") for n in (100, 700, 30, 1, 256, 300000, 90000, 20)]
# (parameters in model order as (elements, dtype), bucket_cap_mb or None for the default)
BUCKET_CONFIGS = [(SEED_MODEL, None), (SEED_MODEL, 0.5), (FASHION_CNN, None), (FASHION_CNN, 0.25), (MIXED, None),
                  (MIXED, 2), (SMALL, 0.001), (SMALL, None)]


def bucket_case(parameters, cap_mb):
    """PyTorch's rebuilt buckets: the parameters in gradient-ready order (reversed), with the
    limits its reducer rebuilds with (first bucket 1 MB only when bucket_cap_mb is not given)."""
    tensors = [torch.empty(n, dtype=getattr(torch, dtype)) for n, dtype in parameters]
    ready = list(reversed(range(len(tensors))))
    config = _BucketCapacityConfig.create(cap_mb, None, False)
    limits = [config.first_bucket_bytes_cap, config.bucket_bytes_cap]
    buckets, _ = dist._compute_bucket_assignment_by_size([tensors[i] for i in ready], limits, [False] * len(tensors), ready)
    return {"elements": [n for n, _ in parameters], "dtypes": [d for _, d in parameters], "capMB": cap_mb,
            "limits": limits, "buckets": [list(b) for b in buckets]}


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
        buckets = [bucket_case(parameters, cap_mb) for parameters, cap_mb in BUCKET_CONFIGS]
        json.dump({"generatorMD5": md5, "torch": torch.__version__, "cases": cases, "buckets": buckets}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
