#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whether ops record autograd history, per thread, as in PyTorch (`torch.no_grad()`).
enum GradMode {
  /// A thread-specific slot holding 1 when grad mode is *disabled* (so the default, an
  /// empty slot, means enabled).
  private static let key: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
  }()

  static var isEnabled: Bool {
    get { pthread_getspecific(key) == nil }
    set { pthread_setspecific(key, newValue ? nil : UnsafeRawPointer(bitPattern: 1)) }
  }

  /// Runs `body` with grad mode set to `enabled`, restoring the previous mode afterwards.
  static func with<R>(enabled: Bool, _ body: () throws -> R) rethrows -> R {
    let previous = isEnabled
    isEnabled = enabled
    defer { isEnabled = previous }
    return try body()
  }
}

extension torch {
  /// Runs `body` without recording autograd history (`with torch.no_grad():`).
  @discardableResult
  public static func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.with(enabled: false, body)
  }

  /// Runs `body` with autograd recording on, even inside `noGrad` (`with torch.enable_grad():`).
  @discardableResult
  public static func enableGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.with(enabled: true, body)
  }

  /// Whether autograd records ops on this thread (`torch.is_grad_enabled()`).
  public static func isGradEnabled() -> Bool { GradMode.isEnabled }

  /// Turns autograd recording on or off for this thread (`torch.set_grad_enabled(mode)`).
  public static func setGradEnabled(_ enabled: Bool) { GradMode.isEnabled = enabled }
}
