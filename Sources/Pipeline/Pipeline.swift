/// Pipeline: from a folder of labelled videos to a trained, evaluated classifier.
///
/// Indexes datasets, extracts and caches per-frame features, trains and selects sequence models,
/// evaluates them, writes reports, and predicts single videos; reads long videos and streams as
/// timelines of actions (`Segments/`: `SegmentEngine`, `SegmentSmoother`, `ActionTracker`). The
/// CLI and the server are thin layers over this module.

@_exported import Backbones
@_exported import SequenceModels
@_exported import VideoIO
