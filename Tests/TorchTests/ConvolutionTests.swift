import Foundation
import XCTest
@testable import Torch

/// PyTorch's convolution, pooling and normalization modules: reprs, seeded initial weights,
/// state-dict names, running statistics, pooling indices and masks, against
/// Fixtures/convolution_goldens.json (scripts/generate_convolution_goldens.py). Values and
/// gradients of the functional forms are pinned by the op registry (OpRegistryTests).
final class ConvolutionTests: XCTestCase {
  nonisolated(unsafe) static let goldens: [String: Any] = {
    let url = Bundle.module.url(forResource: "Fixtures/convolution_goldens", withExtension: "json")!
    return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
  }()

  /// The Swift twin of each module the generator builds, by name.
  nonisolated(unsafe) static let modules: [String: () -> any Module] = [
    "conv2d": { nn.Conv2d(1, 6, 5) },
    "conv2d_full": { nn.Conv2d(3, 6, [3, 5], stride: 2, padding: [1, 2], dilation: 2, groups: 3, bias: false, paddingMode: .reflect) },
    "conv2d_same": { nn.Conv2d(3, 6, 3, padding: "same") },
    "conv2d_valid": { nn.Conv2d(2, 4, 1, padding: "valid") },
    "conv1d": { nn.Conv1d(4, 2, 3) },
    "conv_transpose2d": { nn.ConvTranspose2d(3, 6, 3, stride: 2, outputPadding: 1) },
    "max_pool2d": { nn.MaxPool2d(2) },
    "max_pool2d_full": { nn.MaxPool2d(3, 2, 1, ceilMode: true) },
    "max_pool2d_tuple": { nn.MaxPool2d([2, 3], stride: [1, 2]) },
    "max_pool1d": { nn.MaxPool1d(2) },
    "avg_pool2d": { nn.AvgPool2d(2) },
    "adaptive_avg_pool2d": { nn.AdaptiveAvgPool2d([7, 7]) },
    "adaptive_max_pool2d": { nn.AdaptiveMaxPool2d(1) },
    "batch_norm2d": { nn.BatchNorm2d(32) },
    "batch_norm1d": { nn.BatchNorm1d(3, momentum: nil, affine: false) },
    "layer_norm": { nn.LayerNorm(10) },
    "group_norm": { nn.GroupNorm(2, 4) },
    "dropout2d": { nn.Dropout2d(0.3) },
    "upsample": { nn.Upsample(scaleFactor: 2, mode: .nearest) },
    "upsample_size": { nn.Upsample(size: [4, 6], mode: .bilinear) },
    "relu_inplace": { nn.ReLU(inplace: true) },
  ]

  /// float32 values as the generator wrote them (exact doubles; Foundation's JSON reader may be
  /// off in the last bit of a double, never of a float).
  static func floats(_ value: Any) -> [Float] { (value as! [Double]).map(Float.init) }

  func testGoldensComeFromTheCheckedInGenerator() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/generate_convolution_goldens.py")
    XCTAssertEqual(MD5.hex(Array(try Data(contentsOf: script))), Self.goldens["generatorMD5"] as? String, "regenerate convolution_goldens.json")
  }

  /// Same repr, same state-dict keys in the same order, same seeded initial values.
  func testModulesMatchPyTorchReprsAndSeededWeights() {
    let expected = Self.goldens["modules"] as! [String: [String: Any]]
    XCTAssertEqual(Set(expected.keys), Set(Self.modules.keys))
    for (name, make) in Self.modules.sorted(by: { $0.key < $1.key }) {
      torch.manualSeed(0)
      let module = make()
      let golden = expected[name]!
      XCTAssertEqual(module.description, golden["repr"] as? String, name)
      let state = golden["state"] as! [[Any]]
      let ours = module.stateDict()
      XCTAssertEqual(ours.map(\.key), state.map { $0[0] as! String }, name)
      for (entry, (key, tensor)) in zip(state, ours) {
        XCTAssertEqual(tensor.to(.float32).flatten().toArray(Float.self), Self.floats(entry[1]), "\(name).\(key)")
      }
    }
  }

  /// Running mean and (unbiased) variance after two training steps, with momentum 0.1, the
  /// cumulative average (momentum nil), and without tracking; then eval-mode outputs.
  func testBatchNormRunningStatisticsMatchPyTorch() {
    let cases = Self.goldens["batchNorm"] as! [String: [String: Any]]
    let modules: [String: () -> nn.BatchNorm2d] = [
      "momentum": { nn.BatchNorm2d(3) },
      "cumulative": { nn.BatchNorm2d(3, momentum: nil) },
      "no_tracking": { nn.BatchNorm2d(3, trackRunningStats: false) },
    ]
    for (name, make) in modules {
      let golden = cases[name]!
      let bn = make()
      let first = torch.tensor(golden["first"] as! [Double]).reshape([4, 3, 5, 5])
      let second = torch.tensor(golden["second"] as! [Double]).reshape([4, 3, 5, 5])
      assertClose(bn(first).to(.float64).flatten().toArray(Double.self), golden["train_output"] as! [Double], rtol: 1e-6, atol: 1e-6, "\(name) train")
      _ = bn(second)
      let state = golden["state"] as! [[Any]]
      XCTAssertEqual(bn.stateDict().map(\.key), state.map { $0[0] as! String }, name)
      for (entry, (key, tensor)) in zip(state, bn.stateDict()) {
        assertClose(tensor.to(.float64).flatten().toArray(Double.self), entry[1] as! [Double], rtol: 1e-6, atol: 1e-7, "\(name).\(key)")
      }
      bn.eval()
      assertClose(bn(first).to(.float64).flatten().toArray(Double.self), golden["eval_output"] as! [Double], rtol: 1e-6, atol: 1e-6, "\(name) eval")
    }
  }

  /// The float32 CPU kernels of batch norm (forward, backward, and the tensor formula under
  /// createGraph) agree with the float64 formula, in training and in eval mode.
  func testBatchNormKernelsMatchTheFloat64Formula() {
    for training in [true, false] {
      torch.manualSeed(2)
      let x = (torch.randn(4, 3, 5, 6) * 3 + 1).requiresGrad_(), w = torch.randn([3], requiresGrad: true), b = torch.randn([3], requiresGrad: true)
      let (rm, rv) = (torch.randn(3) * 0.1, torch.rand(3) + 0.5)
      let g = torch.randn(4, 3, 5, 6)
      let y = F.batchNorm(x, runningMean: rm, runningVar: rv, weight: w, bias: b, training: training)
      let first = torch.autograd.grad([y], [x, w, b], gradOutputs: [g], createGraph: true)
      let leaves64 = [x, w, b].map { $0.detach().to(.float64).requiresGrad_() }
      let y64 = F.batchNorm(leaves64[0], runningMean: rm.to(.float64), runningVar: rv.to(.float64), weight: leaves64[1], bias: leaves64[2], training: training)
      let first64 = torch.autograd.grad([y64], leaves64, gradOutputs: [g.to(.float64)], createGraph: true)
      assertClose(y.to(.float64), y64, rtol: 1e-5, atol: 1e-5)
      for (ours, reference) in zip(first, first64) { assertClose(ours.to(.float64), reference, rtol: 1e-4, atol: 1e-4) }
      // Without createGraph the C kernels compute the gradients.
      F.batchNorm(x, runningMean: rm, runningVar: rv, weight: w, bias: b, training: training).backward(g)
      for (leaf, reference) in zip([x, w, b], first64) { assertClose(leaf.grad!.to(.float64), reference, rtol: 1e-4, atol: 1e-4) }
      // Gradients of gradients go through the formula.
      let second = torch.autograd.grad([(first[0] * first[0]).sum()], [w], allowUnused: true)
      let second64 = torch.autograd.grad([(first64[0] * first64[0]).sum()], [leaves64[1]], allowUnused: true)
      if training { assertClose(second[0]!.to(.float64), second64[0]!, rtol: 1e-3, atol: 1e-3) }
    }
  }

  /// `return_indices`: flat positions in each input plane, as PyTorch gives them.
  func testPoolingIndicesMatchPyTorch() {
    let golden = Self.goldens["pooling"] as! [String: Any]
    let x = torch.tensor(golden["input"] as! [Double]).reshape([2, 2, 5, 6])
    let (values, indices) = F.maxPool2dWithIndices(x, kernelSize: 3, stride: 2, padding: 1, ceilMode: true)
    XCTAssertEqual(values.flatten().toArray(Float.self), Self.floats(golden["max_values"]!))
    XCTAssertEqual(indices.flatten().toArray(Int64.self).map(Int.init), golden["max_indices"] as! [Int])
    let module = nn.MaxPool2d(kernelSize: 3, stride: 2, padding: 1, returnIndices: true, ceilMode: true).forwardWithIndices(x)
    XCTAssertTrue(module.values.equal(values) && module.indices.equal(indices))
    let adaptive = F.adaptiveMaxPool2dWithIndices(x, [3, 4])
    XCTAssertEqual(adaptive.values.flatten().toArray(Float.self), Self.floats(golden["adaptive_values"]!))
    XCTAssertEqual(adaptive.indices.flatten().toArray(Int64.self).map(Int.init), golden["adaptive_indices"] as! [Int])
  }

  /// Conv2d with each padding mode (the border filled by F.pad), explicit and "same" padding.
  func testConvolutionPaddingModesMatchPyTorch() {
    let goldens = Self.goldens["paddingModes"] as! [String: Any]
    for mode in [nn.PaddingMode.zeros, .reflect, .replicate, .circular] {
      for same in [false, true] {
        torch.manualSeed(0)
        let conv = same ? nn.Conv2d(2, 3, [3, 4], padding: "same", paddingMode: mode) : nn.Conv2d(2, 3, [3, 4], padding: [1, 2], paddingMode: mode)
        let x = torch.randn(1, 2, 5, 6)
        let key = "\(mode.rawValue)-\(same ? "same" : "explicit")"
        let expected = Self.floats(goldens[key]!)
        let out = conv(x).flatten().toArray(Float.self)
        XCTAssertEqual(out.count, expected.count, key)
        assertClose(out.map(Double.init), expected.map(Double.init), rtol: 1e-5, atol: 1e-6, key)
      }
    }
  }

  /// One Bernoulli draw per (sample, channel), in PyTorch's order.
  func testDropout2dZeroesWholeChannelsAsPyTorch() {
    torch.manualSeed(0)
    let out = F.dropout2d(torch.ones(2, 3, 2, 2), p: 0.5)
    XCTAssertEqual(out.flatten().toArray(Float.self), Self.floats(Self.goldens["dropout2d"]!))
    let module = nn.Dropout2d(0.5)
    module.eval()
    XCTAssertTrue(module(torch.ones(2, 3, 2, 2)).equal(torch.ones(2, 3, 2, 2)))
  }

  /// Convolution in float32 (the GEMM path) agrees with the float64 reference of the registry's
  /// formulation (unfold + matmul) on a batch, with groups, stride and dilation.
  func testFloat32ConvolutionMatchesUnfoldReference() {
    torch.manualSeed(0)
    let x = torch.randn(3, 4, 9, 8), w = torch.randn(6, 2, 3, 3), b = torch.randn(6)
    let out = F.conv2d(x, w, b, stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2)
    let columns = F.unfold(x.to(.float64), kernelSize: 3, dilation: [1, 2], padding: 1, stride: [2, 1])
    let w64 = w.to(.float64).reshape([6, -1])
    let groups = (0..<2).map { j in w64.narrow(0, start: 3 * j, length: 3).matmul(columns.narrow(1, start: 18 * j, length: 18)) }
    let reference = (torch.cat(groups, dim: 1) + b.to(.float64).reshape([1, 6, 1])).reshape(out.shape.dims)
    assertClose(out.to(.float64), reference, rtol: 1e-5, atol: 1e-5)
  }

  /// The float32 weight and input gradients of the fast path match the float64 differentiable
  /// path (the one used under createGraph).
  func testFloat32ConvolutionGradientsMatchFloat64() {
    torch.manualSeed(1)
    let x = torch.randn([2, 3, 7, 6], requiresGrad: true), w = torch.randn([4, 3, 3, 2], requiresGrad: true)
    let b = torch.randn([4], requiresGrad: true)
    let y = F.conv2d(x, w, b, stride: 2, padding: [1, 0])
    (y * y).sum().backward()
    let leaves64 = [x, w, b].map { $0.detach().to(.float64).requiresGrad_() }
    let y64 = F.conv2d(leaves64[0], leaves64[1], leaves64[2], stride: 2, padding: [1, 0])
    (y64 * y64).sum().backward()
    for (leaf, reference) in zip([x, w, b], leaves64) { assertClose(leaf.grad!.to(.float64), reference.grad!, rtol: 1e-4, atol: 1e-4) }
  }

  /// Stride-1 layers on the direct forward take their input gradient through the direct kernel
  /// (a convolution of g by the flipped, transposed weight): for one or two input channels per
  /// group g read in place, over the flattened plane where the layer keeps its width (odd
  /// kernels up to 7 wide, in chunks on large planes) and in row bands otherwise (an even kernel
  /// width), the channel tile over a padded copy otherwise (three
  /// channels, dilation, a 7-row kernel, planes narrower than a tile) or over shifted planes
  /// (deeper layers that keep their width, up to 576 transposed taps), and the GEMM where the
  /// transposed padding would be negative or the depth larger. Each matches float64, and
  /// computing the weight gradient beside it changes no bit.
  func testDirectInputGradientsMatchFloat64() {
    torch.manualSeed(5)
    let cases: [(x: [Int], w: [Int], padding: [Int], dilation: Int, groups: Int)] = [
      ([3, 1, 28, 28], [32, 1, 3, 3], [1, 1], 1, 1),  // a first layer: bands, 3 rows
      ([2, 2, 18, 19], [5, 2, 5, 5], [2, 2], 1, 1),   // two channels, 5 rows, overlapping last band and tile
      ([2, 3, 17, 18], [4, 3, 3, 3], [0, 0], 1, 1),   // three channels: the channel tile, padding 2
      ([2, 4, 18, 21], [8, 1, 3, 3], [1, 1], 1, 4),   // depthwise, multiplier 2
      ([2, 1, 20, 20], [8, 1, 3, 3], [2, 2], 2, 1),   // dilation 2
      ([1, 1, 22, 22], [3, 1, 7, 7], [3, 3], 1, 1),   // 7 kernel rows
      ([2, 1, 5, 6], [6, 1, 3, 3], [1, 1], 1, 1),     // narrower than a tile
      ([2, 1, 20, 17], [6, 1, 3, 2], [1, 0], 1, 1),   // a 3x2 kernel
      ([2, 1, 9, 9], [4, 1, 1, 1], [1, 1], 1, 1),     // transposed padding -1: the GEMM
      ([2, 32, 14, 14], [64, 32, 3, 3], [1, 1], 1, 1),  // deep: shifted planes, 576 transposed taps
      ([2, 20, 9, 11], [14, 10, 3, 3], [2, 2], 2, 2),   // deep, groups and dilation
      ([2, 8, 7, 6], [65, 8, 3, 3], [1, 1], 1, 1),      // 585 transposed taps: the GEMM
      ([2, 1, 9, 16], [5, 1, 1, 1], [0, 0], 1, 1),      // 1x1 over the flattened plane
      ([1, 2, 40, 40], [4, 2, 3, 3], [1, 1], 1, 1),     // a flattened plane in three chunks
      ([2, 1, 37, 19], [3, 1, 5, 5], [2, 2], 1, 1),     // two chunks, 19 wide, 5x5
    ]
    for (index, c) in cases.enumerated() {
      let x = torch.randn(c.x, requiresGrad: true), w = torch.randn(c.w, requiresGrad: true)
      let y = F.conv2d(x, w, padding: c.padding, dilation: c.dilation, groups: c.groups)
      let g = torch.randn(y.shape.dims)
      y.backward(g)
      let x64 = x.detach().to(.float64).requiresGrad_(), w64 = w.detach().to(.float64).requiresGrad_()
      F.conv2d(x64, w64, padding: c.padding, dilation: c.dilation, groups: c.groups).backward(g.to(.float64))
      assertClose(x.grad!.to(.float64), x64.grad!, rtol: 1e-4, atol: 1e-4, "input, case \(index)")
      assertClose(w.grad!.to(.float64), w64.grad!, rtol: 1e-4, atol: 1e-4, "weight, case \(index)")
      // The input gradient alone: the same bits.
      let alone = x.detach().requiresGrad_()
      F.conv2d(alone, w.detach(), padding: c.padding, dilation: c.dilation, groups: c.groups).backward(g)
      XCTAssertEqual(alone.grad!.flatten().toArray(Float.self), x.grad!.flatten().toArray(Float.self), "case \(index)")
    }
  }

  /// The backward computes every gradient asked for in one pass over g (each sample's input
  /// gradient and bias sums beside its weight gradient); each has the same bits as when it is
  /// asked for alone: the direct kernels (a first layer, a deep layer that keeps its width),
  /// the GEMM (stride 2, groups) and a batch that does not divide into the weight gradient's
  /// slots, with and without the input's gradient.
  func testGradientsInOnePassEqualTheGradientsApart() {
    torch.manualSeed(8)
    let cases: [(x: [Int], w: [Int], stride: Int, padding: [Int], groups: Int)] = [
      ([11, 1, 28, 28], [32, 1, 3, 3], 1, [1, 1], 1), ([3, 32, 14, 14], [64, 32, 3, 3], 1, [1, 1], 1),
      ([5, 3, 12, 13], [4, 3, 3, 3], 1, [1, 0], 1),  // the two direct passes' planes laid out differently
      ([5, 4, 9, 8], [6, 2, 3, 3], 2, [1, 1], 2), ([9, 3, 7, 7], [4, 3, 5, 5], 1, [1, 1], 1),
    ]
    for (index, c) in cases.enumerated() {
      let (x, w, b) = (torch.randn(c.x), torch.randn(c.w), torch.randn([c.w[0]]))
      let g = torch.randn(F.conv2d(x, w, b, stride: c.stride, padding: c.padding, groups: c.groups).shape.dims)
      /// The gradients of the leaves `wanted` picks out of (x, w, b), in that order.
      func gradients(_ wanted: [Int]) -> [[Float]] {
        let leaves = [x, w, b].map { $0.detach() }
        for i in wanted { leaves[i].requiresGrad_() }
        let y = F.conv2d(leaves[0], leaves[1], leaves[2], stride: c.stride, padding: c.padding, groups: c.groups)
        return torch.autograd.grad([y], wanted.map { leaves[$0] }, gradOutputs: [g]).map { $0.flatten().toArray(Float.self) }
      }
      let apart = [gradients([0])[0], gradients([1])[0], gradients([2])[0]]
      XCTAssertEqual(gradients([0, 1, 2]), apart, "case \(index): input, weight and bias")
      XCTAssertEqual(gradients([1, 2]), Array(apart[1...]), "case \(index): weight and bias")
      XCTAssertEqual(gradients([0, 1]), Array(apart[..<2]), "case \(index): input and weight")
      assertClose(Tensor(apart[2], shape: [c.w[0]]).double(), g.double().sum(dims: [0, 2, 3]), rtol: 1e-5, atol: 1e-4, "case \(index): bias")
    }
  }

  /// A shallow layer with one or two output channels whose input planes are walked row by row
  /// (its padding does not keep the width) runs the direct kernel's row bands forward, bias
  /// included; each output matches float64.
  func testDirectForwardWithFewOutputChannelsMatchesFloat64() {
    torch.manualSeed(6)
    let cases: [(x: [Int], w: [Int], padding: [Int])] = [([2, 3, 18, 21], [2, 3, 3, 3], [0, 0]), ([1, 2, 9, 30], [1, 2, 5, 5], [1, 1])]
    for (index, c) in cases.enumerated() {
      let x = torch.randn(c.x), w = torch.randn(c.w), b = torch.randn([c.w[0]])
      let out = F.conv2d(x, w, b, padding: c.padding)
      let reference = F.conv2d(x.to(.float64), w.to(.float64), b.to(.float64), padding: c.padding)
      assertClose(out.to(.float64), reference, rtol: 1e-4, atol: 1e-4, "case \(index)")
    }
  }

  /// Small output planes with a large weight (a ResNet's last stages) run as one product over
  /// the batch (`CPUConvolution.batchesProducts`): the forward there too below 4×4 or off the
  /// direct kernel, the gradients always. Output and every gradient agree with float64, with
  /// stride, padding, dilation, groups, 1×1 kernels and a bias.
  func testSmallPlanesWithLargeWeightsRunAsOneProductAndMatchFloat64() {
    torch.manualSeed(8)
    let cases: [(x: [Int], w: [Int], stride: Int, padding: Int, dilation: Int, groups: Int, oneProductForward: Bool)] = [
      ([3, 64, 4, 4], [128, 64, 3, 3], 1, 1, 1, 1, false),  // 4×4 on the direct kernel: per-sample forward
      ([2, 64, 3, 3], [128, 64, 3, 3], 1, 1, 1, 1, true),   // 3×3 planes: one product even where direct applies
      ([2, 64, 7, 8], [128, 64, 3, 3], 2, 1, 1, 1, true),   // stride 2 to 4×4
      ([2, 128, 4, 4], [256, 64, 3, 3], 1, 2, 2, 2, false), // groups and dilation, forward on the direct kernel
      ([2, 128, 8, 8], [256, 64, 3, 3], 2, 1, 1, 2, true),  // groups, stride 2
      ([2, 256, 4, 4], [512, 256, 1, 1], 2, 0, 1, 1, true), // a 1×1 downsample
    ]
    for (index, c) in cases.enumerated() {
      let size = [c.x[2], c.x[3]]
      let window = SlidingWindow(inputSize: size, kernel: [c.w[2], c.w[3]], padding: [c.padding, c.padding],
                                 stride: [c.stride, c.stride], dilation: [c.dilation, c.dilation])
      let geometry = ConvolutionGeometry(window: window, groups: c.groups, inChannels: c.x[1], outChannels: c.w[0])
      XCTAssertTrue(CPUConvolution.batchesProducts(geometry), "case \(index) is not on the one-product path")
      XCTAssertEqual(!CPUConvolution.handlesForward(geometry, torch.ones(1)), c.oneProductForward, "case \(index) forward path")
      let x = torch.randn(c.x, requiresGrad: true), w = (torch.randn(c.w) * 0.05).requiresGrad_(), b = torch.randn([c.w[0]], requiresGrad: true)
      let y = F.conv2d(x, w, b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
      let g = torch.randn(y.shape.dims)
      y.backward(g)
      let leaves = [x, w, b].map { $0.detach().to(.float64).requiresGrad_() }
      let y64 = F.conv2d(leaves[0], leaves[1], leaves[2], stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
      y64.backward(g.to(.float64))
      assertClose(y.detach().to(.float64), y64.detach(), rtol: 1e-4, atol: 1e-4, "output, case \(index)")
      for (name, (leaf, leaf64)) in zip(["input", "weight", "bias"], zip([x, w, b], leaves)) {
        assertClose(leaf.grad!.to(.float64), leaf64.grad!, rtol: 1e-4, atol: 1e-3, "\(name), case \(index)")
      }
    }
  }

  /// The weight gradient from the forward's kept columns equals the one from rebuilt columns.
  func testKeptColumnsGiveTheSameWeightGradient() {
    torch.manualSeed(4)
    let x = torch.randn(5, 3, 9, 8), w = torch.randn([4, 3, 3, 3], requiresGrad: true), g = torch.randn(5, 4, 9, 8)
    F.conv2d(x, w, padding: 1).backward(g)
    let geometry = ConvolutionGeometry(window: SlidingWindow(inputSize: [9, 8], kernel: [3, 3], padding: [1, 1], stride: [1, 1], dilation: [1, 1]),
                                       groups: 1, inChannels: 3, outChannels: 4)
    let rebuilt = Tensor.rawConvolutionWeightGradient(g, x, geometry)
    XCTAssertEqual(w.grad!.flatten().toArray(Float.self), rebuilt.flatten().toArray(Float.self))
  }

  /// The weight gradient sums fixed slots of samples that the pool's threads claim in whatever
  /// order they get to them: run after run, and on one thread, it gives the same bits (and
  /// agrees with float64), for the direct kernel and for the GEMM, with a batch that does not
  /// divide into the slots.
  func testWeightGradientBitsDoNotDependOnWhichThreadTookWhichSamples() {
    torch.manualSeed(5)
    for (x, w) in [(torch.randn(37, 1, 12, 12), torch.randn([5, 1, 3, 3])), (torch.randn(37, 9, 7, 7), torch.randn([4, 9, 3, 3]))] {
      let g = torch.randn([37, w.shape[0], x.shape[2], x.shape[3]])
      func weightGradient() -> Tensor {
        let leaf = w.detach().requiresGrad_()
        return torch.autograd.grad([F.conv2d(x, leaf, padding: 1)], [leaf], gradOutputs: [g])[0]
      }
      let first = weightGradient()
      for run in 0..<20 { XCTAssertEqual(weightGradient().flatten().toArray(Float.self), first.flatten().toArray(Float.self), "run \(run)") }
      let threads = torch.getNumThreads()
      torch.setNumThreads(1)
      let alone = weightGradient()
      torch.setNumThreads(threads)
      XCTAssertEqual(alone.flatten().toArray(Float.self), first.flatten().toArray(Float.self), "one thread")
      let w64 = w.double().requiresGrad_()
      let reference = torch.autograd.grad([F.conv2d(x.double(), w64, padding: 1)], [w64], gradOutputs: [g.double()])[0]
      assertClose(first.double(), reference, rtol: 1e-4, atol: 1e-3)
    }
  }

  /// The float32 max-pooling backward kernel routes gradients as the float64 scatter-add does.
  func testFloat32MaxPoolGradientMatchesFloat64() {
    torch.manualSeed(3)
    let x = torch.randn([2, 3, 7, 8], requiresGrad: true)
    let g = torch.randn(2, 3, 4, 5)
    F.maxPool2d(x, kernelSize: 3, stride: 2, padding: 1, ceilMode: true).backward(g)
    let x64 = x.detach().to(.float64).requiresGrad_()
    F.maxPool2d(x64, kernelSize: 3, stride: 2, padding: 1, ceilMode: true).backward(g.to(.float64))
    assertClose(x.grad!.to(.float64), x64.grad!, rtol: 1e-6, atol: 1e-6)
  }

  /// PyTorch's grad_fn names for every new op.
  func testGradFnNamesMatchPyTorch() {
    let x = torch.randn([1, 1, 4, 4], requiresGrad: true)
    let names: [(Tensor, String)] = [
      (F.conv2d(x, torch.randn(2, 1, 3, 3)), "ConvolutionBackward0"),
      (F.convTranspose2d(x, torch.randn(1, 2, 3, 3)), "ConvolutionBackward0"),
      (F.maxPool2d(x, kernelSize: 2), "MaxPool2DWithIndicesBackward0"),
      (F.avgPool2d(x, kernelSize: 2), "AvgPool2DBackward0"),
      (F.adaptiveAvgPool2d(x, 2), "AdaptiveAvgPool2DBackward0"),
      (F.adaptiveMaxPool2d(x, 2), "AdaptiveMaxPool2DBackward0"),
      (F.batchNorm(x, runningMean: nil, runningVar: nil, training: true), "NativeBatchNormBackward0"),
      (F.layerNorm(x, [4]), "NativeLayerNormBackward0"),
      (F.groupNorm(x, numGroups: 1), "NativeGroupNormBackward0"),
      (F.unfold(x, kernelSize: 2), "Im2ColBackward0"),
      (F.fold(F.unfold(x, kernelSize: 2), outputSize: 4, kernelSize: 2), "Col2ImBackward0"),
      (F.pad(x, [1, 1]), "ConstantPadNdBackward0"),
      (F.pad(x, [1, 1, 1, 1], mode: .reflect), "ReflectionPad2DBackward0"),
      (F.pad(x, [1, 1, 1, 1], mode: .replicate), "ReplicationPad2DBackward0"),
      (F.interpolate(x, scaleFactor: 2), "UpsampleNearest2DBackward0"),
      (F.interpolate(x, scaleFactor: 2, mode: .bilinear), "UpsampleBilinear2DBackward0"),
      // Spatial losses (PyTorch's nll_loss2d; 'none' over (N, C, L) ends in nll_loss_nd's view).
      (F.crossEntropy(x.expand([1, 3, 4, 4]), torch.zeros([1, 4, 4], dtype: .int64)), "NllLoss2DBackward0"),
      (F.crossEntropy(x.expand([1, 3, 4, 4]), torch.zeros([1, 4, 4], dtype: .int64), reduction: .none), "NllLoss2DBackward0"),
      (F.nllLoss(x[0].expand([2, 4, 4]), torch.zeros([2, 4], dtype: .int64), reduction: .none), "ViewBackward0"),
      (F.nllLoss(x[0].expand([2, 4, 4]), torch.zeros([2, 4], dtype: .int64)), "NllLoss2DBackward0"),
      (F.crossEntropy(x.expand([1, 3, 4, 4]), torch.zeros([1, 4, 4], dtype: .int64), labelSmoothing: 0.1), "AddBackward0"),
    ]
    for (tensor, name) in names { XCTAssertEqual(tensor.gradFn?.name, name) }
  }

  /// Modules that share a base class run their own forward when called as `any Module`.
  func testModulesSharingABaseRunTheirOwnForward() {
    let x = torch.arange(16.0).reshape([1, 1, 4, 4])
    let layers: [any Module] = [nn.AdaptiveAvgPool2d(2), nn.AdaptiveMaxPool2d(2), nn.Dropout2d(0.5).eval()]
    XCTAssertEqual(layers[0](x).flatten().toArray(Double.self), [2.5, 4.5, 10.5, 12.5])
    XCTAssertEqual(layers[1](x).flatten().toArray(Double.self), [5, 7, 13, 15])
    XCTAssertTrue(layers[2](x).equal(x))
    torch.manualSeed(0)
    let dropped = nn.Dropout2d(0.5)(torch.ones(2, 3, 2, 2))
    XCTAssertTrue(dropped.equal(F.dropout2d(torch.ones(2, 3, 2, 2), p: 0.5, generator: Torch.Generator(seed: 0))), "channel-wise, not element-wise")
  }

  /// An empty batch flows through (shapes as PyTorch gives them), forward and backward.
  /// `convt(x, output_size=...)` picks among the sizes a strided layer can give back (PyTorch:
  /// [1, 3, 10, 9] from a [1, 2, 4, 4] input), and the module's hooks run around it.
  func testTransposedConvolutionTakesAnOutputSize() {
    let convt = nn.ConvTranspose2d(2, 3, 3, stride: 2, outputPadding: 1)
    let x = torch.randn(1, 2, 4, 4)
    var hookCalls = 0
    convt.registerForwardHook { _, _, _ in hookCalls += 1; return nil }
    XCTAssertEqual(convt(x, outputSize: [1, 3, 10, 9]).dims, [1, 3, 10, 9])
    XCTAssertEqual(convt(x, outputSize: [9, 10]).dims, [1, 3, 9, 10])
    XCTAssertEqual(convt(x[0], outputSize: [3, 9, 9]).dims, [3, 9, 9])
    XCTAssertEqual(convt(x).dims, [1, 3, 10, 10], "without an output size the module's outputPadding applies")
    XCTAssertEqual(hookCalls, 4)
    let expected = F.convTranspose2d(x, convt.weight, convt.bias, stride: 2, outputPadding: [1, 0])
    XCTAssertEqual(convt(x, outputSize: [10, 9]).toArray(), expected.toArray())
  }

  func testEmptyBatchesKeepTheirShapes() {
    let x = torch.randn([0, 3, 8, 8], requiresGrad: true)
    let conv = nn.Conv2d(3, 4, 3, padding: 1)
    let y = F.maxPool2d(F.relu(conv(x)), kernelSize: 2)
    XCTAssertEqual(y.shape.dims, [0, 4, 4, 4])
    XCTAssertEqual(F.avgPool2d(x, kernelSize: 2).shape.dims, [0, 3, 4, 4])
    XCTAssertEqual(F.unfold(x, kernelSize: 3).shape.dims, [0, 27, 36])
    y.sum().backward()
    XCTAssertEqual(x.grad!.shape.dims, [0, 3, 8, 8])
    XCTAssertEqual(conv.weight.grad!.abs().sum().item(), 0)
  }

  /// A module in a model: parameters named as PyTorch names them, moved with the model.
  func testConvolutionModulesInAModel() {
    torch.manualSeed(0)
    let model = nn.Sequential(nn.Conv2d(1, 4, 3, padding: 1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 2 * 2, 3))
    XCTAssertEqual(model.stateDict().map(\.key), [
      "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "5.weight", "5.bias",
    ])
    XCTAssertEqual(model.parameters().count, 6)
    let y = model(torch.randn(2, 1, 4, 4))
    XCTAssertEqual(y.shape.dims, [2, 3])
    y.sum().backward()
    XCTAssertNotNil((model[0] as! nn.Conv2d).weight.grad)
    XCTAssertEqual((model[1] as! nn.BatchNorm2d).numBatchesTracked!.item(), 1)
  }
}
