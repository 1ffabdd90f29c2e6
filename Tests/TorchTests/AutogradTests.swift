import Foundation
import XCTest
@testable import Torch

/// PyTorch's results for the scenarios below (Fixtures/autograd_goldens.json, written by
/// scripts/generate_autograd_goldens.py, which runs the same code in Python).
struct AutogradGoldens: Decodable {
  let generatorMD5: String
  let values: [String: [Double]]
  let names: [String: String]

  static let shared: AutogradGoldens = {
    let url = Bundle.module.url(forResource: "Fixtures/autograd_goldens", withExtension: "json")!
    let decoder = JSONDecoder()
    // The generator writes non-finite gradients (EdgeGradientTests) as these strings.
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try! decoder.decode(AutogradGoldens.self, from: Data(contentsOf: url))
  }()

  static func value(_ name: String) -> [Double] {
    guard let value = shared.values[name] else {
      XCTFail("no golden named \(name): regenerate Fixtures/autograd_goldens.json")
      return []
    }
    return value
  }
}

/// A cube with a hand-written backward (PyTorch's custom Function example, with x³).
enum Cube: torch.autograd.Function {
  static func forward(_ ctx: torch.autograd.FunctionContext, _ inputs: [Tensor]) -> Tensor {
    ctx.saveForBackward(inputs[0])
    return inputs[0].pow(3)
  }

  static func backward(_ ctx: torch.autograd.FunctionContext, _ gradOutput: Tensor) -> [Tensor?] {
    [gradOutput * 3.0 * ctx.savedTensors[0].pow(2)]
  }
}

final class AutogradTests: XCTestCase {
  func testGoldensComeFromTheCheckedInGenerator() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/generate_autograd_goldens.py")
    XCTAssertEqual(MD5.hex(Array(try Data(contentsOf: script))), AutogradGoldens.shared.generatorMD5,
                   "autograd_goldens.json was written by another version of the generator: regenerate it")
  }

  // MARK: - Tensor hooks (against PyTorch)

  func testTensorHooksRunInOrderReplaceGradientsAndCanBeRemoved() {
    let x = torch.tensor([1.0, 2.0, 3.0], requiresGrad: true)
    var log: [Tensor] = []
    let first = x.registerHook { g in
      log.append(g.clone())
      return g * 2.0
    }
    x.registerHook { g in
      log.append(g.clone())
      return nil
    }
    (x * x).sum().backward()
    XCTAssertEqual(log.count, 2)
    assertClose(log[0].toArray(Double.self), AutogradGoldens.value("leaf_hook_first_sees"), "first hook")
    assertClose(log[1].toArray(Double.self), AutogradGoldens.value("leaf_hook_second_sees"), "second hook sees the replacement")
    assertClose(x.grad!.toArray(Double.self), AutogradGoldens.value("leaf_hook_grad"))
    first.remove()
    first.remove()  // a second removal does nothing
    x.grad = nil
    log.removeAll()
    (x * x).sum().backward()
    assertClose(x.grad!.toArray(Double.self), AutogradGoldens.value("after_removal_grad"))
    XCTAssertEqual([Double(log.count)], AutogradGoldens.value("after_removal_calls"))
  }

  func testHookOnAComputedTensorChangesWhatFlowsBack() {
    let x = torch.tensor([1.0, 2.0, 3.0], requiresGrad: true)
    let z = x * 3.0
    z.registerHook { $0 + 1.0 }
    (z * z).sum().backward()
    assertClose(x.grad!.toArray(Double.self), AutogradGoldens.value("nonleaf_hook_grad"))
  }

  func testPostAccumulateHookSeesTheCompleteGradientOnce() {
    let w = torch.tensor([0.5, -1.0], requiresGrad: true)
    var seen: [Tensor] = []
    w.registerPostAccumulateGradHook { seen.append($0.grad!.clone()) }
    ((w * 2.0).sum() + (w * w).sum()).backward()
    XCTAssertEqual([Double(seen.count)], AutogradGoldens.value("post_accumulate_calls"))
    assertClose(seen[0].toArray(Double.self), AutogradGoldens.value("post_accumulate_seen"))
  }

  /// Post-accumulate hooks fire during backward, as soon as a parameter's gradient is complete
  /// (what distributed data parallelism overlaps communication with): the last layer's
  /// parameters are ready before the first layer's.
  func testPostAccumulateHooksFireAsEachParameterIsReady() {
    torch.manualSeed(0)
    let model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    var order: [String] = []
    for (name, parameter) in model.namedParameters() {
      parameter.registerPostAccumulateGradHook { _ in order.append(name) }
    }
    model(torch.rand(5, 3)).sum().backward()
    XCTAssertEqual(Set(order), ["0.weight", "0.bias", "2.weight", "2.bias"])
    XCTAssertEqual(order.count, 4)
    XCTAssertLessThan(order.firstIndex(of: "2.weight")!, order.firstIndex(of: "0.weight")!)
  }

  // MARK: - Module hooks (against PyTorch)

  func testModuleHooksSeeAndReplaceInputsOutputsAndGradients() {
    torch.manualSeed(0)
    let linear = nn.Linear(3, 2)
    let x = torch.tensor([[1.0, -2.0, 0.5]], dtype: .float32, requiresGrad: true)
    var hookInput: Tensor?, gradInput: Tensor?, gradOutput: Tensor?
    linear.registerForwardPreHook { _, input in input * 2.0 }
    linear.registerForwardHook { _, input, output in
      hookInput = input.detach().clone()
      return output + 1.0
    }
    linear.registerFullBackwardHook { _, gradIn, gradOut in
      gradInput = gradIn[0]?.clone()
      gradOutput = gradOut[0]?.clone()
      return [gradIn[0]! * 0.5]
    }
    let y = linear(x)
    XCTAssertEqual(y.gradFn?.name, AutogradGoldens.shared.names["module_output_node"])
    (y * torch.tensor([[1.0, 3.0]], dtype: .float32)).sum().backward()
    assertClose(y.toArray(Double.self), AutogradGoldens.value("module_output"), "output")
    assertClose(hookInput!.toArray(Double.self), AutogradGoldens.value("module_forward_hook_input"), "forward hook input")
    assertClose(gradInput!.toArray(Double.self), AutogradGoldens.value("module_grad_input"), "grad_input")
    assertClose(gradOutput!.toArray(Double.self), AutogradGoldens.value("module_grad_output"), "grad_output")
    assertClose(x.grad!.toArray(Double.self), AutogradGoldens.value("module_x_grad"), "x.grad after the replacement")
    assertClose(linear.weight.grad!.toArray(Double.self), AutogradGoldens.value("module_weight_grad"), "weight.grad")
  }

  func testRemovedModuleHooksNoLongerRun() {
    let relu = nn.ReLU()
    var calls = 0
    let handle = relu.registerForwardHook { _, _, _ in calls += 1; return nil }
    _ = relu(torch.ones(2))
    handle.remove()
    _ = relu(torch.ones(2))
    XCTAssertEqual(calls, 1)
  }

  // MARK: - Node names (against PyTorch)

  /// Each functional records the node PyTorch records (what `grad_fn=<...>` prints).
  func testFunctionalsRecordPyTorchsNodes() {
    let x = torch.tensor([0.5, -1.0, 2.0], requiresGrad: true)
    let y = torch.tensor([0.2, 0.9, 0.4])
    let row = x.view(1, 3), target = torch.tensor([1])
    let cases: [(String, () -> Tensor)] = [
      ("bce_with_logits", { F.binaryCrossEntropyWithLogits(x, y) }),
      ("bce_with_logits_pos_weight", { F.binaryCrossEntropyWithLogits(x, y, posWeight: torch.ones(3)) }),
      ("bce_with_logits_none", { F.binaryCrossEntropyWithLogits(x, y, reduction: .none) }),
      ("mse_loss", { F.mseLoss(x, y) }),
      ("mse_loss_none", { F.mseLoss(x, y, reduction: .none) }),
      ("l1_loss", { F.l1Loss(x, y) }),
      ("l1_loss_sum", { F.l1Loss(x, y, reduction: .sum) }),
      ("l1_loss_none", { F.l1Loss(x, y, reduction: .none) }),
      ("cross_entropy", { F.crossEntropy(row, target) }),
      ("cross_entropy_smoothing", { F.crossEntropy(row, target, labelSmoothing: 0.1) }),
      ("cross_entropy_probabilities", { F.crossEntropy(row, torch.tensor([[0.2, 0.3, 0.5]])) }),
      ("nll_loss", { F.nllLoss(row, target) }),
      ("softmax", { F.softmax(x, dim: 0) }),
      ("log_softmax", { F.logSoftmax(x, dim: 0) }),
      ("linear", { F.linear(row, torch.ones(2, 3), torch.ones(2)) }),
      ("linear_no_bias", { F.linear(row, torch.ones(2, 3)) }),
      ("relu", { F.relu(x) }),
      ("relu6", { F.relu6(x) }),
      ("hardtanh", { F.hardtanh(x) }),
      ("softplus", { F.softplus(x) }),
      ("mish", { F.mish(x) }),
      ("hardswish", { F.hardswish(x) }),
      ("hardsigmoid", { F.hardsigmoid(x) }),
      ("softsign", { F.softsign(x) }),
      ("gelu", { F.gelu(x) }),
      ("silu", { F.silu(x) }),
      ("elu", { F.elu(x) }),
      ("leaky_relu", { F.leakyRelu(x) }),
      ("tanh", { torch.tanh(x) }),
      ("sigmoid", { torch.sigmoid(x) }),
      ("erf", { torch.erf(x) }),
      ("norm", { x.norm() }),
      ("scatter_add", { torch.zeros(3).scatterAdd(0, torch.tensor([2, 0]), x[..<2]) }),
      ("index_add", { torch.zeros(3).indexAdd(0, torch.tensor([2, 0]), x[..<2]) }),
    ]
    for (key, make) in cases {
      XCTAssertEqual(make().gradFn?.name, AutogradGoldens.shared.names["node_" + key], key)
    }
    let expected = AutogradGoldens.shared.names.keys.filter { $0.hasPrefix("node_") }.count
    XCTAssertEqual(cases.count, expected, "every generated case is checked")
  }

  // MARK: - Custom functions (against PyTorch)

  func testCustomFunctionRecordsItsNodeAndDifferentiatesTwice() {
    let x = torch.tensor([1.0, 2.0, -0.5], dtype: .float32, requiresGrad: true)
    let y = Cube.apply(x)
    XCTAssertEqual(y.gradFn?.name, AutogradGoldens.shared.names["cube_node"])
    let g = torch.autograd.grad((y * torch.tensor([1.0, -1.0, 2.0], dtype: .float32)).sum(), x, createGraph: true)[0]
    let h = torch.autograd.grad(g.sum(), x)[0]
    assertClose(y.toArray(Double.self), AutogradGoldens.value("cube_output"))
    assertClose(g.toArray(Double.self), AutogradGoldens.value("cube_gradient"))
    assertClose(h.toArray(Double.self), AutogradGoldens.value("cube_second"))
  }

  // MARK: - Gradients of gradients against closed forms

  /// Hessian-vector products of f = x₀²x₁ + x₁³ + e^(x₀x₁) against its Hessian by hand.
  func testHessianVectorProductMatchesTheHandComputedHessian() {
    let x = torch.tensor([0.7, -0.4], dtype: .float64, requiresGrad: true)
    let v = torch.tensor([0.3, 1.1], dtype: .float64)
    func f(_ x: Tensor) -> Tensor {
      let (a, b) = (x[0], x[1])
      return a * a * b + b.pow(3) + (a * b).exp()
    }
    let g = torch.autograd.grad(f(x), x, createGraph: true)[0]
    let hvp = torch.autograd.grad((g * v).sum(), x)[0]
    let (a, b) = (0.7, -0.4), e = Foundation.exp(a * b)
    let h00 = 2 * b + b * b * e, h01 = 2 * a + e + a * b * e, h11 = 6 * b + a * a * e
    assertClose(hvp.toArray(Double.self), [h00 * 0.3 + h01 * 1.1, h01 * 0.3 + h11 * 1.1], rtol: 1e-12, atol: 1e-12)
    assertClose(g.toArray(Double.self), [2 * a * b + b * e, a * a + 3 * b * b + a * e], rtol: 1e-12, atol: 1e-12)
  }

  /// d³/dx³ tanh x = −2(1 − t²)(1 − 3t²), t = tanh x.
  func testThirdDerivativeOfTanhMatchesItsClosedForm() {
    let values = [-2.0, -0.3, 0.0, 0.8, 1.7]
    let x = torch.tensor(values, dtype: .float64, requiresGrad: true)
    let first = torch.autograd.grad(x.tanh().sum(), x, createGraph: true)[0]
    let second = torch.autograd.grad(first.sum(), x, createGraph: true)[0]
    let third = torch.autograd.grad(second.sum(), x)[0]
    let expected = values.map { v -> Double in
      let t = Foundation.tanh(v)
      return -2 * (1 - t * t) * (1 - 3 * t * t)
    }
    assertClose(third.toArray(Double.self), expected, rtol: 1e-12, atol: 1e-12)
    XCTAssertEqual(second.gradFn?.name, "TanhBackwardBackward0")
  }

  // MARK: - WGAN-GP

  /// A critic trained three steps with the gradient penalty
  /// ((‖∂critic(x)/∂x‖₂ − 1)²).mean(), as PyTorch trains it from the same seed.
  func testWGANGradientPenaltyTrainsAsInPyTorch() {
    torch.manualSeed(0)
    let critic = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    let optimizer = optim.SGD(critic.parameters(), lr: 0.05)
    let real = torch.randn(6, 4)
    let fake = torch.randn(6, 4) + 1.0
    var losses: [Double] = [], penalties: [Double] = []
    for _ in 0..<3 {
      let alpha = torch.rand(6, 1)
      let x = (alpha * real + (1.0 - alpha) * fake).requiresGrad_()
      let g = torch.autograd.grad(critic(x).sum(), x, createGraph: true)[0]
      let penalty = (g.norm(2, dim: 1) - 1.0).pow(2).mean()
      let loss = critic(fake).mean() - critic(real).mean() + penalty * 10.0
      optimizer.zeroGrad()
      loss.backward()
      optimizer.step()
      losses.append(loss.item())
      penalties.append(penalty.item())
    }
    assertClose(losses, AutogradGoldens.value("wgan_losses"), rtol: 1e-5, atol: 1e-6, "losses")
    assertClose(penalties, AutogradGoldens.value("wgan_penalties"), rtol: 1e-5, atol: 1e-6, "penalties")
    let linear = critic.layers[0] as! nn.Linear, last = critic.layers[2] as! nn.Linear
    assertClose(linear.weight.toArray(Double.self), AutogradGoldens.value("wgan_first_weight"), rtol: 1e-5, atol: 1e-6, "first weight")
    assertClose(last.bias!.toArray(Double.self), AutogradGoldens.value("wgan_last_bias"), rtol: 1e-5, atol: 1e-6, "last bias")
  }

  /// The penalty's gradient with respect to the critic's weights, by autograd through
  /// `createGraph`, against central finite differences in float64.
  func testGradientPenaltyGradientMatchesFiniteDifferences() {
    torch.manualSeed(3)
    let critic = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1)).to(.float64)
    let x = torch.randn([4, 3], dtype: .float64)
    let parameters = critic.parameters()
    gradCheck("gradient penalty", parameters) { _ in
      // The finite differences run under noGrad; the penalty needs a graph of its own inside.
      torch.enableGrad {
        let input = x.detach().requiresGrad_()
        let g = torch.autograd.grad(critic(input).sum(), input, createGraph: true)[0]
        return (g.norm(2, dim: 1) - 1.0).pow(2).mean()
      }
    }
  }

  // MARK: - Engine

  func testGradientsAccumulateAcrossBackwardCalls() {
    let w = torch.ones(3, requiresGrad: true)
    (w * 3).sum().backward()
    (w * 3).sum().backward()
    XCTAssertEqual(w.grad?.toArray(), [6, 6, 6])
  }

  func testRetainGraphAllowsSecondBackward() {
    let w = torch.ones(2, requiresGrad: true)
    let y = (w * w).sum()
    y.backward(retainGraph: true)
    y.backward()
    XCTAssertEqual(w.grad?.toArray(), [4, 4])
  }

  func testExplicitGradientForNonScalar() {
    let x = torch.tensor([1.0, 2, 3], requiresGrad: true)
    (x * 2).backward(torch.tensor([1.0, 0.5, 0]))
    XCTAssertEqual(x.grad?.toArray(), [2, 1, 0])
  }

  func testNoGradAndDetach() {
    let x = torch.ones(2, requiresGrad: true)
    let y = torch.noGrad { x * 2 }
    XCTAssertFalse(y.requiresGrad)
    XCTAssertNil(y.gradFn)
    XCTAssertEqual(y.description, "tensor([2., 2.])")
    XCTAssertFalse(x.detach().requiresGrad)
    torch.noGrad {
      XCTAssertTrue(torch.enableGrad { (x * 2).requiresGrad })
    }
    XCTAssertTrue(torch.isGradEnabled())
  }

  func testGradModeIsThreadLocal() {
    let done = expectation(description: "other thread")
    torch.noGrad {
      Thread.detachNewThread {
        XCTAssertTrue(torch.isGradEnabled())
        done.fulfill()
      }
      wait(for: [done], timeout: 5)
    }
  }

  func testLeafAndNonLeafGradients() {
    let x = torch.tensor([1.0, 2], requiresGrad: true)
    let y = x * 2
    let z = y.sum()
    y.retainGrad()
    z.backward()
    XCTAssertTrue(x.isLeaf)
    XCTAssertFalse(y.isLeaf)
    XCTAssertEqual(y.grad?.toArray(), [1, 1])
    XCTAssertEqual(x.grad?.toArray(), [2, 2])
  }

  func testSubgradientConventions() {
    let x = torch.tensor([-1.0, 0, 1], requiresGrad: true)
    x.relu().sum().backward()
    XCTAssertEqual(x.grad?.toArray(), [0, 0, 1])
    x.grad = nil
    x.abs().sum().backward()
    XCTAssertEqual(x.grad?.toArray(), [-1, 0, 1])
    let t = torch.tensor([0.0, 0.5, 0.5], requiresGrad: true)
    t.max().backward()
    XCTAssertEqual(t.grad?.toArray(), [0, 0.5, 0.5])
    let u = torch.tensor([0.0, 0.5, 0.5], requiresGrad: true)
    u.max(dim: 0).values.backward()
    XCTAssertEqual(u.grad?.toArray(), [0, 1, 0])
    let m = torch.tensor([0.0], requiresGrad: true)
    m.maximum(torch.tensor([0.0])).sum().backward()
    XCTAssertEqual(m.grad?.toArray(), [0.5])
    // PyTorch 2.15: clamp's gradient is zero at a bound (clamp(min=0) at 0 gives 0, as relu).
    let c = torch.tensor([0.0], requiresGrad: true)
    c.clamp(min: 0).sum().backward()
    XCTAssertEqual(c.grad?.toArray(), [0])
  }

  /// The norm's gradient follows PyTorch's float32 formulas bit for bit (PyTorch 2.15's
  /// gradients of 64x512 random rows equal them, given its norms, in every element): for p = 2, (x / ‖x‖)·g and +0 along
  /// a slice whose norm is zero; for p = 3, x·|x|·(g / ‖x‖²) and for p = 1.5, sign(x)·|x|^½·
  /// (g / ‖x‖^½), that scale 0 along a zero-norm slice (so a −0 element keeps −0 at p = 3, as in
  /// PyTorch). With and without a zero-norm slice in the call. PyTorch prints
  /// [[0.6, 0.8, 0], [0, 0, 0], [0.0336, -2.3541, 0.8408]] for p = 2 and
  /// [[4.4485e-01, 7.9085e-01, 0], [0, -0, 0], [4.9527e-04, -2.4268e+00, 3.0955e-01]] for p = 3.
  func testNormGradientIsPyTorchsFormulaAndZeroAtAZeroNorm() {
    let rows: [[Float]] = [[3, 4, 0], [0, -0.0, 0], [0.1, -7, 2.5]]
    func norm(_ row: [Float], _ p: Double) -> Float {
      switch p {
      case 2: return row.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
      case 3: return Foundation.powf(row.reduce(Float(0)) { $0 + Swift.abs($1) * Swift.abs($1) * Swift.abs($1) }, Float(1 / p))
      default: return Foundation.powf(row.reduce(Float(0)) { $0 + Foundation.powf(Swift.abs($1), Float(p)) }, Float(1 / p))
      }
    }
    func expected(_ v: Float, _ n: Float, _ g: Float, _ p: Double) -> Float {
      switch p {
      case 2: return n == 0 ? 0 : (v / n) * g
      case 3: return (v * Swift.abs(v)) * (n == 0 ? 0 : g / (n * n))
      default:
        let sign: Float = v > 0 ? 1 : v < 0 ? -1 : 0
        return (sign * Swift.abs(v).squareRoot()) * (n == 0 ? 0 : g / n.squareRoot())
      }
    }
    for (p, withZeroRow) in [(2.0, true), (2.0, false), (3.0, true), (3.0, false), (1.5, true)] {
      let values = withZeroRow ? rows : [rows[0], rows[2]]
      let x = torch.tensor(values.flatMap { $0 }).view(values.count, 3).requiresGrad_()
      let g = torch.tensor([Float](repeating: 1, count: values.count - 1) + [Float(2.5)])
      x.norm(p, dim: 1).backward(g)
      let grads = x.grad!.toArray(Float.self), gs = g.toArray(Float.self)
      for (r, row) in values.enumerated() {
        let n = norm(row, p)
        for (k, v) in row.enumerated() {
          XCTAssertEqual(grads[r * 3 + k].bitPattern, expected(v, n, gs[r], p).bitPattern, "p \(p), row \(row), element \(k)")
        }
      }
    }
    let cube = torch.tensor(rows.flatMap { $0 }).view(3, 3).requiresGrad_()
    cube.norm(3, dim: 1).backward(torch.tensor([Float(1), 1, 2.5]))
    XCTAssertEqual(cube.grad!.toArray(Float.self)[4].bitPattern, (-0.0 as Float).bitPattern, "PyTorch keeps −0 there")
    XCTAssertEqual(Double(cube.grad!.toArray(Float.self)[7]), -2.4268, accuracy: 1e-4)
  }

  /// sign is (x > 0) − (x < 0), as PyTorch's: +0 for −0 and 0 for NaN (PyTorch 2.15 prints
  /// tensor([0., 0., 0., -1., 1.]) for [-0, +0, nan, -2, 3]), on float32 and float64.
  func testSignOfZerosAndNaNIsZero() {
    for dtype in [DType.float32, .float64] {
      let signs = torch.tensor([-0.0, 0.0, .nan, -2, 3]).to(dtype).sign().toArray(Double.self)
      XCTAssertEqual(signs.map(\.bitPattern), [0, 0, 0, -1, 1].map { (x: Double) in x.bitPattern }, "\(dtype)")
    }
  }

  func testTrainingLoopMemoryStaysFlat() {
    let w = torch.randn([256, 256], requiresGrad: true)
    let x = torch.randn(32, 256)
    func step() {
      let loss = x.matmul(w).relu().softmax(dim: 1).sum()
      loss.backward()
      torch.noGrad { w.sub_(w.grad! * 0.001) }
      w.grad = nil
    }
    for _ in 0..<50 { step() }
    let before = CPUAllocator.shared.statistics.allocated
    let rssBefore = residentBytes()
    for _ in 0..<1000 { step() }
    XCTAssertEqual(CPUAllocator.shared.statistics.allocated, before, "live tensor bytes grew")
    XCTAssertLessThan(residentBytes() - rssBefore, 8 << 20, "resident memory grew")
  }

  func testInPlaceChecks() {
    let x = torch.tensor([1.0, 2], requiresGrad: true)
    let y = x.exp()
    y.add_(1.0)
    XCTAssertEqual(y.gradFn?.name, "AddBackward0")
    torch.noGrad { x.mul_(2) }
    XCTAssertEqual(x.toArray(), [2, 4])
  }


  /// An in-place op gives a tensor new history; nodes recorded earlier keep sending their
  /// gradients to the old history (edges are fixed when recorded, as PyTorch's).
  func testInPlaceOpDoesNotRerouteEarlierNodes() {
    let x = torch.tensor([1.0, 2.0, 3.0], requiresGrad: true)
    let y = x * 1.0
    let z = y * 2.0
    y.mul_(x)  // y = x², z = 2x
    (z.sum() + y.sum()).backward()
    assertClose(x.grad!.toArray(Double.self), [4, 6, 8], rtol: 0, atol: 0)
  }

  func testAutogradGradReturnsWithoutTouchingDotGrad() {
    let w = torch.tensor([1.0, 2.0], requiresGrad: true), unused = torch.tensor([1.0], requiresGrad: true)
    let gradients = torch.autograd.grad([(w * w).sum()], [w, unused], allowUnused: true)
    assertClose(gradients[0]!.toArray(Double.self), [2, 4], rtol: 0, atol: 0)
    XCTAssertNil(gradients[1])
    XCTAssertNil(w.grad)
  }

  func testGradOfAnUnusedInputStopsWithPyTorchsMessage() {
    assertStops("gradOfUnusedInput", with: "The differentiated Tensor at index 1 appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.")
  }

  func testRetainGradKeepsTheHookedGradientOfAComputedTensor() {
    let x = torch.tensor([1.0, -2.0], requiresGrad: true)
    let y = x * 3.0
    y.retainGrad()
    XCTAssertTrue(y.retainsGrad)
    (y * y).sum().backward()
    assertClose(y.grad!.toArray(Double.self), [6, -12], rtol: 0, atol: 0)
  }

  /// `torch.autograd.grad` computes only the gradients on a path to the inputs it is asked for,
  /// as PyTorch's engine does (`needs_input_grad`): asked for w alone, mm, addmm, linear and
  /// convolution never compute their other input's gradient, so a hook on that branch stays
  /// silent, while `backward` (which wants every gradient) reaches it.
  func testAutogradGradComputesOnlyTheGradientsItIsAskedFor() throws {
    torch.manualSeed(0)
    let x = torch.randn([3, 4], requiresGrad: true), w = torch.randn([4, 5], requiresGrad: true)
    let b = torch.randn([5], requiresGrad: true)
    let image = torch.randn([2, 1, 6, 6], requiresGrad: true), kernel = torch.randn([3, 1, 3, 3], requiresGrad: true)
    let cases: [(name: String, build: (Tensor) -> Tensor, weight: Tensor)] = [
      ("mm", { $0.mm(w) }, w), ("addmm", { torch.addmm(b, $0, w) }, w), ("linear", { F.linear($0, w.t(), b) }, w),
      ("conv2d", { _ in F.conv2d(image * 2, kernel, padding: 1) }, kernel)]
    for (name, build, weight) in cases {
      var reached = 0
      let branch = x * 2
      branch.registerHook { _ in reached += 1; return nil }
      let imageBranch = image * 2
      imageBranch.registerHook { _ in reached += 1; return nil }
      let y = name == "conv2d" ? F.conv2d(imageBranch, kernel, padding: 1) : build(branch)
      let gradient = torch.autograd.grad([y.sum()], [weight], retainGraph: true)[0]
      XCTAssertEqual(reached, 0, "\(name): the other input's branch was computed")
      weight.grad = nil
      y.sum().backward()
      XCTAssertEqual(reached, 1, "\(name): backward reaches every branch")
      assertClose(try XCTUnwrap(gradient), try XCTUnwrap(weight.grad), rtol: 1e-6, atol: 1e-6, "\(name) weight gradient")
      weight.grad = nil
    }
  }

  /// Views' gradients (select, unbind, slices, chunks) are added into one buffer per input by
  /// the engine; the sums must equal the hand-computed gradient, beside other uses of the input.
  func testGradientsOfManyViewsOfOneTensorAddUp() {
    torch.manualSeed(0)
    let leaf = torch.randn([6, 4], requiresGrad: true)
    let x = leaf * 3  // a computed tensor: its views' gradients reach a node, then the leaf
    var total = x.sum() * 0.5
    for (i, row) in x.unbind(0).enumerated() { total = total + row.pow(2).sum() * Double(i) }
    let slices: [Tensor] = [x[1...3].sum(), x.select(1, 2).sum() * 4, x.chunk(2, dim: 1)[1].sum(), x[(0...).by(2)].sum()]
    total = slices.reduce(total, +)
    // Directly on the leaf too.
    total = total + leaf.unbind(1)[0].sum() * 7
    total.backward()
    let v = (leaf.detach() * 3).toArray(Double.self)
    var expected = [Double](repeating: 0, count: 24)
    for i in 0..<6 {
      for j in 0..<4 {
        var dx = 0.5 + 2 * v[i * 4 + j] * Double(i)
        if (1...3).contains(i) { dx += 1 }
        if j == 2 { dx += 4 }
        if j >= 2 { dx += 1 }
        if i % 2 == 0 { dx += 1 }
        expected[i * 4 + j] = dx * 3 + (j == 0 ? 7 : 0)
      }
    }
    assertClose(leaf.grad!, Tensor(expected, shape: [6, 4]).float(), rtol: 1e-5, atol: 1e-5, "leaf gradient")
  }

  func testViewGradientsUnderAutogradGradAndCreateGraph() throws {
    let x = torch.tensor([1.0, 2, 3], dtype: .float64).requiresGrad_()
    let y = x.unbind(0).enumerated().map { i, v in v.pow(3) * Double(i + 1) }.reduce(x.sum(), +)
    let first = try XCTUnwrap(torch.autograd.grad([y], [x], createGraph: true)[0])
    XCTAssertEqual(first.toArray(Double.self), [4, 25, 82])  // 1 + 3(i + 1)x²
    let second = try XCTUnwrap(torch.autograd.grad([first.sum()], [x])[0])
    XCTAssertEqual(second.toArray(Double.self), [6, 24, 54])  // 6(i + 1)x
    XCTAssertNil(x.grad)
  }

  func testUnbindGivesViewsWithPyTorchsNode() {
    let x = torch.arange(6.0).view(2, 3).requiresGrad_()
    let rows = x.unbind(0), columns = x.unbind(-1)
    XCTAssertEqual(rows.count, 2)
    XCTAssertEqual(columns.count, 3)
    XCTAssertEqual(columns[2].toArray(Double.self), [2, 5])
    XCTAssertEqual(rows[1].gradFn?.name, "UnbindBackward0")
    XCTAssertTrue(rows[1].storage === x.storage)
  }
}
