import CFFmpeg

/// Turns decoded frames into the batch layout: a square crop (the centre one unless asked), resize to `size` × `size`,
/// RGB, upright, Float 0...255.
///
/// swscale does the crop (through the frame's data pointers), the resize and the colour
/// conversion in one pass. Its area filter averages every source pixel under each output pixel
/// when it shrinks a picture, so downscaled high-resolution video does not alias (and it is the
/// fastest of swscale's anti-aliasing filters). The square output is then turned upright while
/// it is widened to Float.
final class FrameConverter {
  let size: Int
  let rotation: Int
  let squareCrop: SquareCrop
  private var scaler: OpaquePointer?
  private var scalerKey: ScalerKey?
  /// One RGB24 frame from swscale; rows padded to a 64-byte multiple, as swscale prefers.
  private let rgb: UnsafeMutablePointer<UInt8>
  private let rgbStride: Int
  /// One upright output row as Float, appended to the batch from the core's cache.
  private let row: UnsafeMutablePointer<Float>

  private struct ScalerKey: Equatable {
    var format: Int32
    var side: Int32
    var colorspace: UInt32
    var fullRange: Bool
  }

  init(size: Int, rotation: Int, crop: SquareCrop = .centre) {
    self.size = size
    self.rotation = rotation
    squareCrop = crop
    rgbStride = (size * 3 + 63) / 64 * 64
    rgb = av_malloc(rgbStride * size)!.bindMemory(to: UInt8.self, capacity: rgbStride * size)
    row = .allocate(capacity: size * 3)
  }

  deinit {
    sws_freeContext(scaler)
    av_free(rgb)
    row.deallocate()
  }

  /// Appends `frame` to `batch`. The frame's data pointers are moved to the crop (the frame is
  /// unreferenced by the caller's next decode, so nothing else sees the change).
  func append(
    _ frame: UnsafeMutablePointer<AVFrame>, index: Int, timestamp: Double,
    to batch: inout FrameBatch
  ) -> Bool {
    guard crop(frame), let scaler = scaler(for: frame) else { return false }
    let side = frame.pointee.height
    let scaled = withUnsafePointer(to: &frame.pointee.data) { planes in
      withUnsafePointer(to: &frame.pointee.linesize) { strides in
        planes.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { source in
          strides.withMemoryRebound(to: Int32.self, capacity: 8) { sourceStrides in
            var destination: UnsafeMutablePointer<UInt8>? = rgb
            var destinationStride = Int32(rgbStride)
            return sws_scale(
              scaler, source, sourceStrides, 0, side, &destination, &destinationStride)
          }
        }
      }
    }
    guard scaled == Int32(size) else { return false }
    batch.appendFrame(index: index, timestamp: timestamp) { appendUpright(to: &$0) }
    return true
  }

  /// Narrows the frame to the square `squareCrop` names.
  private func crop(_ frame: UnsafeMutablePointer<AVFrame>) -> Bool {
    let width = Int(frame.pointee.width)
    let height = Int(frame.pointee.height)
    let side = min(width, height)
    guard side > 0 else { return false }
    let horizontal = squareCrop.margins(length: width, side: side)
    let vertical = squareCrop.margins(length: height, side: side)
    frame.pointee.crop_left = horizontal.start
    frame.pointee.crop_right = horizontal.end
    frame.pointee.crop_top = vertical.start
    frame.pointee.crop_bottom = vertical.end
    return av_frame_apply_cropping(frame, Int32(AV_FRAME_CROP_UNALIGNED)) >= 0
  }

  /// swscale context for this frame's format and size, rebuilt only when they change.
  private func scaler(for frame: UnsafeMutablePointer<AVFrame>) -> OpaquePointer? {
    let key = ScalerKey(
      format: frame.pointee.format, side: frame.pointee.width,
      colorspace: frame.pointee.colorspace.rawValue,
      fullRange: frame.pointee.color_range == AVCOL_RANGE_JPEG)
    if key == scalerKey, let scaler { return scaler }
    let format = AVPixelFormat(rawValue: key.format)
    scaler = sws_getCachedContext(
      scaler, key.side, key.side, format, Int32(size), Int32(size), AV_PIX_FMT_RGB24,
      SWS_AREA, nil, nil, nil)
    guard let scaler else { return nil }
    if let descriptor = av_pix_fmt_desc_get(format),
      descriptor.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB) == 0
    {
      sws_setColorspaceDetails(
        scaler, sws_getCoefficients(coefficients(for: frame)), key.fullRange ? 1 : 0,
        sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16)
    }
    scalerKey = key
    return scaler
  }

  /// The YUV matrix: the stream's when it states one, else what players assume (BT.709 for
  /// HD, BT.601 below).
  private func coefficients(for frame: UnsafeMutablePointer<AVFrame>) -> Int32 {
    let colorspace = frame.pointee.colorspace
    if colorspace != AVCOL_SPC_UNSPECIFIED && colorspace != AVCOL_SPC_RGB {
      return Int32(colorspace.rawValue)
    }
    return frame.pointee.height >= 720 ? SWS_CS_ITU709 : SWS_CS_DEFAULT
  }

  /// Appends the RGB24 square to `pixels` as Float, turned clockwise by `rotation`, row by row
  /// through `row`.
  private func appendUpright(to pixels: inout [Float]) {
    let n = size
    let last = n - 1
    for y in 0..<n {
      if rotation == 0 {
        let source = rgb + y * rgbStride
        for i in 0..<(n * 3) { row[i] = Float(source[i]) }
      } else {
        for column in 0..<n {
          // Output pixel (y, column) of the upright picture comes from stored pixel
          // (sourceRow, sourceColumn) of the square as decoded.
          let (sourceRow, sourceColumn): (Int, Int)
          switch rotation {
          case 90: (sourceRow, sourceColumn) = (last - column, y)
          case 180: (sourceRow, sourceColumn) = (last - y, last - column)
          default: (sourceRow, sourceColumn) = (column, last - y)
          }
          let source = rgb + sourceRow * rgbStride + sourceColumn * 3
          row[column * 3] = Float(source[0])
          row[column * 3 + 1] = Float(source[1])
          row[column * 3 + 2] = Float(source[2])
        }
      }
      pixels.append(contentsOf: UnsafeBufferPointer(start: row, count: n * 3))
    }
  }
}
