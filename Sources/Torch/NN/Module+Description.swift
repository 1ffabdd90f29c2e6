import Foundation

extension Module {
  /// PyTorch's module repr: `Name(extra)` or a nested, indented listing of children.
  public var description: String {
    let extraLines = extraRepr.isEmpty ? [] : extraRepr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let childLines = namedChildren().map { name, child in
      "(\(name)): " + addIndent(String(describing: child), 2)
    }
    let lines = extraLines + childLines
    var text = typeName + "("
    if !lines.isEmpty {
      if extraLines.count == 1 && childLines.isEmpty {
        text += extraLines[0]
      } else {
        text += "\n  " + lines.joined(separator: "\n  ") + "\n"
      }
    }
    return text + ")"
  }
}

/// Indents every line but the first by `spaces`, leaving blank lines empty (`_addindent`).
func addIndent(_ text: String, _ spaces: Int) -> String {
  let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
  guard lines.count > 1 else { return text }
  let pad = String(repeating: " ", count: spaces)
  return ([String(lines[0])] + lines.dropFirst().map { $0.isEmpty ? "" : pad + $0 }).joined(separator: "\n")
}

/// Python's spelling of values in `extra_repr` strings.
func pythonRepr(_ value: Bool) -> String { value ? "True" : "False" }
func pythonRepr(_ value: Double) -> String {
  value == value.rounded() && Swift.abs(value) < 1e16 ? String(format: "%.1f", value) : "\(value)"
}
