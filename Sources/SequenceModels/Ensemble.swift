import Foundation

extension TrainedModel {
  /// The most members an ensemble may have: far above what selection builds, low enough that
  /// a model file cannot make a loader read folders without end.
  static let ensembleLimit = 16

  /// Every model whose probabilities this model averages: itself alone, or itself and the
  /// other members of its ensemble.
  public var ensembleMembers: [TrainedModel] {
    otherMembers.isEmpty ? [self] : [withoutMembers] + otherMembers
  }

  /// Whether the model averages several models' probabilities.
  public var isEnsemble: Bool { !otherMembers.isEmpty }

  /// What the model is, for people: its kind, or for an ensemble its chosen candidate's name
  /// (e.g. "ensemble of linear (C=10) + lstm").
  public var typeName: String {
    guard isEnsemble else { return kind.rawValue }
    return selection?.chosenName
      ?? "ensemble of " + ensembleMembers.map(\.kind.rawValue).joined(separator: " + ")
  }

  /// This model (the first member) averaging its class probabilities with those of `others`,
  /// with equal weights. Every member classifies the same classes from features of the same
  /// width made the same way; members do not nest.
  public func ensembled(with others: [TrainedModel]) throws(SequenceModelError) -> TrainedModel {
    guard others.count < Self.ensembleLimit else {
      throw .invalidData("ensemble: \(others.count + 1) members, at most \(Self.ensembleLimit)")
    }
    for member in others {
      guard member.classes == classes, member.featureDimension == featureDimension,
        member.provenance == provenance
      else {
        throw .invalidData(
          "ensemble: \(member.kind.rawValue) has other classes, feature width or provenance")
      }
      guard !member.isEnsemble else { throw .invalidData("ensemble: members cannot be ensembles") }
    }
    var copy = self
    copy.otherMembers = others.map(\.withoutMembers)
    return copy
  }

  /// This model alone, without the other members of its ensemble or its frame classifier.
  var withoutMembers: TrainedModel {
    var copy = self
    copy.otherMembers = []
    copy.nestedFrameClassifier = []
    copy.selection = nil
    return copy
  }

  /// The element-wise mean of several members' probabilities for the same clips.
  static func averaged(_ members: [[[Float]]]) -> [[Float]] {
    let scale = 1 / Float(members.count)
    return members[0].indices.map { clip in
      members[0][clip].indices.map { k in members.reduce(0) { $0 + $1[clip][k] } * scale }
    }
  }
}
