import Foundation
import Backbones
import NumericCore

/// Everything besides the clip's bytes that decides its features: change any of these and the
/// cached features no longer apply. Made only by `FeatureOptions.cacheSettings(view:)`; its
/// JSON (in every entry's header) spells each field as its raw value.
public struct ExtractionSettings: Hashable, Codable, Sendable {
  public var backbone: BackboneID
  /// SHA-256 of the backbone's weights, hex.
  public var weightsSHA256: String
  public var sampling: SamplingMode
  /// How many frames are sampled.
  public var frameCount: Int
  /// The square crop, in pixels, fed to the backbone.
  public var cropSize: Int
  /// Which view of the frames was encoded.
  public var view: FeatureView
  /// The backbone's reduced number format; nil for float32, so float32 keys (and entries
  /// written before precisions existed) stay what they were.
  public var precision: Precision?

  public init(
    backbone: BackboneID, weightsSHA256: String, sampling: SamplingMode, frameCount: Int,
    cropSize: Int, view: FeatureView = .original, precision: Precision? = nil
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
  /// SHA-256 (hex) of the clip's whole content.
  public var contentDigest: String
  /// The clip's size in bytes.
  public var fileSize: Int64
  public var settings: ExtractionSettings

  public init(contentDigest: String, fileSize: Int64, settings: ExtractionSettings) {
    self.contentDigest = contentDigest
    self.fileSize = fileSize
    self.settings = settings
  }

  /// How keys are made, part of every identifier. Scheme 1 keyed clips over 2 MiB by their
  /// first and last MiB and size, so two clips differing only in the middle shared features;
  /// its entries are never looked up under scheme 2, which hashes every byte. Scheme 3 came
  /// with reads that seek keeping exactly the frames sequential decoding keeps: under scheme 2,
  /// a clip read with seeks could hold the wrong frames (one frame early in AVIs with B-frames,
  /// misplaced after MPEG-4 frames the decoder drops), and which clips did is not recorded.
  public static let scheme = 3

  /// The key of the clip at `url` under `settings`: its whole content is hashed (about a
  /// second per gigabyte, a small part of decoding it).
  public init(clipAt url: URL, settings: ExtractionSettings) throws(FeatureCacheError) {
    do {
      let handle = try FileHandle(forReadingFrom: url)
      defer { try? handle.close() }
      var hasher = SHA256()
      var size: Int64 = 0
      while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
        hasher.update(chunk)
        size += Int64(chunk.count)
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
        "key-scheme-\(Self.scheme)", contentDigest, String(fileSize), settings.backbone.rawValue,
        settings.weightsSHA256, settings.sampling.rawValue, String(settings.frameCount),
        String(settings.cropSize), settings.view.rawValue,
      ] + (settings.precision.map { [$0.rawValue] } ?? [])
    let canonical = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: ";")
    return SHA256.hexDigest(of: Data(canonical.utf8))
  }
}
