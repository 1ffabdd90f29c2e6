extension models {
  /// The residual block of ResNet-18 and -34 (`torchvision.models.resnet.BasicBlock`): two 3×3
  /// convolutions, each followed by batch norm, with the input (or its `downsample`) added
  /// before the last ReLU. The first convolution carries the stride.
  public final class BasicBlock: Module {
    /// How many times wider the block's output is than `planes`.
    public static let expansion = 1
    public let conv1: nn.Conv2d
    public let bn1: nn.BatchNorm2d
    public let relu = nn.ReLU(inplace: true)
    public let conv2: nn.Conv2d
    public let bn2: nn.BatchNorm2d
    /// Brings the input to the output's shape where the block changes it (stride or width).
    public let downsample: nn.Sequential?
    public let stride: Int

    public init(_ inplanes: Int, _ planes: Int, stride: Int = 1, downsample: nn.Sequential? = nil, groups: Int = 1,
                baseWidth: Int = 64, dilation: Int = 1) {
      torchCheck(groups == 1 && baseWidth == 64, "BasicBlock only supports groups=1 and base_width=64", kind: "ValueError")
      torchCheck(dilation == 1, "Dilation > 1 not supported in BasicBlock", kind: "NotImplementedError")
      conv1 = conv3x3(inplanes, planes, stride: stride)
      bn1 = nn.BatchNorm2d(planes)
      conv2 = conv3x3(planes, planes)
      bn2 = nn.BatchNorm2d(planes)
      self.downsample = downsample
      self.stride = stride
    }

    public func forward(_ x: Tensor) -> Tensor {
      var out = relu(bn1(conv1(x)))
      out = bn2(conv2(out))
      out.add_(downsample?(x) ?? x)
      return relu(out)
    }
  }

  /// The residual block of ResNet-50 and deeper (`torchvision.models.resnet.Bottleneck`): a 1×1
  /// convolution down to `width`, a 3×3 one (carrying the stride, groups and dilation: ResNet
  /// V1.5) and a 1×1 one up to 4 × `planes`, each followed by batch norm, with the input (or
  /// its `downsample`) added before the last ReLU.
  public final class Bottleneck: Module {
    /// How many times wider the block's output is than `planes`.
    public static let expansion = 4
    public let conv1: nn.Conv2d
    public let bn1: nn.BatchNorm2d
    public let conv2: nn.Conv2d
    public let bn2: nn.BatchNorm2d
    public let conv3: nn.Conv2d
    public let bn3: nn.BatchNorm2d
    public let relu = nn.ReLU(inplace: true)
    /// Brings the input to the output's shape where the block changes it (stride or width).
    public let downsample: nn.Sequential?
    public let stride: Int

    public init(_ inplanes: Int, _ planes: Int, stride: Int = 1, downsample: nn.Sequential? = nil, groups: Int = 1,
                baseWidth: Int = 64, dilation: Int = 1) {
      let width = Int(Double(planes) * (Double(baseWidth) / 64)) * groups
      conv1 = conv1x1(inplanes, width)
      bn1 = nn.BatchNorm2d(width)
      conv2 = conv3x3(width, width, stride: stride, groups: groups, dilation: dilation)
      bn2 = nn.BatchNorm2d(width)
      conv3 = conv1x1(width, planes * Self.expansion)
      bn3 = nn.BatchNorm2d(planes * Self.expansion)
      self.downsample = downsample
      self.stride = stride
    }

    public func forward(_ x: Tensor) -> Tensor {
      var out = relu(bn1(conv1(x)))
      out = relu(bn2(conv2(out)))
      out = bn3(conv3(out))
      out.add_(downsample?(x) ?? x)
      return relu(out)
    }
  }

  /// ResNet (`torchvision.models.ResNet`): a 7×7 stride-2 stem and a max pool, four stages of
  /// residual blocks (64, 128, 256 and 512 planes; each later stage halves the resolution, or
  /// dilates instead where `replaceStrideWithDilation` says so), a global average pool and a
  /// linear classifier. Module names, reprs and initialization are torchvision's (Kaiming
  /// normal, fan out, for convolutions; unit scales and zero shifts for batch norm, drawn in
  /// torchvision's order), so a seeded model equals torchvision's and a state dict saved by
  /// torchvision (`torch.save(model.state_dict(), path)`) loads into it.
  public final class ResNet: Module {
    public var conv1: nn.Conv2d
    public var bn1: nn.BatchNorm2d
    public var relu = nn.ReLU(inplace: true)
    public var maxpool = nn.MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
    public var layer1: nn.Sequential
    public var layer2: nn.Sequential
    public var layer3: nn.Sequential
    public var layer4: nn.Sequential
    public var avgpool = nn.AdaptiveAvgPool2d([1, 1])
    public var fc: nn.Linear

    /// The kind of residual block a ResNet stacks.
    public enum Block: Sendable {
      /// Two 3×3 convolutions (ResNet-18, -34).
      case basic
      /// 1×1, 3×3, 1×1 convolutions, four times wider out (ResNet-50 and deeper, ResNeXt).
      case bottleneck

      var expansion: Int { self == .basic ? BasicBlock.expansion : Bottleneck.expansion }
    }

    /// `layers`: the number of blocks in each of the four stages. `zeroInitResidual` starts each
    /// block's last batch-norm scale at zero, so each block starts as the identity.
    public init(block: Block, layers: [Int], numClasses: Int = 1000, zeroInitResidual: Bool = false, groups: Int = 1,
                widthPerGroup: Int = 64, replaceStrideWithDilation: [Bool]? = nil) {
      let dilate = replaceStrideWithDilation ?? [false, false, false]
      torchCheck(dilate.count == 3,
        "replace_stride_with_dilation should be None or a 3-element tuple, got [\(dilate.map { $0 ? "True" : "False" }.joined(separator: ", "))]",
        kind: "ValueError")
      torchCheck(layers.count == 4, "a ResNet has four stages, got \(layers.count) block counts", kind: "ValueError")
      var stages = StageBuilder(block: block, groups: groups, baseWidth: widthPerGroup)
      conv1 = nn.Conv2d(3, stages.inplanes, kernelSize: 7, stride: 2, padding: 3, bias: false)
      bn1 = nn.BatchNorm2d(stages.inplanes)
      layer1 = stages.makeLayer(planes: 64, blocks: layers[0])
      layer2 = stages.makeLayer(planes: 128, blocks: layers[1], stride: 2, dilate: dilate[0])
      layer3 = stages.makeLayer(planes: 256, blocks: layers[2], stride: 2, dilate: dilate[1])
      layer4 = stages.makeLayer(planes: 512, blocks: layers[3], stride: 2, dilate: dilate[2])
      fc = nn.Linear(512 * block.expansion, numClasses)
      initializeWeights(zeroInitResidual: zeroInitResidual)
    }

    public func forward(_ input: Tensor) -> Tensor {
      var x = maxpool(relu(bn1(conv1(input))))
      x = layer4(layer3(layer2(layer1(x))))
      return fc(torch.flatten(avgpool(x), 1))
    }

    /// torchvision's initialization, in module order, after the layers' own (which drew first).
    private func initializeWeights(zeroInitResidual: Bool) {
      for (_, module) in namedModules() {
        switch module {
        case let conv as nn.Conv2d:
          nn.`init`.kaimingNormal_(conv.weight, mode: "fan_out", nonlinearity: "relu")
        case let norm as nn.BatchNorm2d:
          if let weight = norm.weight { nn.`init`.constant_(weight, 1) }
          if let bias = norm.bias { nn.`init`.constant_(bias, 0) }
        default: break
        }
      }
      guard zeroInitResidual else { return }
      for (_, module) in namedModules() {
        if let block = module as? Bottleneck, let weight = block.bn3.weight { nn.`init`.constant_(weight, 0) }
        if let block = module as? BasicBlock, let weight = block.bn2.weight { nn.`init`.constant_(weight, 0) }
      }
    }

    static func make(_ block: Block, _ layers: [Int], weights: String?, numClasses: Int, zeroInitResidual: Bool,
                     groups: Int = 1, widthPerGroup: Int = 64, replaceStrideWithDilation: [Bool]?) -> ResNet {
      refusePretrainedWeights(weights)
      return ResNet(block: block, layers: layers, numClasses: numClasses, zeroInitResidual: zeroInitResidual, groups: groups,
                    widthPerGroup: widthPerGroup, replaceStrideWithDilation: replaceStrideWithDilation)
    }
  }

  /// torchvision's `_make_layer` and the state it threads from stage to stage: the channels
  /// coming in and the dilation reached so far.
  struct StageBuilder {
    let block: ResNet.Block
    let groups: Int
    let baseWidth: Int
    var inplanes = 64
    var dilation = 1

    init(block: ResNet.Block, groups: Int, baseWidth: Int) {
      self.block = block
      self.groups = groups
      self.baseWidth = baseWidth
    }

    /// A stage of `blocks` blocks; the first takes the stride (or, with `dilate`, multiplies the
    /// dilation by it instead) and a downsample where the shape changes.
    mutating func makeLayer(planes: Int, blocks: Int, stride: Int = 1, dilate: Bool = false) -> nn.Sequential {
      let previousDilation = dilation
      var stride = stride
      if dilate {
        dilation *= stride
        stride = 1
      }
      let outplanes = planes * block.expansion
      let downsample = stride != 1 || inplanes != outplanes
        ? nn.Sequential(conv1x1(inplanes, outplanes, stride: stride), nn.BatchNorm2d(outplanes)) : nil
      var layers = [makeBlock(inplanes, planes, stride: stride, downsample: downsample, dilation: previousDilation)]
      inplanes = outplanes
      for _ in 1..<max(blocks, 1) { layers.append(makeBlock(inplanes, planes, dilation: dilation)) }
      return nn.Sequential(layers)
    }

    private func makeBlock(_ inplanes: Int, _ planes: Int, stride: Int = 1, downsample: nn.Sequential? = nil, dilation: Int) -> any Module {
      switch block {
      case .basic:
        BasicBlock(inplanes, planes, stride: stride, downsample: downsample, groups: groups, baseWidth: baseWidth, dilation: dilation)
      case .bottleneck:
        Bottleneck(inplanes, planes, stride: stride, downsample: downsample, groups: groups, baseWidth: baseWidth, dilation: dilation)
      }
    }
  }

  /// ResNet-18: basic blocks, [2, 2, 2, 2].
  public static func resnet18(weights: String? = nil, numClasses: Int = 1000, zeroInitResidual: Bool = false) -> ResNet {
    .make(.basic, [2, 2, 2, 2], weights: weights, numClasses: numClasses, zeroInitResidual: zeroInitResidual, replaceStrideWithDilation: nil)
  }
  /// ResNet-34: basic blocks, [3, 4, 6, 3].
  public static func resnet34(weights: String? = nil, numClasses: Int = 1000, zeroInitResidual: Bool = false) -> ResNet {
    .make(.basic, [3, 4, 6, 3], weights: weights, numClasses: numClasses, zeroInitResidual: zeroInitResidual, replaceStrideWithDilation: nil)
  }
  /// ResNet-50: bottlenecks, [3, 4, 6, 3]. `replaceStrideWithDilation` (three flags, one per
  /// later stage) keeps the resolution there and dilates instead, as segmentation models do.
  public static func resnet50(weights: String? = nil, numClasses: Int = 1000, zeroInitResidual: Bool = false,
                              replaceStrideWithDilation: [Bool]? = nil) -> ResNet {
    .make(.bottleneck, [3, 4, 6, 3], weights: weights, numClasses: numClasses, zeroInitResidual: zeroInitResidual,
          replaceStrideWithDilation: replaceStrideWithDilation)
  }
  /// ResNet-101: bottlenecks, [3, 4, 23, 3].
  public static func resnet101(weights: String? = nil, numClasses: Int = 1000, zeroInitResidual: Bool = false,
                               replaceStrideWithDilation: [Bool]? = nil) -> ResNet {
    .make(.bottleneck, [3, 4, 23, 3], weights: weights, numClasses: numClasses, zeroInitResidual: zeroInitResidual,
          replaceStrideWithDilation: replaceStrideWithDilation)
  }
  /// ResNet-152: bottlenecks, [3, 8, 36, 3].
  public static func resnet152(weights: String? = nil, numClasses: Int = 1000, zeroInitResidual: Bool = false,
                               replaceStrideWithDilation: [Bool]? = nil) -> ResNet {
    .make(.bottleneck, [3, 8, 36, 3], weights: weights, numClasses: numClasses, zeroInitResidual: zeroInitResidual,
          replaceStrideWithDilation: replaceStrideWithDilation)
  }
  /// ResNeXt-50 32×4d: ResNet-50's stages with 32 groups of 4 channels in each 3×3 convolution.
  public static func resnext50_32x4d(weights: String? = nil, numClasses: Int = 1000, zeroInitResidual: Bool = false) -> ResNet {
    .make(.bottleneck, [3, 4, 6, 3], weights: weights, numClasses: numClasses, zeroInitResidual: zeroInitResidual,
          groups: 32, widthPerGroup: 4, replaceStrideWithDilation: nil)
  }
  /// ResNeXt-101 32×8d.
  public static func resnext101_32x8d(weights: String? = nil, numClasses: Int = 1000, zeroInitResidual: Bool = false) -> ResNet {
    .make(.bottleneck, [3, 4, 23, 3], weights: weights, numClasses: numClasses, zeroInitResidual: zeroInitResidual,
          groups: 32, widthPerGroup: 8, replaceStrideWithDilation: nil)
  }
  /// ResNeXt-101 64×4d.
  public static func resnext101_64x4d(weights: String? = nil, numClasses: Int = 1000, zeroInitResidual: Bool = false) -> ResNet {
    .make(.bottleneck, [3, 4, 23, 3], weights: weights, numClasses: numClasses, zeroInitResidual: zeroInitResidual,
          groups: 64, widthPerGroup: 4, replaceStrideWithDilation: nil)
  }
  /// Wide ResNet-50-2: ResNet-50 with bottlenecks twice as wide inside.
  public static func wideResnet50_2(weights: String? = nil, numClasses: Int = 1000, zeroInitResidual: Bool = false) -> ResNet {
    .make(.bottleneck, [3, 4, 6, 3], weights: weights, numClasses: numClasses, zeroInitResidual: zeroInitResidual,
          widthPerGroup: 128, replaceStrideWithDilation: nil)
  }
  /// Wide ResNet-101-2.
  public static func wideResnet101_2(weights: String? = nil, numClasses: Int = 1000, zeroInitResidual: Bool = false) -> ResNet {
    .make(.bottleneck, [3, 4, 23, 3], weights: weights, numClasses: numClasses, zeroInitResidual: zeroInitResidual,
          widthPerGroup: 128, replaceStrideWithDilation: nil)
  }
}

/// torchvision's `conv3x3`: padding equal to the dilation, no bias.
private func conv3x3(_ inPlanes: Int, _ outPlanes: Int, stride: Int = 1, groups: Int = 1, dilation: Int = 1) -> nn.Conv2d {
  nn.Conv2d(inPlanes, outPlanes, kernelSize: 3, stride: stride, padding: dilation, dilation: dilation, groups: groups, bias: false)
}

/// torchvision's `conv1x1`: no bias.
private func conv1x1(_ inPlanes: Int, _ outPlanes: Int, stride: Int = 1) -> nn.Conv2d {
  nn.Conv2d(inPlanes, outPlanes, kernelSize: 1, stride: stride, bias: false)
}
