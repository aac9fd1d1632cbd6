import Testing
import VideoIO

@Test func linkedFFmpegReportsVersions() {
  let versions = FFmpegLibraries.versions
  #expect(Set(versions.keys) == ["libavformat", "libavcodec", "libswscale", "libavutil"])
  for value in versions.values { #expect(value.split(separator: ".").count == 3) }
}
