import CFFmpeg
import Foundation

/// Where a stream comes from: anything FFmpeg opens as input, named the way a command line
/// names it.
///
///     StreamSource("-")                        // standard input
///     StreamSource("clip.ts")                  // a file
///     StreamSource("udp://127.0.0.1:5000")     // a network stream
///     StreamSource("v4l2:/dev/video0")         // a capture device (libavdevice)
///     StreamSource("/dev/video0")              // the same
public enum StreamSource: Sendable, Hashable, CustomStringConvertible {
  /// A file; `follow` keeps reading at its end while it grows (a recording in progress).
  case file(path: String, follow: Bool)
  /// Bytes on standard input (`-`), through FFmpeg's `pipe:` protocol.
  case standardInput
  /// A URL FFmpeg's protocols open: `http://`, `https://`, `rtsp://`, `udp://`, `tcp://`, ...
  case url(String)
  /// An input device of libavdevice (`v4l2`, `lavfi`, `x11grab`, ...) and the device's name.
  case device(format: String, name: String)

  /// URL schemes read as network streams. `file:` and `pipe:` have their own cases.
  static let networkSchemes: Set<String> = [
    "http", "https", "rtsp", "rtsps", "rtmp", "rtmps", "udp", "rtp", "tcp", "srt", "hls",
  ]

  /// Reads a command-line name: `-` is standard input; `scheme://...` a URL; `FORMAT:NAME`
  /// with a device format (`v4l2:/dev/video0`) a device; a `/dev/video*` path the v4l2 device;
  /// anything else a file (`follow` applies to files only).
  public init(_ name: String, follow: Bool = false) {
    if name == "-" {
      self = .standardInput
      return
    }
    if let separator = name.range(of: "://") {
      let scheme = name[..<separator.lowerBound].lowercased()
      self =
        scheme == "file"
        ? .file(path: String(name[separator.upperBound...]), follow: follow)
        : .url(name)
      return
    }
    if let colon = name.firstIndex(of: ":"), !name.hasPrefix("/"), !name.hasPrefix(".") {
      let format = String(name[..<colon])
      if CaptureDevices.formats.contains(format) {
        self = .device(format: format, name: String(name[name.index(after: colon)...]))
        return
      }
    }
    if name.hasPrefix("/dev/video") {
      self = .device(format: "v4l2", name: name)
      return
    }
    self = .file(path: name, follow: follow)
  }

  /// The name errors quote: the path, URL or device as the user gave it.
  public var description: String {
    switch self {
    case .file(let path, _): return path
    case .standardInput: return "standard input"
    case .url(let url): return url
    case .device(let format, let name): return "\(format):\(name)"
    }
  }

  /// True when the source produces frames at its own pace and does not keep them for a reader
  /// that falls behind: everything but a file (standard input redirected from one included).
  /// Live sources drop samples when the reader falls behind; a file waits for the reader, a
  /// followed one too: what was written stays on disk, so falling behind a writer costs time,
  /// never samples.
  public var isLive: Bool {
    switch self {
    case .file: return false
    case .standardInput:
      var status = stat()
      return fstat(0, &status) != 0 || status.st_mode & S_IFMT != S_IFREG
    case .url, .device: return true
    }
  }

  /// What `avformat_open_input` is given: the URL, the forced input format (devices), and
  /// protocol options. The interrupt callback enforces `timeout`; the protocols' own limits,
  /// twice as long, are a backstop for waits that do not poll it.
  func openArguments(timeout: Double) -> (url: String, format: String?, options: [String: String]) {
    let microseconds = String(Int64(max(timeout, 0.001) * 2_000_000))
    switch self {
    case .file(let path, let follow):
      // The file protocol retries at the end of a growing file instead of reporting its end.
      return follow ? ("file:" + path, nil, ["follow": "1"]) : (path, nil, [:])
    case .standardInput:
      return ("pipe:0", nil, [:])
    case .device(let format, let name):
      return (name, format, [:])
    case .url(let url):
      // rw_timeout is every protocol's read/write limit; `timeout` is the connect (http, tcp)
      // or socket (rtsp, udp) limit under the protocol's own name.
      return (url, nil, ["rw_timeout": microseconds, "timeout": microseconds])
    }
  }
}

/// libavdevice's input devices, loaded at run time when the machine has the library: Vidi
/// builds and runs without it, and a machine with a camera gets v4l2 without a rebuild.
public enum CaptureDevices {
  /// The device formats `StreamSource` recognises in `FORMAT:NAME`.
  static let formats: Set<String> = [
    "v4l2", "video4linux2", "lavfi", "x11grab", "avfoundation", "dshow", "gdigrab", "kmsgrab",
    "fbdev", "alsa", "pulse", "decklink",
  ]

  /// True once libavdevice is loaded and its devices registered with libavformat.
  public static var isAvailable: Bool { registered }

  private static let registered: Bool = {
    // libavdevice's major version moves with libavformat's; another one would not match the
    // linked libavformat's structures.
    let major = avformat_version() >> 16
    for name in ["libavdevice.so.\(major)", "libavdevice.\(major).dylib"] {
      guard let library = dlopen(name, RTLD_NOW | RTLD_GLOBAL),
        let symbol = dlsym(library, "avdevice_register_all")
      else { continue }
      typealias Register = @convention(c) () -> Void
      unsafeBitCast(symbol, to: Register.self)()
      return true
    }
    return false
  }()

  /// libavformat's demuxer for a device format, registering the devices first; nil when the
  /// format is unknown or libavdevice is missing.
  static func inputFormat(_ name: String) -> UnsafePointer<AVInputFormat>? {
    _ = registered
    return av_find_input_format(name)
  }
}
