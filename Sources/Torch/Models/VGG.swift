extension models {
  /// VGG (`torchvision.models.VGG`): a stack of 3×3 convolutions and max pools (`features`),
  /// an adaptive average pool to 7×7, and three fully connected layers (`classifier`), with
  /// torchvision's module names, reprs and initialization, so seeded models equal torchvision's.
  public final class VGG: Module {
    public var features: nn.Sequential
    public var avgpool = nn.AdaptiveAvgPool2d([7, 7])
    public var classifier: nn.Sequential

    public init(features: nn.Sequential, numClasses: Int = 1000, initWeights: Bool = true, dropout: Double = 0.5) {
      self.features = features
      classifier = nn.Sequential(
        nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace: true), nn.Dropout(p: dropout),
        nn.Linear(4096, 4096), nn.ReLU(inplace: true), nn.Dropout(p: dropout),
        nn.Linear(4096, numClasses))
      if initWeights { initializeWeights() }
    }

    public func forward(_ input: Tensor) -> Tensor {
      classifier(torch.flatten(avgpool(features(input)), 1))
    }

    /// torchvision's `_initialize_weights`, in module order: Kaiming normal (fan out, ReLU) for
    /// convolutions, N(0, 0.01) for linear layers, zero biases, unit batch-norm scales.
    private func initializeWeights() {
      for (_, module) in namedModules() {
        switch module {
        case let conv as nn.Conv2d:
          nn.`init`.kaimingNormal_(conv.weight, mode: "fan_out", nonlinearity: "relu")
          if let bias = conv.bias { nn.`init`.constant_(bias, 0) }
        case let norm as nn.BatchNorm2d:
          if let weight = norm.weight { nn.`init`.constant_(weight, 1) }
          if let bias = norm.bias { nn.`init`.constant_(bias, 0) }
        case let linear as nn.Linear:
          nn.`init`.normal_(linear.weight, mean: 0, std: 0.01)
          if let bias = linear.bias { nn.`init`.constant_(bias, 0) }
        default: break
        }
      }
    }

    /// torchvision's layer lists: output channels, or nil for a 2×2 max pool.
    static let configurations: [String: [Int?]] = [
      "A": [64, nil, 128, nil, 256, 256, nil, 512, 512, nil, 512, 512, nil],
      "B": [64, 64, nil, 128, 128, nil, 256, 256, nil, 512, 512, nil, 512, 512, nil],
      "D": [64, 64, nil, 128, 128, nil, 256, 256, 256, nil, 512, 512, 512, nil, 512, 512, 512, nil],
      "E": [64, 64, nil, 128, 128, nil, 256, 256, 256, 256, nil, 512, 512, 512, 512, nil, 512, 512, 512, 512, nil],
    ]

    /// `make_layers`: each convolution (padding 1) followed by batch norm when asked, then ReLU.
    static func makeLayers(_ configuration: [Int?], batchNorm: Bool) -> nn.Sequential {
      var layers: [any Module] = []
      var channels = 3
      for width in configuration {
        guard let width else {
          layers.append(nn.MaxPool2d(kernelSize: 2, stride: 2))
          continue
        }
        layers.append(nn.Conv2d(channels, width, kernelSize: 3, padding: 1))
        if batchNorm { layers.append(nn.BatchNorm2d(width)) }
        layers.append(nn.ReLU(inplace: true))
        channels = width
      }
      return nn.Sequential(layers)
    }

    static func make(_ configuration: String, batchNorm: Bool, weights: String?, numClasses: Int) -> VGG {
      refusePretrainedWeights(weights)
      return VGG(features: makeLayers(configurations[configuration]!, batchNorm: batchNorm), numClasses: numClasses)
    }
  }

  /// VGG-11 (configuration A).
  public static func vgg11(weights: String? = nil, numClasses: Int = 1000) -> VGG { .make("A", batchNorm: false, weights: weights, numClasses: numClasses) }
  /// VGG-13 (configuration B).
  public static func vgg13(weights: String? = nil, numClasses: Int = 1000) -> VGG { .make("B", batchNorm: false, weights: weights, numClasses: numClasses) }
  /// VGG-16 (configuration D), the model of the "Save and Load the Model" page.
  public static func vgg16(weights: String? = nil, numClasses: Int = 1000) -> VGG { .make("D", batchNorm: false, weights: weights, numClasses: numClasses) }
  /// VGG-19 (configuration E).
  public static func vgg19(weights: String? = nil, numClasses: Int = 1000) -> VGG { .make("E", batchNorm: false, weights: weights, numClasses: numClasses) }
  /// VGG-16 with batch normalization after each convolution.
  public static func vgg16BN(weights: String? = nil, numClasses: Int = 1000) -> VGG { .make("D", batchNorm: true, weights: weights, numClasses: numClasses) }
}
