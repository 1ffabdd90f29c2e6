// Shows and converts checkpoints: PyTorch's .pt/.pth files and safetensors, either way.
//
//   checkpoint show PATH [--widen]          print the object as Python's print(torch.load(PATH)) would
//   checkpoint convert IN OUT [--widen]     load IN, save it to OUT (the format follows OUT's extension)
//
// --widen loads dtypes swift-torch lacks exactly as wider ones (float16/bfloat16 as float32,
// int8/16/32 as int64). `--zip64-threshold N` (for tests) writes zip64 fields from N bytes on.
import Foundation
@_spi(Testing) import Torch

let usage = "usage: checkpoint show PATH [--widen] | checkpoint convert IN OUT [--widen] [--zip64-threshold N]"

func run(_ arguments: [String]) throws {
  var positional: [String] = []
  var widening = false
  var zip64Threshold: Int?
  var rest = arguments[...]
  while let argument = rest.popFirst() {
    switch argument {
    case "--widen": widening = true
    case "--zip64-threshold":
      guard let value = rest.popFirst().flatMap(Int.init) else { throw TorchError.invalidArgument("--zip64-threshold needs a number of bytes") }
      zip64Threshold = value
    case "-h", "--help":
      print(usage)
      return
    default: positional.append(argument)
    }
  }
  switch (positional.first, positional.count) {
  case ("show", 2):
    let value: SavedValue = try torch.load(from: positional[1], widening: widening)
    print(value)
  case ("convert", 3):
    let value: SavedValue = try torch.load(from: positional[1], widening: widening)
    if let zip64Threshold {
      try torch.save(value, to: positional[2], zip64Threshold: zip64Threshold)
    } else {
      try torch.save(value, to: positional[2])
    }
  default:
    throw TorchError.invalidArgument(usage)
  }
}

do {
  try run(Array(CommandLine.arguments.dropFirst()))
} catch {
  FileHandle.standardError.write(Data("checkpoint: \(error)\n".utf8))
  exit(1)
}
