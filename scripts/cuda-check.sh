#!/usr/bin/env bash
# GPU verification for a session that is lent a device machine (it has no Swift toolchain).
#
#   scripts/cuda-check.sh prepare   # here: static release binaries and the data into .gpu/
#   scripts/cuda-check.sh run       # there (the device tool's `run`, carrying .gpu): the checks
#
# `run` writes its logs under $OUT (or ./gpu-out): (1) every op forward and backward on CUDA
# against the CPU (relative error under 1e-4) and CUDA training-step timings, (2) the seed
# example on cuda, (3) one epoch of fashion-mnist on cuda, (4) PyTorch's same training step on
# the same GPU.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
prepare)
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
  swift build -c release --static-swift-stdlib
  rm -rf .gpu && mkdir -p .gpu/data
  for product in torch-bench build-model fashion-mnist; do
    cp ".build/release/$product" .gpu/ && strip .gpu/"$product"
  done
  cp -r .build/release/*FashionMNIST*.resources .gpu/ 2>/dev/null || true
  cp /usr/share/datasets/fashion-mnist/*.gz .gpu/data/
  du -sh .gpu
  ;;
run)
  out="${OUT:-gpu-out}"
  mkdir -p "$out"
  nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
  .gpu/torch-bench --cuda-check 2>&1 | tee "$out/cuda-check.txt" || true
  .gpu/build-model --seed 0 2>&1 | tee "$out/build-model.txt" || true
  .gpu/fashion-mnist --device cuda --epochs 1 --data .gpu/data 2>&1 | tee "$out/fashion-mnist.txt" || true
  python3 scripts/pytorch_cuda_step.py 2>&1 | tee "$out/pytorch.txt" || true
  ;;
*)
  echo "usage: scripts/cuda-check.sh prepare|run" >&2
  exit 2
  ;;
esac
