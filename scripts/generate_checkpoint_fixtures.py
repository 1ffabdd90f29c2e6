#!/usr/bin/env python3
"""Writes the PyTorch checkpoint fixtures for CheckpointTests (Tests/TorchTests/Fixtures/checkpoints/)
and the `pytorch` fuzz seeds, with PyTorch 2.x; then, with --roundtrip, checks that files written
by swift-torch load in PyTorch.

    /work/venv-torch/bin/python3 scripts/generate_checkpoint_fixtures.py
    swift build && /work/venv-torch/bin/python3 scripts/generate_checkpoint_fixtures.py --roundtrip

expected.json describes each loadable fixture: what print(torch.load(path)) shows (when every
dtype exists in swift-torch), and every tensor by its path of keys ("optimizer_state_dict/state/0/step"):
dtype, shape, stride, storage offset, values (NaN and infinities as strings), and which tensors
share a storage. The round trip converts every fixture with the Swift `checkpoint` tool (also with
zip64 fields forced), loads the result with weights_only=True (and mmap=True) and compares
values, dtypes, strides, storage sharing and structure with the original.
"""
import hashlib, io, json, math, os, subprocess, sys, tempfile, zipfile
import torch

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
folder = os.path.join(root, "Tests", "TorchTests", "Fixtures", "checkpoints")
fuzz = os.path.join(root, "Tests", "TorchTests", "Fixtures", "fuzz", "pytorch")
WIDENED = {torch.float16: torch.float32, torch.bfloat16: torch.float32, torch.int8: torch.int64,
           torch.int16: torch.int64, torch.int32: torch.int64, torch.uint16: torch.int64, torch.uint32: torch.int64,
           torch.float8_e4m3fn: torch.float32, torch.float8_e5m2: torch.float32}


def small_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))


def every_dtype():
    return {
        "float32": torch.tensor([0.0, -0.0, 1.5, -3.25e-39, 3.4028234663852886e38, float("inf"), float("nan")]),
        "float64": torch.tensor([1e-300, -2.5, 1 / 3, float("-inf")], dtype=torch.float64),
        "float16": torch.tensor([0.0, -0.0, 5.960464477539063e-08, 6.103515625e-05, 65504.0, -1.5, float("inf")], dtype=torch.float16),
        "bfloat16": torch.tensor([1.0, -2.5, 3.3895313892515355e38, 9.183549615799121e-41], dtype=torch.bfloat16),
        "int8": torch.tensor([-128, -1, 0, 127], dtype=torch.int8),
        "int16": torch.tensor([-32768, 7, 32767], dtype=torch.int16),
        "int32": torch.tensor([-2147483648, 12345, 2147483647], dtype=torch.int32),
        "int64": torch.tensor([-9223372036854775808, 0, 9223372036854775807], dtype=torch.int64),
        "uint8": torch.tensor([0, 128, 255], dtype=torch.uint8),
        "uint16": torch.tensor([0, 40000, 65535], dtype=torch.uint16),
        "uint32": torch.tensor([0, 4294967295], dtype=torch.uint32),
        "float8_e4m3fn": torch.tensor([0.0, -448.0, 0.001953125, 1.125, float("nan")]).to(torch.float8_e4m3fn),
        "float8_e5m2": torch.tensor([57344.0, -1.5, 1.52587890625e-05, float("inf")]).to(torch.float8_e5m2),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }


def shared_views():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    return {"base": base, "row": base[1], "column": base[:, 2], "transposed": base.t(),
            "block": base[1:3, 2:5], "stepped": base[:, ::2], "other": torch.ones(2)}


def nested():
    torch.manual_seed(1)
    return {"epoch": 7, "loss": 0.125, "name": "run 'one'", "missing": None, "flags": [True, False],
            "pair": (1, 2.5), "single": (3,), "big": 2**40, "negative": -5, "huge": -(2**62),
            "unicode": "naïve ✓", "nested": {"list": [torch.randn(2), {"deeper": torch.randn(1, 2)}], 3: "int key"},
            "empty_list": [], "empty_dict": {}}


def training_checkpoint():
    """The tutorial's checkpoint: Adam after two steps, and what a third step must give."""
    model = small_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    torch.manual_seed(2)
    inputs = [torch.randn(5, 4) for _ in range(3)]
    for x in inputs[:2]:
        optimizer.zero_grad()
        model(x).square().mean().backward()
        optimizer.step()
    checkpoint = {"epoch": 2, "model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                  "loss": torch.tensor(0.5), "next_input": inputs[2]}
    torch.save(checkpoint, os.path.join(folder, "checkpoint.tar"))
    optimizer.zero_grad()
    model(inputs[2]).square().mean().backward()
    optimizer.step()
    return {"after_third_step": model.state_dict()}


def big_endian(path, source):
    """PyTorch writes little-endian; this rewrites `source` ({name: tensor}) as a big-endian checkpoint."""
    buffer = io.BytesIO()
    torch.save(source, buffer)
    sizes = [t.element_size() for t in source.values()]
    original = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        for info in original.infolist():
            data = original.read(info.filename)
            name = info.filename.split("/", 1)[1]
            if name == "byteorder":
                data = b"big"
            elif name.startswith("data/") and name[5:].isdigit():
                size = sizes[int(name[5:])]
                data = b"".join(data[i:i + size][::-1] for i in range(0, len(data), size))
            out.writestr("bigendian/" + name, data)
    loaded = torch.load(path, weights_only=True)
    assert all(torch.equal(loaded[k], v) for k, v in source.items()), "PyTorch reads the big-endian file back"


def hostile(path, module, name):
    """A checkpoint whose data.pkl calls module.name("echo pwned") when unpickled unsafely."""
    body = b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\nX\n\x00\x00\x00echo pwned\x85R."
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        out.writestr("archive/data.pkl", body)
        out.writestr("archive/byteorder", b"little")
        out.writestr("archive/version", b"3\n")


def values(t):
    out = []
    for v in t.detach().reshape(-1).tolist():
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            out.append("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
        else:
            out.append(v)
    return out


def describe(obj):
    tensors, storages = {}, {}

    def walk(value, path):
        if isinstance(value, torch.Tensor):
            tensors[path] = {"dtype": str(value.dtype), "shape": list(value.shape), "stride": list(value.stride()),
                             "offset": value.storage_offset(), "requires_grad": value.requires_grad, "values": values(value)}
            storages.setdefault(value.untyped_storage().data_ptr(), []).append(path)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}/{k}" if path else str(k))
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(v, f"{path}/{i}" if path else str(i))

    walk(obj, "")
    shared = sorted(paths for paths in storages.values() if len(paths) > 1)
    exact_dtypes = all(t["dtype"] not in [str(d) for d in WIDENED] for t in tensors.values())
    return {"repr": str(obj) if exact_dtypes else None, "tensors": tensors, "shared": shared}


def generate():
    os.makedirs(folder, exist_ok=True)
    os.makedirs(fuzz, exist_ok=True)
    loadable = {
        "state_dict.pth": small_model().state_dict(),
        "dtypes.pt": every_dtype(),
        "shared_views.pt": shared_views(),
        "nested.pt": nested(),
        "parameter.pt": {"weight": torch.nn.Parameter(torch.tensor([[1.0, 2.0]])), "frozen": torch.nn.Parameter(torch.ones(1), requires_grad=False)},
    }
    for name, obj in loadable.items():
        torch.save(obj, os.path.join(folder, name))
    loadable.update(training_checkpoint())
    torch.save(loadable.pop("after_third_step"), os.path.join(folder, "after_third_step.pth"))
    loadable["checkpoint.tar"] = torch.load(os.path.join(folder, "checkpoint.tar"), weights_only=True)
    loadable["after_third_step.pth"] = torch.load(os.path.join(folder, "after_third_step.pth"), weights_only=True)
    big_endian(os.path.join(folder, "bigendian.pt"), {"f32": torch.tensor([1.5, -2.0]), "f64": torch.tensor([1 / 3], dtype=torch.float64),
                                                      "i64": torch.tensor([-2, 2**40]), "i16": torch.tensor([-300, 5], dtype=torch.int16)})
    loadable["bigendian.pt"] = torch.load(os.path.join(folder, "bigendian.pt"), weights_only=True)
    expected = {name: describe(torch.load(os.path.join(folder, name), weights_only=True)) for name in sorted(loadable)}
    with open(os.path.abspath(__file__), "rb") as f:
        md5 = hashlib.md5(f.read()).hexdigest()
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump({"generatorMD5": md5, "files": expected}, f, indent=1, sort_keys=True)
        f.write("\n")

    # Files swift-torch must refuse, each with its own reason.
    torch.save({"w": torch.ones(2)}, os.path.join(folder, "legacy.pt"), _use_new_zipfile_serialization=False)
    torch.jit.script(torch.nn.Linear(2, 1)).save(os.path.join(folder, "torchscript.pt"))
    torch.save({"z": torch.tensor([1 + 2j])}, os.path.join(folder, "complex.pt"))
    torch.save(torch.nn.Linear(2, 1), os.path.join(folder, "whole_module.pt"))
    hostile(os.path.join(folder, "evil_os_system.pt"), "os", "system")
    hostile(os.path.join(folder, "evil_eval.pt"), "builtins", "eval")

    for name in ["state_dict.pth", "shared_views.pt", "nested.pt", "bigendian.pt"]:
        with open(os.path.join(folder, name), "rb") as f:
            data = f.read()
        with open(os.path.join(fuzz, "ok-" + name.split(".")[0]), "wb") as f:
            f.write(data)
    with open(os.path.join(folder, "state_dict.pth"), "rb") as f:
        data = f.read()
    with open(os.path.join(fuzz, "bad-truncated"), "wb") as f:
        f.write(data[: len(data) - 30])
    with open(os.path.join(folder, "evil_os_system.pt"), "rb") as f, open(os.path.join(fuzz, "bad-os-system"), "wb") as g:
        g.write(f.read())
    print(f"wrote {len(expected)} described fixtures and the refused ones to {folder}")


def same(a, b, path, storages):
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor), path
        expected = a.to(WIDENED.get(a.dtype, a.dtype))
        assert b.dtype == expected.dtype, f"{path}: {b.dtype} vs {expected.dtype}"
        assert b.shape == a.shape and b.stride() == a.stride() and b.storage_offset() == a.storage_offset(), path
        assert torch.equal(b, expected) or (b.is_floating_point() and torch.equal(b.nan_to_num(), expected.nan_to_num())), path
        assert b.requires_grad == a.requires_grad, path
        storages.append((a.untyped_storage().data_ptr(), b.untyped_storage().data_ptr()))
    elif isinstance(a, dict):
        assert type(a) is type(b) and list(a.keys()) == list(b.keys()), f"{path}: keys {list(a)} vs {list(b)}"
        for k in a:
            same(a[k], b[k], f"{path}/{k}", storages)
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}/{i}", storages)
    else:
        assert type(a) is type(b) and a == b, f"{path}: {a!r} vs {b!r}"


def roundtrip(tool):
    checked = 0
    with tempfile.TemporaryDirectory() as scratch:
        for name in sorted(json.load(open(os.path.join(folder, "expected.json")))["files"]):
            original = torch.load(os.path.join(folder, name), weights_only=True)
            for variant, extra in [("plain", []), ("zip64", ["--zip64-threshold", "0"])]:
                out = os.path.join(scratch, f"{variant}-{name.split('.')[0]}.pth")
                subprocess.run([tool, "convert", os.path.join(folder, name), out, "--widen"] + extra, check=True)
                assert zipfile.ZipFile(out).testzip() is None, f"{out}: a CRC does not match"
                for mmap in [False, True]:
                    loaded = torch.load(out, weights_only=True, mmap=mmap)
                    pairs = []
                    same(original, loaded, name, pairs)
                    # Storage sharing is kept exactly: same original storage <=> same loaded storage.
                    for (a1, b1) in pairs:
                        for (a2, b2) in pairs:
                            assert (a1 == a2) == (b1 == b2), f"{name}: storage sharing differs"
                    checked += 1
                print(f"{name} ({variant}): loads in PyTorch {torch.__version__} with weights_only=True and mmap=True, equal")
    print(f"round trip: {checked} loads of Swift-written files, all equal")


if __name__ == "__main__":
    if "--roundtrip" in sys.argv:
        roundtrip(os.path.join(root, ".build", "debug", "checkpoint"))
    else:
        generate()
