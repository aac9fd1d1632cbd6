import Backbones
import Testing

@Test func backboneIDsParseFromTheirCommandLineNames() {
  #expect(BackboneID(rawValue: "efficientnet-lite0") == .efficientnetLite0)
  #expect(BackboneID(rawValue: "mobilenet-v2") == .mobilenetV2)
  #expect(BackboneID(rawValue: "efficientnet-lite1") == .efficientnetLite1)
  #expect(BackboneID(rawValue: "efficientnet-lite2") == .efficientnetLite2)
  #expect(BackboneID.default == .efficientnetLite0)
}
