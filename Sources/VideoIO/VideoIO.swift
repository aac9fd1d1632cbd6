/// VideoIO: reading and writing video with FFmpeg's libraries.
///
/// Decodes any container and codec FFmpeg reads, samples frames (uniformly over the clip by
/// default), crops and resizes them into float buffers for a frame encoder, and writes clips
/// for tests and the demo. `StreamReader` reads unbounded sources (standard input, network
/// URLs, capture devices, files still being written) as frames sampled at a fixed rate,
/// dropping samples rather than falling behind a live source. It depends on nothing else in
/// Vidi.

import CFFmpeg

/// Versions of the FFmpeg libraries Vidi is linked against, for `vidi --version` and bug reports.
public enum FFmpegLibraries {
  public static var versions: [String: String] {
    [
      "libavformat": version(avformat_version()),
      "libavcodec": version(avcodec_version()),
      "libswscale": version(swscale_version()),
      "libavutil": version(avutil_version()),
    ]
  }

  static func version(_ packed: UInt32) -> String {
    "\(packed >> 16).\((packed >> 8) & 0xff).\(packed & 0xff)"
  }
}
