#!/usr/bin/env python3
"""PyTorch's own yardstick for `fashion-mnist --distributed`: the seed model (784-512-512-10,
Adam 1e-3, global batch 64, 10 epochs) trained once in one process and once with
DistributedDataParallel on 2 gloo ranks of 1 thread, both on the DistributedSampler's
permutation (seed + epoch), so the two runs see the same global batches and differ only by
rounding. Prints each run's final test accuracy, as the Swift example's `result` line does.

    python3 scripts/pytorch_distributed_accuracy.py --data /usr/share/datasets/fashion-mnist --seeds 0 1 2

Needs torch; the data is the four gzipped FashionMNIST IDX files (read as scripts/fashion_common.py does).
"""
import argparse, os, socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from fashion_common import NeuralNetwork, read_idx


def load(folder, prefix):
    def idx(name):
        return read_idx(os.path.join(folder, f"{prefix}-{name}-idx{3 if name == 'images' else 1}-ubyte.gz"))
    return TensorDataset(idx("images").float().div(255).unsqueeze(1), idx("labels").long())


def accuracy(model, test):
    with torch.no_grad():
        x, y = test.tensors
        return (model(x).argmax(1) == y).float().mean().item()


def train(rank, world, args, seed, port, results):
    """One run: one process when world is 1, else rank `rank` of a DDP job."""
    if world > 1:
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // world))
    torch.manual_seed(seed)
    training, test = load(args.data, "train"), load(args.data, "t10k")
    model = NeuralNetwork()
    replica = nn.parallel.DistributedDataParallel(model) if world > 1 else model
    optimizer = torch.optim.Adam(replica.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    sampler = DistributedSampler(training, num_replicas=world, rank=rank, shuffle=True, seed=seed)
    loader = DataLoader(training, batch_size=64 // world, sampler=sampler)
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        for x, y in loader:
            loss_fn(replica(x), y).backward()
            optimizer.step()
            optimizer.zero_grad()
    if rank == 0:
        results[world] = accuracy(model, test)
    if world > 1:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    for seed in args.seeds:
        results = mp.Manager().dict()
        train(0, 1, args, seed, 0, results)
        mp.spawn(train, args=(2, args, seed, free_port(), results), nprocs=2)
        print(f"seed {seed} pytorch single={results[1]:.4f} ddp={results[2]:.4f} difference={results[1] - results[2]:+.4f}",
              flush=True)


if __name__ == "__main__":
    main()
