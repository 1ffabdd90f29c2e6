import CTorchKernels

// A float32 LSTM layer on the CPU as one autograd node, as PyTorch's oneDNN path records it
// (`MkldnnRnnLayerBackward0`). The forward runs the same steps as the per-step graph (hidden
// projection, then the fused cell: the same bits); backward walks the steps back with the cell's
// kernel, keeping each step's gate gradients, and then computes W_hh's and b_hh's gradients in
// one product over all steps (K = steps · batch) instead of a thin product (K = batch) and an
// accumulation per step. The gate gradients are also the projected input's gradient, so the
// input projection's node differentiates x, W_ih and b_ih in one product too. With
// `createGraph`, backward differentiates the per-step form, so gradients of gradients work.

extension Recurrence {
  /// Whether one direction of an LSTM layer runs as one node: float32 on the CPU, no projection,
  /// projected input [L, N, 4H] and states [N, H], while a graph is being recorded.
  static func lstmLayerApplies(_ projected: Tensor, state: [Tensor], _ w: RecurrentWeights) -> Bool {
    let tensors = [projected, w.hiddenHidden] + state + [w.hiddenBias].compactMap { $0 }
    guard w.projection == nil, state.count == 2, GradMode.isEnabled, tensors.contains(where: \.requiresGrad),
          tensors.allSatisfy({ $0.device == .cpu && $0.dtype == .float32 }), projected.dims.count == 3 else { return false }
    let (rows, hidden) = (projected.dims[1], state[0].dims.last ?? 0)
    return state.allSatisfy { $0.dims == [rows, hidden] } && projected.dims[2] == 4 * hidden && projected.dims[0] > 0
  }

  /// One direction of an LSTM layer over `projected` = x·W_ihᵀ + b_ih ([L, N, 4H]) from the
  /// state (h0, c0): the outputs [L, N, H] in input order, and the final h and c. All three are
  /// views of one [L + 1, N, H] result (outputs, then the final cell state) whose node is
  /// `MkldnnRnnLayerBackward0`.
  static func fusedLSTMLayer(projected: Tensor, state: [Tensor], _ w: RecurrentWeights, reverse: Bool) -> (Tensor, [Tensor]) {
    let (steps, rows, hidden) = (projected.dims[0], projected.dims[1], state[0].dims[1])
    let order = reverse ? Array((0..<steps).reversed()) : Array(0..<steps)
    let (p, h0, c0) = (projected.detach().contiguous(), state[0].detach().contiguous(), state[1].detach().contiguous())
    let result = Tensor(uninitialized: [steps + 1, rows, hidden], dtype: .float32)
    // Per step in the order run: the new cell state (the last one's is the result's last row),
    // and the activated gates and tanh(c').
    let cells = Tensor(uninitialized: [steps - 1, rows, hidden], dtype: .float32)
    let workspace = Tensor(uninitialized: [steps, rows, 5 * hidden], dtype: .float32)
    let (hh, bh) = (w.hiddenHidden.detach(), w.hiddenBias?.detach())
    GradMode.with(enabled: false) {
      var (h, c) = (h0, c0)
      for (run, index) in order.enumerated() {
        let gates = F.linear(h, hh, bh).contiguous()
        let newCell = run == steps - 1 ? result.select(0, steps) : cells.select(0, run)
        lstmCellRows(rows, hidden, hiddenGates: gates.pointer(Float.self), inputGates: p.pointer(Float.self) + index * rows * 4 * hidden,
                     cell: c.pointer(Float.self), h: result.pointer(Float.self) + index * rows * hidden,
                     c: newCell.pointer(Float.self), workspace: workspace.pointer(Float.self) + run * rows * 5 * hidden)
        (h, c) = (result.select(0, index), newCell)
      }
    }
    let outputs = result.detach()
    let inputs = [projected, state[0], state[1], w.hiddenHidden] + [w.hiddenBias].compactMap { $0 }
    result.recording("MkldnnRnnLayerBackward0", inputs, saved: [outputs, cells, workspace, h0, c0, hh]) { grad in
      if GradMode.isEnabled {
        return Tensor.formulaGradients({ perStepLSTMLayer($0, w, reverse: reverse) }, inputs, grad)
      }
      let backward = LSTMLayerBackward(order: order, rows: rows, hidden: hidden, outputs: outputs, cells: cells, workspace: workspace,
                                       h0: h0, c0: c0, hiddenHidden: hh)
      return backward.gradients(grad.contiguous(), needs: inputs.map(\.requiresGrad), hasBias: w.hiddenBias != nil)
    }
    let last = reverse ? 0 : steps - 1
    return (result.narrow(0, start: 0, length: steps), [result.select(0, last), result.select(0, steps)])
  }

  /// The fused layer's result computed step by step in recorded ops, for gradients of gradients:
  /// `inputs` are (projected, h0, c0, W_hh[, b_hh]).
  private static func perStepLSTMLayer(_ inputs: [Tensor], _ w: RecurrentWeights, reverse: Bool) -> Tensor {
    let weights = RecurrentWeights(inputHidden: w.inputHidden, hiddenHidden: inputs[3], inputBias: w.inputBias,
                                   hiddenBias: inputs.count > 4 ? inputs[4] : nil, projection: nil)
    let steps = inputs[0].unbind(0)
    var state = [inputs[1], inputs[2]]
    var outputs = [Tensor?](repeating: nil, count: steps.count)
    for index in reverse ? Array(steps.indices.reversed()) : Array(steps.indices) {
      state = step(.lstm, projected: steps[index], state: state, weights, fused: true)
      outputs[index] = state[0]
    }
    return torch.stack(outputs.map { $0! } + [state[1]], dim: 0)
  }

  /// The fused cell's kernel over `rows` rows, spread over the pool.
  fileprivate static func lstmCellRows(_ rows: Int, _ hidden: Int, hiddenGates: UnsafePointer<Float>, inputGates: UnsafePointer<Float>,
                                       cell: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
                                       workspace: UnsafeMutablePointer<Float>) {
    ThreadPool.parallelRows(rows, length: hidden) { start, count in
      let (gates, unit) = (start * 4 * hidden, start * hidden)
      ctk_lstm_cell_f32(Int64(count), Int64(hidden), hiddenGates + gates, inputGates + gates, cell + unit, h + unit, c + unit,
                        workspace + 5 * unit)
    }
  }
}

/// Backward through a fused LSTM layer's steps (see `Recurrence.fusedLSTMLayer`).
private struct LSTMLayerBackward {
  /// The input positions in the order the forward ran them.
  let order: [Int]
  let rows: Int
  let hidden: Int
  /// The forward's [L + 1, N, H] result, the cell states of the steps run before the last, and
  /// every step's workspace.
  let outputs: Tensor
  let cells: Tensor
  let workspace: Tensor
  let h0: Tensor
  let c0: Tensor
  let hiddenHidden: Tensor

  /// Gradients of (projected, h0, c0, W_hh[, b_hh]) from the result's gradient `grad`
  /// [L + 1, N, H] (the outputs', then the final cell state's), where `needs` says so. Called
  /// with grad mode off (under createGraph the node differentiates the per-step form instead).
  func gradients(_ grad: Tensor, needs: [Bool], hasBias: Bool) -> [Tensor?] {
    let steps = order.count
    // Gate gradients per input position: the projected input's gradient as it is laid out.
    let gateGradients = Tensor(uninitialized: [steps, rows, 4 * hidden], dtype: .float32)
    var cellGradient = grad.select(0, steps).contiguous()
    var hiddenGradient: Tensor? = nil
    for (run, index) in order.enumerated().reversed() {
      let outputGradient = grad.select(0, index)
      let h = (hiddenGradient.map { outputGradient + $0 } ?? outputGradient).contiguous()
      let previousCell = run == 0 ? c0 : cells.select(0, run - 1)
      let newCellGradient = Tensor(uninitialized: [rows, hidden], dtype: .float32)
      let gates = gateGradients.select(0, index)
      ThreadPool.parallelRows(rows, length: hidden) { start, count in
        let (g4, unit) = (start * 4 * hidden, start * hidden)
        ctk_lstm_cell_backward_f32(Int64(count), Int64(hidden), h.pointer(Float.self) + unit, cellGradient.pointer(Float.self) + unit,
                                   previousCell.pointer(Float.self) + unit,
                                   workspace.pointer(Float.self) + (run * rows + start) * 5 * hidden,
                                   gates.pointer(Float.self) + g4, newCellGradient.pointer(Float.self) + unit)
      }
      cellGradient = newCellGradient
      if run > 0 || needs[1] { hiddenGradient = gates.mm(hiddenHidden) }
    }
    let flat = gateGradients.view(steps * rows, 4 * hidden)
    var result: [Tensor?] = [needs[0] ? gateGradients : nil, needs[1] ? hiddenGradient : nil, needs[2] ? cellGradient : nil,
                             needs[3] ? flat.t().mm(previousHidden().view(steps * rows, hidden)) : nil]
    if hasBias { result.append(needs[4] ? flat.sum(dim: 0) : nil) }
    return result
  }

  /// The hidden state each input position's step started from, [L, N, H] in input order.
  private func previousHidden() -> Tensor {
    let steps = order.count
    let first = h0.unsqueeze(0)
    guard steps > 1 else { return first }
    let forward = order.first == 0
    return torch.cat(forward ? [first, outputs.narrow(0, start: 0, length: steps - 1)] : [outputs.narrow(0, start: 1, length: steps - 1), first], dim: 0)
  }
}
