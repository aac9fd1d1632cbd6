/// Pipeline: from a folder of labelled videos to a trained, evaluated classifier.
///
/// Indexes datasets, extracts and caches per-frame features, trains and selects sequence models,
/// evaluates them and predicts single videos, joining VideoIO, Backbones and SequenceModels;
/// reads long videos and streams as timelines of actions (`Segments/`: `SegmentEngine`,
/// `SegmentSmoother`, `ActionTracker`); it hands Reporting the values a report shows. The CLI and
/// the server are thin layers over this module and import the modules whose types they name
/// themselves.
