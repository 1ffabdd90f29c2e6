import Foundation

/// NVRTC, NVIDIA's run-time CUDA C compiler (`libnvrtc.so.13` or `.12`), found by soname or in
/// the toolkit and wheel folders. It needs no GPU, so kernels compile (and are tested) anywhere
/// NVRTC can be installed.
final class NVRTC: @unchecked Sendable {
  private typealias CreateFn = @convention(c) (UnsafeMutablePointer<OpaquePointer?>, UnsafePointer<CChar>, UnsafePointer<CChar>?,
                                               Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
  private typealias CompileFn = @convention(c) (OpaquePointer, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
  private typealias SizeFn = @convention(c) (OpaquePointer, UnsafeMutablePointer<Int>) -> Int32
  private typealias DataFn = @convention(c) (OpaquePointer, UnsafeMutablePointer<CChar>) -> Int32
  private typealias DestroyFn = @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Int32
  private typealias VersionFn = @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Int32
  private typealias ErrorStringFn = @convention(c) (Int32) -> UnsafePointer<CChar>?

  let library: DynamicLibrary
  private let create: CreateFn, compileProgram: CompileFn, destroy: DestroyFn
  private let logSize: SizeFn, log: DataFn, ptxSize: SizeFn, ptx: DataFn
  private let cubinSize: SizeFn?, cubin: DataFn?
  private let errorString: ErrorStringFn?
  /// (major, minor) of the loaded NVRTC.
  let version: (Int, Int)

  /// Sonames first, then the same names in the toolkit and wheel folders.
  static func candidates() -> [String] {
    let names = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"]
    let environment = ProcessInfo.processInfo.environment["TORCH_NVRTC_PATH"].map { [$0] } ?? []
    return environment + names + DynamicLibrary.toolkitDirectories().flatMap { directory in names.map { directory + "/" + $0 } }
  }

  init() throws(TorchError) {
    let library = try DynamicLibrary.open("NVRTC (libnvrtc)", candidates: Self.candidates())
    self.library = library
    func require<T>(_ name: String, _ type: T.Type) throws(TorchError) -> T { try library.require(name, type) }
    create = try require("nvrtcCreateProgram", CreateFn.self)
    compileProgram = try require("nvrtcCompileProgram", CompileFn.self)
    destroy = try require("nvrtcDestroyProgram", DestroyFn.self)
    logSize = try require("nvrtcGetProgramLogSize", SizeFn.self)
    log = try require("nvrtcGetProgramLog", DataFn.self)
    ptxSize = try require("nvrtcGetPTXSize", SizeFn.self)
    ptx = try require("nvrtcGetPTX", DataFn.self)
    cubinSize = library.symbol("nvrtcGetCUBINSize", SizeFn.self)
    cubin = library.symbol("nvrtcGetCUBIN", DataFn.self)
    errorString = library.symbol("nvrtcGetErrorString", ErrorStringFn.self)
    var major: Int32 = 0, minor: Int32 = 0
    if let versionFn = library.symbol("nvrtcVersion", VersionFn.self) { _ = versionFn(&major, &minor) }
    version = (Int(major), Int(minor))
  }

  /// The compiled image: cubin for a real `sm_XY` target, else NUL-terminated PTX.
  struct Output {
    let image: [UInt8]
    let isCubin: Bool
    let log: String
  }

  /// Compiles CUDA C `source` for `architecture` (`sm_90` or `compute_90`). A compile error
  /// throws with NVRTC's log.
  func compile(_ source: String, name: String, architecture: String) throws(TorchError) -> Output {
    var program: OpaquePointer?
    try check(create(&program, source, name, 0, nil, nil), "nvrtcCreateProgram")
    defer { _ = destroy(&program) }
    let options = ["--gpu-architecture=\(architecture)", "--std=c++17", "-default-device"]
    let status = withCStrings(options) { compileProgram(program!, Int32(options.count), $0) }
    var size = 0
    _ = logSize(program!, &size)
    var logBuffer = [CChar](repeating: 0, count: Swift.max(size, 1))
    _ = log(program!, &logBuffer)
    let logText = String(decoding: logBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard status == 0 else {
      throw .backend("nvrtcCompileProgram(\(name), \(architecture)) failed: \(describe(status))\n\(logText)")
    }
    if architecture.hasPrefix("sm_"), let cubinSize, let cubin {
      var bytes = 0
      try check(cubinSize(program!, &bytes), "nvrtcGetCUBINSize")
      if bytes > 0 {
        var image = [CChar](repeating: 0, count: bytes)
        try check(cubin(program!, &image), "nvrtcGetCUBIN")
        return Output(image: image.map { UInt8(bitPattern: $0) }, isCubin: true, log: logText)
      }
    }
    try check(ptxSize(program!, &size), "nvrtcGetPTXSize")
    var text = [CChar](repeating: 0, count: size)
    try check(ptx(program!, &text), "nvrtcGetPTX")
    return Output(image: text.map { UInt8(bitPattern: $0) }, isCubin: false, log: logText)
  }

  private func describe(_ status: Int32) -> String {
    errorString?(status).map { String(cString: $0) } ?? "NVRTC error \(status)"
  }

  private func check(_ status: Int32, _ call: String) throws(TorchError) {
    if status != 0 { throw .backend("\(call) failed: \(describe(status))") }
  }
}

/// Calls `body` with a C array of C strings that lives for the call.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
  let duplicates = strings.map { strdup($0) }
  defer { duplicates.forEach { free($0) } }
  let pointers = duplicates.map { UnsafePointer($0) }
  return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
