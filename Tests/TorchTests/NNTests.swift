import Foundation
import XCTest
@testable import Torch

/// The seed's model, as a user writes it.
final class NeuralNetwork: Module {
  let flatten = nn.Flatten()
  let linear_relu_stack = nn.Sequential(
    nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
  func forward(_ x: Tensor) -> Tensor { linear_relu_stack(flatten(x)) }
}

final class NNTests: XCTestCase {
  let seedRepr = """
    NeuralNetwork(
      (flatten): Flatten(start_dim=1, end_dim=-1)
      (linear_relu_stack): Sequential(
        (0): Linear(in_features=784, out_features=512, bias=True)
        (1): ReLU()
        (2): Linear(in_features=512, out_features=512, bias=True)
        (3): ReLU()
        (4): Linear(in_features=512, out_features=10, bias=True)
      )
    )
    """

  func testSeedReprAndParameterNames() {
    let model = NeuralNetwork()
    XCTAssertEqual(model.description, seedRepr)
    let names = model.namedParameters().map { "\($0.0) \($0.1.size())" }
    XCTAssertEqual(names, [
      "linear_relu_stack.0.weight torch.Size([512, 784])", "linear_relu_stack.0.bias torch.Size([512])",
      "linear_relu_stack.2.weight torch.Size([512, 512])", "linear_relu_stack.2.bias torch.Size([512])",
      "linear_relu_stack.4.weight torch.Size([10, 512])", "linear_relu_stack.4.bias torch.Size([10])",
    ])
    XCTAssertEqual(model.namedModules().map(\.0), [
      "", "flatten", "linear_relu_stack", "linear_relu_stack.0", "linear_relu_stack.1",
      "linear_relu_stack.2", "linear_relu_stack.3", "linear_relu_stack.4",
    ])
    XCTAssertEqual(model.namedChildren().map(\.0), ["flatten", "linear_relu_stack"])
  }

  func testLinearInitMatchesPyTorch() {
    torch.manualSeed(42)
    let model = NeuralNetwork()
    let first = model.linear_relu_stack[0] as! nn.Linear
    XCTAssertTrue(first.weight[..<2].description.hasPrefix("tensor([[ 0.0273,  0.0296, -0.0084,  ..., -0.0142,  0.0093,  0.0135],"))
  }

  /// The built `build-model` example prints exactly what PyTorch's tutorial prints for the same seed.
  func testSeedExampleOutputEqualsPyTorch() throws {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("build-model")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
      throw XCTSkip("build-model is not built next to the test bundle")
    }
    for (seed, expected) in pytorchSeedOutputs {
      let process = Process()
      process.executableURL = binary
      process.arguments = ["--seed", String(seed)]
      let pipe = Pipe()
      process.standardOutput = pipe
      try process.run()
      let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      XCTAssertEqual(output, expected, "seed \(seed)")
    }
  }

  func testLayerReprs() {
    final class Custom2: Module {
      let l = nn.Linear(1, 1)
      var extraRepr: String { "a=1" }
    }
    let modules: [String: any Module] = [
      "moduleList": nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1), nn.ReLU()]),
      "dropout": nn.Dropout(), "softmaxNone": nn.Softmax(), "logSoftmax": nn.LogSoftmax(dim: 1),
      "leaky": nn.LeakyReLU(), "elu": nn.ELU(), "gelu": nn.GELU(),
      "unflatten": nn.Unflatten(dim: 1, unflattenedSize: [2, 5]), "noBias": nn.Linear(3, 2, bias: false),
      "emptySequential": nn.Sequential([]), "identity": nn.Identity(), "ce": nn.CrossEntropyLoss(),
      "mse": nn.MSELoss(), "custom2": Custom2(), "embedding": nn.Embedding(10, 3, paddingIdx: 2), "embeddingPlain": nn.Embedding(5, 4),
      "bceLoss": nn.BCELoss(), "smoothL1Loss": nn.SmoothL1Loss(), "huberLoss": nn.HuberLoss(),
      "rnn": nn.RNN(10, 20, numLayers: 2, nonlinearity: "relu", dropout: 0.5),
      "lstm": nn.LSTM(10, 20, bias: false, batchFirst: true, bidirectional: true, projSize: 5), "gru": nn.GRU(10, 20),
      "rnnCell": nn.RNNCell(10, 20, nonlinearity: "relu"), "lstmCell": nn.LSTMCell(10, 20, bias: false), "gruCell": nn.GRUCell(10, 20),
      "multiheadAttention": nn.MultiheadAttention(8, 2, dropout: 0.1, bias: false),
      "rmsNorm": nn.RMSNorm([3, 4], eps: 1e-6, elementwiseAffine: false), "rmsNormDefault": nn.RMSNorm(4),
      "klDivLoss": nn.KLDivLoss(reduction: .batchmean), "cosineSimilarity": nn.CosineSimilarity(dim: 0),
      "transformerEncoder": nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dimFeedforward: 16), numLayers: 2),
    ]
    XCTAssertEqual(Set(modules.keys), Set(pytorchModuleReprs.keys))
    for (name, module) in modules { XCTAssertEqual(module.description, pytorchModuleReprs[name], name) }
  }

  func testFlattenEveryStartAndEnd() {
    let x = torch.rand(3, 4, 5, 6)
    for start in -4..<4 {
      for end in -4..<4 {
        let s = start < 0 ? start + 4 : start, e = end < 0 ? end + 4 : end
        guard s <= e else { continue }
        let expected = Array(x.dims[..<s]) + [x.dims[s...e].reduce(1, *)] + Array(x.dims[(e + 1)...])
        XCTAssertEqual(nn.Flatten(startDim: start, endDim: end)(x).shape.dims, expected, "\(start), \(end)")
      }
    }
    XCTAssertEqual(nn.Flatten()(torch.rand(3, 28, 28)).shape.dims, [3, 784])
    XCTAssertEqual(nn.Flatten(startDim: 0, endDim: -1)(torch.rand(3, 28, 28)).shape.dims, [2352])
    XCTAssertEqual(nn.Flatten(startDim: 0, endDim: -1)(torch.tensor(1.0)).shape.dims, [1])
    let leaf = torch.rand([2, 3], requiresGrad: true)
    XCTAssertTrue(nn.Flatten()(leaf) === leaf, "start == end returns the same tensor")
  }

  func testSoftmaxSumsToOneAlongEachDim() {
    let x = torch.randn(2, 3, 4) * 10.0
    for dim in -3..<3 {
      let sums = nn.Softmax(dim: dim)(x).sum(dim: dim)
      assertClose(sums, torch.onesLike(sums), atol: 1e-5)
    }
  }

  func testStateDictRoundTripAndErrors() throws {
    torch.manualSeed(1)
    let a = NeuralNetwork(), b = NeuralNetwork()
    XCTAssertFalse(a.linear_relu_stack[0].parameters()[0].equal(b.linear_relu_stack[0].parameters()[0]))
    try b.loadStateDict(a.stateDict())
    XCTAssertEqual(a.namedParameters().count, b.namedParameters().count)
    for ((_, x), (_, y)) in zip(a.namedParameters(), b.namedParameters()) { XCTAssertTrue(x.equal(y)) }
    XCTAssertEqual(a.stateDict().keys, a.namedParameters().map(\.0))

    var broken = a.stateDict()
    broken["linear_relu_stack.0.bias"] = nil
    broken["extra"] = torch.zeros(1)
    broken["linear_relu_stack.4.bias"] = torch.zeros(3)
    XCTAssertThrowsError(try b.loadStateDict(broken)) { error in
      XCTAssertEqual("\(error)", """
        Error(s) in loading state_dict for NeuralNetwork:
        \tMissing key(s) in state_dict: "linear_relu_stack.0.bias". 
        \tUnexpected key(s) in state_dict: "extra". 
        \tsize mismatch for linear_relu_stack.4.bias: copying a param with shape torch.Size([3]) from checkpoint, the shape in current model is torch.Size([10]).
        """)
    }
    var partial = a.stateDict()
    partial["linear_relu_stack.0.bias"] = nil
    let result = try b.loadStateDict(partial, strict: false)
    XCTAssertEqual(result.missingKeys, ["linear_relu_stack.0.bias"])
  }

  func testReflectionOverNestedOptionalAndArrayModules() {
    class Base: Module {
      let own = nn.Parameter(torch.zeros(1))
    }
    final class Tower: Base {
      let blocks = [nn.Linear(2, 2), nn.Linear(2, 1)]
      let head: nn.Linear? = nn.Linear(1, 1)
      let missing: nn.Linear? = nil
      let scale = nn.Parameter(torch.ones(1))
      let stats = nn.Buffer(torch.zeros(2))
      let plain = torch.zeros(3)
      let name = "not a member"
    }
    let tower = Tower()
    XCTAssertEqual(tower.namedParameters().map(\.0), [
      "own", "scale", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
      "head.weight", "head.bias",
    ])
    XCTAssertEqual(tower.namedBuffers().map(\.0), ["stats"])
    // PyTorch's order: own parameters, own buffers, then each child (not declaration order).
    XCTAssertEqual(tower.stateDict().keys.joined(separator: ","), AutogradGoldens.shared.names["state_dict_order"])
    XCTAssertTrue(tower.description.contains("(blocks): ModuleList("))
    let shared = nn.Linear(1, 1)
    let twice = nn.Sequential(shared, shared)
    XCTAssertEqual(twice.namedParameters().map(\.0), ["0.weight", "0.bias"])
    XCTAssertEqual(twice.stateDict().keys, ["0.weight", "0.bias", "1.weight", "1.bias"])
  }

  /// `model[i] = module` replaces a container's child (PyTorch's `__setitem__`), counting from the
  /// end when negative: the forward, the parameters and their names follow the new child.
  func testContainerChildrenCanBeReplaced() {
    let x = torch.rand(2, 4)
    let sequential = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    let head = nn.Linear(3, 5)
    sequential[-1] = head
    XCTAssertTrue(sequential[2] as AnyObject === head)
    let first = sequential[0] as! nn.Linear
    assertClose(sequential(x), head(first(x).relu()), rtol: 0, atol: 0)
    XCTAssertEqual(sequential.namedParameters().map { "\($0.0) \($0.1.shape)" },
                   ["0.weight torch.Size([3, 4])", "0.bias torch.Size([3])", "2.weight torch.Size([5, 3])", "2.bias torch.Size([5])"])
    let list = nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1)])
    let replacement = nn.Linear(1, 7)
    list[0] = replacement
    XCTAssertTrue(list[-2] as AnyObject === replacement)
    XCTAssertEqual(list.namedParameters().map(\.0), ["0.weight", "0.bias", "1.weight", "1.bias"])
    XCTAssertEqual(list.parameters()[0].shape, [7, 1])
  }

  func testTrainEvalReachesEverySubmodule() {
    final class WithDropout: Module {
      let body = nn.Sequential(nn.Linear(4, 4), nn.Dropout(p: 0.5))
      let extra = [nn.Dropout(p: 0.9)]
    }
    let model = WithDropout()
    XCTAssertTrue(model.modules().allSatisfy { $0.isTraining })
    model.eval()
    XCTAssertTrue(model.modules().allSatisfy { !$0.isTraining })
    let x = torch.rand(8, 4)
    // In eval mode dropout passes its input through untouched: the block is the linear layer alone.
    let linear = model.body.layers[0] as! nn.Linear
    assertClose(model.body(x), x.matmul(linear.weight.t()) + linear.bias!, rtol: 0, atol: 0)
    XCTAssertTrue(model.extra[0](x) === x, "eval-mode dropout returns its input")
    model.train()
    XCTAssertTrue(model.modules().allSatisfy { $0.isTraining })
    let dropped = nn.Dropout(p: 0.5)(torch.ones(1000))
    let zeros = dropped.eq(0.0).to(.float32).sum().item()
    XCTAssertEqual(zeros, 500, accuracy: 80)
    XCTAssertEqual(Set(dropped.toArray()), [0, 2])
  }

  /// Dropout's mask, drawn already scaled, has the bits of PyTorch's two steps (`bernoulli_(1 −
  /// p)`, then `div_(1 − p)`) from the same seed: float32 and float64, p with an inexact 1/(1 − p)
  /// (0.021 and 0.059: float32 1 / Float(1 − p) is not Float(1 / (1 − p)) there),
  /// and across several of the generator's twists.
  func testDropoutMaskEqualsBernoulliThenDivision() {
    for dtype in [DType.float32, .float64] {
      for p in [0.1, 0.25, 0.3, 0.5, 0.9, 0.021, 0.059] {
        let x = torch.ones([3, 1000], dtype: dtype)
        torch.manualSeed(9)
        let mask = F.dropoutMask(x.dims, p: p, like: x)
        torch.manualSeed(9)
        let twoSteps = Tensor(uninitialized: x.dims, dtype: dtype).bernoulli_(1 - p).div_(1 - p)
        XCTAssertEqual(mask.flatten().toArray(Double.self).map(\.bitPattern), twoSteps.flatten().toArray(Double.self).map(\.bitPattern),
                       "\(dtype) p=\(p)")
        XCTAssertEqual(Set(mask.flatten().toArray(Double.self)).count, 2, "\(dtype) p=\(p): zeros and one scale")
      }
    }
  }

  /// Seeded dropout drops the elements PyTorch drops (PyTorch's generator path; see
  /// scripts/generate_golden.py's dropout_outputs).
  func testSeededDropoutMatchesPyTorch() {
    var cases: [String: Tensor] = [:]
    torch.manualSeed(0)
    cases["ones20"] = F.dropout(torch.ones(20), p: 0.5)
    torch.manualSeed(1)
    let x = torch.randn(3, 5)
    cases["randn3x5"] = nn.Dropout(p: 0.2)(x)
    torch.manualSeed(2)
    cases["bernoulli12"] = torch.empty(12).bernoulli_(0.3)
    torch.manualSeed(3)
    cases["float64"] = F.dropout(torch.ones([6], dtype: .float64), p: 0.25)
    let w = torch.ones([4], requiresGrad: true)
    torch.manualSeed(4)
    cases["grad"] = F.dropout(w, p: 0.5)
    XCTAssertEqual(Set(cases.keys), Set(pytorchDropoutReprs.keys))
    for (name, tensor) in cases { XCTAssertEqual(tensor.description, pytorchDropoutReprs[name], name) }
  }

  func testGradientsReachEveryParameterOfTheSeedModel() {
    torch.manualSeed(3)
    final class Small: Module {
      let flatten = nn.Flatten()
      let stack = nn.Sequential(nn.Linear(12, 5), nn.ReLU(), nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 3))
      func forward(_ x: Tensor) -> Tensor { stack(flatten(x)) }
    }
    let model = Small().to(.float64)
    let x = torch.rand([4, 3, 4], dtype: .float64)
    let target = torch.tensor([0, 2, 1, 2])
    gradCheck("seed-shaped model", model.parameters()) { _ in F.crossEntropy(model(x), target) }
    let full = NeuralNetwork()
    F.crossEntropy(full(torch.rand(2, 28, 28)), torch.tensor([1, 9])).backward()
    for (name, p) in full.namedParameters() {
      XCTAssertNotNil(p.grad, name)
      XCTAssertEqual(p.grad?.shape, p.shape, name)
    }
    full.zeroGrad()
    XCTAssertTrue(full.parameters().allSatisfy { $0.grad == nil })
  }

  func testApplyRequiresGradAndInit() {
    let model = NeuralNetwork()
    model.apply { module in
      if let linear = module as? nn.Linear { nn.`init`.zeros_(linear.weight) }
    }
    XCTAssertEqual(model.linear_relu_stack[2].parameters()[0].abs().sum().item(), 0)
    model.requiresGrad_(false)
    XCTAssertTrue(model.parameters().allSatisfy { !$0.requiresGrad })
    let w = torch.empty(300, 200)
    nn.`init`.xavierUniform_(w)
    // U(-a, a) with a = sqrt(6 / (fan_in + fan_out)): within the bound, reaching near it on
    // both sides, with the uniform's standard deviation a / sqrt(3).
    let bound = (6.0 / 500).squareRoot()
    XCTAssertLessThanOrEqual(w.abs().max().item(), bound)
    XCTAssertGreaterThan(w.max().item(), 0.99 * bound)
    XCTAssertLessThan(w.min().item(), -0.99 * bound)
    XCTAssertEqual(w.std().item(), bound / 3.0.squareRoot(), accuracy: 0.002)
    nn.`init`.kaimingNormal_(w, nonlinearity: "relu")
    XCTAssertEqual(w.std().item(), (2.0 / 200).squareRoot(), accuracy: 0.005)
  }

  /// Functionals against values computed here in Double, element by element.
  func testFunctionalsMatchHandComputedValues() {
    let x = torch.randn([4, 6], dtype: .float64)
    let rows = (0..<4).map { i in (0..<6).map { j in x[i, j].item() } }
    let flat = rows.flatMap { $0 }
    assertClose(F.relu(x).toArray(Double.self), flat.map { Swift.max($0, 0) }, rtol: 0, atol: 0)
    assertClose(F.gelu(x).toArray(Double.self), flat.map { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }, rtol: 1e-14, atol: 1e-15)
    let softmax = rows.flatMap { row -> [Double] in
      let exps = row.map { Foundation.exp($0) }, total = exps.reduce(0, +)
      return exps.map { $0 / total }
    }
    assertClose(F.softmax(x, dim: 1).toArray(Double.self), softmax, rtol: 1e-14, atol: 1e-15)
    assertClose(F.logSoftmax(x, dim: 1).toArray(Double.self), softmax.map { Foundation.log($0) }, rtol: 1e-13, atol: 1e-14)
    XCTAssertTrue(F.dropout(x, p: 0.3, training: false) === x, "eval-mode dropout returns its input")
    let weight = torch.randn([2, 6], dtype: .float64), bias = torch.tensor([0.5, -1.0], dtype: .float64)
    let linear = (0..<4).flatMap { i in (0..<2).map { o in (0..<6).reduce(bias[o].item()) { $0 + rows[i][$1] * weight[o, $1].item() } } }
    assertClose(F.linear(x, weight, bias).toArray(Double.self), linear, rtol: 1e-13, atol: 1e-14)
  }

  func testInPlaceDropoutWritesIntoItsInput() {
    let x = torch.ones([4], requiresGrad: true) * 1.0
    let dropout = nn.Dropout(p: 0.5, inplace: true)
    XCTAssertEqual(dropout.description, AutogradGoldens.shared.names["dropout_inplace_repr"])
    torch.manualSeed(0)
    let out = dropout(x)
    XCTAssertTrue(out === x, "the input itself is returned")
    XCTAssertEqual(out.gradFn?.name, AutogradGoldens.shared.names["dropout_inplace_node"])
    XCTAssertTrue(out.toArray(Double.self).allSatisfy { $0 == 0 || $0 == 2 })
    torch.manualSeed(0)
    let copy = F.dropout(torch.ones(4), p: 0.5)
    XCTAssertEqual(out.toArray(Double.self), copy.toArray(Double.self), "the same mask as out of place")
  }

  func testOptimizerOptionsAreTypedAndUnknownSavedOptionsAreRejected() throws {
    let w = nn.Parameter(torch.ones(2))
    let optimizer = optim.SGD([optim.ParamGroup(params: [w], lr: 0.1, options: [.momentum: 0.9])], lr: 0.5)
    XCTAssertEqual(optimizer.paramGroups[0].options[.momentum], 0.9)
    XCTAssertEqual(optimizer.paramGroups[0].lr, 0.1)
    XCTAssertEqual(optimizer.stateDict()["param_groups.0.momentum"]?.item(), 0.9)
    var saved = optimizer.stateDict()
    saved["param_groups.0.momentun"] = torch.tensor(0.5, dtype: .float64)
    XCTAssertThrowsError(try optimizer.loadStateDict(saved)) { error in
      XCTAssertTrue("\(error)".contains("unexpected optimizer option momentun"), "\(error)")
    }
  }

  func testNewActivationModulesPrintAsPyTorch() {
    let modules: [(String, any Module)] = [
      ("softplus", nn.Softplus()), ("softplus_custom", nn.Softplus(beta: 2, threshold: 10)), ("mish", nn.Mish()),
      ("hardswish", nn.Hardswish()), ("hardsigmoid", nn.Hardsigmoid()), ("relu6", nn.ReLU6()),
      ("hardtanh", nn.Hardtanh()), ("hardtanh_custom", nn.Hardtanh(minVal: -2, maxVal: 3)), ("softsign", nn.Softsign()),
      ("gelu", nn.GELU()), ("gelu_tanh", nn.GELU(approximate: "tanh")),
      ("logsigmoid", nn.LogSigmoid()), ("selu", nn.SELU()), ("celu", nn.CELU()), ("celu_custom", nn.CELU(alpha: 0.5)),
      ("prelu", nn.PReLU()), ("prelu_channels", nn.PReLU(numParameters: 8, init: 0.1)), ("pixel_shuffle", nn.PixelShuffle(2)),
      ("pixel_unshuffle", nn.PixelUnshuffle(3)), ("zero_pad", nn.ZeroPad2d(2)), ("zero_pad_sides", nn.ZeroPad2d([1, 2, 0, 1])),
      ("constant_pad", nn.ConstantPad2d(1, 3.5)), ("reflection_pad", nn.ReflectionPad2d(1)),
      ("replication_pad", nn.ReplicationPad2d([1, 1, 2, 0])),
    ]
    for (key, module) in modules {
      XCTAssertEqual(module.description, AutogradGoldens.shared.names["repr_" + key], key)
    }
    // The modules run their functional forms.
    let x = torch.tensor([-4.0, -1.0, 0.5, 3.5], dtype: .float64)
    XCTAssertTrue(nn.ReLU6()(x).equal(F.relu6(x)))
    XCTAssertTrue(nn.GELU(approximate: "tanh")(x).equal(F.gelu(x, approximate: "tanh")))
    let prelu = nn.PReLU(numParameters: 3, init: 0.1)
    XCTAssertEqual(prelu.namedParameters().map { "\($0.0):\($0.1.shape.dims):\($0.1.toArray(Double.self))" }.joined(separator: " "),
                   AutogradGoldens.shared.names["prelu_parameters"])
    let moduleDict = nn.ModuleDict(["b": nn.Linear(2, 3), "a": nn.ReLU()])
    moduleDict["c"] = nn.Tanh()
    XCTAssertEqual(moduleDict.description, AutogradGoldens.shared.names["repr_module_dict"])
    XCTAssertEqual(moduleDict.namedParameters().map(\.0).joined(separator: " "), AutogradGoldens.shared.names["module_dict_parameters"])
    XCTAssertEqual(nn.ModuleDict().description, AutogradGoldens.shared.names["repr_module_dict_empty"])
    moduleDict["a"] = nil
    XCTAssertEqual(moduleDict.keys, ["b", "c"])
    let padded = torch.arange(12.0).view(1, 1, 3, 4)
    let pads: [(String, any Module)] = [("zero_pad_sides", nn.ZeroPad2d([1, 2, 0, 1])), ("constant_pad", nn.ConstantPad2d(1, 3.5)),
                                         ("reflection_pad", nn.ReflectionPad2d(1)), ("replication_pad", nn.ReplicationPad2d([1, 1, 2, 0]))]
    for (key, module) in pads {
      let y = module(padded)
      XCTAssertEqual(y.shape.dims.map(Double.init) + y.to(.float64).flatten().toArray(Double.self), AutogradGoldens.value("padded_" + key), key)
    }
    XCTAssertTrue(nn.Softplus(beta: 2, threshold: 10)(x).equal(F.softplus(x, beta: 2, threshold: 10)))
    XCTAssertEqual(nn.Hardtanh(minVal: -2, maxVal: 3)(x).toArray(Double.self), [-2, -1, 0.5, 3])
  }

  final class WithParameterContainers: Module {
    let scales = nn.ParameterList([nn.Parameter(torch.ones(3, 4)), torch.zeros(5)])
    let named = nn.ParameterDict(["b": nn.Parameter(torch.ones(2)), "a": torch.full([2, 2], 3.0)])
    let lin = nn.Linear(2, 2)
  }

  /// ParameterList and ParameterDict against PyTorch (scripts/generate_autograd_goldens.py,
  /// `parameter_containers`): reprs, parameter names and requires_grad (plain tensors become
  /// parameters), state dict keys; indexing, replacing and removing; an optimizer steps them.
  func testParameterContainersMatchPyTorch() {
    let holder = WithParameterContainers()
    holder.scales.append(nn.Parameter(torch.ones(2), requiresGrad: false))
    XCTAssertEqual(holder.description, AutogradGoldens.shared.names["repr_parameter_containers"])
    XCTAssertEqual(holder.namedParameters().map { "\($0.0):\(pythonRepr($0.1.requiresGrad))" }.joined(separator: " "),
                   AutogradGoldens.shared.names["parameter_containers_parameters"])
    XCTAssertEqual(holder.stateDict().keys.joined(separator: " "), AutogradGoldens.shared.names["parameter_containers_state"])
    XCTAssertEqual(nn.ParameterList([torch.ones([])]).description, AutogradGoldens.shared.names["repr_parameter_list_one"])
    XCTAssertEqual(nn.ParameterDict().description, AutogradGoldens.shared.names["repr_parameter_dict_empty"])
    XCTAssertEqual(holder.scales.count, 3)
    XCTAssertEqual(holder.scales[-1].dims, [2])
    holder.scales[1] = torch.full([5], 2.0)
    XCTAssertTrue(holder.scales[1].isParameter && holder.scales[1].requiresGrad)
    holder.named["a"] = nil
    XCTAssertEqual(holder.named.keys, ["b"])
    // An SGD step reaches the parameters inside both containers.
    let optimizer = optim.SGD(holder.parameters(), lr: 0.5)
    (holder.scales[0].sum() + holder.named["b"]!.sum() * 2).backward()
    optimizer.step()
    XCTAssertEqual(holder.scales[0].toArray(Float.self), [Float](repeating: 0.5, count: 12))
    XCTAssertEqual(holder.named["b"]!.toArray(Float.self), [0, 0])
  }
}
