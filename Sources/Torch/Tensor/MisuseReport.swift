#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
#if os(Linux) && canImport(Runtime)
  import Runtime
#endif

/// How misuse stops the program. By default it prints what a PyTorch user reads from an
/// uncaught exception: the message, the op that refused, and where the caller's code called
/// it, then exits with status 1:
///
///     RuntimeError: mm: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)
///       in Tensor.mm(_:)
///       called from main() at Sources/App/main.swift:7
///     (set TORCH_SHOW_BACKTRACE=1 for the full backtrace)
///
/// With `TORCH_SHOW_BACKTRACE=1` it traps instead (`fatalError`), so Swift's crash reporter
/// prints every thread's backtrace and a debugger stops at the fault.
enum MisuseReport {
  /// Caller frames shown after the op.
  static let callerFrames = 3

  static func stop(_ message: String) -> Never {
    if let flag = getenv("TORCH_SHOW_BACKTRACE"), String(cString: flag) == "1" { fatalError(message) }
    var lines = [message]
    lines += whereFrom()
    lines.append("(set TORCH_SHOW_BACKTRACE=1 for the full backtrace)")
    fflush(nil)
    let text = Array((lines.joined(separator: "\n") + "\n").utf8)
    _ = text.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    _exit(1)
  }

  /// "in <op>" and "called from <frame>" lines: the outermost frame inside this module that
  /// the caller's code called, then the caller's frames (the standard library's are skipped).
  private static func whereFrom() -> [String] {
    #if os(Linux) && canImport(Runtime)
      guard let frames = try? Backtrace.capture(limit: 64).symbolicated()?.frames else { return [] }
      let symbols = frames.compactMap(\.symbol)
      func isOurs(_ symbol: SymbolicatedBacktrace.Symbol) -> Bool { symbol.rawName.hasPrefix("$s5Torch") }
      func isRuntime(_ symbol: SymbolicatedBacktrace.Symbol) -> Bool {
        symbol.rawName.hasPrefix("$ss") || symbol.rawName.hasPrefix("$sS") || symbol.sourceLocation == nil
      }
      guard symbols.first.map(isOurs) == true,
        let firstCaller = symbols.firstIndex(where: { !isOurs($0) && !isRuntime($0) })
      else { return [] }
      var lines: [String] = []
      if let op = symbols[..<firstCaller].last(where: isOurs) { lines.append("  in \(shortName(op.name))") }
      for symbol in symbols[firstCaller...].filter({ !isOurs($0) && !isRuntime($0) }).prefix(callerFrames) {
        let location = symbol.sourceLocation.map { " at \($0.path):\($0.line)" } ?? ""
        lines.append("  called from \(shortName(symbol.name))\(location)")
      }
      return lines
    #else
      return []
    #endif
  }

  /// A demangled name without its module prefix (a module's `main.swift` is "top-level code").
  private static func shortName(_ name: String) -> String {
    if name.hasSuffix("_main") && !name.contains(".") { return "top-level code" }
    return name.hasPrefix("Torch.") ? String(name.dropFirst("Torch.".count)) : name
  }
}
