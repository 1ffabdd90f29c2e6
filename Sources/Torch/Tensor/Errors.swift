/// Stops on misuse of an op with PyTorch's wording (`RuntimeError: mat1 and mat2 shapes cannot
/// be multiplied (3x784 and 20x10)`). Misuse is a programming error, as in PyTorch, so it is
/// not a thrown error; everything that reads the outside world throws `TorchError` instead.
@inline(__always)
func torchCheck(_ condition: Bool, _ message: @autoclosure () -> String, kind: String = "RuntimeError") {
  if !condition { torchFail(message(), kind: kind) }
}

/// Stops the program as an uncaught PyTorch exception does: the message, the op, and a few
/// frames of the caller's code (see `MisuseReport`).
func torchFail(_ message: String, kind: String = "RuntimeError") -> Never {
  MisuseReport.stop("\(kind): \(message)")
}

/// Errors from the outside world: files, data sets, checkpoints, downloads, CUDA libraries.
public enum TorchError: Error, CustomStringConvertible, Equatable {
  /// A file could not be read or written.
  case io(path: String, reason: String)
  /// A file was read but its contents are malformed.
  case corruptFile(path: String, reason: String)
  /// A well-formed file of a kind this package cannot read (a TorchScript archive, the
  /// pre-1.6 PyTorch format, a dtype it lacks).
  case unsupportedFile(path: String, reason: String)
  /// A checkpoint or state dict does not fit the model.
  case stateDict(String)
  /// A download failed or its checksum did not match.
  case download(url: String, reason: String)
  /// A device or library is missing or returned an error.
  case backend(String)
  /// A bad argument that came from outside (a flag, a config).
  case invalidArgument(String)

  public var description: String {
    switch self {
    case .io(let path, let reason): "\(path): \(reason)"
    case .corruptFile(let path, let reason): "\(path): \(reason)"
    case .unsupportedFile(let path, let reason): "\(path): \(reason)"
    case .stateDict(let message): message
    case .download(let url, let reason): "download of \(url) failed: \(reason)"
    case .backend(let message): message
    case .invalidArgument(let message): message
    }
  }
}
