#!/usr/bin/env python3
"""Writes the seed corpora for the reader fuzz targets (Tests/TorchTests/Fixtures/fuzz/<target>/).

`ok-*` seeds must be accepted by the reader and `bad-*` seeds refused with an error; the
corpus test in `swift test` checks that, then runs deterministic mutations of every seed.
libFuzzer (scripts/fuzz) starts from the same folders. Standard library only.
"""
import gzip, io, json, os, struct, sys, tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_cifar_sample import int_list, pickled_dict, short_string, string_list, uint8_array  # noqa: E402

root = os.path.join(os.path.dirname(__file__), "..", "Tests", "TorchTests", "Fixtures", "fuzz")

def write(target, name, data):
    folder = os.path.join(root, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)

def safetensors(entries, metadata=None, pad=True):
    header, blobs, offset = {}, b"", 0
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, data in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs += data
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + blobs

def idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + data

write("safetensors", "ok-linear", safetensors([
    ("weight", "F32", [2, 3], struct.pack("<6f", *range(6))), ("bias", "F32", [2], struct.pack("<2f", -1.5, 2.25))]))
write("safetensors", "ok-dtypes-empty-metadata", safetensors([
    ("a", "I64", [2], struct.pack("<2q", 1, -2)), ("b", "F64", [1, 1], struct.pack("<d", 0.1)),
    ("c", "BOOL", [2], b"\x01\x00"), ("d", "U8", [0, 3], b""), ("e\\u00e9\"", "U8", [1], b"\x07")], {"format": "pt"}))
write("safetensors", "bad-overlap", safetensors([("a", "F32", [1], b"\0" * 4)]).replace(b"[0,4]", b"[1,5]"))
write("safetensors", "bad-truncated", safetensors([("a", "F32", [4], b"\0" * 16)])[:-3])

write("idx", "ok-images", idx([2, 28, 28], bytes(range(256)) * 6 + bytes(32)))
write("idx", "ok-labels-gzip", gzip.compress(idx([5], bytes([0, 1, 2, 3, 9])), mtime=0))
write("idx", "bad-short-data", idx([3], bytes([1, 2])))
write("idx", "bad-gzip-extra", gzip.compress(idx([1, 1, 1], bytes(100)), mtime=0))

write("gzip", "ok-text", gzip.compress(b"swift-torch " * 100, mtime=0))
write("gzip", "ok-plain", b"plain bytes pass through")
write("gzip", "bad-cut", gzip.compress(bytes(range(256)) * 8, mtime=0)[:40])

ok = b"HTTP/1.1 200 OK\r\n"
write("http", "ok-length", ok + b"Content-Length: 5\r\nConnection: close\r\n\r\nhello")
write("http", "ok-chunked", ok + b"Transfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
write("http", "ok-redirect", b"HTTP/1.1 301 Moved\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n")
write("http", "ok-close-delimited", ok + b"\r\nbody until close")
write("http", "bad-chunk-size", ok + b"Transfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nabc\r\n0\r\n\r\n")
write("http", "bad-short", ok + b"Content-Length: 10\r\n\r\nabc")

def cifar_batch(labels, rows, data):
    return pickled_dict([("batch_label", short_string("fuzz batch")), ("labels", int_list(labels)),
                         ("data", uint8_array(rows, 3072, data)), ("filenames", string_list(["a.png", "b.png"]))])

pixels = bytes(range(256)) * 24
write("cifar", "ok-python2-batch", cifar_batch([3, 9], 2, pixels))
with open(os.path.join(root, "..", "cifar10_batch_protocol4.pkl"), "rb") as f:
    write("cifar", "ok-python3-batch", f.read())
write("cifar", "bad-label", cifar_batch([3, 10], 2, pixels))
write("cifar", "bad-label-count", cifar_batch([3, 9, 1], 2, pixels))
write("cifar", "bad-truncated", cifar_batch([3, 9], 2, pixels)[:-100])
write("cifar", "bad-int8-pixels", cifar_batch([3, 9], 2, pixels).replace(short_string("u1"), short_string("i1")))

def tar(files):
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, content in files:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(content), 0
            t.addfile(info, io.BytesIO(content))
    return archive.getvalue()

write("tar", "ok-two-files", tar([("a/b.txt", b"hello"), ("c", b"x" * 600)]))
write("tar", "ok-gzip", gzip.compress(tar([("d/e", b"data")]), mtime=0))
write("tar", "bad-escape", tar([("../x", b"no")]))
write("tar", "bad-truncated", tar([("f", b"y" * 1000)])[:700])
