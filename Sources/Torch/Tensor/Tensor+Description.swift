import Foundation

/// PyTorch's print options (`torch.set_printoptions`); see `torch/_tensor_str.py`.
public struct PrintOptions: Sendable {
  public var precision = 4
  public var threshold = 1000
  public var edgeItems = 3
  public var lineWidth = 80
  /// nil chooses fixed or scientific notation automatically.
  public var sciMode: Bool? = nil
  public init() {}
}

extension torch {
  /// The options tensors print with. Not synchronized: set it once at start-up.
  nonisolated(unsafe) public static var printOptions = PrintOptions()
}

/// One width and notation shared by every element of a printed tensor (`_Formatter`).
struct ElementFormatter {
  let isFloating: Bool
  var intMode = true
  var sciMode = false
  var maxWidth = 1
  let precision: Int

  init(values: [Double], strings: [String], isFloating: Bool, options: PrintOptions) {
    self.isFloating = isFloating
    self.precision = options.precision
    guard isFloating else {
      maxWidth = strings.map(\.count).max() ?? 1
      return
    }
    let finite = values.filter { $0.isFinite && $0 != 0 }
    guard !finite.isEmpty else { return }
    let magnitudes = finite.map { Swift.abs($0) }
    let lo = magnitudes.min()!, hi = magnitudes.max()!
    intMode = finite.allSatisfy { $0 == $0.rounded(.up) }
    if intMode {
      sciMode = hi / lo > 1000 || hi > 1e8
      maxWidth = sciMode
        ? finite.map { Self.sci($0, precision).count }.max()!
        : finite.map { String(format: "%.0f", $0).count + 1 }.max()!
    } else {
      sciMode = hi / lo > 1000 || hi > 1e8 || lo < 1e-4
      maxWidth = finite.map { (sciMode ? Self.sci($0, precision) : String(format: "%.\(precision)f", $0)).count }.max()!
    }
    if let forced = options.sciMode { sciMode = forced }
  }

  static func sci(_ value: Double, _ precision: Int) -> String { String(format: "%.\(precision)e", value) }

  var width: Int { maxWidth }

  func format(_ value: Double, _ string: String) -> String {
    var text: String
    if !isFloating {
      text = string
    } else if sciMode {
      text = Self.sci(value, precision)
    } else if intMode {
      text = value.isNaN ? "nan" : (value.isInfinite ? (value > 0 ? "inf" : "-inf") : String(format: "%.0f", value) + ".")
    } else {
      text = value.isNaN ? "nan" : (value.isInfinite ? (value > 0 ? "inf" : "-inf") : String(format: "%.\(precision)f", value))
    }
    if sciMode, value.isNaN { text = "nan" }
    if sciMode, value.isInfinite { text = value > 0 ? "inf" : "-inf" }
    return String(repeating: " ", count: Swift.max(0, maxWidth - text.count)) + text
  }
}

extension Tensor: CustomStringConvertible {
  /// PyTorch's `repr`, character for character.
  public var description: String {
    let body = reprBody()
    return isParameter && gradFn == nil ? "Parameter containing:\n" + body : body
  }

  // MARK: - _str_intern

  private func reprBody() -> String {
    let options = torch.printOptions
    let host = device == .cpu ? self : GradMode.with(enabled: false) { self.cpu() }
    let prefix = "tensor("
    let indent = prefix.count
    var suffixes: [String] = []
    if case .cuda = device { suffixes.append("device='\(device)'") }
    let text: String
    if numel() == 0 {
      if dims.count != 1 { suffixes.append("size=(" + dims.map(String.init).joined(separator: ", ") + (dims.count == 1 ? ",)" : ")")) }
      if dtype != .float32 { suffixes.append("dtype=\(dtype)") }
      text = "[]"
    } else {
      if ![.float32, .int64, .bool].contains(dtype) { suffixes.append("dtype=\(dtype)") }
      text = host.tensorString(indent: indent, options: options)
    }
    if let gradFn {
      suffixes.append("grad_fn=<\(gradFn.name)>")
    } else if requiresGrad {
      suffixes.append("requires_grad=True")
    }
    return Self.addSuffixes(prefix + text, suffixes, indent: indent, lineWidth: options.lineWidth)
  }

  /// `_add_suffixes`: a suffix wraps onto its own line when it would pass the line width.
  private static func addSuffixes(_ text: String, _ suffixes: [String], indent: Int, lineWidth: Int) -> String {
    var out = text
    let lastNewline = text.lastIndex(of: "\n")
    var lastLineLength = lastNewline.map { text.distance(from: $0, to: text.endIndex) + 1 } ?? text.count + 2
    for suffix in suffixes {
      if lastLineLength + suffix.count + 2 > lineWidth {
        out += ",\n" + String(repeating: " ", count: indent) + suffix
        lastLineLength = indent + suffix.count
      } else {
        out += ", " + suffix
        lastLineLength += suffix.count + 2
      }
    }
    return out + ")"
  }

  // MARK: - _tensor_str

  private func tensorString(indent: Int, options: PrintOptions) -> String {
    let summarize = numel() > options.threshold
    var values: [Double] = [], strings: [String] = []
    collectDisplayed(summarize: summarize, edge: options.edgeItems, values: &values, strings: &strings)
    let formatter = ElementFormatter(values: values, strings: strings, isFloating: dtype.isFloatingPoint, options: options)
    return formatted(indent: indent, summarize: summarize, formatter: formatter, options: options)
  }

  /// The elements that will be shown (`get_summarized_data`), which alone decide the format.
  private func collectDisplayed(summarize: Bool, edge: Int, values: inout [Double], strings: inout [String]) {
    if dims.isEmpty {
      values.append(scalarDouble())
      strings.append(scalarString())
      return
    }
    let n = dims[0]
    let shown = summarize && n > 2 * edge ? Array(0..<edge) + Array((n - edge)..<n) : Array(0..<n)
    for i in shown {
      GradMode.with(enabled: false) { select(0, i) }
        .collectDisplayed(summarize: summarize, edge: edge, values: &values, strings: &strings)
    }
  }

  /// `_tensor_str_with_formatter`.
  private func formatted(indent: Int, summarize: Bool, formatter: ElementFormatter, options: PrintOptions) -> String {
    let edge = options.edgeItems
    if dims.isEmpty { return formatter.format(scalarDouble(), scalarString()) }
    let n = dims[0]
    let rows: (Int) -> Tensor = { i in GradMode.with(enabled: false) { self.select(0, i) } }
    if dims.count == 1 {
      let elementLength = formatter.width + 2
      let perLine = Swift.max(1, (options.lineWidth - indent) / elementLength)
      var data: [String]
      let show: (Int) -> String = { i in let x = rows(i); return formatter.format(x.scalarDouble(), x.scalarString()) }
      if summarize && n > 2 * edge {
        data = (0..<edge).map(show) + [" ..."] + ((n - edge)..<n).map(show)
      } else {
        data = (0..<n).map(show)
      }
      let lines = Swift.stride(from: 0, to: data.count, by: perLine).map {
        data[$0..<Swift.min($0 + perLine, data.count)].joined(separator: ", ")
      }
      return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
    }
    let child: (Int) -> String = { i in
      rows(i).formatted(indent: indent + 1, summarize: summarize, formatter: formatter, options: options)
    }
    let slices = summarize && n > 2 * edge
      ? (0..<edge).map(child) + ["..."] + ((n - edge)..<n).map(child)
      : (0..<n).map(child)
    let separator = "," + String(repeating: "\n", count: dims.count - 1) + String(repeating: " ", count: indent + 1)
    return "[" + slices.joined(separator: separator) + "]"
  }

  /// The value of a 0-dim CPU view as a Double.
  func scalarDouble() -> Double {
    switch dtype {
    case .float32: Double(pointer(Float.self).pointee)
    case .float64: pointer(Double.self).pointee
    case .int64: Double(pointer(Int64.self).pointee)
    case .uint8: Double(pointer(UInt8.self).pointee)
    case .bool: pointer(Bool.self).pointee ? 1 : 0
    }
  }

  /// Python's `str` of a 0-dim integer or bool view.
  private func scalarString() -> String {
    switch dtype {
    case .int64: String(pointer(Int64.self).pointee)
    case .uint8: String(pointer(UInt8.self).pointee)
    case .bool: pointer(Bool.self).pointee ? "True" : "False"
    default: ""
    }
  }
}

/// Types whose optional values print as Python prints them: the value, or `None`
/// (`print(x.grad)` before the first backward, `print(leaf.gradFn)`). Only this package's
/// tensors and autograd nodes conform, so other optionals keep printing `nil`.
public protocol PrintsNoneWhenAbsent: CustomStringConvertible {}

extension Tensor: PrintsNoneWhenAbsent {}

extension Optional: @retroactive CustomStringConvertible where Wrapped: PrintsNoneWhenAbsent {
  public var description: String { map(\.description) ?? "None" }
}

extension DefaultStringInterpolation {
  /// `"\(x.grad)"` writes the gradient or `None`, as an f-string does (and without Swift's
  /// warning about interpolating an optional).
  public mutating func appendInterpolation<T: PrintsNoneWhenAbsent>(_ value: T?) {
    appendLiteral(value.description)
  }
}

/// `print(x.grad)` prints the gradient or `None`, as Python does. (Swift's `print` takes `Any`,
/// which shows an optional as `Optional(...)`; this overload is chosen for these types only.)
public func print<T: PrintsNoneWhenAbsent>(_ value: T?, terminator: String = "\n") {
  Swift.print(value.description, terminator: terminator)
}
