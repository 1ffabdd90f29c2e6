import XCTest
@testable import Torch

/// nn.RNN, nn.LSTM, nn.GRU and their cells against PyTorch (scripts/generate_golden.py,
/// `recurrent_values`): seeded weights, outputs, final states, the input's and every
/// parameter's gradient, and the nodes the results carry. Float32 LSTMs run on oneDNN in
/// PyTorch (another summation order), so float32 cases compare to 2e-5; float64 to 1e-12.
final class RecurrentTests: XCTestCase {
  /// Builds the case as the generator does: seed 0, the module, the input, the given states;
  /// then the same weighted loss and backward.
  private func check(_ name: String, input shape: [Int], states: [[Int]]? = nil, dtype: DType = .float32, train: Bool = false,
                     tolerance: Double = 2e-5, _ make: () -> any Module,
                     _ call: (any Module, Tensor, [Tensor]?) -> [Tensor], file: StaticString = #filePath, line: UInt = #line) {
    torch.manualSeed(0)
    let module = make()
    module.train(train)
    let x = torch.randn(shape, dtype: dtype, requiresGrad: true)
    let given = states.map { $0.map { torch.randn($0, dtype: dtype) } }
    let results = call(module, x, given)
    results.map(weighted).reduce(torch.zeros([], dtype: dtype), +).backward()
    let ours = (results + [x.grad!] + module.parameters().map { $0.grad! }).flatMap { $0.flatten().toArray(Double.self) }
    let theirs = pytorchRecurrentValues[name]!
    XCTAssertEqual(ours.count, theirs.count, "\(name) element count", file: file, line: line)
    let worst = zip(ours, theirs).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .nan
    XCTAssertLessThanOrEqual(worst, tolerance, "\(name): largest difference from PyTorch", file: file, line: line)
    XCTAssertEqual(results.map { $0.gradFn?.name ?? "None" }.joined(separator: ","), pytorchRecurrentNodes[name], name, file: file, line: line)
  }

  /// Σ t ⊙ ((i mod 7) − 3), as the generator's loss weighs each element.
  private func weighted(_ t: Tensor) -> Tensor {
    (t * (torch.arange(t.numel(), dtype: t.dtype).reshape(t.dims) % 7 - 3)).sum()
  }

  func testRNNMatchesPyTorch() {
    check("rnn", input: [4, 2, 3], { nn.RNN(3, 5, numLayers: 2) }) { m, x, _ in
      let (output, h) = (m as! nn.RNN)(x)
      return [output, h]
    }
    check("rnnReluUnbatched", input: [4, 3], states: [[1, 5]], { nn.RNN(3, 5, nonlinearity: "relu") }) { m, x, s in
      let (output, h) = (m as! nn.RNN)(x, s![0])
      return [output, h]
    }
  }

  func testLSTMMatchesPyTorch() {
    check("lstmBidirectional", input: [4, 2, 3], states: [[2, 2, 5], [2, 2, 5]], { nn.LSTM(3, 5, bidirectional: true) }) { m, x, s in
      let (output, (h, c)) = (m as! nn.LSTM)(x, (s![0], s![1]))
      return [output, h, c]
    }
    check("lstmProjection64", input: [4, 2, 3], dtype: .float64, tolerance: 1e-12,
          { nn.LSTM(3, 5, numLayers: 2, projSize: 2, dtype: .float64) }) { m, x, _ in
      let (output, (h, c)) = (m as! nn.LSTM)(x)
      return [output, h, c]
    }
  }

  func testGRUMatchesPyTorch() {
    check("gruBatchFirst", input: [2, 4, 3], { nn.GRU(3, 5, numLayers: 2, batchFirst: true) }) { m, x, _ in
      let (output, h) = (m as! nn.GRU)(x)
      return [output, h]
    }
    check("gruNoBias64", input: [5, 3], dtype: .float64, tolerance: 1e-12,
          { nn.GRU(3, 4, bias: false, bidirectional: true, dtype: .float64) }) { m, x, _ in
      let (output, h) = (m as! nn.GRU)(x)
      return [output, h]
    }
  }

  func testDropoutBetweenLayersDrawsAsPyTorch() {
    check("gruDropoutTraining", input: [4, 2, 3], train: true, { nn.GRU(3, 5, numLayers: 3, dropout: 0.3) }) { m, x, _ in
      let (output, h) = (m as! nn.GRU)(x)
      return [output, h]
    }
  }

  func testCellsMatchPyTorch() {
    check("rnnCell", input: [2, 3], states: [[2, 5]], { nn.RNNCell(3, 5) }) { m, x, s in [(m as! nn.RNNCell)(x, s![0])] }
    check("lstmCell", input: [2, 3], { nn.LSTMCell(3, 5) }) { m, x, _ in
      let (h, c) = (m as! nn.LSTMCell)(x)
      return [h, c]
    }
    check("gruCellUnbatched", input: [3], states: [[5]], { nn.GRUCell(3, 5) }) { m, x, s in [(m as! nn.GRUCell)(x, s![0])] }
  }

  func testACellCalledWithTheInputAloneStartsFromZeros() {
    torch.manualSeed(0)
    let gru = nn.GRUCell(3, 4), rnn = nn.RNNCell(3, 4), lstm = nn.LSTMCell(3, 4)
    let x = torch.randn(2, 3)
    XCTAssertTrue(gru(x).equal(gru(x, torch.zeros(2, 4))))
    XCTAssertTrue(rnn(x).equal(rnn(x, torch.zeros(2, 4))))
    let (h, c) = lstm(x)
    let (h0, c0) = lstm(x, (torch.zeros(2, 4), torch.zeros(2, 4)))
    XCTAssertTrue(h.equal(h0) && c.equal(c0))
  }

  func testParametersAreNamedAndShapedAsPyTorchs() {
    let lstm = nn.LSTM(3, 5, numLayers: 2, bidirectional: true, projSize: 2)
    let names = lstm.namedParameters().map(\.0)
    XCTAssertEqual(names.prefix(6), ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0", "weight_ih_l0_reverse"])
    XCTAssertEqual(names.count, 20)
    let shapes = Dictionary(uniqueKeysWithValues: lstm.namedParameters().map { ($0.0, $0.1.dims) })
    XCTAssertEqual(shapes["weight_ih_l1_reverse"], [20, 4])  // the layer below's two directions of 2
    XCTAssertEqual(shapes["weight_hh_l1"], [20, 2])
    XCTAssertEqual(shapes["weight_hr_l1"], [2, 5])
    XCTAssertEqual(Set(lstm.stateDict().keys), Set(names))
  }

  func testAStateDictRoundTripsIntoAFreshModule() throws {
    torch.manualSeed(3)
    let trained = nn.GRU(4, 6, numLayers: 2)
    let fresh = nn.GRU(4, 6, numLayers: 2)
    _ = try fresh.loadStateDict(trained.stateDict())
    let x = torch.randn(5, 3, 4)
    XCTAssertTrue(trained(x).0.equal(fresh(x).0))
  }

  /// Backpropagation through time over many steps: the hidden state's gradient flows back
  /// through every step. Finite differences on one input element of an early step agree.
  func testGradientReachesEarlyStepsOfALongSequence() {
    torch.manualSeed(1)
    let rnn = nn.RNN(2, 3, dtype: .float64)
    let x = torch.randn([60, 1, 2], dtype: .float64, requiresGrad: true)
    let loss = { (input: Tensor) -> Tensor in rnn(input).0[59].sum() }
    loss(x).backward()
    let h = 1e-6
    let bumped = x.detach().clone()
    bumped[50, 0, 1] = bumped[50, 0, 1] + h
    let lowered = x.detach().clone()
    lowered[50, 0, 1] = lowered[50, 0, 1] - h
    let numeric = torch.noGrad { (loss(bumped) - loss(lowered)).item() / (2 * h) }
    XCTAssertEqual(x.grad![50, 0, 1].item(), numeric, accuracy: 1e-7)
    XCTAssertNotEqual(numeric, 0)
  }

  /// The fused LSTM cell against the cell written out in float64 tensor ops (an independent
  /// form: libm's exp and tanh, one op per term): h', c' and the gradients of both gate parts
  /// and of c, for a weighted loss on h' and c'.
  func testFusedLSTMCellMatchesTheCellWrittenOut() {
    checkFusedCell(gates: 4, written: { input, hidden, c, units in
      let gates = input + hidden
      func gate(_ k: Int) -> Tensor { gates.narrow(1, start: k * units, length: units) }
      let i = 1.0 / ((-gate(0)).exp() + 1.0), f = 1.0 / ((-gate(1)).exp() + 1.0), o = 1.0 / ((-gate(3)).exp() + 1.0)
      let newCell = f * c + i * gate(2).tanh()
      return [o * newCell.tanh(), newCell]
    }, fused: { input, hidden, c in
      let (h, newCell) = Recurrence.fusedLSTMCell(inputGates: input, hiddenGates: hidden, cell: c)
      XCTAssertEqual(h.gradFn?.nextFunctions.first??.name, "ThnnFusedLstmCellBackward0")
      return [h, newCell]
    })
  }

  /// The fused GRU cell against the cell written out the same way: h' and the gradients of
  /// both gate parts (which differ in the new gate) and of h.
  func testFusedGRUCellMatchesTheCellWrittenOut() {
    checkFusedCell(gates: 3, written: { input, hidden, h, units in
      func part(_ t: Tensor, _ k: Int) -> Tensor { t.narrow(1, start: k * units, length: units) }
      let reset = 1.0 / ((-(part(input, 0) + part(hidden, 0))).exp() + 1.0)
      let update = 1.0 / ((-(part(input, 1) + part(hidden, 1))).exp() + 1.0)
      let candidate = (part(input, 2) + reset * part(hidden, 2)).tanh()
      return [update * h + (1.0 - update) * candidate]
    }, fused: { input, hidden, h in
      let newHidden = Recurrence.fusedGRUCell(inputGates: input, hiddenGates: hidden, hidden: h)
      XCTAssertEqual(newHidden.gradFn?.name, "ThnnFusedGruCellBackward0")
      return [newHidden]
    })
  }

  /// Runs a fused cell and its written-out form on the same gate parts ([3, gates·4], the input
  /// part non-contiguous, two gates saturated) and state ([3, 4]): results and the gradients of
  /// the gate parts and the state for a weighted loss. Float64 within 1e-12; float32 within
  /// 1e-6 of the float64 reference.
  private func checkFusedCell(gates: Int, written: (Tensor, Tensor, Tensor, Int) -> [Tensor], fused: (Tensor, Tensor, Tensor) -> [Tensor],
                              file: StaticString = #filePath, line: UInt = #line) {
    torch.manualSeed(5)
    let (rows, units) = (3, 4)
    let inputGates = torch.randn([gates * units, rows], dtype: .float64).t()
    let hiddenGates = torch.randn([rows, gates * units], dtype: .float64) * 3
    hiddenGates[0, 0] = 40
    hiddenGates[1, 5] = -40
    let state = torch.randn([rows, units], dtype: .float64)
    func run(_ dtype: DType?, _ cell: ([Tensor]) -> [Tensor]) -> [[Double]] {
      let leaves = [inputGates, hiddenGates, state].map { dtype.map($0.detach().to) ?? $0.clone() }.map { $0.requiresGrad_() }
      let results = cell(leaves)
      results.map(weighted).reduce(torch.zeros([], dtype: results[0].dtype), +).backward()
      return (results + leaves.map { $0.grad! }).map { $0.detach().flatten().toArray(Double.self) }
    }
    let expected = run(nil) { written($0[0], $0[1], $0[2], units) }
    for (dtype, tolerance) in [(DType.float64, 1e-12), (.float32, 1e-6)] {
      let ours = run(dtype) { leaves in
        XCTAssertTrue(Recurrence.fusedCellApplies(gates: gates, leaves[0], leaves[1], leaves[2]), file: file, line: line)
        return fused(leaves[0], leaves[1], leaves[2])
      }
      XCTAssertEqual(ours.count, expected.count, file: file, line: line)
      for (index, (a, b)) in zip(ours, expected).enumerated() {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .nan
        XCTAssertLessThanOrEqual(worst, tolerance, "\(dtype) result \(index) (results, then the gradients of the input gates, hidden gates, state)",
                                 file: file, line: line)
      }
    }
  }

  /// The fused cells' forward gives the composed step's bits in float32 (the same sums, the
  /// same sigmoid and tanh kernels, the same products in the same order), for the LSTM and the
  /// GRU, with and without biases.
  func testFusedStepsGiveTheComposedStepsBits() {
    torch.manualSeed(8)
    for (kind, bias) in [(RecurrentKind.lstm, true), (.lstm, false), (.gru, true), (.gru, false)] {
      let (batch, input, hidden) = (5, 7, 33)
      let weights = RecurrentWeights(inputHidden: torch.randn(kind.gates * hidden, input), hiddenHidden: torch.randn(kind.gates * hidden, hidden),
                                     inputBias: bias ? torch.randn(kind.gates * hidden) : nil, hiddenBias: bias ? torch.randn(kind.gates * hidden) : nil,
                                     projection: nil)
      let projected = F.linear(torch.randn(batch, input) * 2, weights.inputHidden, weights.inputBias)
      let state = (0..<(kind == .lstm ? 2 : 1)).map { _ in torch.randn(batch, hidden) }
      let fused = Recurrence.step(kind, projected: projected, state: state, weights, fused: true)
      let composed = Recurrence.step(kind, projected: projected, state: state, weights, fused: false)
      XCTAssertEqual(fused.count, composed.count)
      for (a, b) in zip(fused, composed) {
        XCTAssertEqual(a.flatten().toArray(Float.self).map(\.bitPattern), b.flatten().toArray(Float.self).map(\.bitPattern), "\(kind) bias \(bias)")
      }
    }
  }

  /// A float32 LSTM layer runs as one node (`MkldnnRnnLayerBackward0`, which computes W_hh's
  /// gradient in one product over all steps): its output, final states and every gradient (the
  /// input's, both initial states', all parameters') agree with the same weights in float64,
  /// which run the layer step by step, forward and reverse, with and without biases, over one
  /// step and several, on two layers; and so do the gradients of gradients (createGraph, where
  /// the node differentiates the per-step form), and a loss on the final states alone.
  func testFusedLSTMLayerMatchesTheStepByStepLayerInFloat64() {
    for (bias, bidirectional, layers, length, onStatesAlone) in [(true, false, 1, 6, false), (false, true, 2, 5, false),
                                                               (true, false, 1, 1, false), (true, true, 1, 4, true)] {
      torch.manualSeed(11)
      let directions = bidirectional ? 2 : 1
      let fused = nn.LSTM(3, 4, numLayers: layers, bias: bias, bidirectional: bidirectional)
      let stepwise = nn.LSTM(3, 4, numLayers: layers, bias: bias, bidirectional: bidirectional, dtype: .float64)
      torch.noGrad {
        for ((_, a), (_, b)) in zip(fused.namedParameters(), stepwise.namedParameters()) { b.copy_(a) }
      }
      let inputs = [torch.randn(length, 2, 3), torch.randn(layers * directions, 2, 4), torch.randn(layers * directions, 2, 4)]
      func run(_ module: nn.LSTM, _ dtype: DType) -> (values: [[Double]], secondOrder: [[Double]], nodes: [String]) {
        let leaves = inputs.map { $0.to(dtype).detach().requiresGrad_() } + module.parameters()
        let (x, h0, c0) = (leaves[0], leaves[1], leaves[2])
        let (output, (h, c)) = module(x, (h0, c0))
        let loss = (onStatesAlone ? [h, c] : [output, h, c]).map(weighted).reduce(torch.zeros([], dtype: dtype), +)
        var nodes: [String] = [], stack = [output.gradFn!], seen = Set<ObjectIdentifier>()
        while let node = stack.popLast() {
          guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
          nodes.append(node.name)
          stack += node.nextFunctions.compactMap { $0 }
        }
        let gradients = torch.autograd.grad([loss], leaves, createGraph: true)
        gradients.map { ($0 * $0).sum() }.reduce(torch.zeros([], dtype: dtype), +).backward()
        return ([output, h, c].map { $0.detach().flatten().toArray(Double.self) } + gradients.map { $0.detach().flatten().toArray(Double.self) },
                leaves.map { $0.grad?.flatten().toArray(Double.self) ?? [.nan] }, nodes)
      }
      let (ours, reference) = (run(fused, .float32), run(stepwise, .float64))
      let label = "bias \(bias), \(directions) directions, \(layers) layers, \(length) steps"
      XCTAssertEqual(ours.nodes.filter { $0 == "MkldnnRnnLayerBackward0" }.count, layers * directions, label)
      XCTAssertFalse(ours.nodes.contains("ThnnFusedLstmCellBackward0"), label)
      XCTAssertFalse(reference.nodes.contains("MkldnnRnnLayerBackward0"), label)
      for (order, (a, b), tolerance) in [("first", (ours.values, reference.values), 1e-5), ("second", (ours.secondOrder, reference.secondOrder), 1e-4)] {
        XCTAssertEqual(a.count, b.count, label)
        for (index, (x, y)) in zip(a, b).enumerated() {
          XCTAssertEqual(x.count, y.count, label)
          let worst = zip(x, y).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .nan
          XCTAssertLessThanOrEqual(worst, tolerance, "\(label): \(order)-order result \(index)")
        }
      }
    }
  }

  /// The fused float32 LSTM layer's gradients against central finite differences of its loss
  /// (no autograd in the reference): elements of the input, both initial states and all four
  /// parameters, for a loss on the output and both final states.
  func testFusedLSTMLayerGradientsMatchFiniteDifferences() {
    torch.manualSeed(21)
    let lstm = nn.LSTM(3, 4)
    let leaves = [torch.randn(5, 2, 3), torch.randn(1, 2, 4), torch.randn(1, 2, 4)].map { $0.requiresGrad_() } + lstm.parameters()
    func loss() -> Tensor {
      let (output, (h, c)) = lstm(leaves[0], (leaves[1], leaves[2]))
      return weighted(output) + weighted(h) * 0.5 + weighted(c) * 0.25
    }
    XCTAssertEqual(lstm(leaves[0], (leaves[1], leaves[2])).0.gradFn?.nextFunctions.first??.name, "MkldnnRnnLayerBackward0")
    let result = loss()
    let gradients = torch.autograd.grad([result], leaves)
    let step: Float = 1e-2
    for (index, leaf) in leaves.enumerated() {
      for element in [0, leaf.numel() / 2, leaf.numel() - 1] {
        let flat = leaf.detach().view(-1)
        let original = flat[element].item()
        let bumped = torch.noGrad { () -> Double in
          flat[element] = original + Double(step)
          let up = loss().item()
          flat[element] = original - Double(step)
          let down = loss().item()
          flat[element] = original
          return (up - down) / (2 * Double(step))
        }
        let analytic = gradients[index].view(-1)[element].item()
        XCTAssertEqual(analytic, bumped, accuracy: 2e-3 * max(1, abs(bumped)), "leaf \(index) element \(element)")
      }
    }
  }

  /// nn.LSTM's and nn.GRU's layers run the fused cells on the CPU, one per step; nn.LSTMCell and
  /// nn.GRUCell keep PyTorch's composed graphs (their nodes are pinned by the PyTorch goldens).
  func testRecurrentLayersTakeTheFusedCells() {
    torch.manualSeed(0)
    func nodeCounts(_ output: Tensor) -> [String: Int] {
      var names: [String: Int] = [:]
      var stack = [output.gradFn!]
      var seen = Set<ObjectIdentifier>()
      while let node = stack.popLast() {
        guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
        names[node.name, default: 0] += 1
        stack += node.nextFunctions.compactMap { $0 }
      }
      return names
    }
    let x = torch.randn([4, 2, 3], requiresGrad: true)
    let lstm = nodeCounts(nn.LSTM(3, 5)(x).0), gru = nodeCounts(nn.GRU(3, 5)(x).0)
    XCTAssertEqual(lstm["MkldnnRnnLayerBackward0"], 1, "a float32 LSTM layer is one node")
    XCTAssertNil(lstm["ThnnFusedLstmCellBackward0"], "no node per step")
    XCTAssertEqual(gru["ThnnFusedGruCellBackward0"], 4, "one fused GRU cell per step")
    XCTAssertNil(lstm["SigmoidBackward0"] ?? gru["SigmoidBackward0"], "no composed gates")
    let lstm64 = nodeCounts(nn.LSTM(3, 5, dtype: .float64)(x.double()).0)
    XCTAssertEqual(lstm64["ThnnFusedLstmCellBackward0"], 4, "float64 (no oneDNN in PyTorch either): one fused cell per step")
    XCTAssertNil(lstm64["MkldnnRnnLayerBackward0"])
    let (h, _) = nn.LSTMCell(3, 5)(torch.randn([2, 3], requiresGrad: true))
    XCTAssertEqual(h.gradFn?.name, "MulBackward0")
    XCTAssertEqual(nn.GRUCell(3, 5)(torch.randn([2, 3], requiresGrad: true)).gradFn?.name, "AddBackward0")
  }
}
