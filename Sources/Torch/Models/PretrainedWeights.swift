extension models {
  /// torchvision's `weights=` names weights it downloads; nothing is downloaded here, so any
  /// name stops with how to load a state dict instead.
  static func refusePretrainedWeights(_ weights: String?) {
    torchCheck(weights == nil,
      "pretrained weights ('\(weights ?? "")') cannot be downloaded here: build the model without weights and load a state dict you have (model.loadStateDict(torch.load(from: path)))",
      kind: "ValueError")
  }
}
