import Foundation
import Torch

/// Command-line options, parsed by hand (the package has no dependencies).
struct Options {
  var epochs = 10
  var batchSize = 64
  var lr: Double?
  var optimizer = "adam"
  var model = "mlp"
  var device = "auto"
  var dataDirectory: String?
  var download = false
  var savePath: String?
  var resumePath: String?
  var loadPath: String?
  var seed: UInt64 = 0
  var distributed = false
  var sampler = "random"

  static let usage = """
    usage: fashion-mnist [options]
    Trains a FashionMNIST classifier: the "Build the Neural Network" one (784-512-512-10), or a CNN.

      --epochs N            passes over the training set (default 10)
      --batch-size N        samples per step (default 64)
      --lr X                learning rate (default 1e-3 for both optimizers)
      --model NAME          mlp (default: the tutorial's network) or cnn (two conv-batchnorm-pool blocks)
      --optimizer NAME      adam (default) or sgd; `--optimizer sgd --lr 1e-3` is the tutorial's setting
      --device NAME         auto (default), cpu or cuda
      --data DIR            folder with the four FashionMNIST IDX files (gzipped or not)
      --download            fetch the files into DIR/FashionMNIST/raw (default DIR: data)
      --save PATH           after each epoch, write a training checkpoint: PyTorch's format
                            ({'epoch', 'model_state_dict', 'optimizer_state_dict', 'rng_state'},
                            loads in PyTorch) or safetensors for a .safetensors PATH
      --resume PATH         continue from a file written by --save (either format)
      --load PATH           start from the model weights in PATH: a state dict (.pth or
                            .safetensors, e.g. PyTorch's) or a --save checkpoint; with
                            --epochs 0, only evaluate them
      --seed N              seed for initialization and shuffling (default 0)
      --distributed         train on every rank of an MPI job (mpirun -np N fashion-mnist
                            --distributed): DistributedDataParallel, each rank a share of each
                            batch (--batch-size is the global batch); rank 0 prints, evaluates
                            and saves; on CUDA, one GPU per rank through NCCL
      --sampler NAME        order of the training set: random (default, the DataLoader's
                            shuffle from the seeded default generator, as PyTorch's) or
                            distributed (a DistributedSampler's permutation seeded with
                            seed + epoch: the global batches of a --distributed run on any
                            number of ranks; --distributed always uses it)
      --help                show this text
    """

  static func parse(_ arguments: [String]) throws -> Options {
    var options = Options()
    var index = 0
    func value(_ flag: String) throws -> String {
      index += 1
      guard index < arguments.count else { throw TorchError.invalidArgument("\(flag) needs a value\n\n\(usage)") }
      return arguments[index]
    }
    func number<T: LosslessStringConvertible>(_ flag: String, _: T.Type) throws -> T {
      let text = try value(flag)
      guard let parsed = T(text) else { throw TorchError.invalidArgument("\(flag): '\(text)' is not a valid number") }
      return parsed
    }
    while index < arguments.count {
      switch arguments[index] {
      case "--epochs": options.epochs = try number("--epochs", Int.self)
      case "--batch-size": options.batchSize = try number("--batch-size", Int.self)
      case "--lr": options.lr = try number("--lr", Double.self)
      case "--optimizer": options.optimizer = try value("--optimizer")
      case "--model": options.model = try value("--model")
      case "--device": options.device = try value("--device")
      case "--data": options.dataDirectory = try value("--data")
      case "--download": options.download = true
      case "--save": options.savePath = try value("--save")
      case "--resume": options.resumePath = try value("--resume")
      case "--load": options.loadPath = try value("--load")
      case "--seed": options.seed = try number("--seed", UInt64.self)
      case "--distributed": options.distributed = true
      case "--sampler": options.sampler = try value("--sampler")
      case "--help", "-h":
        print(usage)
        exit(0)
      default: throw TorchError.invalidArgument("unknown option \(arguments[index])\n\n\(usage)")
      }
      index += 1
    }
    guard ["adam", "sgd"].contains(options.optimizer) else {
      throw TorchError.invalidArgument("--optimizer must be adam or sgd, not \(options.optimizer)")
    }
    guard ["mlp", "cnn"].contains(options.model) else {
      throw TorchError.invalidArgument("--model must be mlp or cnn, not \(options.model)")
    }
    guard ["random", "distributed"].contains(options.sampler) else {
      throw TorchError.invalidArgument("--sampler must be random or distributed, not \(options.sampler)")
    }
    if options.distributed { options.sampler = "distributed" }
    guard ["auto", "cpu", "cuda"].contains(options.device) else {
      throw TorchError.invalidArgument("--device must be auto, cpu or cuda, not \(options.device)")
    }
    guard options.epochs >= 0, options.batchSize > 0 else {
      throw TorchError.invalidArgument("--epochs must be >= 0 and --batch-size > 0")
    }
    return options
  }
}
