import Foundation

/// The command line the tutorial pages share: where the data set's files are (`--data DIR`,
/// default `data`), how many epochs to train (`--epochs N`), every how many batches to print
/// the loss (`--print-every N`), where to write figures (`--plot DIR`) and the seed
/// (`--seed N`), each page accepting the ones it uses. `--help` prints the usage; a bad
/// option stops with the usage and exit status 2.
public struct PageOptions {
  public enum Flag: String, CaseIterable, Sendable {
    case data, epochs, plot, seed
    case printEvery = "print-every"
    var usage: String {
      ["data": "[--data DIR]", "epochs": "[--epochs N]", "plot": "[--plot DIR]", "seed": "[--seed N]", "print-every": "[--print-every N]"][rawValue]!
    }
  }

  public var data = "data"
  public var epochs: Int?
  public var printEvery: Int?
  public var plot: String?
  public var seed: UInt64?

  /// Reads `CommandLine.arguments` for `program`, which accepts `flags`.
  public static func parse(_ program: String, accepting flags: [Flag]) -> PageOptions {
    let usage = "usage: \(program) " + flags.map(\.usage).joined(separator: " ")
    var options = PageOptions()
    var arguments = CommandLine.arguments.dropFirst()
    while let argument = arguments.popFirst() {
      if argument == "--help" || argument == "-h" {
        print(usage)
        exit(0)
      }
      let flag = Flag(rawValue: String(argument.dropFirst(2))).flatMap { flags.contains($0) && argument.hasPrefix("--") ? $0 : nil }
      switch (flag, arguments.popFirst()) {
      case (.data?, let value?): options.data = value
      case (.plot?, let value?): options.plot = value
      case (.epochs?, let value?) where Int(value).map({ $0 >= 0 }) == true: options.epochs = Int(value)
      case (.printEvery?, let value?) where Int(value).map({ $0 > 0 }) == true: options.printEvery = Int(value)
      case (.seed?, let value?) where UInt64(value) != nil: options.seed = UInt64(value)
      default:
        FileHandle.standardError.write(Data("\(program): bad option \(argument)\n\(usage)\n".utf8))
        exit(2)
      }
    }
    return options
  }
}
