import Foundation
import XCTest
@testable import Torch

/// What the "Learn the Basics" pages need beyond the seed page (issue 12), each against
/// PyTorch's behaviour.
final class BasicsTests: XCTestCase {
  /// quickstart: `(pred.argmax(1) == y).type(torch.float).sum().item()`.
  func testComparisonOperatorsReturnTensors() {
    let pred = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), y = torch.tensor([1, 1, 1])
    let correct = (pred.argmax(1) == y).type(torch.float).sum().item()
    XCTAssertEqual(correct, 2)
    XCTAssertEqual((pred.argmax(1) == y).description, "tensor([ True, False,  True])")
    let x = torch.tensor([1, 2, 3])
    XCTAssertEqual((x != 2).toArray(Bool.self), [true, false, true])
    XCTAssertEqual((x < 2.5).toArray(Bool.self), [true, true, false])
    XCTAssertEqual((x >= 2).toArray(Bool.self), [false, true, true])
    XCTAssertEqual((2 > x).toArray(Bool.self), [true, false, false])
    XCTAssertEqual((x <= torch.tensor([0, 2, 5])).toArray(Bool.self), [false, true, true])
    XCTAssertEqual((x == 2).dtype, .bool)
  }

  func testTypeCountAndLegacyTypeNames() {
    let x = torch.tensor([[1, 2], [3, 4], [5, 6]])
    XCTAssertEqual(x.count, 3, "len(x)")
    XCTAssertEqual(x.type(), "torch.LongTensor")
    XCTAssertEqual(x.type(torch.float).type(), "torch.FloatTensor")
    XCTAssertEqual(torch.tensor([true]).type(), "torch.BoolTensor")
  }

  /// tensorqs: `torch.matmul(tensor, tensor.T, out=y3)` and `torch.mul(tensor, tensor, out=z3)`.
  func testOutArgumentsWriteAndResize() {
    let tensor = torch.arange(16.0).reshape([4, 4])
    let y3 = torch.randLike(tensor)
    let returned = torch.matmul(tensor, tensor.t(), out: y3)
    XCTAssertTrue(returned === y3)
    XCTAssertTrue(y3.equal(tensor.matmul(tensor.t())))
    let z3 = torch.zeros(2)  // another shape: resized, as PyTorch resizes outputs
    torch.mul(tensor, tensor, out: z3)
    XCTAssertEqual(z3.dims, [4, 4])
    XCTAssertTrue(z3.equal(tensor * tensor))
    XCTAssertTrue(torch.mul(tensor, tensor).equal(tensor.mul(tensor)))
    XCTAssertTrue(torch.add(tensor, tensor, alpha: 2).equal(tensor * 3))
  }

  /// PyTorch: `torch.manual_seed(0); torch.rand_like(torch.tensor([[1, 2], [3, 4]]), dtype=torch.float)`
  /// is `tensor([[0.4963, 0.7682], [0.0885, 0.1320]])`; `torch.randint(10, (5,))` draws as `randint(0, 10, (5,))`.
  func testRandLikeWithDTypeAndRandintWithoutLow() {
    torch.manualSeed(0)
    let x = torch.randLike(torch.tensor([[1, 2], [3, 4]]), dtype: torch.float)
    XCTAssertEqual(x.dtype, .float32)
    XCTAssertEqual(x.description, "tensor([[0.4963, 0.7682],\n        [0.0885, 0.1320]])")
    torch.manualSeed(3)
    let a = torch.randint(10, [5])
    torch.manualSeed(3)
    XCTAssertTrue(a.equal(torch.randint(0, 10, [5])))
    XCTAssertTrue(torch.eye(3, requiresGrad: true).requiresGrad)
  }

  /// tensorqs: `tensor[..., -1]` is the last column; after an Ellipsis the indices apply to the trailing dims.
  func testEllipsisIndexing() {
    let t = torch.arange(24).reshape([2, 3, 4])
    XCTAssertTrue(t[..., -1].equal(t.select(2, 3)))
    XCTAssertTrue(t[..., 1, 0...].equal(t.select(1, 1)))
    XCTAssertTrue(t[..., 0, 1, 2].equal(t[0, 1, 2]))
    let ones = torch.ones(4, 4)
    ones[..., 1] = torch.tensor(0.0)
    XCTAssertEqual(ones.sum().item(), 12)
  }

  /// tensorqs: `tensor[:,1] = 0` assigns a number; masks and index tensors write only the picked
  /// elements (`index_put_`). Expected strings printed by PyTorch 2.15.
  func testAssigningNumbersAndThroughIndexTensors() {
    let t = torch.ones(4, 4)
    t[0..., 1] = 0
    XCTAssertEqual(t.sum().item(), 12)
    XCTAssertEqual(t[0, 1] as Double, 0)
    var x = torch.arange(12.0).view(3, 4)
    x[x > 5] = 0
    XCTAssertEqual("\(x)", "tensor([[0., 1., 2., 3.],\n        [4., 5., 0., 0.],\n        [0., 0., 0., 0.]])")
    x = torch.arange(12.0).view(3, 4)
    x[torch.tensor([2, 0, -1])] = torch.tensor([1.0, 2, 3, 4])
    XCTAssertEqual("\(x)", "tensor([[1., 2., 3., 4.],\n        [4., 5., 6., 7.],\n        [1., 2., 3., 4.]])")
    x = torch.arange(12.0).view(3, 4)
    x[1..., torch.tensor([0, 3])] = -1
    XCTAssertEqual("\(x)", "tensor([[ 0.,  1.,  2.,  3.],\n        [-1.,  5.,  6., -1.],\n        [-1.,  9., 10., -1.]])")
    x = torch.arange(12.0).view(3, 4)
    x[x > 8] = torch.tensor([7.0, 8, 9])
    XCTAssertEqual("\(x)", "tensor([[0., 1., 2., 3.],\n        [4., 5., 6., 7.],\n        [8., 7., 8., 9.]])")
    x = torch.arange(6.0).view(2, 3)
    x[..., 0] = 5
    XCTAssertEqual("\(x)", "tensor([[5., 1., 2.],\n        [5., 4., 5.]])")
  }

  /// Assignment through a mask is differentiable: the masked elements get no gradient.
  func testMaskedAssignmentGradient() {
    let w = torch.tensor([1.0, -2.0, 3.0]).requiresGrad_()
    let y = w * 2
    y[y < 0] = 0
    y.sum().backward()
    XCTAssertEqual(w.grad!.toArray(Double.self), [2, 0, 2])
  }

  /// data: `labels_map[label]` with a 0-d label tensor.
  func testArraysAcceptOneElementIntegerTensors() {
    let labels = ["T-Shirt", "Trouser", "Pullover"]
    XCTAssertEqual(labels[torch.tensor(1)], "Trouser")
    XCTAssertEqual(labels[torch.tensor([2])], "Pullover")
  }

  /// autogradqs prints gradients before backward as `None`; loadStateDict's result prints as PyTorch's.
  func testOptionalTensorsAndLoadResultsPrintAsPyTorch() throws {
    let w = torch.randn([2], requiresGrad: true)
    XCTAssertEqual("\(String(describing: w.grad))", "None")
    (w * 2).sum().backward()
    XCTAssertEqual(String(describing: w.grad), "tensor([2., 2.])")
    let z = w * 3
    XCTAssertNotNil(String(describing: z.gradFn).wholeMatch(of: /<MulBackward0 object at 0x[0-9a-f]+>/), String(describing: z.gradFn))
    XCTAssertEqual(String(describing: w.gradFn), "None")
    let model = nn.Linear(2, 2)
    XCTAssertEqual("\(try model.loadStateDict(model.stateDict()))", "<All keys matched successfully>")
    var partial = model.stateDict()
    partial["bias"] = nil
    partial["extra"] = torch.ones(1)
    XCTAssertEqual("\(try model.loadStateDict(partial, strict: false))", "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['extra'])")
  }

  /// PyTorch's documented `scatter_` examples, and the transforms page's one-hot target.
  func testScatterWritesSourcesAndValues() {
    let src = torch.arange(1, 11).reshape([2, 5])
    let rows = torch.zeros([3, 5], dtype: src.dtype).scatter_(0, torch.tensor([[0, 1, 2, 0]]), src)
    XCTAssertEqual(rows.description, "tensor([[1, 0, 0, 4, 0],\n        [0, 2, 0, 0, 0],\n        [0, 0, 3, 0, 0]])")
    let columns = torch.zeros([3, 5], dtype: src.dtype).scatter_(1, torch.tensor([[0, 1, 2], [0, 1, 4]]), src)
    XCTAssertEqual(columns.description, "tensor([[1, 2, 3, 0, 0],\n        [6, 7, 0, 0, 8],\n        [0, 0, 0, 0, 0]])")
    let added = torch.full([2, 4], 2.0).scatter_(1, torch.tensor([[2], [3]]), value: 1.23, reduce: .add)
    XCTAssertEqual(added.description, "tensor([[2.0000, 2.0000, 3.2300, 2.0000],\n        [2.0000, 2.0000, 2.0000, 3.2300]])")
    // transforms: Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
    let target = torch.zeros(10, dtype: torch.float).scatter_(0, torch.tensor([3]), value: 1)
    XCTAssertEqual(target.description, "tensor([0., 0., 0., 1., 0., 0., 0., 0., 0., 0.])")
  }

  func testOneHot() {
    XCTAssertEqual(F.oneHot(torch.tensor([0, 1, 2, 0, 1])).description,
      "tensor([[1, 0, 0],\n        [0, 1, 0],\n        [0, 0, 1],\n        [1, 0, 0],\n        [0, 1, 0]])")
    XCTAssertEqual(F.oneHot(torch.tensor([1, 0]), numClasses: 4).dims, [2, 4])
  }

  /// tensorqs' NumPy bridge, with Swift memory: a tensor over a caller's buffer and a buffer view
  /// of a tensor share their elements, both ways, without a copy.
  func testTensorsShareMemoryWithSwiftBuffers() {
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 5)
    buffer.initialize(repeating: 1, count: 5)
    let freed = Locked(false)
    do {
      let t = torch.fromBlob(buffer, shape: [5], deleter: { pointer in pointer.deallocate(); freed.withLock { $0 = true } })
      buffer[2] = 7
      XCTAssertEqual(t.description, "tensor([1., 1., 7., 1., 1.])")
      t.add_(1)
      XCTAssertEqual(buffer[0], 2)
      t.withUnsafeMutableBufferPointer(Float.self) { $0[4] = -1 }
      XCTAssertEqual(t.withUnsafeBufferPointer(Float.self) { Array($0) }, [2, 2, 8, 2, -1])
      XCTAssertEqual(buffer[4], -1)
      XCTAssertFalse(freed.withLock { $0 })
    }
    XCTAssertTrue(freed.withLock { $0 }, "the deleter runs when the last view goes")
  }

  /// NDArray prints as NumPy's `str()` (values from NumPy 2): the tensors page prints both.
  func testNDArrayPrintsAsNumPyAndSharesMemory() {
    XCTAssertEqual(torch.tensor([0.5, 0.25]).numpy().description, "[0.5  0.25]")
    XCTAssertEqual(torch.tensor([[1, 2], [3, 4]]).numpy().description, "[[1 2]\n [3 4]]")
    XCTAssertEqual(torch.tensor([-1.5, 2.0]).numpy().description, "[-1.5  2. ]")
    XCTAssertEqual(torch.tensor([1.0 / 3, 10.0], dtype: .float64).numpy().description, "[ 0.33333333 10.        ]")
    XCTAssertEqual(torch.tensor([true, false]).numpy().description, "[ True False]")
    let t = torch.ones(3)
    let n = t.numpy()
    t.add_(1)
    XCTAssertEqual(n.toArray(Float.self), [2, 2, 2])
    n.add_(1)
    XCTAssertEqual(t.toArray(Float.self), [3, 3, 3])
  }
}
