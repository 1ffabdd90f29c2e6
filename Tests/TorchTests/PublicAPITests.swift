import Foundation
import XCTest
@testable import Torch

/// Public API families that had no test, each checked against values computed by hand.
final class PublicAPITests: XCTestCase {
  func testTransformsNormalizeLambdaCompose() {
    let image = torch.tensor([[0, 255], [51, 102]], dtype: .uint8)
    let normalize = transforms.Normalize(mean: [0.5], std: [0.25])
    let pipeline = transforms.Compose([transforms.ToTensor(), normalize, transforms.Lambda { $0 * 2.0 }])
    let out = pipeline(image)
    XCTAssertEqual(out.shape.dims, [1, 2, 2])
    assertClose(out.toArray(Double.self), [0, 255, 51, 102].map { (Double(Float($0) / 255) - 0.5) / 0.25 * 2 }, rtol: 1e-6, atol: 1e-6)
  }

  func testLossModulesAgainstHandValues() {
    let logProbs = torch.tensor([[-0.5, -1.0, -2.0], [-3.0, -0.25, -1.5]])
    let target = torch.tensor([2, 1])
    XCTAssertEqual(nn.NLLLoss()(logProbs, target).item(), (2.0 + 0.25) / 2, accuracy: 1e-7)
    XCTAssertEqual(nn.NLLLoss(reduction: .sum)(logProbs, target).item(), 2.25, accuracy: 1e-7)
    let a = torch.tensor([1.0, -2.0, 0.5]), b = torch.tensor([0.0, 1.0, 0.5])
    XCTAssertEqual(nn.L1Loss()(a, b).item(), (1 + 3 + 0) / 3.0, accuracy: 1e-7)
    XCTAssertEqual(nn.L1Loss(reduction: .sum)(a, b).item(), 4, accuracy: 1e-7)
    let logits = torch.tensor([0.0, 2.0]), labels = torch.tensor([1.0, 0.0])
    let expected = (Foundation.log(2.0) + Foundation.log(1 + Foundation.exp(2.0))) / 2
    XCTAssertEqual(nn.BCEWithLogitsLoss()(logits, labels).item(), expected, accuracy: 1e-6)
  }

  func testActivationModulesAgainstHandValues() {
    let values = [-1.5, 0.0, 0.75]
    let x = torch.tensor(values, dtype: .float64)
    assertClose(nn.Tanh()(x).toArray(Double.self), values.map { Foundation.tanh($0) }, rtol: 1e-15, atol: 0)
    assertClose(nn.Sigmoid()(x).toArray(Double.self), values.map { 1 / (1 + Foundation.exp(-$0)) }, rtol: 1e-15, atol: 0)
    assertClose(nn.SiLU()(x).toArray(Double.self), values.map { $0 / (1 + Foundation.exp(-$0)) }, rtol: 1e-15, atol: 0)
  }

  func testInitFunctions() {
    let w = torch.empty(200, 300)
    XCTAssertEqual(nn.`init`.zeros_(w).abs().max().item(), 0)
    XCTAssertEqual(nn.`init`.ones_(w).min().item(), 1)
    XCTAssertEqual(nn.`init`.constant_(w, 0.25).max().item(), 0.25)
    nn.`init`.uniform_(w, a: -2, b: 3)
    XCTAssertGreaterThanOrEqual(w.min().item(), -2)
    XCTAssertLessThan(w.max().item(), 3)
    XCTAssertEqual(w.mean().item(), 0.5, accuracy: 0.03)
    nn.`init`.normal_(w, mean: 1, std: 0.5)
    XCTAssertEqual(w.mean().item(), 1, accuracy: 0.01)
    XCTAssertEqual(w.std().item(), 0.5, accuracy: 0.01)
    // fan_in = 300: kaiming uniform with a = √5 is U(±1/√300); xavier normal std √(2 / 500).
    nn.`init`.kaimingUniform_(w, a: 5.0.squareRoot())
    XCTAssertLessThanOrEqual(w.abs().max().item(), 1 / 300.0.squareRoot())
    XCTAssertGreaterThan(w.abs().max().item(), 0.99 / 300.0.squareRoot())
    nn.`init`.xavierNormal_(w)
    XCTAssertEqual(w.std().item(), (2.0 / 500).squareRoot(), accuracy: 0.002)
  }

  func testModuleTraversal() throws {
    final class Net: Module {
      let scale = nn.Parameter(torch.ones(1))
      let stats = nn.Buffer(torch.zeros(2))
      let body = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    }
    let net = Net()
    XCTAssertEqual(net.children().count, 1)
    XCTAssertTrue(net.children()[0] === net.body)
    XCTAssertEqual(net.parameters(recurse: false).count, 1)
    XCTAssertEqual(net.parameters().count, 3)
    XCTAssertEqual(net.buffers().count, 1)
    XCTAssertTrue(net.buffers()[0] === net.stats)
    net.body(torch.ones(4, 2)).sum().backward()
    net.zeroGrad(setToNone: false)
    let weight = try XCTUnwrap((net.body.layers[0] as! nn.Linear).weight.grad)
    XCTAssertEqual(weight.abs().sum().item(), 0, "zeroGrad(setToNone: false) zeroes in place")
    net.zeroGrad()
    XCTAssertNil((net.body.layers[0] as! nn.Linear).weight.grad)
  }

  func testMaskingNarrowingAndShapes() {
    let x = torch.tensor([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
    let mask = x.gt(0.0)
    XCTAssertEqual(x.maskedSelect(mask).toArray(Double.self), [1, 3, 5])
    XCTAssertEqual(x.maskedFill(mask, 0).toArray(Double.self), [0, -2, 0, -4, 0, -6])
    XCTAssertEqual(x.narrow(1, start: 1, length: 2).toArray(Double.self), [-2, 3, 5, -6])
    XCTAssertEqual(torch.tensor([1.0, 2.0, 3.0]).expandAs(x).toArray(Double.self), [1, 2, 3, 1, 2, 3])
    XCTAssertEqual(x.mT.shape.dims, [3, 2])
    XCTAssertEqual(x.mT.toArray(Double.self), [1, -4, -2, 5, 3, -6])
    let parts = torch.arange(6.0).split([1, 3, 2])
    XCTAssertEqual(parts.map { $0.toArray(Double.self) }, [[0], [1, 2, 3], [4, 5]])
    XCTAssertEqual(x.sign().toArray(Double.self), [1, -1, 1, -1, 1, -1])
  }

  func testReductionsOverSeveralDims() {
    let x = torch.arange(24.0, dtype: .float64).reshape([2, 3, 4])
    XCTAssertEqual(torch.tensor([1.0, 2.0, 3.0, 4.0]).prod().item(), 24)
    XCTAssertEqual(torch.tensor([3.0, -1.0, 2.0, -1.0]).argmin().item(), 1, "the first minimum")
    // Over dims 0 and 2: groups of 8 elements {k + 4j + 12i} for each j.
    var groups: [[Double]] = []
    for j in 0..<3 {
      var group: [Double] = []
      for i in 0..<2 { for k in 0..<4 { group.append(Double(12 * i + 4 * j + k)) } }
      groups.append(group)
    }
    let means: [Double] = groups.map { $0.reduce(0, +) / 8 }
    XCTAssertEqual(x.mean(dims: [0, 2]).toArray(Double.self), means)
    var variances: [Double] = []
    for (g, m) in zip(groups, means) {
      let squares: [Double] = g.map { ($0 - m) * ($0 - m) }
      variances.append(squares.reduce(0, +) / 7)
    }
    assertClose(x.var(dims: [0, 2]).toArray(Double.self), variances, rtol: 1e-14, atol: 0)
    assertClose(x.std(dims: [0, 2]).toArray(Double.self), variances.map { $0.squareRoot() }, rtol: 1e-14, atol: 0)
    assertClose(x.logsumexp(dims: [0, 2]).toArray(Double.self),
                groups.map { g in Foundation.log(g.map { Foundation.exp($0) }.reduce(0, +)) }, rtol: 1e-14, atol: 0)
  }

  func testComparisonsAndPredicates() {
    let a = torch.tensor([1.0, 2.0, 3.0]), b = torch.tensor([3.0, 2.0, 1.0])
    XCTAssertEqual((a .== b).toArray(Bool.self), [false, true, false])
    XCTAssertEqual((a .!= b).toArray(Bool.self), [true, false, true])
    XCTAssertEqual((a .< b).toArray(Bool.self), [true, false, false])
    XCTAssertEqual((a .<= b).toArray(Bool.self), [true, true, false])
    XCTAssertEqual((a .> b).toArray(Bool.self), [false, false, true])
    XCTAssertEqual((a .>= b).toArray(Bool.self), [false, true, true])
    XCTAssertTrue(a.gt(0.0).all())
    XCTAssertFalse(a.gt(1.0).all())
    XCTAssertTrue(a.gt(2.5).any())
    XCTAssertFalse(a.gt(3.0).any())
    XCTAssertTrue(a.allclose(a + 1e-9))
    XCTAssertFalse(a.allclose(a + 1e-3))
    XCTAssertFalse(torch.tensor([Double.nan]).allclose(torch.tensor([Double.nan])), "NaN is not close to NaN")
  }

  func testInPlaceOps() {
    let x = torch.tensor([4.0, -2.0, 8.0])
    XCTAssertEqual(x.div_(2.0).toArray(Double.self), [2, -1, 4])
    XCTAssertEqual(x.clamp_(min: -0.5, max: 3).toArray(Double.self), [2, -0.5, 3])
    XCTAssertEqual(x.relu_().toArray(Double.self), [2, 0, 3])
    XCTAssertEqual(x.zero_().toArray(Double.self), [0, 0, 0])
  }

  func testLikeCreators() {
    let x = torch.empty(2, 3, dtype: .float64)
    XCTAssertEqual(torch.zerosLike(x).toArray(Double.self), [Double](repeating: 0, count: 6))
    XCTAssertEqual(torch.onesLike(x, dtype: .int64).toArray(Int64.self), [Int64](repeating: 1, count: 6))
    XCTAssertEqual(torch.fullLike(x, 2.5).toArray(Double.self), [Double](repeating: 2.5, count: 6))
    XCTAssertEqual(torch.emptyLike(x).shape.dims, [2, 3])
    XCTAssertEqual(torch.emptyLike(x).dtype, .float64)
    torch.manualSeed(9)
    let r = torch.randLike(x)
    torch.manualSeed(9)
    XCTAssertEqual(r.toArray(Double.self), torch.rand([2, 3], dtype: .float64).toArray(Double.self))
    XCTAssertEqual(torch.randnLike(x).dtype, .float64)
  }

  func testDeviceParsingSeedsAndNodes() {
    XCTAssertEqual(Device(parsing: "cpu"), .cpu)
    XCTAssertEqual(Device(parsing: "cuda"), .cuda(0))
    XCTAssertEqual(Device(parsing: "cuda:1"), .cuda(1))
    XCTAssertNil(Device(parsing: "tpu"))
    XCTAssertNil(Device(parsing: "cuda:-1"))
    torch.manualSeed(1234)
    XCTAssertEqual(torch.initialSeed(), 1234)
    XCTAssertEqual(torch.Generator().manualSeed(77).initialSeed(), 77)
    let w = torch.tensor([1.0], requiresGrad: true)
    let y = (w * 2.0).exp()
    XCTAssertEqual(y.gradFn?.nextFunctions.map { $0?.name }, ["MulBackward0"])
    XCTAssertEqual(y.gradFn?.nextFunctions[0]?.nextFunctions.map { $0?.name }, ["AccumulateGrad", nil], "a leaf (AccumulateGrad, as PyTorch) and a constant")
  }

  /// Print options give PyTorch's strings (generate_autograd_goldens.py).
  func testPrintOptions() {
    let saved = torch.printOptions
    defer { torch.printOptions = saved }
    torch.printOptions.precision = 2
    XCTAssertEqual(torch.tensor([1.0 / 3, 2.0 / 3]).description, AutogradGoldens.shared.names["print_precision2"])
    torch.printOptions = saved
    torch.printOptions.sciMode = true
    XCTAssertEqual(torch.tensor([1.0 / 3, 2.0 / 3]).description, AutogradGoldens.shared.names["print_sci"])
    torch.printOptions = saved
    torch.printOptions.threshold = 5
    torch.printOptions.edgeItems = 2
    XCTAssertEqual(torch.arange(10).description, AutogradGoldens.shared.names["print_threshold5_edge2"])
  }

  func testCUDAMemoryFiguresWithoutADevice() {
    guard !torch.cuda.isAvailable() else { return }
    XCTAssertEqual(torch.cuda.memoryAllocated(), 0)
    XCTAssertEqual(torch.cuda.maxMemoryAllocated(), 0)
  }
}
