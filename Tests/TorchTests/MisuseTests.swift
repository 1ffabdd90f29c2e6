import Foundation
import XCTest
@testable import Torch

/// Misuse stops the program with PyTorch's message. Each case runs in a child process: this
/// test binary re-run on this class with the case's name in `TORCH_MISUSE_CASE`, which the
/// class's `setUp` runs before any test (so no test exists only to serve as the child).
final class MisuseTests: XCTestCase {
  static let cases: [String: @Sendable () -> Void] = [
    "linearShapes": { _ = nn.Linear(20, 10)(torch.rand(3, 784)) },
    "mmShapes": { _ = torch.rand(2, 3).mm(torch.rand(2, 3)) },
    "broadcast": { _ = torch.rand(2, 3) + torch.rand(2, 2) },
    "nonScalarBackward": { torch.rand([3], requiresGrad: true).exp().backward() },
    "noGradBackward": { torch.rand(3).sum().backward() },
    "indexOutOfRange": { _ = torch.rand(3, 4)[5] },
    "dimOutOfRange": { _ = torch.rand(3, 4).softmax(dim: 2) },
    "flattenOrder": { _ = nn.Flatten(startDim: 2, endDim: 1)(torch.rand(2, 3, 4)) },
    "flatten1d": { _ = nn.Flatten()(torch.rand(5)) },
    "view": { _ = torch.rand(4, 6).t().view(24) },
    "meanOfLong": { _ = torch.tensor([1, 2]).mean() },
    "leafInPlace": { torch.rand([2], requiresGrad: true).add_(torch.ones(2)) },
    "targetDType": { _ = F.crossEntropy(torch.rand(2, 3), torch.tensor([0.0, 1.0])) },
    "targetRange": { _ = F.crossEntropy(torch.rand(2, 3), torch.tensor([0, 3])) },
    "rngStateSize": { torch.setRngState(torch.zeros([10], dtype: .uint8)) },
    "oneHotRange": { _ = F.oneHot(torch.tensor([1, 5]), numClasses: 3) },
    "oneHotNegative": { _ = F.oneHot(torch.tensor([-1])) },
    "oneHotFloat": { _ = F.oneHot(torch.tensor([1.0])) },
    "scatterMultiply": { _ = torch.ones(3).scatter(0, torch.tensor([0]), value: 2, reduce: .multiply) },
    "rngStateDType": { torch.setRngState(torch.zeros([5056])) },
    "rngStateLeft": { torch.setRngState(rngState(left: 0, next: 0)) },
    "rngStateNext": { torch.setRngState(rngState(left: 2, next: 625)) },
    "cudaUnavailable": { _ = torch.ones(2).cuda() },
    "crossDeviceAdd": { _ = torch.ones(2).cuda() + torch.ones(2) },
    "crossDeviceLinear": { _ = nn.Linear(3, 2).to(.cuda(0))(torch.rand(4, 3)) },
    "secondBackward": {
      let x = torch.rand([2], requiresGrad: true)
      let y = x.exp().sum()
      y.backward()
      y.backward()
    },
    // Not misuse: reports the pool size the environment gave, through the same child mechanism.
    "reportThreads": { torchFail("threads=\(torch.getNumThreads())") },
    "zerosNegative": { _ = torch.zeros(-1, 2) },
    "emptyNegative": { _ = torch.empty(3, -2) },
    "eyeNegative": { _ = torch.eye(-1) },
    "linspaceNegative": { _ = torch.linspace(0, 1, steps: -1) },
    "linearNegative": { _ = nn.Linear(-1, 2) },
    "chunkZero": { _ = torch.arange(6).chunk(0) },
    "chunkNegative": { _ = torch.arange(6).chunk(-2) },
    "arangeHuge": { _ = torch.arange(0.0, 1e300) },
    "arangeIntOverflow": { _ = torch.arange(Int.min, Int.max) },
    "randpermNegative": { _ = torch.randperm(-1) },
    "emptyHuge": { _ = torch.empty(1 << 40) },
    "viewNegative": { _ = torch.arange(6).view(-2, -3) },
    "expandNegative": { _ = torch.arange(3).expand(-2, 3) },
    "expandTooFewSizes": { _ = torch.ones(2, 3).expand(3) },
    "narrowNegative": { _ = torch.arange(6).narrow(0, start: 1, length: -3) },
    "leafViewInPlace": { _ = torch.ones([2, 2], requiresGrad: true)[0].add_(1.0) },
    "unbindInPlace": { _ = (torch.rand([4, 3], requiresGrad: true) * 2).unbind(0)[1].add_(1.0) },
    "splitInPlace": { _ = (torch.rand([4, 3], requiresGrad: true) * 2).split(2)[1].add_(1.0) },
    "chunkInPlace": { _ = (torch.rand([4, 3], requiresGrad: true) * 2).chunk(2, dim: 1)[0].add_(1.0) },
    "splitWithSizesInPlace": { _ = (torch.rand([4, 3], requiresGrad: true) * 2).split([1, 3])[1].add_(1.0) },
    "sliceOfUnbindInPlace": { _ = (torch.rand([4, 3], requiresGrad: true) * 2).unbind(0)[0][0..<2].add_(1.0) },
    "viewOfSplitInPlace": { _ = (torch.rand([4, 3], requiresGrad: true) * 2).split(2)[0].view(-1).add_(1.0) },
    "leafUnbindCopy": { _ = torch.rand([4, 3], requiresGrad: true).unbind(0)[0].copy_(torch.ones(3)) },
    "indexSelectNegative": { _ = torch.arange(6).indexSelect(0, torch.tensor([-1])) },
    "splitNegative": { _ = torch.arange(6).split([-2, 8]) },
    "cudaHostPointer": { _ = torch.ones(2).cuda().storage.data },
    "cudaEmbeddingIndex": { _ = nn.Embedding(10, 3).to(.cuda(0))(torch.tensor([3, 10] as [Int64]).cuda()) },
    "cudaMissingKernel": { _ = torch.tensor([true, false]).cuda().gather(0, torch.tensor([1]).cuda()) },
    "intDivInPlace": { torch.tensor([1, 2]).div_(2) },
    "gradOfUnusedInput": {
      let x = torch.rand([2], requiresGrad: true), y = torch.rand([2], requiresGrad: true)
      _ = torch.autograd.grad([x.sum()], [x, y])
    },
    "convChannels": { _ = nn.Conv2d(1, 6, 5)(torch.randn(1, 3, 32, 32)) },
    "convInputRank": { _ = F.conv2d(torch.randn(32, 32), torch.randn(6, 1, 5, 5)) },
    "convKernelTooBig": { _ = F.conv2d(torch.randn(1, 1, 2, 2), torch.randn(6, 1, 3, 3)) },
    "convGroupsWeight": { _ = F.conv2d(torch.randn(1, 2, 8, 8), torch.randn(3, 1, 3, 3), groups: 2) },
    "convGroupsModule": { _ = nn.Conv2d(3, 6, 3, groups: 2) },
    "convStride": { _ = F.conv2d(torch.randn(1, 1, 8, 8), torch.randn(6, 1, 3, 3), stride: 0) },
    "convBias": { _ = F.conv2d(torch.randn(1, 1, 8, 8), torch.randn(6, 1, 3, 3), torch.randn(5)) },
    "convSameStrided": { _ = nn.Conv2d(3, 6, 3, stride: 2, padding: "same") },
    "convTransposeChannels": { _ = F.convTranspose2d(torch.randn(1, 3, 4, 4), torch.randn(2, 2, 3, 3)) },
    "linearLRStart": { _ = optim.LinearLR(optim.SGD([torch.zeros([1], requiresGrad: true)], lr: 1), startFactor: 0) },
    "embeddingIndex": { _ = nn.Embedding(10, 3)(torch.tensor([10] as [Int64])) },
    "embeddingFloatIndex": { _ = nn.Embedding(10, 3)(torch.tensor([1.0])) },
    "bceRange": { _ = F.binaryCrossEntropy(torch.tensor([1.5]), torch.tensor([1.0])) },
    "bceSize": { _ = F.binaryCrossEntropy(torch.tensor([0.5, 0.5]), torch.tensor([1.0])) },
    "clipNonFinite": {
      let p = torch.zeros([2], requiresGrad: true)
      p.grad = torch.tensor([1, .nan])
      nn.utils.clipGradNorm_([p], maxNorm: 1, errorIfNonfinite: true)
    },
    "recurrentOneResult": { let out: Tensor = nn.GRU(3, 4)(torch.randn(5, 2, 3)); _ = out },
    "recurrentInputSize": { let (_, _) = nn.LSTM(3, 4)(torch.randn(5, 2, 5)) },
    "recurrentHiddenSize": { let (_, _) = nn.GRU(3, 4)(torch.randn(5, 2, 3), torch.randn(1, 3, 4)) },
    "recurrentDtype": { let (_, _) = nn.RNN(3, 4)(torch.randn([5, 2, 3], dtype: .float64)) },
    "recurrentEmpty": { let (_, _) = nn.GRU(3, 4)(torch.randn(0, 2, 3)) },
    "cellInputSize": { _ = nn.GRUCell(3, 4)(torch.randn(2, 5)) },
    "trilVector": { _ = torch.arange(3.0).tril() },
    "repeatTooFew": { _ = torch.ones(2, 3).repeat(2) },
    "einsumRank": { _ = torch.einsum("ij,jk->ik", torch.randn(2, 3, 4), torch.randn(3, 4)) },
    "einsumOperands": { _ = torch.einsum("ij->ij", torch.randn(2, 3), torch.randn(3, 4)) },
    "einsumOutputTwice": { _ = torch.einsum("ij->ii", torch.randn(2, 3)) },
    "einsumOutputUnknown": { _ = torch.einsum("ij->k", torch.randn(2, 3)) },
    "einsumSubscript": { _ = torch.einsum("i1->i", torch.randn(2, 3)) },
    "einsumBroadcast": { _ = torch.einsum("ij,jk->ik", torch.randn(2, 3), torch.randn(4, 5)) },
    "einsumDiagonal": { _ = torch.einsum("ii->i", torch.randn(2, 3)) },
    "rmspropAlpha": { _ = optim.RMSprop([torch.zeros([1], requiresGrad: true)], alpha: -1) },
    "flipTwice": { _ = torch.arange(6).view(2, 3).flip(dims: [0, -2]) },
    "topkTooMany": { _ = torch.randn(3).topk(5) },
    "integerRemainderByZero": { _ = torch.tensor([7] as [Int64]) % torch.tensor([0] as [Int64]) },
    "invertFloat": { _ = ~torch.tensor([1.0]) },
    "floorDivideBackward": { torch.floorDivide(torch.tensor([5.5], requiresGrad: true), torch.tensor([2.0])).sum().backward() },
    "integerNegativePower": { _ = torch.tensor([2] as [Int64]).pow(-1) },
    "spatialTargetBatch": { _ = F.crossEntropy(torch.randn(2, 3, 4, 5), torch.zeros([3, 4], dtype: .int64)) },
    "spatialTargetRank": { _ = F.crossEntropy(torch.randn(2, 3, 4, 5), torch.zeros([2, 4, 5, 1], dtype: .int64)) },
    "spatialTargetSize": { _ = F.crossEntropy(torch.randn(2, 3, 4, 5), torch.zeros([2, 4, 6], dtype: .int64)) },
    "sequenceTargetSize": { _ = F.nllLoss(torch.randn(2, 3, 4), torch.zeros([2, 5], dtype: .int64)) },
    "convTransposeOutputSize": { _ = nn.ConvTranspose2d(2, 3, 3, stride: 2)(torch.randn(1, 2, 4, 4), outputSize: [12, 12]) },
    "convTransposeOutputSizeCount": { _ = nn.ConvTranspose2d(2, 3, 3, stride: 2)(torch.randn(1, 2, 4, 4), outputSize: [1, 2, 3]) },
    "poolPadding": { _ = F.maxPool2d(torch.randn(1, 1, 8, 8), kernelSize: 3, padding: 2) },
    "poolTooSmall": { _ = F.maxPool2d(torch.randn(1, 1, 2, 2), kernelSize: 3) },
    "batchNormRank": { _ = nn.BatchNorm2d(3)(torch.randn(1, 3)) },
    "batchNormSingleValue": { _ = nn.BatchNorm1d(3)(torch.randn(1, 3)) },
    "layerNormShape": { _ = F.layerNorm(torch.randn(2, 3), [4]) },
    "distNotInitialized": { dist.allReduce(torch.ones(2)) },
    "ddpNotInitialized": { _ = nn.parallel.DistributedDataParallel(nn.Linear(2, 2)) },
    "samplerRank": { _ = DistributedSampler(count: 10, numReplicas: 2, rank: 2) },
    "samplerAndShuffle": {
      _ = DataLoader(TensorDataset(torch.ones(3, 1), torch.arange(3)), shuffle: true, sampler: DistributedSampler(count: 3, numReplicas: 1, rank: 0))
    },
    "resnetDilationFlags": { _ = models.resnet50(replaceStrideWithDilation: [false, true]) },
    "basicBlockGroups": { _ = models.BasicBlock(64, 64, groups: 2) },
    "basicBlockDilation": { _ = models.BasicBlock(64, 64, dilation: 2) },
    "resnetPretrained": { _ = models.resnet18(weights: "IMAGENET1K_V1") },
    "groupNormChannels": { _ = F.groupNorm(torch.randn(2, 3, 4), numGroups: 2) },
    "reflectPadTooBig": { _ = F.pad(torch.randn(1, 1, 2, 2), [3, 3, 0, 0], mode: .reflect) },
    "constantPadCropsPastTheInput": { _ = F.pad(torch.zeros(2, 3), [-2, -2]) },
    "interpolateNoSize": { _ = F.interpolate(torch.randn(1, 1, 2, 2)) },
    "adaptiveMaxPoolEmpty": { _ = F.adaptiveMaxPool2d(torch.randn(1, 0, 3), 1) },
    "maxPoolIndicesForward": { _ = nn.MaxPool2d(kernelSize: 2, returnIndices: true)(torch.randn(1, 1, 4, 4)) },
    "viewInPlaceCreateGraph": {
      let x = torch.randn([3, 2], requiresGrad: true)
      let y = x * 2
      y[0].mul_(3)
      _ = torch.autograd.grad([y.sum()], [x], createGraph: true)
    },
    "reluInPlaceModified": {  // relu_'s backward reads the result it wrote
      let y = (torch.randn([3], requiresGrad: true) * 2).relu_()
      y.add_(1.0)
      y.sum().backward()
    },
    "expandedInPlace": { _ = torch.ones(2).expand(3, 2).add_(1.0) },
    "expandedCopy": { _ = torch.ones(1, 4).expand(2, 4).copy_(torch.zeros(2, 4)) },
    "noGradViewInPlace": {
      let y = torch.ones([4], requiresGrad: true) * 2
      let v = torch.noGrad { y[..<2] }
      v.mul_(2.0)
    },
    "noGradViewOfLeafInPlace": {
      let p = torch.ones([4], requiresGrad: true)
      let v = torch.noGrad { p.view(2, 2) }
      v.zero_()
    },
    "noGradViewBaseWritten": {
      let y = torch.ones([4], requiresGrad: true) * 2
      let v = torch.noGrad { y[..<2] }
      y.mul_(2.0)
      _ = v * 2
    },
    "maskedFillMaskDType": { _ = torch.ones(3).maskedFill_(torch.tensor([1, 0, 1]), 0) },
    "indexTensorsBroadcast": { _ = torch.zeros(3, 4)[torch.tensor([0, 1]), torch.tensor([1, 1, 2])] },
    "moduleDictForward": { _ = nn.ModuleDict(["a": nn.ReLU()])(torch.ones(2)) },
    "parameterListForward": { _ = nn.ParameterList([torch.ones(2)])(torch.ones(2)) },
    "parameterListIndex": { _ = nn.ParameterList([torch.ones(2)])[3] },
    "sequentialIndex": { _ = nn.Sequential(nn.ReLU(), nn.ReLU())[-3] },
    "sequentialSetIndex": { let s = nn.Sequential(nn.ReLU()); s[1] = nn.ReLU() },
    "moduleListIndex": { _ = nn.ModuleList([nn.ReLU()])[2] },
    "randomCropTooLarge": { _ = transforms.RandomCrop(10)(torch.zeros([3, 8, 8])) },
    "reflectPadTooLarge": { _ = transforms.Pad(3, paddingMode: .reflect)(torch.zeros([3, 3, 3])) },
    "preluChannels": { _ = F.prelu(torch.ones(2, 8, 3), torch.ones(3)) },
    "pixelShuffleChannels": { _ = F.pixelShuffle(torch.ones(1, 5, 2, 2), upscaleFactor: 2) },
    "geluApproximate": { _ = F.gelu(torch.ones(2), approximate: "fast") },
    "bmmShapes": { _ = torch.bmm(torch.rand(2, 3, 4), torch.rand(2, 3, 5)) },
    "bmmRank": { _ = torch.bmm(torch.rand(3, 4), torch.rand(2, 4, 5)) },
    "maskShape": { let x = torch.zeros(3, 4); x[0..., torch.tensor([true, false])] = 1.0 },
    "indexTensorsOutOfBounds": { _ = torch.zeros(3, 4)[torch.tensor([0, 5]), torch.tensor([1, 1])] },
    "lstmOutputModified": {  // the fused LSTM layer's backward reads the outputs it saved
      let (output, _) = nn.LSTM(3, 4)(torch.randn([3, 2, 3], requiresGrad: true))
      output.mul_(2)
      output.sum().backward()
    },
    "lstmWeightModified": {  // and W_hh, which its backward multiplies by
      let lstm = nn.LSTM(3, 4)
      let (output, _) = lstm(torch.randn([3, 2, 3]))
      torch.noGrad { _ = lstm.parameters()[1].add_(1.0) }
      output.sum().backward()
    },
    "modifiedSaved": {
      let x = torch.rand([2], requiresGrad: true)
      let y = x.exp()
      let z = y.exp().sum()
      y.add_(1.0)
      z.backward()
    },
  ]

  /// A valid generator state with its `left` and `next` fields replaced.
  static func rngState(left: Int32, next: UInt64) -> Tensor {
    var bytes = torch.Generator(seed: 0).getState().toArray(UInt8.self)
    withUnsafeBytes(of: left.littleEndian) { bytes.replaceSubrange(8..<12, with: $0) }
    withUnsafeBytes(of: next.littleEndian) { bytes.replaceSubrange(16..<24, with: $0) }
    return torch.tensor(bytes.map(Int.init)).to(.uint8)
  }

  /// The child side: runs the case named in the environment, which must stop the process.
  override class func setUp() {
    super.setUp()
    guard let name = ProcessInfo.processInfo.environment["TORCH_MISUSE_CASE"] else { return }
    guard let misuse = cases[name] ?? SamplingTests.misuseCases[name] ?? TransformerDecoderTests.misuseCases[name] else {
      print("no misuse case named \(name)")
      exit(0)
    }
    misuse()
    print("misuse case \(name) did not stop")
    exit(0)
  }

  func testMisuseStopsWithPyTorchMessages() {
    assertStops("linearShapes", with: "RuntimeError: addmm: mat1 and mat2 shapes cannot be multiplied (3x784 and 20x10)")
    assertStops("mmShapes", with: "mm: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)")
    assertStops("broadcast", with: "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1")
    assertStops("nonScalarBackward", with: "grad can be implicitly created only for scalar outputs")
    assertStops("noGradBackward", with: "element 0 of tensors does not require grad and does not have a grad_fn")
    assertStops("indexOutOfRange", with: "IndexError: index 5 is out of bounds for dimension 0 with size 3")
    assertStops("dimOutOfRange", with: "IndexError: Dimension out of range (expected to be in range of [-2, 1], but got 2)")
    assertStops("flattenOrder", with: "flatten() has invalid args: start_dim cannot come after end_dim")
    assertStops("flatten1d", with: "IndexError: Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    assertStops("view", with: "view size is not compatible with input tensor's size and stride")
    assertStops("meanOfLong", with: "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long")
    assertStops("leafInPlace", with: "a leaf Variable that requires grad is being used in an in-place operation.")
    assertStops("targetDType", with: "expected target dtype to be Long or Byte, but got Float")
    assertStops("targetRange", with: "IndexError: Target 3 is out of bounds.")
    assertStops("rngStateSize", with: "Expected either a THGeneratorState of size 5048 or a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 10")
    assertStops("oneHotRange", with: "Class values must be smaller than num_classes.")
    assertStops("oneHotNegative", with: "Class values must be non-negative.")
    assertStops("oneHotFloat", with: "one_hot is only applicable to index tensor of type LongTensor.")
    assertStops("scatterMultiply", with: "NotImplementedError: scatter(): reduce='multiply' is not implemented")
    assertStops("rngStateDType", with: "TypeError: RNG state must be a torch.ByteTensor")
    assertStops("rngStateLeft", with: "The input RNG state must be a valid MT19937 state")
    assertStops("rngStateNext", with: "The input RNG state must be a valid MT19937 state")
    assertStops("secondBackward", with: "Trying to backward through the graph a second time")
    // Sizes and arguments that used to trap without a message or run on (issue 11).
    assertStops("zerosNegative", with: "zeros: Dimension size must be non-negative.")
    assertStops("emptyNegative", with: "Trying to create tensor with negative dimension -2: [3, -2]")
    assertStops("eyeNegative", with: "n must be greater or equal to 0, got -1")
    assertStops("linspaceNegative", with: "number of steps must be non-negative")
    assertStops("linearNegative", with: "Trying to create tensor with negative dimension -1: [2, -1]")
    assertStops("chunkZero", with: "chunk expects `chunks` to be greater than 0, got: 0")
    assertStops("chunkNegative", with: "chunk expects `chunks` to be greater than 0, got: -2")
    assertStops("arangeHuge", with: "invalid size, possible overflow?")
    assertStops("arangeIntOverflow", with: "invalid size, possible overflow?")
    assertStops("randpermNegative", with: "Trying to create tensor with negative dimension -1: [-1]")
    assertStops("emptyHuge", with: "DefaultCPUAllocator: can't allocate memory: you tried to allocate 4398046511104 bytes")
    assertStops("viewNegative", with: "invalid shape dimension -2 at index 0 of shape [-2, -3]")
    assertStops("expandNegative", with: "expand(): the size -2 at dimension 0 is invalid")
    assertStops("expandTooFewSizes", with:
      "expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided (1) must be greater or equal to the number of dimensions in the tensor (2)")
    assertStops("narrowNegative", with: "narrow(): length must be non-negative.")
    assertStops("leafViewInPlace", with: "a view of a leaf Variable that requires grad is being used in an in-place operation.")
    let multipleViews = "is a view and is being modified inplace. This view is the output of a function that returns multiple views. Such functions do not allow the output views to be modified inplace. You should replace the inplace operation by an out-of-place one."
    for (name, output) in [("unbindInPlace", "Output 1 of Unbind"), ("splitInPlace", "Output 1 of Split"), ("chunkInPlace", "Output 0 of Split"),
                           ("splitWithSizesInPlace", "Output 1 of SplitWithSizes"), ("sliceOfUnbindInPlace", "Output 0 of Slice"),
                           ("viewOfSplitInPlace", "Output 0 of View"), ("leafUnbindCopy", "Output 0 of Unbind")] {
      assertStops(name, with: "RuntimeError: \(output) \(multipleViews)")
    }
    assertStops("indexSelectNegative", with: "IndexError: index out of range in self")
    // Convolution, pooling and normalization (issue 13), messages as PyTorch 2.15 prints them.
    assertStops("convChannels", with: "Given groups=1, weight of size [6, 1, 5, 5], expected input[1, 3, 32, 32] to have 1 channels, but got 3 channels instead")
    assertStops("convInputRank", with: "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [32, 32]")
    assertStops("convKernelTooBig", with: "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input size")
    assertStops("convGroupsWeight", with: "Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [3, 1, 3, 3] instead")
    assertStops("convGroupsModule", with: "ValueError: in_channels must be divisible by groups")
    assertStops("convStride", with: "non-positive stride is not supported")
    assertStops("convBias", with: "Given weight of size [6, 1, 3, 3], expected bias to be 1-dimensional with 6 elements, but got bias of size [5] instead")
    assertStops("convSameStrided", with: "ValueError: padding='same' is not supported for strided convolutions")
    assertStops("convTransposeChannels", with: "Given transposed=1, weight of size [2, 2, 3, 3], expected input[1, 3, 4, 4] to have 2 channels, but got 3 channels instead")
    assertStops("linearLRStart", with: "ValueError: Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
    assertStops("embeddingIndex", with: "IndexError: index out of range in self")
    assertStops("embeddingFloatIndex",
                with: "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.FloatTensor instead (while checking arguments for embedding)")
    assertStops("bceRange", with: "all elements of input should be between 0 and 1")
    assertStops("bceSize",
                with: "ValueError: Using a target size (torch.Size([1])) that is different to the input size (torch.Size([2])) is deprecated. Please ensure they have the same size.")
    assertStops("clipNonFinite", with: "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped.")
    assertStops("recurrentOneResult", with: "GRU returns the output and the final state: call it as `let (output, state) = gru(input)`")
    assertStops("recurrentInputSize", with: "input.size(-1) must be equal to input_size. Expected 3, got 5")
    assertStops("recurrentHiddenSize", with: "Expected hidden size (1, 2, 4), got [1, 3, 4]")
    assertStops("recurrentDtype", with: "ValueError: RNN input dtype (torch.float64) does not match weight dtype (torch.float32). Convert input: input.to(torch.float32), or convert model: model.to(torch.float64)")
    assertStops("recurrentEmpty", with: "Expected sequence length to be larger than 0 in RNN")
    assertStops("cellInputSize", with: "input has inconsistent input_size: got 5 expected 3")
    assertStops("trilVector", with: "tril: input tensor must have at least 2 dimensions")
    assertStops("repeatTooFew", with: "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    assertStops("einsumRank", with: "einsum(): the number of subscripts in the equation (2) does not match the number of dimensions (3) for operand 0 and no ellipsis was given")
    assertStops("einsumOperands", with: "einsum(): more operands were provided than specified in the equation")
    assertStops("einsumOutputTwice", with: "einsum(): output subscript i appears more than once in the output")
    assertStops("einsumOutputUnknown", with: "einsum(): output subscript k does not appear in the equation for any input operand")
    assertStops("einsumSubscript", with: "einsum(): invalid subscript given at index 1 in the equation string, subscripts must be in [a-zA-Z]")
    assertStops("einsumBroadcast", with: "einsum(): subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3")
    assertStops("einsumDiagonal", with: "einsum(): subscript i is repeated for operand 0 but the sizes don't match, 3 != 2")
    assertStops("rmspropAlpha", with: "ValueError: Invalid alpha value: -1")
    assertStops("flipTwice", with: "dim 0 appears multiple times in the list of dims")
    assertStops("topkTooMany", with: "selected index k out of range")
    assertStops("integerRemainderByZero", with: "RuntimeError: ZeroDivisionError")
    assertStops("invertFloat", with: "TypeError: ~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    assertStops("floorDivideBackward", with: "derivative for aten::floor_divide is not implemented")
    assertStops("integerNegativePower", with: "Integers to negative integer powers are not allowed.")
    assertStops("spatialTargetBatch", with: "ValueError: Expected input batch_size (2) to match target batch_size (3).")
    assertStops("spatialTargetRank", with: "only batches of spatial targets supported (3D tensors) but got targets of dimension: 4")
    assertStops("spatialTargetSize", with: "size mismatch (got input: [2, 3, 4, 5] , target: [2, 4, 6]")
    assertStops("sequenceTargetSize", with: "Expected target size [2, 4], got [2, 5]")
    assertStops("convTransposeOutputSize",
                with: "ValueError: requested an output size of [12, 12], but valid sizes range from [9, 9] to [10, 10] (for an input of torch.Size([4, 4]))")
    assertStops("convTransposeOutputSizeCount", with: "ValueError: ConvTranspose2D: for 4D input, output_size must have 2 or 4 elements (got 3)")
    assertStops("poolPadding", with: "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1")
    assertStops("poolTooSmall", with: "Given input size: (1x2x2). Calculated output size: (1x0x0). Output size is too small")
    assertStops("batchNormRank", with: "ValueError: expected 4D input (got 2D input)")
    assertStops("batchNormSingleValue", with: "ValueError: Expected more than 1 value per channel when training, got input size torch.Size([1, 3])")
    assertStops("distNotInitialized", with: "ValueError: Default process group has not been initialized, please make sure to call init_process_group.")
    assertStops("ddpNotInitialized", with: "ValueError: Default process group has not been initialized")
    assertStops("samplerRank", with: "ValueError: Invalid rank 2, rank should be in the interval [0, 1]")
    assertStops("samplerAndShuffle", with: "ValueError: sampler option is mutually exclusive with shuffle")
    assertStops("layerNormShape", with: "Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[2, 3]")
    assertStops("groupNormChannels", with: "Expected number of channels in input to be divisible by num_groups, but got input of shape [2, 3, 4] and num_groups=2")
    assertStops("constantPadCropsPastTheInput", with: "narrow(): length must be non-negative.")
    assertStops("reflectPadTooBig", with: "Padding size should be less than the corresponding input dimension, but got: padding (3, 3) at dimension 3 of input [1, 1, 2, 2]")
    assertStops("interpolateNoSize", with: "ValueError: either size or scale_factor should be defined")
    assertStops("adaptiveMaxPoolEmpty", with: "adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes [1, 0, 3] with dimension 1 being empty")
    assertStops("maxPoolIndicesForward", with: "TypeError: MaxPool2d(returnIndices: true) gives (values, indices), which one Tensor cannot hold: call forwardWithIndices(x)")
    assertStops("modifiedSaved", with: "one of the variables needed for gradient computation has been modified by an inplace operation")
    assertStops("reluInPlaceModified", with: "modified by an inplace operation: output of ReluBackward0 is at version 2; expected version 1 instead")
    let overlap = "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation."
    assertStops("expandedInPlace", with: overlap)
    assertStops("expandedCopy", with: overlap)
    let ambiguous = "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked)."
    assertStops("noGradViewInPlace", with: "A view was created in no_grad mode and is being modified inplace with grad mode enabled. " + ambiguous)
    assertStops("noGradViewOfLeafInPlace", with: "A view was created in no_grad mode and is being modified inplace with grad mode enabled.")
    assertStops("noGradViewBaseWritten", with: "A view was created in no_grad mode and its base or another view of its base has been modified inplace with grad mode enabled. " + ambiguous)
    assertStops("maskedFillMaskDType", with: "masked_fill_ only supports boolean masks, but got mask with dtype long int")
    assertStops("indexTensorsBroadcast", with: "IndexError: shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]")
    assertStops("moduleDictForward", with: "NotImplementedError: Module [ModuleDict] is missing the required \"forward\" function")
    assertStops("parameterListForward", with: "NotImplementedError: Module [ParameterList] is missing the required \"forward\" function")
    assertStops("parameterListIndex", with: "IndexError: index 3 is out of range")
    assertStops("sequentialIndex", with: "IndexError: index -3 is out of range")
    assertStops("sequentialSetIndex", with: "IndexError: index 1 is out of range")
    assertStops("moduleListIndex", with: "IndexError: index 2 is out of range")
    assertStops("randomCropTooLarge", with: "ValueError: Required crop size (10, 10) is larger than input image size (8, 8)")
    assertStops("reflectPadTooLarge", with: "Padding size should be less than the corresponding input dimension, but got: padding (3, 3) of a dimension of size 3 in mode reflect")
    assertStops("preluChannels", with: "Mismatch of parameter numbers and input channel size. Found parameter numbers = 3 and channel size = 8.")
    assertStops("pixelShuffleChannels", with: "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=5 is not divisible by 4")
    assertStops("geluApproximate", with: "approximate argument must be either none or tanh.")
    assertStops("bmmShapes", with: "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 3].")
    assertStops("bmmRank", with: "batch1 must be a 3D tensor")
    assertStops("maskShape", with: "IndexError: The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [3, 4] at index 1")
    assertStops("indexTensorsOutOfBounds", with: "IndexError: index 5 is out of bounds for dimension 0 with size 3")
    assertStops("lstmOutputModified", with: "modified by an inplace operation: output of MkldnnRnnLayerBackward0 is at version 1; expected version 0 instead")
    assertStops("lstmWeightModified", with: "modified by an inplace operation: output of MkldnnRnnLayerBackward0 is at version 2; expected version 1 instead")
  }

  /// A stop prints the message, the op and the caller's frame, not a crash report; with
  /// TORCH_SHOW_BACKTRACE=1 it traps so that the full backtrace is printed.
  func testMisuseOutputIsShort() throws {
    let text = assertStops("mmShapes", with: "RuntimeError: mm: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)")
    // Standard error comes first in `text`, then the child's XCTest output.
    let lines = Array(text.split(separator: "\n").drop { !$0.hasPrefix("RuntimeError") }.prefix { !$0.hasPrefix("Test Suite") })
    XCTAssertEqual(lines.dropFirst().first, "  in Tensor.mm(_:)", text)
    let caller = try XCTUnwrap(lines.dropFirst(2).first, text)
    XCTAssertTrue(caller.hasPrefix("  called from ") && caller.contains("MisuseTests.swift:"), text)
    XCTAssertEqual(lines.last, "(set TORCH_SHOW_BACKTRACE=1 for the full backtrace)", text)
    XCTAssertLessThanOrEqual(lines.count, 6, text)
    let full = assertStops("mmShapes", with: "Fatal error: RuntimeError: mm: mat1 and mat2 shapes cannot be multiplied", environment: ["TORCH_SHOW_BACKTRACE": "1"])
    XCTAssertFalse(full.contains("called from"), full)
  }
}
