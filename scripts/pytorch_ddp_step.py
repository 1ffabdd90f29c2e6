#!/usr/bin/env python3
"""PyTorch's own yardstick for `torch-bench --distributed`'s DDP figures: the seed model's SGD
step on a per-rank batch of 64 with 2 gloo ranks of 1 thread each, timed as torch-bench times
ours: one single-process step, the all-reduce of all its gradients alone, the
DistributedDataParallel step, and the single-process step followed by the all-reduce of its
gradients (medians of 7 rounds of 20 steps after 2 warm-up rounds). Rank 0 prints lines in
torch-bench's format, so the two can be read side by side.

    python3 scripts/pytorch_ddp_step.py

Needs torch (gloo is in every CPU build).
"""
import os, socket, statistics, time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from fashion_common import NeuralNetwork

STEPS, ROUNDS, WARM = 20, 9, 2


def timed(body):
    dist.barrier()
    start = time.perf_counter()
    for _ in range(STEPS):
        body()
    return (time.perf_counter() - start) / STEPS * 1e3


def run(rank, world, port):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x, y = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))
    loss_fn = nn.CrossEntropyLoss()
    single, ddp = NeuralNetwork(), DistributedDataParallel(NeuralNetwork())
    single_opt, ddp_opt = torch.optim.SGD(single.parameters(), lr=1e-3), torch.optim.SGD(ddp.parameters(), lr=1e-3)
    gradients = torch.zeros(sum(p.numel() for p in single.parameters()))

    def step(model, opt):
        loss_fn(model(x), y).backward()
        opt.step()
        opt.zero_grad()

    def serial():
        step(single, single_opt)
        dist.all_reduce(gradients)

    figures = {"single": [], "reduce": [], "ddp": [], "serial": []}
    for round in range(ROUNDS):
        times = {"single": timed(lambda: step(single, single_opt)), "reduce": timed(lambda: dist.all_reduce(gradients)),
                 "ddp": timed(lambda: step(ddp, ddp_opt)), "serial": timed(serial)}
        if round >= WARM:
            for name, value in times.items():
                figures[name].append(value)
    single_ms, reduce_ms, ddp_ms, serial_ms = (statistics.median(figures[n]) for n in ("single", "reduce", "ddp", "serial"))
    if rank == 0:
        print(f"pytorch_seed_step_single_process {single_ms:.3f} ms")
        print(f"pytorch_seed_gradient_allreduce {reduce_ms:.3f} ms ({gradients.numel() * 4 // 1024} KB, gloo)")
        print(f"pytorch_seed_step_ddp {ddp_ms:.3f} ms")
        print(f"pytorch_seed_step_ddp_over_single_plus_allreduce {ddp_ms / (single_ms + reduce_ms):.3f} x")
        print(f"pytorch_seed_step_single_then_allreduce {serial_ms:.3f} ms")
        print(f"pytorch_seed_step_ddp_over_single_then_allreduce {ddp_ms / serial_ms:.3f} x")
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    mp.spawn(run, args=(2, free_port()), nprocs=2)
