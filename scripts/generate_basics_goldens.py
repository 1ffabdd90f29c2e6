#!/usr/bin/env python3
"""Generates Tests/TorchTests/Fixtures/basics_goldens.json: what each page of PyTorch's
"Learn the Basics" series prints, run as scripts/basics/<page>.py (the page's code blocks,
seeded, shortened where they train), and the same for pages of other series (the 60-minute
blitz's "Neural Networks" and "A Gentle Introduction to torch.autograd" pages, scripts/blitz/). Each Swift twin in Examples must print the
same (BasicsPagesTests, with the few documented spelling differences). Run with PyTorch installed:

    python3 scripts/generate_basics_goldens.py > Tests/TorchTests/Fixtures/basics_goldens.json

The file records the MD5 of this script, of every page script and of their shared
scripts/basics/fashion_root.py, which a test compares with the
scripts, so goldens and scripts cannot drift apart.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

# Each page with its arguments; "{sample}" is the FashionMNIST sample shipped with the
# examples (5,000 training and 1,000 test images), so that the tests need no data set.
PAGES = {
    "quickstart": ["--data", "{sample}", "--epochs", "2"],
    "tensors": [],
    "data": ["--data", "{sample}"],
    "transforms": ["--data", "{sample}"],
    "autograd": [],
    "optimization": ["--data", "{sample}", "--epochs", "2"],
    "saveload": [],
}
# Pages of other tutorial series: name -> (script under scripts/, Swift program, arguments).
OTHER_PAGES = {
    "lenet-seed0": ("blitz/neural_networks.py", "lenet", ["--seed", "0"]),
    "lenet-seed7": ("blitz/neural_networks.py", "lenet", ["--seed", "7"]),
    "blitz-autograd": ("blitz/autograd.py", "blitz-autograd", []),
    "blitz-classifier": ("blitz/cifar10.py", "blitz-classifier", ["--data", "{cifar}", "--print-every", "25"]),
}
SAMPLE = os.path.join("Examples", "FashionMNIST", "Resources", "sample")
# "{cifar}" is a folder "data" in the page's working folder holding a copy of the synthetic
# CIFAR-10 archive (scripts/generate_cifar_sample.py), which the page extracts there.
CIFAR_SAMPLE = os.path.join("Tests", "TorchTests", "Fixtures", "cifar10_sample.tar.gz")
CIFAR100_SAMPLE = os.path.join("Tests", "TorchTests", "Fixtures", "cifar100_sample.tar.gz")


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def save_image_bytes():
    """The bytes torchvision.utils.save_image hands to PIL for seeded grey images: a 3-per-row
    grid of five 6x7 images, and one image alone (no grid, no padding)."""
    import torch
    from torchvision.utils import make_grid

    def pixels(grid):
        array = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", torch.uint8).contiguous()
        return {"shape": list(array.shape), "md5": hashlib.md5(array.numpy().tobytes()).hexdigest()}

    torch.manual_seed(0)
    batch = torch.rand(5, 1, 6, 7)
    return {"grid": pixels(make_grid(batch, nrow=3, padding=2)), "single": pixels(make_grid(batch[0]))}


def cifar_sample(repository, sample, dataset, augment_with=None):
    """What torchvision's `dataset` (CIFAR10 or CIFAR100) reads from a synthetic archive: the
    MD5 of each split's images as its `data` holds them (uint8 [N, 32, 32, 3]), the first
    labels, the classes; and, given pipelines, what they make of the first training images."""
    import tarfile
    import torchvision.datasets.cifar as cifar

    cifar.check_integrity = lambda *args, **kwargs: True  # the sample is not the real data set
    with tempfile.TemporaryDirectory() as root:
        with tarfile.open(os.path.join(repository, sample)) as archive:
            archive.extractall(root, filter="data")
        splits = {}
        for name, train in [("train", True), ("test", False)]:
            data = getattr(cifar, dataset)(root, train=train)
            splits[name] = {"count": len(data), "md5": hashlib.md5(data.data.tobytes()).hexdigest(),
                            "labels": data.targets[:20], "classes": data.classes}
        result = {"archiveMD5": md5(os.path.join(repository, sample)), "splits": splits}
        if augment_with:
            result["augmented"] = {name: augment(root, pipeline) for name, pipeline in augment_with.items()}
    return result


def augmentations():
    """Random crops and flips as CIFAR training scripts use them: on the PIL images (crop,
    flip, then ToTensor) and on tensors (ToTensor first), with rectangular crops and padding
    given per side; with the padding modes (edge, reflect, symmetric) and pad_if_needed; Pad
    alone; and the usual CIFAR normalization, whose rounding shows in every value."""
    import torchvision.transforms as T

    return {
        "pil": T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor()]),
        "tensor": T.Compose([T.ToTensor(), T.RandomCrop((28, 30), padding=(1, 2, 3, 4), fill=0.5),
                             T.RandomHorizontalFlip(p=0.3)]),
        "normalized": T.Compose([T.ToTensor(), T.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))]),
        "edge": T.Compose([T.RandomCrop(32, padding=4, padding_mode="edge"), T.ToTensor()]),
        "reflectIfNeeded": T.Compose([T.ToTensor(), T.RandomCrop(36, pad_if_needed=True, padding_mode="reflect")]),
        "symmetric": T.Compose([T.RandomCrop((30, 34), padding=(2, 1), padding_mode="symmetric"),
                                T.RandomHorizontalFlip(p=0.7), T.ToTensor()]),
        "pad": T.Compose([T.Pad((1, 2, 3, 4), padding_mode="reflect"), T.ToTensor()]),
    }


def augment(root, pipeline):
    """The first 16 training images through `pipeline` after torch.manual_seed(0): the MD5 of
    their float32 bytes, and the next torch.rand(1) (the generator's position afterwards)."""
    import torch
    import torchvision.datasets.cifar as cifar

    torch.manual_seed(0)
    data = cifar.CIFAR10(root, train=True, transform=pipeline)
    images = torch.stack([data[i][0] for i in range(16)])
    return {"shape": list(images.shape), "md5": hashlib.md5(images.numpy().tobytes()).hexdigest(),
            "next": torch.rand(1).item()}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repository = os.path.dirname(here)
    pages = {}
    runs = {page: ("basics/" + page + ".py", "basics-" + page, arguments) for page, arguments in PAGES.items()}
    runs.update(OTHER_PAGES)
    for page, (script_name, program, arguments) in runs.items():
        script = os.path.join(here, script_name)
        resolved = [a.replace("{sample}", os.path.join(repository, SAMPLE)).replace("{cifar}", "data") for a in arguments]
        with tempfile.TemporaryDirectory() as scratch:  # pages that save write into their folder
            if "{cifar}" in arguments:
                os.mkdir(os.path.join(scratch, "data"))
                shutil.copy(os.path.join(repository, CIFAR_SAMPLE), os.path.join(scratch, "data", "cifar-10-python.tar.gz"))
            run = subprocess.run([sys.executable, script] + resolved, capture_output=True, text=True, check=True, cwd=scratch)
        pages[page] = {"script": script_name, "program": program, "scriptMD5": md5(script), "arguments": arguments,
                       "output": run.stdout}
    helper = os.path.join(here, "basics", "fashion_root.py")
    json.dump({"generatorMD5": md5(os.path.abspath(__file__)), "helperMD5": md5(helper), "pages": pages,
               "saveImage": save_image_bytes(), "cifarSample": cifar_sample(repository, CIFAR_SAMPLE, "CIFAR10", augmentations()),
               "cifar100Sample": cifar_sample(repository, CIFAR100_SAMPLE, "CIFAR100")},
              sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
