@_spi(Fuzzing) import Torch

#if canImport(Glibc)
  import Glibc
#endif

/// The reader under test, from `TORCH_FUZZ_TARGET` (one of `FuzzTargets.all`).
nonisolated(unsafe) var target: (@Sendable (UnsafeRawBufferPointer) -> Bool)?

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> Int32 {
  let name = getenv("TORCH_FUZZ_TARGET").map { String(cString: $0) } ?? ""
  guard let entry = FuzzTargets.all.first(where: { $0.name == name }) else {
    print("set TORCH_FUZZ_TARGET to one of: \(FuzzTargets.all.map(\.name).joined(separator: ", "))")
    exit(2)
  }
  target = entry.run
  return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  _ = target!(UnsafeRawBufferPointer(start: data, count: size))
  return 0
}
