import Foundation

/// Everything besides the clip's bytes that decides its features: change any of these and the
/// cached features no longer apply.
public struct ExtractionSettings: Hashable, Codable, Sendable {
  /// The backbone's command-line id (`BackboneID.rawValue`).
  public var backbone: String
  /// SHA-256 of the backbone's weights, hex.
  public var weightsSHA256: String
  /// How frames are picked from the clip, e.g. "uniform" or "first".
  public var sampling: String
  /// How many frames are sampled.
  public var frameCount: Int
  /// The square crop, in pixels, fed to the backbone.
  public var cropSize: Int
  /// Which augmented view of the frames was encoded, e.g. "original" or "flip".
  public var view: String
  /// The backbone's reduced number format, e.g. "bf16"; nil for float32, so float32 keys (and
  /// entries written before precisions existed) stay what they were.
  public var precision: String?

  public init(
    backbone: String, weightsSHA256: String, sampling: String, frameCount: Int, cropSize: Int,
    view: String = "original", precision: String? = nil
  ) {
    self.backbone = backbone
    self.weightsSHA256 = weightsSHA256
    self.sampling = sampling
    self.frameCount = frameCount
    self.cropSize = cropSize
    self.view = view
    self.precision = precision
  }
}

/// Names one cache entry: a clip's content plus the settings its features were extracted with.
public struct CacheKey: Hashable, Codable, Sendable {
  /// SHA-256 (hex) of the clip's bytes, or for a large clip of its first and last MiB and size.
  public var contentDigest: String
  /// The clip's size in bytes.
  public var fileSize: Int64
  public var settings: ExtractionSettings

  public init(contentDigest: String, fileSize: Int64, settings: ExtractionSettings) {
    self.contentDigest = contentDigest
    self.fileSize = fileSize
    self.settings = settings
  }

  /// Files up to this size are hashed whole; larger ones by their first and last `hashedEdge`
  /// bytes, so keying a long video costs two small reads instead of reading all of it.
  public static let wholeFileHashLimit: Int64 = 2 << 20
  static let hashedEdge = 1 << 20

  /// The key of the clip at `url` under `settings`.
  public init(clipAt url: URL, settings: ExtractionSettings) throws {
    do {
      let handle = try FileHandle(forReadingFrom: url)
      defer { try? handle.close() }
      let size = Int64(try handle.seekToEnd())
      try handle.seek(toOffset: 0)
      var hasher = SHA256()
      if size <= Self.wholeFileHashLimit {
        while let chunk = try handle.read(upToCount: Self.hashedEdge), !chunk.isEmpty {
          hasher.update(chunk)
        }
      } else {
        hasher.update(try handle.read(upToCount: Self.hashedEdge) ?? Data())
        try handle.seek(toOffset: UInt64(size) - UInt64(Self.hashedEdge))
        hasher.update(try handle.read(upToCount: Self.hashedEdge) ?? Data())
        hasher.update(withUnsafeBytes(of: UInt64(size).littleEndian) { Data($0) })
      }
      self.init(contentDigest: hasher.hexDigest(), fileSize: size, settings: settings)
    } catch {
      throw FeatureCacheError.unreadableClip(url, reason: FeatureCacheError.describe(error))
    }
  }

  /// A stable file name for the entry: the digest of every field, each length-prefixed so no
  /// two different keys can spell the same string.
  public var identifier: String {
    let fields =
      [
        contentDigest, String(fileSize), settings.backbone, settings.weightsSHA256,
        settings.sampling, String(settings.frameCount), String(settings.cropSize), settings.view,
      ] + (settings.precision.map { [$0] } ?? [])
    let canonical = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: ";")
    return SHA256.hexDigest(of: Data(canonical.utf8))
  }
}
