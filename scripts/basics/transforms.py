# The "Transforms" page of PyTorch's Learn the Basics series as run for the goldens: its code
# blocks in order, reading FashionMNIST from --data (gzipped IDX files, unpacked where
# torchvision looks for them); like the page it prints nothing (Examples/Basics/Transforms is the
# Swift twin).
import argparse

import torch
from torchvision import datasets
from torchvision.transforms import ToTensor, Lambda
from fashion_root import fashion_root

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
args = parser.parse_args()
root = fashion_root(args.data)

ds = datasets.FashionMNIST(
    root=root,
    train=True,
    download=True,
    transform=ToTensor(),
    target_transform=Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
)

target_transform = Lambda(lambda y: torch.zeros(
    10, dtype=torch.float).scatter_(dim=0, index=torch.tensor(y), value=1))
