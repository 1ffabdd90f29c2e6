extension nn {
  /// What the single-step cells share (`torch.nn.RNNCellBase`): W_ih, W_hh, b_ih, b_hh, drawn
  /// uniform in ±1/√hiddenSize in that order, as PyTorch's.
  public class RNNCellBase: Module {
    public let inputSize: Int
    public let hiddenSize: Int
    public let bias: Bool
    public let weight_ih: Tensor
    public let weight_hh: Tensor
    public let bias_ih: Tensor?
    public let bias_hh: Tensor?
    let kind: RecurrentKind

    init(_ kind: RecurrentKind, _ inputSize: Int, _ hiddenSize: Int, bias: Bool, dtype: DType) {
      (self.kind, self.inputSize, self.hiddenSize, self.bias) = (kind, inputSize, hiddenSize, bias)
      weight_ih = nn.Parameter(torch.empty(kind.gates * hiddenSize, inputSize, dtype: dtype))
      weight_hh = nn.Parameter(torch.empty(kind.gates * hiddenSize, hiddenSize, dtype: dtype))
      bias_ih = bias ? nn.Parameter(torch.empty(kind.gates * hiddenSize, dtype: dtype)) : nil
      bias_hh = bias ? nn.Parameter(torch.empty(kind.gates * hiddenSize, dtype: dtype)) : nil
      resetParameters()
    }

    /// Draws fresh weights (`reset_parameters`).
    public func resetParameters() {
      let bound = 1 / Double(hiddenSize).squareRoot()
      for weight in parameters() { nn.`init`.uniform_(weight, a: -bound, b: bound) }
    }

    public var extraRepr: String {
      "\(inputSize), \(hiddenSize)" + (bias ? "" : ", bias=False") + (kind == .rnnRelu ? ", nonlinearity=relu" : "")
    }

    /// One step from a zero state (`cell(input)`); an LSTM cell returns two tensors, so is
    /// called as `let (h, c) = cell(input)`.
    public func forward(_ input: Tensor) -> Tensor {
      torchCheck(kind != .lstm, "LSTMCell returns (h, c): call it as `let (h, c) = cell(input)`")
      return run(input, state: nil)[0]
    }

    /// PyTorch's checks and the unbatched form around one step; `state` holds h (and c).
    func run(_ input: Tensor, state given: [Tensor]?) -> [Tensor] {
      torchCheck(input.dim() == 1 || input.dim() == 2,
        "\(typeName): Expected input to be 1D or 2D, got \(input.dim())D instead", kind: "ValueError")
      for h in given ?? [] {
        torchCheck(h.dim() == 1 || h.dim() == 2, "\(typeName): Expected hidden to be 1D or 2D, got \(h.dim())D instead", kind: "ValueError")
      }
      let batched = input.dim() == 2
      let x = batched ? input : input.unsqueeze(0)
      let state = given.map { batched ? $0 : $0.map { $0.unsqueeze(0) } }
        ?? Array(repeating: torch.zeros([x.dims[0], hiddenSize], dtype: x.dtype, device: x.device), count: kind == .lstm ? 2 : 1)
      torchCheck(x.dims[1] == inputSize, "input has inconsistent input_size: got \(x.dims[1]) expected \(inputSize)")
      for (k, h) in state.enumerated() {
        torchCheck(h.dim() == 2, "Expected 2D hidden\(k) (batch x hidden_size), but got \(h.dim())D tensor")
        torchCheck(h.dims[0] == x.dims[0], "Input batch size \(x.dims[0]) doesn't match hidden\(k) batch size \(h.dims[0])")
        torchCheck(h.dims[1] == hiddenSize, "hidden\(k) has inconsistent hidden_size: got \(h.dims[1]), expected \(hiddenSize)")
      }
      let weights = RecurrentWeights(inputHidden: weight_ih, hiddenHidden: weight_hh, inputBias: bias_ih, hiddenBias: bias_hh,
                                     projection: nil)
      let next = Recurrence.step(kind, projected: F.linear(x, weight_ih, bias_ih), state: state, weights)
      return batched ? next : next.map { $0.squeeze(0) }
    }
  }

  /// One Elman step, h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (`torch.nn.RNNCell`).
  public final class RNNCell: RNNCellBase {
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, nonlinearity: String = "tanh", dtype: DType = .float32) {
      torchCheck(nonlinearity == "tanh" || nonlinearity == "relu", "Unknown nonlinearity: \(nonlinearity)", kind: "ValueError")
      super.init(nonlinearity == "tanh" ? .rnnTanh : .rnnRelu, inputSize, hiddenSize, bias: bias, dtype: dtype)
    }

    /// `h' = cell(input, h)`; h defaults to zeros.
    public func callAsFunction(_ input: Tensor, _ hx: Tensor? = nil) -> Tensor { run(input, state: hx.map { [$0] })[0] }
  }

  /// One LSTM step (`torch.nn.LSTMCell`): returns (h', c').
  public final class LSTMCell: RNNCellBase {
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, dtype: DType = .float32) {
      super.init(.lstm, inputSize, hiddenSize, bias: bias, dtype: dtype)
    }

    /// `h', c' = cell(input, (h, c))`; the states default to zeros.
    public func callAsFunction(_ input: Tensor, _ hx: (Tensor, Tensor)? = nil) -> (Tensor, Tensor) {
      let next = run(input, state: hx.map { [$0.0, $0.1] })
      return (next[0], next[1])
    }
  }

  /// One GRU step (`torch.nn.GRUCell`).
  public final class GRUCell: RNNCellBase {
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, dtype: DType = .float32) {
      super.init(.gru, inputSize, hiddenSize, bias: bias, dtype: dtype)
    }

    /// `h' = cell(input, h)`; h defaults to zeros.
    public func callAsFunction(_ input: Tensor, _ hx: Tensor? = nil) -> Tensor { run(input, state: hx.map { [$0] })[0] }
  }
}
