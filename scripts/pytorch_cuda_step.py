"""PyTorch's side of the CUDA comparison: the seed model's training step (SGD, cross-entropy)
on the GPU at batch 64 and 4096, steps per second and peak device memory, printed in the same
form as `torch-bench --cuda-check`. Usage: python3 scripts/pytorch_cuda_step.py"""
import time

import torch
from torch import nn

model_layers = lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))

for batch in (64, 4096):
    torch.manual_seed(0)
    torch.cuda.reset_peak_memory_stats()
    model = model_layers().cuda()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x = torch.rand(batch, 1, 28, 28, device="cuda")
    y = torch.randint(0, 10, (batch,), device="cuda")

    def step():
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()

    for _ in range(5):
        step()
    torch.cuda.synchronize()
    start = time.time()
    for _ in range(200):
        step()
    torch.cuda.synchronize()
    print(f"pytorch_cuda_train_steps_batch{batch} {200 / (time.time() - start):.1f} steps/s")
    print(f"pytorch_cuda_peak_memory_batch{batch} {torch.cuda.max_memory_allocated()} bytes")
