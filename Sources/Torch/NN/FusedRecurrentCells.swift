import CTorchKernels

// The LSTM's and the GRU's cell, their pointwise part, as one op each on the CPU: the
// analogues of PyTorch's CUDA `_thnn_fused_lstm_cell` and `_thnn_fused_gru_cell`. One pass
// computes the gates' activations and the new state, and backward one pass their
// derivatives, where the composed form runs about twenty kernels a step. The layers (nn.LSTM,
// nn.GRU) take them on the CPU; the cells (nn.LSTMCell, nn.GRUCell, whose graphs PyTorch builds
// from the composed ops) and other devices keep the composed form. The float32 forward gives
// the composed step's bits (the same sums, sigmoid and tanh kernels, products in the same
// order). With `createGraph`, backward records the derivatives in tensor ops, so they
// differentiate again.

extension Recurrence {
  /// Whether the fused cells take these tensors: on the CPU, one dtype (float32 or float64),
  /// gate parts [N, gates·H] for a state [N, H].
  static func fusedCellApplies(gates: Int, _ inputGates: Tensor, _ hiddenGates: Tensor, _ state: Tensor) -> Bool {
    let tensors = [inputGates, hiddenGates, state]
    return tensors.allSatisfy { $0.device == .cpu && $0.dtype == state.dtype && $0.dims.count == 2 }
      && (state.dtype == .float32 || state.dtype == .float64)
      && inputGates.dims == hiddenGates.dims && inputGates.dims == [state.dims[0], gates * state.dims[1]]
  }

  /// (h', c') from the gate pre-activations' two parts ([N, 4H] each, gates in PyTorch's order
  /// input, forget, cell, output) and the cell state c ([N, H]): c' = σ(f)·c + σ(i)·tanh(g),
  /// h' = σ(o)·tanh(c'). Both are views of one [2, N, H] result whose node is
  /// `ThnnFusedLstmCellBackward0`; it saves the activated gates and tanh(c'), [N, 5H].
  static func fusedLSTMCell(inputGates: Tensor, hiddenGates: Tensor, cell: Tensor) -> (h: Tensor, c: Tensor) {
    let (rows, hidden) = (cell.dims[0], cell.dims[1])
    let (ig, hg, cx) = (inputGates.detach().contiguous(), hiddenGates.detach().contiguous(), cell.detach().contiguous())
    let state = Tensor(uninitialized: [2, rows, hidden], dtype: cell.dtype)
    let workspace = Tensor(uninitialized: [rows, 5 * hidden], dtype: cell.dtype)
    ThreadPool.parallelRows(rows, length: hidden) { start, count in
      let (gates, unit) = (start * 4 * hidden, start * hidden)
      if cell.dtype == .float32 {
        ctk_lstm_cell_f32(Int64(count), Int64(hidden), hg.pointer(Float.self) + gates, ig.pointer(Float.self) + gates,
                          cx.pointer(Float.self) + unit, state.pointer(Float.self) + unit,
                          state.pointer(Float.self) + rows * hidden + unit, workspace.pointer(Float.self) + 5 * unit)
      } else {
        lstmCellForward(count, hidden, hg.pointer(Double.self) + gates, ig.pointer(Double.self) + gates, cx.pointer(Double.self) + unit,
                        state.pointer(Double.self) + unit, state.pointer(Double.self) + rows * hidden + unit,
                        workspace.pointer(Double.self) + 5 * unit)
      }
    }
    state.recording("ThnnFusedLstmCellBackward0", [inputGates, hiddenGates, cell], saved: [cx, workspace]) { grad in
      if GradMode.isEnabled {
        let composed = composedLSTMCellBackward(grad, inputGates: inputGates, hiddenGates: hiddenGates, cell: cell)
        return [composed.gates, composed.gates, composed.cell]
      }
      let g = grad.contiguous()
      let gradGates = Tensor(uninitialized: [rows, 4 * hidden], dtype: cell.dtype)
      let gradCell = Tensor(uninitialized: [rows, hidden], dtype: cell.dtype)
      ThreadPool.parallelRows(rows, length: hidden) { start, count in
        let (gates, unit) = (start * 4 * hidden, start * hidden)
        if cell.dtype == .float32 {
          ctk_lstm_cell_backward_f32(Int64(count), Int64(hidden), g.pointer(Float.self) + unit,
                                     g.pointer(Float.self) + rows * hidden + unit, cx.pointer(Float.self) + unit,
                                     workspace.pointer(Float.self) + 5 * unit, gradGates.pointer(Float.self) + gates,
                                     gradCell.pointer(Float.self) + unit)
        } else {
          lstmCellBackward(count, hidden, g.pointer(Double.self) + unit, g.pointer(Double.self) + rows * hidden + unit,
                           cx.pointer(Double.self) + unit, workspace.pointer(Double.self) + 5 * unit,
                           gradGates.pointer(Double.self) + gates, gradCell.pointer(Double.self) + unit)
        }
      }
      return [gradGates, gradGates, gradCell]
    }
    return (state.select(0, 0), state.select(0, 1))
  }

  /// h' from the gates' input and hidden parts ([N, 3H] each: reset, update, new) and the hidden
  /// state h ([N, H]): r = σ, z = σ, n = tanh(i_n + r·h_n), h' = (h − n)·z + n, as the composed
  /// step. Node `ThnnFusedGruCellBackward0`; it saves r, z, n and h_n, [N, 4H].
  static func fusedGRUCell(inputGates: Tensor, hiddenGates: Tensor, hidden state: Tensor) -> Tensor {
    let (rows, hidden) = (state.dims[0], state.dims[1])
    let (ig, hg, hx) = (inputGates.detach().contiguous(), hiddenGates.detach().contiguous(), state.detach().contiguous())
    let output = Tensor(uninitialized: [rows, hidden], dtype: state.dtype)
    let workspace = Tensor(uninitialized: [rows, 4 * hidden], dtype: state.dtype)
    ThreadPool.parallelRows(rows, length: hidden) { start, count in
      let (gates, unit) = (start * 3 * hidden, start * hidden)
      if state.dtype == .float32 {
        ctk_gru_cell_f32(Int64(count), Int64(hidden), ig.pointer(Float.self) + gates, hg.pointer(Float.self) + gates,
                         hx.pointer(Float.self) + unit, output.pointer(Float.self) + unit, workspace.pointer(Float.self) + 4 * unit)
      } else {
        gruCellForward(count, hidden, ig.pointer(Double.self) + gates, hg.pointer(Double.self) + gates, hx.pointer(Double.self) + unit,
                       output.pointer(Double.self) + unit, workspace.pointer(Double.self) + 4 * unit)
      }
    }
    return output.recording("ThnnFusedGruCellBackward0", [inputGates, hiddenGates, state], saved: [hx, workspace]) { grad in
      if GradMode.isEnabled {
        let composed = composedGRUCellBackward(grad, inputGates: inputGates, hiddenGates: hiddenGates, hidden: state)
        return [composed.input, composed.hidden, composed.state]
      }
      let g = grad.contiguous()
      let gradInput = Tensor(uninitialized: [rows, 3 * hidden], dtype: state.dtype)
      let gradHidden = Tensor(uninitialized: [rows, 3 * hidden], dtype: state.dtype)
      let gradState = Tensor(uninitialized: [rows, hidden], dtype: state.dtype)
      ThreadPool.parallelRows(rows, length: hidden) { start, count in
        let (gates, unit) = (start * 3 * hidden, start * hidden)
        if state.dtype == .float32 {
          ctk_gru_cell_backward_f32(Int64(count), Int64(hidden), g.pointer(Float.self) + unit, hx.pointer(Float.self) + unit,
                                    workspace.pointer(Float.self) + 4 * unit, gradInput.pointer(Float.self) + gates,
                                    gradHidden.pointer(Float.self) + gates, gradState.pointer(Float.self) + unit)
        } else {
          gruCellBackward(count, hidden, g.pointer(Double.self) + unit, hx.pointer(Double.self) + unit,
                          workspace.pointer(Double.self) + 4 * unit, gradInput.pointer(Double.self) + gates,
                          gradHidden.pointer(Double.self) + gates, gradState.pointer(Double.self) + unit)
        }
      }
      return [gradInput, gradHidden, gradState]
    }
  }

  // MARK: - Derivatives in tensor ops (createGraph)

  private static func composedLSTMCellBackward(_ grad: Tensor, inputGates: Tensor, hiddenGates: Tensor, cell: Tensor)
    -> (gates: Tensor, cell: Tensor) {
    let gates = (hiddenGates + inputGates).chunk(4, dim: 1)
    let (i, f, g, o) = (gates[0].sigmoid(), gates[1].sigmoid(), gates[2].tanh(), gates[3].sigmoid())
    let tanhCell = (f * cell + i * g).tanh()
    let (gradH, gradC) = (grad.select(0, 0), grad.select(0, 1))
    let cellGrad = gradH * o * (1.0 - tanhCell * tanhCell) + gradC
    let gradGates = torch.cat([cellGrad * g * i * (1.0 - i), cellGrad * cell * f * (1.0 - f), cellGrad * i * (1.0 - g * g),
                               gradH * tanhCell * o * (1.0 - o)], dim: 1)
    return (gradGates, cellGrad * f)
  }

  private static func composedGRUCellBackward(_ grad: Tensor, inputGates: Tensor, hiddenGates: Tensor, hidden state: Tensor)
    -> (input: Tensor, hidden: Tensor, state: Tensor) {
    let (i, h) = (inputGates.chunk(3, dim: 1), hiddenGates.chunk(3, dim: 1))
    let (reset, update) = ((h[0] + i[0]).sigmoid(), (h[1] + i[1]).sigmoid())
    let candidate = (i[2] + h[2] * reset).tanh()
    let candidateGrad = grad * (1.0 - update) * (1.0 - candidate * candidate)
    let resetGrad = candidateGrad * h[2] * reset * (1.0 - reset)
    let updateGrad = grad * (state - candidate) * update * (1.0 - update)
    return (torch.cat([resetGrad, updateGrad, candidateGrad], dim: 1), torch.cat([resetGrad, updateGrad, candidateGrad * reset], dim: 1),
            grad * update)
  }

  // MARK: - Float64 loops, as the C kernels compute float32 (with libm's exp and tanh)

  private static func sigmoid(_ x: Double) -> Double { 1 / (1 + Double.exp(-x)) }

  private static func lstmCellForward(_ rows: Int, _ hidden: Int, _ hg: UnsafePointer<Double>, _ ig: UnsafePointer<Double>,
                                      _ cx: UnsafePointer<Double>, _ hy: UnsafeMutablePointer<Double>,
                                      _ cy: UnsafeMutablePointer<Double>, _ workspace: UnsafeMutablePointer<Double>) {
    for r in 0..<rows {
      let (g4, w, u) = (r * 4 * hidden, r * 5 * hidden, r * hidden)
      for j in 0..<hidden {
        let i = sigmoid(hg[g4 + j] + ig[g4 + j])
        let f = sigmoid(hg[g4 + hidden + j] + ig[g4 + hidden + j])
        let g = Double.tanh(hg[g4 + 2 * hidden + j] + ig[g4 + 2 * hidden + j])
        let o = sigmoid(hg[g4 + 3 * hidden + j] + ig[g4 + 3 * hidden + j])
        let c = f * cx[u + j] + i * g
        let tanhCell = Double.tanh(c)
        cy[u + j] = c
        hy[u + j] = o * tanhCell
        (workspace[w + j], workspace[w + hidden + j], workspace[w + 2 * hidden + j]) = (i, f, g)
        (workspace[w + 3 * hidden + j], workspace[w + 4 * hidden + j]) = (o, tanhCell)
      }
    }
  }

  private static func lstmCellBackward(_ rows: Int, _ hidden: Int, _ gradHy: UnsafePointer<Double>, _ gradCy: UnsafePointer<Double>,
                                       _ cx: UnsafePointer<Double>, _ workspace: UnsafePointer<Double>,
                                       _ gradGates: UnsafeMutablePointer<Double>, _ gradCx: UnsafeMutablePointer<Double>) {
    for r in 0..<rows {
      let (g4, w, u) = (r * 4 * hidden, r * 5 * hidden, r * hidden)
      for j in 0..<hidden {
        let (i, f, g) = (workspace[w + j], workspace[w + hidden + j], workspace[w + 2 * hidden + j])
        let (o, tanhCell) = (workspace[w + 3 * hidden + j], workspace[w + 4 * hidden + j])
        let (dh, dc) = (gradHy[u + j], gradCy[u + j])
        let cellGrad = dh * o * (1 - tanhCell * tanhCell) + dc
        gradGates[g4 + j] = cellGrad * g * i * (1 - i)
        gradGates[g4 + hidden + j] = cellGrad * cx[u + j] * f * (1 - f)
        gradGates[g4 + 2 * hidden + j] = cellGrad * i * (1 - g * g)
        gradGates[g4 + 3 * hidden + j] = dh * tanhCell * o * (1 - o)
        gradCx[u + j] = cellGrad * f
      }
    }
  }

  private static func gruCellForward(_ rows: Int, _ hidden: Int, _ ig: UnsafePointer<Double>, _ hg: UnsafePointer<Double>,
                                     _ hx: UnsafePointer<Double>, _ hy: UnsafeMutablePointer<Double>, _ workspace: UnsafeMutablePointer<Double>) {
    for r in 0..<rows {
      let (g3, w, u) = (r * 3 * hidden, r * 4 * hidden, r * hidden)
      for j in 0..<hidden {
        let reset = sigmoid(ig[g3 + j] + hg[g3 + j])
        let update = sigmoid(ig[g3 + hidden + j] + hg[g3 + hidden + j])
        let hiddenNew = hg[g3 + 2 * hidden + j]
        let candidate = Double.tanh(ig[g3 + 2 * hidden + j] + hiddenNew * reset)
        hy[u + j] = (hx[u + j] - candidate) * update + candidate
        (workspace[w + j], workspace[w + hidden + j]) = (reset, update)
        (workspace[w + 2 * hidden + j], workspace[w + 3 * hidden + j]) = (candidate, hiddenNew)
      }
    }
  }

  private static func gruCellBackward(_ rows: Int, _ hidden: Int, _ gradHy: UnsafePointer<Double>, _ hx: UnsafePointer<Double>,
                                      _ workspace: UnsafePointer<Double>, _ gradInput: UnsafeMutablePointer<Double>,
                                      _ gradHidden: UnsafeMutablePointer<Double>, _ gradHx: UnsafeMutablePointer<Double>) {
    for r in 0..<rows {
      let (g3, w, u) = (r * 3 * hidden, r * 4 * hidden, r * hidden)
      for j in 0..<hidden {
        let (reset, update) = (workspace[w + j], workspace[w + hidden + j])
        let (candidate, hiddenNew) = (workspace[w + 2 * hidden + j], workspace[w + 3 * hidden + j])
        let dh = gradHy[u + j]
        let candidateGrad = dh * (1 - update) * (1 - candidate * candidate)
        let resetGrad = candidateGrad * hiddenNew * reset * (1 - reset)
        let updateGrad = dh * (hx[u + j] - candidate) * update * (1 - update)
        (gradInput[g3 + j], gradHidden[g3 + j]) = (resetGrad, resetGrad)
        (gradInput[g3 + hidden + j], gradHidden[g3 + hidden + j]) = (updateGrad, updateGrad)
        (gradInput[g3 + 2 * hidden + j], gradHidden[g3 + 2 * hidden + j]) = (candidateGrad, candidateGrad * reset)
        gradHx[u + j] = dh * update
      }
    }
  }
}
