/// The `torch` namespace: creation functions, random seeding, grad mode, saving and loading.
/// Swift spells PyTorch's names in lowerCamelCase (`torch.manual_seed` is `torch.manualSeed`);
/// the README has the full table.
public enum torch {}

/// The `torch.nn` namespace: modules, layers, losses, initialization.
public enum nn {}

/// `torch.nn.functional`: the stateless forms of the layers and losses.
public enum F {}

/// `torch.optim`: optimizers and learning-rate schedulers.
public enum optim {}

/// `torchvision.datasets`.
public enum datasets {}

/// `torchvision.transforms`.
public enum transforms {}
/// `torchvision.utils`: image grids and files.
public enum utils {}
/// `torchvision.models`: model architectures (no pretrained weights: nothing is downloaded).
public enum models {}

extension torch {
  public typealias nn = Torch.nn
  public typealias optim = Torch.optim
  public typealias Tensor = Torch.Tensor
  public typealias device = Torch.Device
  public typealias dtype = Torch.DType
  public typealias Size = Torch.Size
  public typealias Generator = Torch.Generator
}

extension nn {
  /// `torch.nn.functional`, also reachable as `F`.
  public typealias functional = F
}
