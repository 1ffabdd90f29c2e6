#!/usr/bin/env bash
# GPU verification for a session that is lent a device machine (it has no Swift toolchain).
#
#   scripts/cuda-check.sh prepare   # here: static release binaries and the data into .gpu/
#   scripts/cuda-check.sh run       # there (the device tool's `run`, carrying .gpu): the checks
#
# `run` writes its logs under $OUT (or ./gpu-out): (1) every op forward and backward on CUDA
# against the CPU (DeviceParity: relative error under 1e-4 in float32, 1e-10 in float64; the
# registry includes convolution, pooling, normalization, padding and interpolation) and CUDA
# training-step timings, then the convolution family's kernels over 420 random configurations
# against PyTorch's values (torch-bench --cuda-sweep), (2) the seed example on cuda, (3) one
# epoch of fashion-mnist on cuda, with the MLP and with the CNN (im2col, col2im and max-pooling kernels), (4) PyTorch's same
# training step on the same GPU, (5) torch.distributed's nccl backend in a world of one
# (dist-check nccl: every collective and DDP on the GPU through the real libnccl.so.2, from
# PyTorch's nvidia-nccl wheel), and with mpirun on two ranks where there are two GPUs.
#
# Size: each static binary is ~62 MB, mostly Foundation's ICU data, the same in all four; the
# device tool carries at most 64 MiB with the working tree, so .gpu holds them as one tar
# stream compressed by xz with a 64 MiB dictionary, which finds each copy of that data after the
# first (~20 MB for all four, where compressing each alone made ~15.6 MB apiece, 65 MB with
# the working tree over the limit), and the epoch runs on the 5,000-image sample inside the
# example's resource bundle rather than the full 30 MB set.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
prepare)
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
  swift build -c release --static-swift-stdlib
  rm -rf .gpu && mkdir -p .gpu
  mkdir -p .gpu/bin
  for product in torch-bench build-model fashion-mnist dist-check; do
    strip -o .gpu/bin/"$product" ".build/release/$product"
  done
  # One stream (-T1) and a dictionary larger than a binary, so the shared data compresses once.
  tar -C .gpu/bin -cf - torch-bench build-model fashion-mnist dist-check | xz -T1 -9 --lzma2=preset=9,dict=64MiB > .gpu/binaries.tar.xz
  rm -rf .gpu/bin
  cp -r .build/release/*FashionMNIST*.resources .gpu/
  cp Tests/TorchTests/Fixtures/convolution_sweep.json .gpu/
  du -sh .gpu
  ;;
run)
  out="${OUT:-gpu-out}"
  mkdir -p "$out" /tmp/gpu-bin
  python3 -c "import sys, tarfile; tarfile.open(sys.argv[1], 'r:xz').extractall(sys.argv[2], **({'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}))" \
    .gpu/binaries.tar.xz /tmp/gpu-bin
  chmod +x /tmp/gpu-bin/*
  cp -r .gpu/*.resources /tmp/gpu-bin/
  nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
  # Line-buffered output and a time limit per step (the limits add up to 450 s, inside the
  # device tool's 10-minute command): a hang in one step keeps the others' logs.
  step() {
    local limit=$1 log=$2 start=$SECONDS; shift 2
    timeout "$limit" stdbuf -oL -eL "$@" 2>&1 | tee "$out/$log" || true
    echo "step $log: $((SECONDS - start)) s (limit $limit s)" | tee -a "$out/$log"
  }
  step 150 cuda-check.txt /tmp/gpu-bin/torch-bench --cuda-check
  step 60 cuda-sweep.txt /tmp/gpu-bin/torch-bench --cuda-sweep .gpu/convolution_sweep.json
  step 30 build-model.txt /tmp/gpu-bin/build-model --seed 0
  step 45 fashion-mnist.txt /tmp/gpu-bin/fashion-mnist --device cuda --epochs 1 \
    --data /tmp/gpu-bin/swift-torch_FashionMNIST.resources/sample
  step 60 fashion-mnist-cnn.txt /tmp/gpu-bin/fashion-mnist --device cuda --model cnn --epochs 1 \
    --data /tmp/gpu-bin/swift-torch_FashionMNIST.resources/sample
  step 60 pytorch.txt python3 -u scripts/pytorch_cuda_step.py
  step 45 nccl.txt /tmp/gpu-bin/dist-check nccl
  if command -v mpirun >/dev/null && [ "$(nvidia-smi -L 2>/dev/null | wc -l)" -ge 2 ]; then
    step 60 nccl-2.txt mpirun --allow-run-as-root -np 2 /tmp/gpu-bin/dist-check nccl
  fi
  ;;
*)
  echo "usage: scripts/cuda-check.sh prepare|run" >&2
  exit 2
  ;;
esac
