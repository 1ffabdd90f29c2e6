import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A shared library opened at run time. Symbols resolve one by one, so a library that
/// lacks an optional function still loads.
struct DynamicLibrary: @unchecked Sendable {
  let handle: UnsafeMutableRawPointer
  let path: String

  /// Opens the first of `candidates` (sonames or absolute paths) that loads, or throws
  /// listing every place tried and why each failed. `global` makes its symbols visible to
  /// libraries loaded later (Open MPI's plugins resolve against libmpi).
  static func open(_ name: String, candidates: [String], global: Bool = false) throws(TorchError) -> DynamicLibrary {
    var failures: [String] = []
    for candidate in candidates {
      if let handle = dlopen(candidate, RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL)) { return DynamicLibrary(handle: handle, path: candidate) }
      failures.append("\(candidate) (\(dlerror().map { String(cString: $0) } ?? "not found"))")
    }
    throw .backend("\(name) could not be loaded; tried: " + failures.joined(separator: "; "))
  }

  /// The address of the global object `name` (Open MPI's handles are such addresses).
  func address(of name: String) throws(TorchError) -> UnsafeMutableRawPointer {
    guard let pointer = dlsym(handle, name) else { throw .backend("\(path) lacks \(name)") }
    return pointer
  }

  /// The function `name` as the C function type `T`, or nil when the library lacks it.
  func symbol<T>(_ name: String, _: T.Type) -> T? {
    dlsym(handle, name).map { unsafeBitCast($0, to: T.self) }
  }

  /// The function `name`, or an error saying which library lacks it and, optionally, what to do.
  func require<T>(_ name: String, _ type: T.Type, advice: String = "") throws(TorchError) -> T {
    guard let function = symbol(name, type) else {
      throw .backend("\(path) lacks \(name)" + (advice.isEmpty ? "" : "; \(advice)"))
    }
    return function
  }

  /// Directories where NVIDIA's toolkit libraries are commonly installed: `CUDA_HOME`,
  /// `CUDA_PATH`, `/usr/local/cuda*`, and the `nvidia-*` Python wheels' folders.
  static func toolkitDirectories() -> [String] {
    let environment = ProcessInfo.processInfo.environment
    var directories: [String] = []
    for key in ["CUDA_HOME", "CUDA_PATH"] {
      if let root = environment[key] { directories += [root + "/lib64", root + "/lib", root + "/targets/x86_64-linux/lib"] }
    }
    let local = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/local"))?.filter { $0.hasPrefix("cuda") }.sorted(by: >) ?? []
    directories += local.flatMap { ["/usr/local/\($0)/lib64", "/usr/local/\($0)/targets/x86_64-linux/lib"] }
    for site in pythonSitePackages() {
      directories += ["nvidia/cu13/lib", "nvidia/cuda_nvrtc/lib", "nvidia/cublas/lib", "nvidia/nccl/lib"].map { site + "/" + $0 }
    }
    var seen = Set<String>()
    return directories.filter { seen.insert($0).inserted && FileManager.default.fileExists(atPath: $0) }
  }

  /// site-packages folders of the Python installations on the usual paths, the active virtual
  /// or conda environment, and every `python3` on `PATH` (where a PyTorch install keeps its
  /// `nvidia-*` wheels).
  private static func pythonSitePackages() -> [String] {
    var roots: [String] = []
    let environment = ProcessInfo.processInfo.environment
    let home = environment["HOME"] ?? "/root"
    let prefixes = ["VIRTUAL_ENV", "CONDA_PREFIX"].compactMap { environment[$0] }
      + (environment["PATH"] ?? "").split(separator: ":").filter { FileManager.default.isExecutableFile(atPath: "\($0)/python3") }
        .map { ($0 as NSString).deletingLastPathComponent }
    for base in ["/usr/lib", "/usr/local/lib", home + "/.local/lib"] + pyenvLibs(home) + prefixes.map({ $0 + "/lib" }) {
      let entries = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
      for entry in entries where entry.hasPrefix("python3") {
        roots += ["\(base)/\(entry)/site-packages", "\(base)/\(entry)/dist-packages"]
      }
    }
    return roots
  }

  private static func pyenvLibs(_ home: String) -> [String] {
    let versions = home + "/.pyenv/versions"
    return ((try? FileManager.default.contentsOfDirectory(atPath: versions)) ?? []).map { "\(versions)/\($0)/lib" }
  }
}
