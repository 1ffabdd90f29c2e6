extension nn {
  /// `torch.nn.utils`: gradient clipping, with PyTorch's arithmetic (the same total norm and the
  /// same scale, so a clipped training run follows PyTorch's).
  public enum utils {
    /// The `normType`-norm of all `tensors` together, as if they were one vector
    /// (`get_total_norm`): the norm of their norms, on the first tensor's device. `normType`
    /// may be `.infinity` (the largest magnitude). 0 when there are none.
    public static func getTotalNorm(_ tensors: [Tensor], normType: Double = 2, errorIfNonfinite: Bool = false) -> Tensor {
      guard let first = tensors.first else { return torch.tensor(0.0) }
      return torch.noGrad {
        let norms = tensors.map { $0.norm(normType).to(first.device) }
        let total = torch.stack(norms).norm(normType)
        if errorIfNonfinite {
          torchCheck(total.isfinite().all(),
            "The total norm of order \(pythonFloat(normType)) for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
        }
        return total
      }
    }

    /// Scales every gradient by min(maxNorm / (totalNorm + 1e-6), 1), in place
    /// (`clip_grads_with_norm_`). Parameters without a gradient are skipped.
    public static func clipGradsWithNorm_(_ parameters: [Tensor], maxNorm: Double, totalNorm: Tensor) {
      let grads = parameters.compactMap(\.grad)
      guard !grads.isEmpty else { return }
      torch.noGrad {
        // Python's `max_norm / tensor` is `tensor.reciprocal() * max_norm` (Tensor.__rtruediv__):
        // written the same way, the scale has PyTorch's rounding.
        let scale = ((totalNorm + 1e-6).reciprocal() * maxNorm).clamp(max: 1)
        for g in grads { g.mul_(scale.to(g.device)) }
      }
    }

    /// Rescales the gradients of `parameters` in place so that their total norm is at most
    /// `maxNorm` (`clip_grad_norm_`), and returns the total norm before clipping. Call it between
    /// `backward()` and `optimizer.step()`.
    @discardableResult
    public static func clipGradNorm_(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2,
                                     errorIfNonfinite: Bool = false) -> Tensor {
      let total = getTotalNorm(parameters.compactMap(\.grad), normType: normType, errorIfNonfinite: errorIfNonfinite)
      clipGradsWithNorm_(parameters, maxNorm: maxNorm, totalNorm: total)
      return total
    }

    /// Clamps every gradient of `parameters` to [−clipValue, clipValue], in place (`clip_grad_value_`).
    public static func clipGradValue_(_ parameters: [Tensor], clipValue: Double) {
      torch.noGrad {
        for g in parameters.compactMap(\.grad) { g.clamp_(min: -clipValue, max: clipValue) }
      }
    }


    /// A Double as Python prints a float (`2.0`, `inf`).
    private static func pythonFloat(_ value: Double) -> String {
      value.isInfinite ? (value < 0 ? "-inf" : "inf") : value.rounded() == value ? "\(Int(value)).0" : "\(value)"
    }
  }
}
