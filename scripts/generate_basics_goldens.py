#!/usr/bin/env python3
"""Generates Tests/TorchTests/Fixtures/basics_goldens.json: what each page of PyTorch's
"Learn the Basics" series prints, run as scripts/basics/<page>.py (the page's code blocks,
seeded, shortened where they train). Each Swift twin in Examples/Basics must print the same
(BasicsPagesTests, with the few documented spelling differences). Run with PyTorch installed:

    python3 scripts/generate_basics_goldens.py > Tests/TorchTests/Fixtures/basics_goldens.json

The file records this script's and every page script's MD5, which a test compares with the
scripts, so goldens and scripts cannot drift apart.
"""
import hashlib
import json
import os
import subprocess
import sys

PAGES = ["tensors", "autograd"]


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    pages = {}
    for page in PAGES:
        script = os.path.join(here, "basics", page + ".py")
        run = subprocess.run([sys.executable, script], capture_output=True, text=True, check=True)
        pages[page] = {"scriptMD5": md5(script), "output": run.stdout}
    json.dump({"generatorMD5": md5(os.path.abspath(__file__)), "pages": pages}, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
