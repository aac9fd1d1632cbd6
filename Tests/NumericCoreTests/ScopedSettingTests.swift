import Foundation
import Testing

@testable import NumericCore

/// A global setting changed for a scope comes back afterwards, also when scopes overlap.
@Suite struct ScopedSettingTests {
  /// A stand-in for the BLAS's process-wide thread count.
  final class Global: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = 6
    var value: Int {
      get { lock.withLock { stored } }
      set { lock.withLock { stored = newValue } }
    }
  }

  @Test func theValueBeforeTheScopeComesBackAfterIt() {
    let global = Global()
    let scope = ScopedSetting(read: { global.value }, write: { global.value = $0 })
    let inside = scope.with(1) { global.value }
    #expect(inside == 1)
    #expect(global.value == 6)
  }

  @Test func aThrowingBodyStillRestores() {
    struct Failure: Error {}
    let global = Global()
    let scope = ScopedSetting(read: { global.value }, write: { global.value = $0 })
    #expect(throws: Failure.self) { try scope.with(1) { throw Failure() } }
    #expect(global.value == 6)
  }

  @Test func overlappingScopesRestoreOnlyWhenTheLastEnds() {
    let global = Global()
    let scope = ScopedSetting(read: { global.value }, write: { global.value = $0 })
    scope.with(1) {
      scope.with(1) { #expect(global.value == 1) }
      // The inner scope ended first: it must not restore 6 under the outer one.
      #expect(global.value == 1)
    }
    #expect(global.value == 6)
    DispatchQueue.concurrentPerform(iterations: 8) { _ in
      scope.with(1) { #expect(global.value == 1) }
    }
    #expect(global.value == 6)
  }

  /// The BLAS itself: limited inside the scope. (What it is afterwards depends on other tests
  /// training at the same time, so the restore is checked on the stand-in above.)
  @Test func theBLASRunsSingleThreadedInsideTheScope() {
    BLAS.withThreadCount(1) { #expect(BLAS.threadCount == 1) }
  }
}
