import Foundation

extension nn {
  /// y = x Wᵀ + b (`torch.nn.Linear`). The weight is `(outFeatures, inFeatures)`;
  /// initialization is PyTorch's: Kaiming uniform with a = √5 for the weight, then the
  /// bias uniform in ±1/√fan_in, drawn from the default generator in that order.
  public class Linear: Module {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = .float32) {
      self.inFeatures = inFeatures
      self.outFeatures = outFeatures
      weight = nn.Parameter(torch.empty(outFeatures, inFeatures, dtype: dtype))
      self.bias = bias ? nn.Parameter(torch.empty(outFeatures, dtype: dtype)) : nil
      resetParameters()
    }

    /// `nn.Linear(in_features=784, out_features=20)`.
    public convenience init(inFeatures: Int, outFeatures: Int, bias: Bool = true, dtype: DType = .float32) {
      self.init(inFeatures, outFeatures, bias: bias, dtype: dtype)
    }

    /// Draws fresh initial values (`reset_parameters`).
    public func resetParameters() {
      nn.`init`.kaimingUniform_(weight, a: 5.0.squareRoot())
      if let bias {
        let fanIn = nn.`init`.fans(weight).fanIn
        let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
        nn.`init`.uniform_(bias, a: -bound, b: bound)
      }
    }

    public func forward(_ input: Tensor) -> Tensor { F.linear(input, weight, bias) }

    public var extraRepr: String {
      "in_features=\(inFeatures), out_features=\(outFeatures), bias=\(pythonRepr(bias != nil))"
    }
  }

  /// The Linear that `MultiheadAttention` keeps as `out_proj`: a Linear under PyTorch's name
  /// for it (which its repr shows).
  public final class NonDynamicallyQuantizableLinear: Linear {}

  /// Returns its input unchanged (`torch.nn.Identity`).
  public final class Identity: Module {
    public init() {}
    public func forward(_ input: Tensor) -> Tensor { input }
  }
}
