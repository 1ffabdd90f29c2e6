
/// A neural network module, mirroring `torch.nn.Module`.
///
/// A model is a `final class` that conforms, keeps its layers and parameters as stored
/// properties, and implements `forward`. Nothing is registered by hand: parameters
/// (tensors made with `nn.Parameter`), buffers (`nn.Buffer`) and submodules (including
/// arrays of modules) are found by reflection over stored properties, in declaration
/// order, and named as PyTorch names them (`linear_relu_stack.0.weight`).
///
/// ```swift
/// final class NeuralNetwork: Module {
///   let flatten = nn.Flatten()
///   let linear_relu_stack = nn.Sequential(nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 10))
///   func forward(_ x: Tensor) -> Tensor { linear_relu_stack(flatten(x)) }
/// }
/// ```
public protocol Module: AnyObject, CustomStringConvertible {
  /// The computation, for modules that take one tensor. Call the module (`model(x)`), not this.
  func forward(_ input: Tensor) -> Tensor
  /// The configuration shown inside the parentheses of the repr (`extra_repr`).
  var extraRepr: String { get }
  /// The class name shown in the repr; the Swift type's name by default.
  var typeName: String { get }
  /// The module's own parameters, buffers and submodules, in order. Reflection provides
  /// it; containers such as `Sequential` override it to name children "0", "1", ....
  func namedMembers() -> [(name: String, member: ModuleMember)]
}

/// One direct member of a module.
public enum ModuleMember {
  case parameter(Tensor)
  case buffer(Tensor)
  case module(any Module)
}

extension Module {
  public func forward(_ input: Tensor) -> Tensor {
    torchFail("Module [\(typeName)] is missing the required \"forward\" function", kind: "NotImplementedError")
  }

  public var extraRepr: String { "" }
  public var typeName: String { String(describing: type(of: self)) }
  public func namedMembers() -> [(name: String, member: ModuleMember)] { Reflection.members(of: self) }
}

extension nn {
  public typealias Module = Torch.Module

  /// Marks a tensor as a module parameter (`nn.Parameter`): a leaf that requires grad by
  /// default and that reflection lists in `parameters()`.
  public static func Parameter(_ data: Tensor, requiresGrad: Bool = true) -> Tensor {
    let parameter = data.detach()
    parameter.isParameter = true
    parameter.requiresGrad = requiresGrad
    return parameter
  }

  /// Marks a tensor as a module buffer (`nn.Buffer`): state saved in `stateDict()` that is
  /// not trained, such as running statistics.
  public static func Buffer(_ data: Tensor) -> Tensor {
    let buffer = data.detach()
    buffer.isBuffer = true
    return buffer
  }
}

/// The train/eval flag of every module, kept beside the module so that user models need
/// no stored property for it. Entries are weak and die with their module.
enum TrainingFlags {
  private final class Entry: @unchecked Sendable {
    weak var module: AnyObject?
    let training: Bool
    init(_ module: AnyObject, _ training: Bool) { self.module = module; self.training = training }
  }

  private static let table = Locked<[ObjectIdentifier: Entry]>([:])

  static func isTraining(_ module: AnyObject) -> Bool {
    // A list that reflection made for an array property lives only as long as one walk;
    // its mode is its elements' mode.
    if let list = module as? nn.ModuleList, list.isReflected, let first = list.items.first {
      return isTraining(first)
    }
    return table.withLock { table in
      guard let entry = table[ObjectIdentifier(module)], entry.module === module else { return true }
      return entry.training
    }
  }

  static func set(_ module: AnyObject, training: Bool) {
    table.withLock { table in
      if table.count > 1024 { table = table.filter { $0.value.module != nil } }
      table[ObjectIdentifier(module)] = Entry(module, training)
    }
  }
}
