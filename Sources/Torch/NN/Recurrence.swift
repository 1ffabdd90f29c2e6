// The recurrences behind nn.RNN, nn.LSTM, nn.GRU and their cells, computed as PyTorch's CPU
// path computes them (aten/src/ATen/native/RNN.cpp): the input's projection for the whole
// sequence in one product, then one cell per step, the hidden projection added to it. Written
// in tensor ops, so gradients, gradients of gradients and every device come with them. On the
// CPU the LSTM's and GRU's cells run as fused ops (FusedRecurrentCells.swift), and a float32
// LSTM layer that records a graph as one node (FusedLSTMLayer.swift); under createGraph both
// differentiate these tensor ops.

/// Which recurrence a layer runs.
enum RecurrentKind: Sendable {
  case rnnTanh, rnnRelu, lstm, gru

  /// Rows of W_ih per hidden unit: one per gate.
  var gates: Int {
    switch self {
    case .rnnTanh, .rnnRelu: 1
    case .lstm: 4
    case .gru: 3
    }
  }
}

/// One direction of one layer: W_ih, W_hh, b_ih, b_hh and the LSTM's projection W_hr.
struct RecurrentWeights {
  let inputHidden: Tensor
  let hiddenHidden: Tensor
  let inputBias: Tensor?
  let hiddenBias: Tensor?
  let projection: Tensor?

  /// The weights of each layer and direction from PyTorch's flat list (`_flat_weights`:
  /// w_ih, w_hh, then b_ih, b_hh with biases, then w_hr with a projection).
  static func grouped(_ flat: [Tensor], hasBiases: Bool, hasProjection: Bool) -> [RecurrentWeights] {
    let stride = 2 + (hasBiases ? 2 : 0) + (hasProjection ? 1 : 0)
    return Swift.stride(from: 0, to: flat.count, by: stride).map { i in
      RecurrentWeights(inputHidden: flat[i], hiddenHidden: flat[i + 1],
                       inputBias: hasBiases ? flat[i + 2] : nil, hiddenBias: hasBiases ? flat[i + 3] : nil,
                       projection: hasProjection ? flat[i + stride - 1] : nil)
    }
  }
}

enum Recurrence {
  /// One step from `projected` = x·W_ihᵀ + b_ih and the state ([h], or [h, c] for the LSTM):
  /// the new state. `fused`: the LSTM's or GRU's pointwise part as one op where it applies
  /// (FusedRecurrentCells.swift; the layers take it, the cells keep PyTorch's composed graph).
  static func step(_ kind: RecurrentKind, projected: Tensor, state: [Tensor], _ w: RecurrentWeights, fused: Bool = false) -> [Tensor] {
    let hidden = F.linear(state[0], w.hiddenHidden, w.hiddenBias)
    let fused = fused && (kind == .lstm || kind == .gru) && fusedCellApplies(gates: kind.gates, projected, hidden, state.last!)
    switch kind {
    case .rnnTanh: return [(hidden + projected).tanh()]
    case .rnnRelu: return [(hidden + projected).relu()]
    case .lstm where fused:
      let (h, c) = fusedLSTMCell(inputGates: projected, hiddenGates: hidden, cell: state[1])
      return [w.projection.map { h.matmul($0.t()) } ?? h, c]
    case .lstm:
      let gates = (hidden + projected).chunk(4, dim: 1)
      let (input, forget, cell, output) = (gates[0].sigmoid(), gates[1].sigmoid(), gates[2].tanh(), gates[3].sigmoid())
      let c = forget * state[1] + input * cell
      let h = output * c.tanh()
      return [w.projection.map { h.matmul($0.t()) } ?? h, c]
    case .gru where fused:
      return [fusedGRUCell(inputGates: projected, hiddenGates: hidden, hidden: state[0])]
    case .gru:
      let (i, h) = (projected.chunk(3, dim: 1), hidden.chunk(3, dim: 1))
      let reset = (h[0] + i[0]).sigmoid()
      let update = (h[1] + i[1]).sigmoid()
      let candidate = (i[2] + h[2] * reset).tanh()
      return [(state[0] - candidate) * update + candidate]
    }
  }

  /// One direction of one layer over `input` [L, N, I]: the outputs [L, N, H_out] (in input
  /// order also when running in reverse) and the final state.
  static func layer(_ kind: RecurrentKind, _ input: Tensor, state: [Tensor], _ w: RecurrentWeights, reverse: Bool) -> (Tensor, [Tensor]) {
    torchCheck(input.dims[0] > 0, "Expected sequence length to be larger than 0 in RNN")
    let projected = F.linear(input, w.inputHidden, w.inputBias)
    if kind == .lstm && lstmLayerApplies(projected, state: state, w) {
      return fusedLSTMLayer(projected: projected, state: state, w, reverse: reverse)
    }
    let steps = projected.unbind(0)
    var state = state
    var outputs: [Tensor] = []
    outputs.reserveCapacity(steps.count)
    for projected in reverse ? steps.reversed() : steps {
      state = step(kind, projected: projected, state: state, w, fused: true)
      outputs.append(state[0])
    }
    if reverse { outputs.reverse() }
    return (torch.stack(outputs, dim: 0), state)
  }

  /// The layer stack over `input` [L, N, I] from the initial `state` (each [layers·directions,
  /// N, H]): the last layer's output [L, N, directions·H_out] and the final states, stacked as
  /// the initial ones. Between layers, dropout with probability `dropout` when `training`.
  static func run(_ kind: RecurrentKind, _ input: Tensor, state: [Tensor], weights: [RecurrentWeights], layers: Int,
                  bidirectional: Bool, dropout: Double, training: Bool) -> (Tensor, [Tensor]) {
    let directions = bidirectional ? 2 : 1
    let initial = state.map { $0.unbind(0) }
    var finals = [[Tensor]](repeating: [], count: state.count)
    var x = input
    for layer in 0..<layers {
      var outputs: [Tensor] = []
      for direction in 0..<directions {
        let index = layer * directions + direction
        let (output, last) = self.layer(kind, x, state: initial.map { $0[index] }, weights[index], reverse: direction == 1)
        outputs.append(output)
        for (k, tensor) in last.enumerated() { finals[k].append(tensor) }
      }
      x = directions == 1 ? outputs[0] : torch.cat(outputs, dim: 2)
      if dropout > 0 && training && layer < layers - 1 { x = F.dropout(x, p: dropout) }
    }
    return (x, finals.map { torch.stack($0, dim: 0) })
  }
}
