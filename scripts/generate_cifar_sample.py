#!/usr/bin/env python3
"""Writes Tests/TorchTests/Fixtures/cifar10_sample.tar.gz: a small synthetic data set in
CIFAR-10's own format, so the blitz's "Training a Classifier" page runs in the tests and here
without the real data (which is served over https and is 163 MB).

The archive holds what cifar-10-python.tar.gz holds, in the same layout and encoding:
cifar-10-batches-py/data_batch_1..5 (100 images each), test_batch (100) and batches.meta,
each a dict pickled as Python 2's cPickle wrote the originals (protocol 2, str keys as
SHORT_BINSTRING, the images a numpy uint8 array of [n, 3072] rebuilt through
numpy.core.multiarray._reconstruct with its bytes as a BINSTRING). The pickle opcodes are
written out here because Python 3's pickle cannot write a Python 2 str.

Each image is a class's pattern (stripes whose angle, period and colors depend on the class)
at a random phase and brightness, so a small network can learn the classes and the archive
compresses well. Run: python3 scripts/generate_cifar_sample.py (no arguments, deterministic;
needs numpy).

Beside it, cifar100_sample.tar.gz holds CIFAR-100's layout (train, test and meta files,
fine and coarse labels; 100 + 20 images, synthetic class names), and
Tests/TorchTests/Fixtures/cifar10_batch_protocol4.pkl holds the test batch's first
four images and labels pickled by Python 3 (protocol 4: str keys, bytes, NumPy 2's module
names), as a data set re-saved by Python 3 would be.
"""
import gzip
import io
import os
import random
import struct
import tarfile

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def short_string(text):
    data = text.encode("latin1")
    assert len(data) < 256
    return b"U" + bytes([len(data)]) + data


def integer(value):
    if 0 <= value < 256:
        return b"K" + bytes([value])
    if 0 <= value < 65536:
        return b"M" + struct.pack("<H", value)
    return b"J" + struct.pack("<i", value)


def int_list(values):
    return b"](" + b"".join(integer(v) for v in values) + b"e"


def string_list(values):
    return b"](" + b"".join(short_string(v) for v in values) + b"e"


def uint8_array(rows, columns, data, code="u1"):
    assert len(data) == rows * columns
    dtype = (b"cnumpy\ndtype\n" + short_string(code) + integer(0) + integer(1) + b"\x87R"
             + b"(" + integer(3) + short_string("|") + b"NNN" + integer(-1) + integer(-1) + integer(0) + b"tb")
    return (b"cnumpy.core.multiarray\n_reconstruct\n" + b"cnumpy\nndarray\n" + integer(0) + b"\x85" + short_string("b")
            + b"\x87R" + b"(" + integer(1) + integer(rows) + integer(columns) + b"\x86" + dtype + b"\x89"
            + b"T" + struct.pack("<I", len(data)) + data + b"tb")


def pickled_dict(entries):
    body = b"".join(short_string(key) + value for key, value in entries)
    return b"\x80\x02}(" + body + b"u."


def image(rng, label):
    angle = label % 5
    period = 3 + label // 2
    base = [(label * 53) % 256, (label * 97 + 40) % 256, (label * 151 + 80) % 256]
    phase, brightness = rng.randrange(period), rng.randrange(-30, 31)
    planes = []
    for channel in range(3):
        plane = bytearray()
        for y in range(32):
            for x in range(32):
                stripe = ((x * (angle % 3) + y * (1 + angle // 3) + phase) // period) % 2
                value = base[channel] + (60 if stripe else -60) * (1 if channel != label % 3 else -1) + brightness
                plane.append(max(0, min(255, value)))
        planes.append(bytes(plane))
    return b"".join(planes)


def batch(rng, name, count, contents=None):
    labels = [rng.randrange(10) for _ in range(count)]
    data = b"".join(image(rng, label) for label in labels)
    if contents is not None:
        contents.update(labels=labels, data=data)
    return pickled_dict([
        ("batch_label", short_string(name)),
        ("labels", int_list(labels)),
        ("data", uint8_array(count, 3072, data)),
        ("filenames", string_list([f"sample_{name.split()[-1]}_{i}.png" for i in range(count)])),
    ])


def tar_gz(files, target):
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, content in files:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(content), 0, 0o644
            tar.addfile(info, io.BytesIO(content))
    with open(target, "wb") as f:
        f.write(gzip.compress(archive.getvalue(), compresslevel=9, mtime=0))


def write_cifar100_sample(rng, target):
    """CIFAR-100's layout (cifar-100-python/train, test, meta): 100 training and 20 test images,
    fine labels (0-99) beside coarse ones, 100 fine and 20 coarse class names (synthetic)."""
    def split(name, count):
        fine = [rng.randrange(100) for _ in range(count)]
        data = b"".join(image(rng, label % 10) for label in fine)
        return pickled_dict([
            ("filenames", string_list([f"{name}_{i}.png" for i in range(count)])), ("batch_label", short_string(name)),
            ("fine_labels", int_list(fine)), ("coarse_labels", int_list([label // 5 for label in fine])),
            ("data", uint8_array(count, 3072, data)),
        ])
    meta = pickled_dict([("fine_label_names", string_list([f"fine_{i:02d}" for i in range(100)])),
                         ("coarse_label_names", string_list([f"coarse_{i:02d}" for i in range(20)]))])
    tar_gz([("cifar-100-python/train", split("training batch 1 of 1", 100)),
            ("cifar-100-python/test", split("testing batch 1 of 1", 20)), ("cifar-100-python/meta", meta)], target)


def main():
    rng = random.Random(0)
    files = [(f"data_batch_{i}", batch(rng, f"training batch {i} of 5", 100)) for i in range(1, 6)]
    test = {}
    files.append(("test_batch", batch(rng, "testing batch 1 of 1", 100, test)))
    files.append(("batches.meta", pickled_dict([("num_cases_per_batch", integer(100)),
                                                ("label_names", string_list(CLASSES)), ("num_vis", integer(3072))])))
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.path.join(os.path.dirname(here), "Tests", "TorchTests", "Fixtures", "cifar10_sample.tar.gz")
    tar_gz([("cifar-10-batches-py/" + name, content) for name, content in files], target)
    write_cifar100_sample(rng, os.path.join(os.path.dirname(target), "cifar100_sample.tar.gz"))
    import numpy as np
    import pickle
    resaved = {"batch_label": "testing batch 1 of 1", "labels": test["labels"][:4],
               "data": np.frombuffer(test["data"][:4 * 3072], dtype=np.uint8).reshape(4, 3072),
               "filenames": [f"sample_1_{i}.png" for i in range(4)]}
    with open(os.path.join(os.path.dirname(target), "cifar10_batch_protocol4.pkl"), "wb") as f:
        f.write(pickle.dumps(resaved, protocol=4))


if __name__ == "__main__":
    main()
