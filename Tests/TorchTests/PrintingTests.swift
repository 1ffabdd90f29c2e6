import XCTest
@testable import Torch

/// Every case in `pytorchReprs` (generated from PyTorch) rebuilt in Swift and printed.
final class PrintingTests: XCTestCase {
  /// The Swift twin of each case in scripts/generate_golden.py, by name.
  static func swiftCases() -> [(String, Tensor)] {
    var cases: [(String, Tensor)] = []
    func add(_ name: String, _ make: () -> Tensor) { cases.append((name, make())) }
    add("arange30") { torch.arange(30.0) }
    add("arange1001") { torch.arange(1001) }
    add("blocks3d") { torch.arange(24.0).reshape(2, 3, 4) }
    add("blocks4d") { torch.arange(16.0).reshape(2, 2, 2, 2) }
    add("sci1200") { torch.arange(1200.0).reshape(30, 40) }
    add("summarized3d") { torch.arange(2000.0).reshape(10, 10, 20) / 7 }
    add("intFloats") { torch.tensor([1.0, 2, 3, -4]) }
    add("mixed") { torch.tensor([-0.5, 1.25, 3]) }
    add("ints") { torch.tensor([1, -20, 300]) }
    add("bigInts") { torch.tensor([1_000_000_000_000, -5]) }
    add("bools") { torch.tensor([true, false]) }
    add("uint8") { torch.tensor([1, 2, 255], dtype: .uint8) }
    add("small") { torch.tensor([1e-4, 1.0]) }
    add("ratio999") { torch.tensor([0.001, 1.0]) }
    add("ratio1000") { torch.tensor([1000.0, 1]) }
    add("ratio1001") { torch.tensor([1001.0, 1]) }
    add("e8") { torch.tensor([1e8]) }
    add("e8plus") { torch.tensor([123_456_789.0]) }
    add("tie") { torch.tensor([0.03125, 0.12345]) }
    add("nanInf") { torch.tensor([Double.nan, .infinity, -.infinity, 1.5]) }
    add("nanInfInt") { torch.tensor([Double.nan, .infinity, 1]) }
    add("allNan") { torch.tensor([Double.nan, .nan]) }
    add("negZero") { torch.tensor([-0.0, 1.5]) }
    add("negZeroInt") { torch.tensor([-0.0, 1.0]) }
    add("zeros") { torch.zeros(3) }
    add("sciZeros") { torch.tensor([0.0, 1e-5, 2.5e-3]) }
    add("sciNan") { torch.tensor([1e-5, .nan, .infinity]) }
    add("sciNeg") { torch.tensor([-1e-5, 1.0]) }
    add("scalar") { torch.tensor(3.5) }
    add("scalarInt") { torch.tensor(3.0) }
    add("scalarNegZero") { torch.tensor(-0.0) }
    add("scalarSci") { torch.tensor(1e-5) }
    add("scalarLong") { torch.tensor(3) }
    add("scalarBool") { torch.tensor(true) }
    add("empty") { torch.tensor([Double]()) }
    add("empty03") { torch.zeros(0, 3) }
    add("emptyLong") { torch.tensor([Int]()) }
    add("empty20Long") { torch.zeros(2, 0, dtype: .int64) }
    add("float64") { torch.tensor([1.5, 2.0], dtype: .float64) }
    add("requiresGrad") { torch.tensor([1.5, 2.0], requiresGrad: true) }
    add("float64Grad") { torch.tensor([1.5], dtype: .float64, requiresGrad: true) }
    add("scalarGrad") { torch.tensor(1.5, requiresGrad: true) }
    add("scalarMul") { torch.tensor([1.0, 2, 3], requiresGrad: true).sum() * 1 }
    add("wrap5") { torch.full([5], 0.5, requiresGrad: true) + 0 }
    add("wrap6") { torch.full([6], 0.5, requiresGrad: true) + 0 }
    add("noWrap6") { torch.full([6], 0.5, requiresGrad: true) }
    add("summarizedHidden") {
      let hidden = torch.full([2000], 0.5)
      hidden[1000] = torch.tensor(1e10)
      return hidden
    }
    add("rand345") { torch.manualSeed(0); return torch.rand(3, 4, 5) }
    add("randn2x600") { torch.manualSeed(0); return torch.randn(2, 600) }
    add("randn4x30") { torch.manualSeed(3); return torch.randn(4, 30) }
    add("randint") { torch.manualSeed(0); return torch.randint(0, 10, [12]) }
    add("randperm20") { torch.manualSeed(0); return torch.randperm(20) }
    add("randDouble") { torch.manualSeed(5); return torch.rand(4, dtype: .float64) }
    add("randnDouble") { torch.manualSeed(5); return torch.randn(3, dtype: .float64) }
    add("randnDouble20") { torch.manualSeed(5); return torch.randn(20, dtype: .float64) }
    add("linspace") { torch.linspace(-1, 1, steps: 7) }
    add("eye") { torch.eye(3) }
    add("promoteInt") { torch.tensor([1, 2]) + 0.5 }
    add("divInt") { torch.tensor([3, 4]) / 2 }
    add("sumInt") { torch.tensor([3, 4]).sum() }
    add("argmax") { torch.tensor([[1.0, 5, 2], [7, 0, 1]]).argmax(1) }
    add("softmaxLarge") { torch.softmax(torch.tensor([[1000.0, 1001, 1002]]), dim: 1) }
    let logits = { torch.tensor([[2.0, 1, 0.1], [0.5, 2.5, 0.3]], requiresGrad: true) }
    add("ce") { F.crossEntropy(logits(), torch.tensor([0, 1])) }
    add("ceNone") { F.crossEntropy(logits(), torch.tensor([0, 1]), reduction: .none) }
    add("ceIgnore") { F.crossEntropy(logits(), torch.tensor([0, 1]), ignoreIndex: 1) }
    add("ceSmooth") { F.crossEntropy(logits(), torch.tensor([0, 1]), labelSmoothing: 0.2) }
    add("ceWeighted") { F.crossEntropy(logits(), torch.tensor([0, 1]), weight: torch.tensor([1.0, 2, 3])) }
    add("ceLarge") { F.crossEntropy(torch.tensor([[1e4, -1e4, 0], [0, 0, 5e4]]), torch.tensor([1, 2])) }
    add("mse") { F.mseLoss(torch.tensor([1.0, 2, 3], requiresGrad: true), torch.tensor([1.5, 2, 2])) }
    add("l1") { F.l1Loss(torch.tensor([1.0, 2, 3]), torch.tensor([1.5, 2, 2])) }
    add("bce") { F.binaryCrossEntropyWithLogits(torch.tensor([0.3, -2, 40]), torch.tensor([1.0, 0, 1])) }
    return cases
  }

  func testEveryCaseMatchesPyTorch() {
    let cases = Self.swiftCases()
    XCTAssertEqual(Set(cases.map(\.0)), Set(pytorchReprs.keys), "the Swift and Python case lists differ")
    for (name, tensor) in cases {
      XCTAssertEqual(tensor.description, pytorchReprs[name], "case \(name)")
    }
  }

  func testSizesAndDTypes() {
    XCTAssertEqual(torch.rand(3, 784).size().description, "torch.Size([3, 784])")
    XCTAssertEqual(torch.tensor(1.0).shape.description, "torch.Size([])")
    XCTAssertEqual(DType.float32.description, "torch.float32")
    XCTAssertEqual(DType.int64.description, "torch.int64")
  }

  func testParameterPrintsLikePyTorch() {
    let p = nn.Parameter(torch.tensor([1.0, 2.0]))
    XCTAssertEqual(p.description, "Parameter containing:\ntensor([1., 2.], requires_grad=True)")
  }

  func testItemIsTheWidenedFloat() {
    XCTAssertEqual("\(torch.tensor(0.1).item())", "0.10000000149011612")
  }
}

final class GradFnNameTests: XCTestCase {
  func testNodeNamesMatchPyTorch() {
    let x = torch.rand([3, 4], requiresGrad: true)
    let w = torch.rand([5, 4], requiresGrad: true)
    let v = torch.rand([4], requiresGrad: true)
    let cases: [String: Tensor] = [
      "linear2d": F.linear(x, w, torch.rand(5)),
      "linear3d": F.linear(x.reshape(3, 1, 4), w, torch.rand(5)),
      "linearNoBias": F.linear(x, w),
      "mm": x.mm(w.t()),
      "matmul3d2d": x.reshape(3, 1, 4).matmul(w.t()),
      "matmul1d2d": v.matmul(w.t()),
      "matmul2d1d": x.matmul(v),
      "dot": v.matmul(v),
      "slice": x[..<2],
      "select": x[0],
      "view": x.view(12),
      "reshapeNonContiguous": x.t().reshape(12),
      "transpose": x.transpose(0, 1),
      "t": x.t(),
      "T": x.T,
      "permute": x.permute(1, 0),
      "expand": v.expand(2, 4),
      "unsqueeze": x.unsqueeze(0),
      "squeeze": x.squeeze(),
      "squeezeDim": x.squeeze(0),
      "cat": torch.cat([x, x]),
      "stack": torch.stack([x, x]),
      "indexSelect": x.indexSelect(0, torch.tensor([0])),
      "index": x[torch.tensor([0, 1])],
      "gather": x.gather(1, torch.tensor([[0], [1], [2]])),
      "max": x.max(),
      "maxDim": x.max(dim: 1).values,
      "sum": x.sum(),
      "sumDim": x.sum(dim: 1),
      "mean": x.mean(),
      "meanDim": x.mean(dim: 1),
      "add": x + x,
      "addScalar": x + 1,
      "sub": x - x,
      "rsub": 1 - x,
      "mul": x * x,
      "div": x / x,
      "rdiv": 2 / x,
      "neg": -x,
      "exp": x.exp(),
      "log": x.log(),
      "pow": x.pow(2),
      "sqrt": x.sqrt(),
      "abs": x.abs(),
      "relu": x.relu(),
      "sigmoid": x.sigmoid(),
      "tanh": x.tanh(),
      "softmax": x.softmax(dim: 1),
      "logSoftmax": x.logSoftmax(dim: 1),
      "clampMin": x.clamp(min: 0),
      "maximum": torch.maximum(x, x),
      "clone": x.clone(),
      "contiguous": x.t().contiguous(),
      "toDouble": x.double(),
      "mse": F.mseLoss(x, x.detach()),
      "nll": F.nllLoss(x, torch.tensor([0, 1, 2])),
      "where": torch.where(x.gt(0.5), x, x),
      "var": x.var(),
      "std": x.std(),
      "rsqrt": x.rsqrt(),
      "rmsNorm": F.rmsNorm(x, [4]),
      "klDivBatchmean": F.klDiv(x, x.detach(), reduction: .batchmean),
      "klDivNone": F.klDiv(x, x.detach(), reduction: .none),
      "cosineSimilarity": F.cosineSimilarity(x, x.detach()),
    ]
    XCTAssertEqual(Set(cases.keys), Set(pytorchGradFnNames.keys))
    for (name, tensor) in cases {
      XCTAssertEqual(tensor.gradFn?.name, pytorchGradFnNames[name], "case \(name)")
    }
    XCTAssertNil(x.detach().gradFn)
    XCTAssertNil(x.to(.float32).gradFn)
    XCTAssertTrue(x.to(.float32) === x)
    XCTAssertNil(x.argmax().gradFn)
  }
}
