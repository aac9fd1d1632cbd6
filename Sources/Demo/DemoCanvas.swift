/// A small anti-aliased rasterizer: an RGB picture in floating point plus coverage masks for
/// round-capped lines and disks. Shapes of one object accumulate into one mask (the maximum
/// coverage) before it is painted, so joints where lines overlap show no seams.
struct DemoCanvas {
  let width: Int
  let height: Int
  private var pixels: [SIMD3<Float>]

  /// A sky gradient from `top` to `bottom` with `floor` below the ground line at `groundY`.
  init(
    width: Int, height: Int, top: SIMD3<Float>, bottom: SIMD3<Float>, floor: SIMD3<Float>,
    groundY: Float
  ) {
    self.width = width
    self.height = height
    pixels = []
    pixels.reserveCapacity(width * height)
    for y in 0..<height {
      let centre = Float(y) + 0.5
      let sky = top + (bottom - top) * (centre / Float(height))
      let floorCoverage = min(max(centre - groundY + 0.5, 0), 1)
      let colour = sky + (floor - sky) * floorCoverage
      pixels.append(contentsOf: repeatElement(colour, count: width))
    }
  }

  /// Blends `colour` into the picture wherever `mask` covers it.
  mutating func paint(_ mask: Mask, colour: SIMD3<Float>) {
    for index in pixels.indices where mask.coverage[index] > 0 {
      pixels[index] += (colour - pixels[index]) * mask.coverage[index]
    }
  }

  /// The picture as RGB24 bytes, after adding uniform noise of amplitude `noise` per channel.
  func rgb24(noise: Float, random: inout DemoRandom) -> [UInt8] {
    var bytes = [UInt8]()
    bytes.reserveCapacity(pixels.count * 3)
    for pixel in pixels {
      for channel in 0..<3 {
        let value = pixel[channel] + noise * (2 * random.unit() - 1)
        bytes.append(UInt8(min(max(value, 0), 1) * 255 + 0.5))
      }
    }
    return bytes
  }

  func mask() -> Mask {
    Mask(width: width, height: height)
  }

  /// How much of each pixel a set of shapes covers, 0...1.
  struct Mask {
    let width: Int
    let height: Int
    fileprivate var coverage: [Float]

    init(width: Int, height: Int) {
      self.width = width
      self.height = height
      coverage = Array(repeating: 0, count: width * height)
    }

    /// A line from `start` to `end`, `thickness` pixels wide with round caps.
    mutating func addLine(from start: SIMD2<Float>, to end: SIMD2<Float>, thickness: Float) {
      let radius = thickness / 2
      let span = end - start
      let lengthSquared = max((span * span).sum(), 1e-12)
      cover(from: pointwiseMin(start, end) - radius, to: pointwiseMax(start, end) + radius) {
        point in
        let along = min(max(((point - start) * span).sum() / lengthSquared, 0), 1)
        let offset = point - (start + span * along)
        return radius - (offset * offset).sum().squareRoot()
      }
    }

    /// A filled disk.
    mutating func addDisk(centre: SIMD2<Float>, radius: Float) {
      cover(from: centre - radius, to: centre + radius) { point in
        let offset = point - centre
        return radius - (offset * offset).sum().squareRoot()
      }
    }

    /// Covers the pixels in the box from `low` to `high`, given each pixel centre's signed
    /// distance inside the shape; a one-pixel ramp across the edge anti-aliases it.
    private mutating func cover(
      from low: SIMD2<Float>, to high: SIMD2<Float>, inside: (SIMD2<Float>) -> Float
    ) {
      let x0 = max(Int((low.x - 1).rounded(.down)), 0)
      let x1 = min(Int((high.x + 1).rounded(.up)), width - 1)
      let y0 = max(Int((low.y - 1).rounded(.down)), 0)
      let y1 = min(Int((high.y + 1).rounded(.up)), height - 1)
      guard x0 <= x1, y0 <= y1 else { return }
      for y in y0...y1 {
        for x in x0...x1 {
          let depth = inside(SIMD2(Float(x) + 0.5, Float(y) + 0.5))
          let alpha = min(max(depth + 0.5, 0), 1)
          let index = y * width + x
          coverage[index] = max(coverage[index], alpha)
        }
      }
    }
  }
}
