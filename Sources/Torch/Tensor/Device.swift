/// Where a tensor's storage lives, mirroring `torch.device`.
public enum Device: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
  case cpu
  case cuda(Int)

  /// `.cuda` alone means the first GPU, as `"cuda"` does in PyTorch.
  public static var cuda: Device { .cuda(0) }

  /// Parses `"cpu"`, `"cuda"` and `"cuda:N"`; anything else is a precondition failure.
  public init(stringLiteral value: String) {
    guard let device = Device(parsing: value) else {
      preconditionFailure("Expected one of cpu, cuda device type at start of device string: \(value)")
    }
    self = device
  }

  public init?(parsing value: String) {
    if value == "cpu" { self = .cpu; return }
    if value == "cuda" { self = .cuda(0); return }
    if value.hasPrefix("cuda:"), let index = Int(value.dropFirst(5)), index >= 0 {
      self = .cuda(index)
      return
    }
    return nil
  }

  /// `cpu` or `cuda:N`, as PyTorch prints a device.
  public var description: String {
    switch self {
    case .cpu: "cpu"
    case .cuda(let index): "cuda:\(index)"
    }
  }

  /// `"cpu"` or `"cuda"`: the device type without its index.
  public var type: String {
    if case .cuda = self { return "cuda" }
    return "cpu"
  }
}
