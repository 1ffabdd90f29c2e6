extension nn {
  /// What `RNN`, `LSTM` and `GRU` share (`torch.nn.RNNBase`): the layer stack's configuration
  /// and its weights, named (`weight_ih_l0`, `bias_hh_l1_reverse`, ...) and drawn as PyTorch's:
  /// every weight uniform in ±1/√hiddenSize, in registration order.
  public class RNNBase: Module {
    public let inputSize: Int
    public let hiddenSize: Int
    public let numLayers: Int
    public let bias: Bool
    public let batchFirst: Bool
    public let dropout: Double
    public let bidirectional: Bool
    /// The LSTM's projection size (0: none).
    public let projSize: Int
    /// The parameters' names in registration order (`_flat_weights_names`).
    public let flatWeightsNames: [String]
    /// The parameters in registration order (`_flat_weights`).
    public let flatWeights: [Tensor]
    let kind: RecurrentKind

    init(_ kind: RecurrentKind, _ inputSize: Int, _ hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool,
         dropout: Double, bidirectional: Bool, projSize: Int = 0, dtype: DType) {
      torchCheck(dropout >= 0 && dropout <= 1,
        "dropout should be a number in range [0, 1] representing the probability of an element being zeroed", kind: "ValueError")
      torchCheck(inputSize > 0, "input_size must be greater than zero", kind: "ValueError")
      torchCheck(hiddenSize > 0, "hidden_size must be greater than zero", kind: "ValueError")
      torchCheck(numLayers > 0, "num_layers must be greater than zero", kind: "ValueError")
      torchCheck(projSize >= 0, "proj_size should be a positive integer or zero to disable projections", kind: "ValueError")
      torchCheck(projSize < hiddenSize, "proj_size has to be smaller than hidden_size", kind: "ValueError")
      if dropout > 0 && numLayers == 1 {
        print("UserWarning: dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=\(dropout) and num_layers=\(numLayers)")
      }
      (self.kind, self.inputSize, self.hiddenSize, self.numLayers) = (kind, inputSize, hiddenSize, numLayers)
      (self.bias, self.batchFirst, self.dropout, self.bidirectional, self.projSize) = (bias, batchFirst, dropout, bidirectional, projSize)
      let directions = bidirectional ? 2 : 1
      let outputSize = projSize > 0 ? projSize : hiddenSize
      var names: [String] = [], weights: [Tensor] = []
      for layer in 0..<numLayers {
        for direction in 0..<directions {
          let suffix = "_l\(layer)" + (direction == 1 ? "_reverse" : "")
          let layerInput = layer == 0 ? inputSize : outputSize * directions
          var shapes: [(String, [Int])] = [("weight_ih", [kind.gates * hiddenSize, layerInput]),
                                           ("weight_hh", [kind.gates * hiddenSize, outputSize])]
          if bias { shapes += [("bias_ih", [kind.gates * hiddenSize]), ("bias_hh", [kind.gates * hiddenSize])] }
          if projSize > 0 { shapes.append(("weight_hr", [projSize, hiddenSize])) }
          for (name, shape) in shapes {
            names.append(name + suffix)
            weights.append(nn.Parameter(torch.empty(shape, dtype: dtype)))
          }
        }
      }
      (flatWeightsNames, flatWeights) = (names, weights)
      resetParameters()
    }

    /// Draws fresh weights (`reset_parameters`): each uniform in ±1/√hiddenSize, in order.
    public func resetParameters() {
      let bound = 1 / Double(hiddenSize).squareRoot()
      for weight in flatWeights { nn.`init`.uniform_(weight, a: -bound, b: bound) }
    }

    public func namedMembers() -> [(name: String, member: ModuleMember)] {
      zip(flatWeightsNames, flatWeights).map { ($0, .parameter($1)) }
    }

    public var extraRepr: String {
      var text = "\(inputSize), \(hiddenSize)"
      if projSize != 0 { text += ", proj_size=\(projSize)" }
      if numLayers != 1 { text += ", num_layers=\(numLayers)" }
      if !bias { text += ", bias=False" }
      if batchFirst { text += ", batch_first=True" }
      if dropout != 0 { text += ", dropout=\(pythonRepr(dropout))" }
      if bidirectional { text += ", bidirectional=True" }
      return text
    }

    /// A recurrent layer returns more than one tensor: call it (`let (output, hN) = rnn(x)`).
    public func forward(_ input: Tensor) -> Tensor {
      torchFail("\(typeName) returns the output and the final state: call it as `let (output, state) = \(typeName.lowercased())(input)`")
    }

    /// PyTorch's forward around the recurrence: the unbatched form, batch-first layout, zero
    /// initial states, its checks and its messages. `state` holds h (and c for the LSTM).
    func run(_ input: Tensor, state given: [Tensor]?) -> (Tensor, [Tensor]) {
      let name = typeName
      torchCheck(input.dim() == 2 || input.dim() == 3,
        "\(name): Expected input to be 2D or 3D, got \(input.dim())D " + (name == "RNN" ? "tensor instead" : "instead"), kind: "ValueError")
      let batched = input.dim() == 3
      for h in given ?? [] {
        torchCheck(h.dim() == (batched ? 3 : 2), batched
          ? "For batched 3-D input, hx should also be 3-D but got \(h.dim())-D tensor"
          : "For unbatched 2-D input, hx should also be 2-D but got \(h.dim())-D tensor")
      }
      var x = batched ? input : input.unsqueeze(batchFirst ? 0 : 1)
      var state = given.map { batched ? $0 : $0.map { $0.unsqueeze(1) } }
      let weightType = flatWeights[0].dtype
      torchCheck(x.dtype == weightType,
        "RNN input dtype (\(x.dtype)) does not match weight dtype (\(weightType)). Convert input: input.to(\(weightType)), or convert model: model.to(\(x.dtype))", kind: "ValueError")
      torchCheck(x.dims[2] == inputSize, "input.size(-1) must be equal to input_size. Expected \(inputSize), got \(x.dims[2])")
      let batch = x.dims[batchFirst ? 0 : 1], directions = bidirectional ? 2 : 1
      let sizes = [projSize > 0 ? projSize : hiddenSize, hiddenSize].prefix(kind == .lstm ? 2 : 1)
      let expected = sizes.map { [numLayers * directions, batch, $0] }
      if let current = state {
        for (k, h) in current.enumerated() where h.dims != expected[k] {
          let which = kind == .lstm ? "hidden[\(k)]" : "hidden"
          torchFail("Expected \(which) size (\(expected[k].map(String.init).joined(separator: ", "))), got \(h.dims)")
        }
      } else {
        state = expected.map { torch.zeros($0, dtype: x.dtype, device: x.device) }
      }
      if batchFirst { x = x.transpose(0, 1) }
      let weights = RecurrentWeights.grouped(flatWeights, hasBiases: bias, hasProjection: projSize > 0)
      var (output, finals) = Recurrence.run(kind, x, state: state!, weights: weights, layers: numLayers,
                                            bidirectional: bidirectional, dropout: dropout, training: isTraining)
      // PyTorch transposes its output back in place (TransposeBackward1).
      if batchFirst { output = output.transposedInPlaceStyle(0, 1) }
      if !batched {
        output = output.squeeze(batchFirst ? 0 : 1)
        finals = finals.map { $0.squeeze(1) }
      }
      return (output, finals)
    }
  }

  /// A stack of Elman recurrent layers, hₜ = tanh(xₜW_ihᵀ + b_ih + hₜ₋₁W_hhᵀ + b_hh)
  /// (`torch.nn.RNN`; `nonlinearity: "relu"` for ReLU). Input [L, N, inputSize] (or
  /// [N, L, inputSize] with `batchFirst`, or unbatched [L, inputSize]); returns the last
  /// layer's outputs and h_n [numLayers·directions, N, hiddenSize].
  public final class RNN: RNNBase {
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, nonlinearity: String = "tanh", bias: Bool = true,
                batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false, dtype: DType = .float32) {
      torchCheck(nonlinearity == "tanh" || nonlinearity == "relu",
        "Unknown nonlinearity '\(nonlinearity)'. Select from 'tanh' or 'relu'.", kind: "ValueError")
      super.init(nonlinearity == "tanh" ? .rnnTanh : .rnnRelu, inputSize, hiddenSize, numLayers: numLayers, bias: bias,
                 batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, dtype: dtype)
    }

    /// `output, h_n = rnn(input, h_0)`; h_0 defaults to zeros.
    public func callAsFunction(_ input: Tensor, _ hx: Tensor? = nil) -> (Tensor, Tensor) {
      let (output, state) = run(input, state: hx.map { [$0] })
      return (output, state[0])
    }
  }

  /// A stack of LSTM layers (`torch.nn.LSTM`), PyTorch's gates i, f, g, o in that order in
  /// W_ih and W_hh; `projSize` > 0 projects h by W_hr. Returns the output and (h_n, c_n).
  public final class LSTM: RNNBase {
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false, projSize: Int = 0, dtype: DType = .float32) {
      super.init(.lstm, inputSize, hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout,
                 bidirectional: bidirectional, projSize: projSize, dtype: dtype)
    }

    /// `output, (h_n, c_n) = lstm(input, (h_0, c_0))`; the states default to zeros.
    public func callAsFunction(_ input: Tensor, _ hx: (Tensor, Tensor)? = nil) -> (Tensor, (Tensor, Tensor)) {
      let (output, state) = run(input, state: hx.map { [$0.0, $0.1] })
      return (output, (state[0], state[1]))
    }
  }

  /// A stack of GRU layers (`torch.nn.GRU`), PyTorch's gates r, z, n in that order in W_ih
  /// and W_hh, with n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).
  public final class GRU: RNNBase {
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false, dtype: DType = .float32) {
      super.init(.gru, inputSize, hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout,
                 bidirectional: bidirectional, dtype: dtype)
    }

    /// `output, h_n = gru(input, h_0)`; h_0 defaults to zeros.
    public func callAsFunction(_ input: Tensor, _ hx: Tensor? = nil) -> (Tensor, Tensor) {
      let (output, state) = run(input, state: hx.map { [$0] })
      return (output, state[0])
    }
  }
}
