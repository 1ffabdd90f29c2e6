import CTorchKernels

// The LSTM cell's pointwise part as one op on the CPU, the analogue of PyTorch's CUDA
// `_thnn_fused_lstm_cell`: one pass computes the gates' activations and the new state, and
// backward one pass their derivatives, where the composed form runs about twenty kernels a
// step. nn.LSTM's layers take it on the CPU; the cells (nn.LSTMCell, whose graph PyTorch
// builds from the composed ops) and other devices keep the composed form.

extension Recurrence {
  /// Whether `fusedLSTMCell` takes these tensors: all on the CPU, float32 or float64, 2-D.
  static func fusedLSTMCellApplies(_ hiddenGates: Tensor, _ inputGates: Tensor, _ cell: Tensor) -> Bool {
    let tensors = [hiddenGates, inputGates, cell]
    return tensors.allSatisfy { $0.device == .cpu && $0.dtype == cell.dtype && $0.dims.count == 2 }
      && (cell.dtype == .float32 || cell.dtype == .float64)
      && hiddenGates.dims == inputGates.dims && hiddenGates.dims == [cell.dims[0], 4 * cell.dims[1]]
  }

  /// (h', c') from the gate pre-activations' two parts ([N, 4H] each, gates in PyTorch's order
  /// input, forget, cell, output) and the cell state c ([N, H]): c' = σ(f)·c + σ(i)·tanh(g),
  /// h' = σ(o)·tanh(c'). Both are views of one [2, N, H] result whose node is
  /// `ThnnFusedLstmCellBackward0`; it saves the activated gates and tanh(c'), [N, 5H].
  static func fusedLSTMCell(hiddenGates: Tensor, inputGates: Tensor, cell: Tensor) -> (h: Tensor, c: Tensor) {
    let (rows, hidden) = (cell.dims[0], cell.dims[1])
    let (hg, ig, cx) = (hiddenGates.detach().contiguous(), inputGates.detach().contiguous(), cell.detach().contiguous())
    let state = Tensor(uninitialized: [2, rows, hidden], dtype: cell.dtype)
    let workspace = Tensor(uninitialized: [rows, 5 * hidden], dtype: cell.dtype)
    forEachRowChunk(rows: rows, hidden: hidden) { start, count in
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
    state.recording("ThnnFusedLstmCellBackward0", [hiddenGates, inputGates, cell], saved: [cx, workspace]) { grad in
      if GradMode.isEnabled {
        // createGraph: the same derivatives in differentiable ops.
        let gates = composedLSTMCellBackward(grad, hiddenGates: hiddenGates, inputGates: inputGates, cell: cell)
        return [gates.gates, gates.gates, gates.cell]
      }
      let g = grad.contiguous()
      let gradGates = Tensor(uninitialized: [rows, 4 * hidden], dtype: cell.dtype)
      let gradCell = Tensor(uninitialized: [rows, hidden], dtype: cell.dtype)
      forEachRowChunk(rows: rows, hidden: hidden) { start, count in
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

  /// Rows in parallel chunks of at least 16K units (a step of a small LSTM runs on one thread).
  private static func forEachRowChunk(rows: Int, hidden: Int, _ body: (Int, Int) -> Void) {
    ThreadPool.parallelChunks(rows, minimumChunk: Swift.max(1, 16_384 / Swift.max(hidden, 1)), body)
  }

  /// The derivatives of the fused cell in tensor ops, from its inputs (so they differentiate
  /// again): the gradient of the gate pre-activations and of the cell state.
  private static func composedLSTMCellBackward(_ grad: Tensor, hiddenGates: Tensor, inputGates: Tensor, cell: Tensor)
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

  /// The float64 forward, as `ctk_lstm_cell_f32` computes float32 (with libm's exp and tanh).
  private static func lstmCellForward(_ rows: Int, _ hidden: Int, _ hg: UnsafePointer<Double>, _ ig: UnsafePointer<Double>,
                                      _ cx: UnsafePointer<Double>, _ hy: UnsafeMutablePointer<Double>,
                                      _ cy: UnsafeMutablePointer<Double>, _ workspace: UnsafeMutablePointer<Double>) {
    func sigmoid(_ x: Double) -> Double { 1 / (1 + Double.exp(-x)) }
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

  /// The float64 backward, as `ctk_lstm_cell_backward_f32` computes float32.
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
}
