// torch-bench --checkpoint MB: saving and loading a float32 state dict of MB megabytes in
// PyTorch's format and in safetensors, beside the disk's own write and read speed (the
// yardsticks, measured on the same bytes in the same run) and PyTorch's torch.save/torch.load
// (TORCH_BENCH_PYTHON, default python3, when it has torch).
import Foundation
import Torch

/// This process's anonymous and file-backed resident memory in bytes (`RssAnon`, `RssFile`).
func residentMemory() -> (anonymous: Int, file: Int) {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
  func field(_ name: String) -> Int {
    let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
  }
  return (field("RssAnon"), field("RssFile"))
}

func checkpointBenchmark(megabytes: Int) {
  let folder = NSTemporaryDirectory() + "torch-bench-checkpoint-\(getpid())"
  try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(atPath: folder) }
  let tensors = max(1, megabytes / 16)
  var state = StateDict()
  for i in 0..<tensors { state["layers.\(i).weight"] = torch.full([megabytes * 262_144 / tensors], Double(i)) }
  let bytes = Double(tensors * (megabytes * 262_144 / tensors) * 4)
  let gigabytes = bytes / 1e9
  report("checkpoint_size", bytes / 1e6, "MB")

  // Saving: the yardstick writes the same bytes to a new file with write(2), fsync and a rename
  // over the previous one (what any atomic save must do at least). A VM's disk is noisy
  // and slows whichever write follows a large flush, so the three take turns in a rotating
  // order, three rounds, each after a sync and a pause, and medians are reported.
  let raw = folder + "/raw.bin"
  let writers: [(name: String, body: () -> Void)] = [
    ("disk_write_fsync_rename", {
      let fd = open(raw + ".new", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      for (_, tensor) in state { _ = write(fd, tensor.storage.data, tensor.storage.byteCount) }
      fsync(fd)
      close(fd)
      rename(raw + ".new", raw)
    }),
    ("save_pth", { try! torch.save(state, to: folder + "/model.pth") }),
    ("save_safetensors", { try! torch.save(state, to: folder + "/model.safetensors") }),
  ]
  var times = [String: [Double]]()
  for round in 0..<3 {
    for turn in 0..<writers.count {
      let writer = writers[(round + turn) % writers.count]
      sync()
      sleep(1)
      times[writer.name, default: []].append(seconds(writer.body))
    }
  }
  for writer in writers { report(writer.name, gigabytes / times[writer.name]!.sorted()[1], "GB/s") }

  for (format, name) in [("pth", "model.pth"), ("safetensors", "model.safetensors")] {
    let path = folder + "/" + name
    _ = try! torch.load(from: path) as StateDict  // warm the page cache
    let before = residentMemory()
    var loaded = StateDict()
    let loadSeconds = seconds { loaded = try! torch.load(from: path) }
    var checksum = 0.0
    let touchSeconds = seconds { for (_, tensor) in loaded { checksum += tensor.sum().item() } }
    let after = residentMemory()
    report("load_\(format)_warm", gigabytes / loadSeconds, "GB/s")
    report("load_\(format)_warm_and_read_every_value", gigabytes / (loadSeconds + touchSeconds), "GB/s")
    report("load_\(format)_extra_anonymous_memory", Double(after.anonymous - before.anonymous) / 1e6, "MB")
    report("load_\(format)_mapped_file_resident", Double(after.file - before.file) / 1e6, "MB")
    precondition(checksum == Double((0..<tensors).reduce(0) { $0 + $1 }) * Double(megabytes * 262_144 / tensors), "values")
  }
  let readSeconds = seconds {
    let fd = open(folder + "/model.pth", O_RDONLY)
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 24, alignment: 64)
    while read(fd, buffer, 1 << 24) > 0 {}
    buffer.deallocate()
    close(fd)
  }
  report("disk_read_warm", gigabytes / readSeconds, "GB/s")

  let python = ProcessInfo.processInfo.environment["TORCH_BENCH_PYTHON"] ?? "python3"
  let script = """
    import os, time, torch
    folder = '\(folder)'
    state = {f'layers.{i}.weight': torch.full(((\(megabytes) * 262144) // \(tensors),), float(i)) for i in range(\(tensors))}
    gb = sum(t.numel() * 4 for t in state.values()) / 1e9
    path = os.path.join(folder, 'pytorch.pth')
    saves = []
    for _ in range(3):
        os.sync(); t = time.perf_counter(); torch.save(state, path); os.sync(); saves.append(time.perf_counter() - t)
    print('pytorch_save_then_sync', gb / sorted(saves)[1])
    torch.load(path)
    for mmap in [False, True]:
        t = time.perf_counter(); loaded = torch.load(path, mmap=mmap, weights_only=True); s = time.perf_counter() - t
        print(f'pytorch_load_mmap_{mmap}_warm', gb / s)
        t = time.perf_counter(); sum(float(v.sum()) for v in loaded.values()); print(f'pytorch_load_mmap_{mmap}_warm_and_read_every_value', gb / (s + time.perf_counter() - t))
    """
  if let figures = pythonFigures(script, python: python) {
    for (name, value) in figures.sorted(by: { $0.key < $1.key }) { report(name, value, "GB/s") }
  } else {
    print("pytorch_checkpoint unavailable (no torch in \(python))")
  }
}
