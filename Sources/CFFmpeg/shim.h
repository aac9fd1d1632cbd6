#ifndef VIDI_CFFMPEG_SHIM_H
#define VIDI_CFFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>
#include <libavutil/pixdesc.h>

/* AVERROR and the FFERRTAG codes are function-like macros that Swift cannot import. */
static inline int vidi_averror(int errnum) { return AVERROR(errnum); }
static inline int vidi_averror_eof(void) { return AVERROR_EOF; }
static inline int vidi_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int vidi_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int vidi_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }

/* AV_NOPTS_VALUE is a cast expression Swift does not import. */
static inline int64_t vidi_nopts_value(void) { return AV_NOPTS_VALUE; }

/* The display matrix moved from stream side data to the codec parameters' coded side data in
   FFmpeg 6.1 (libavcodec 60.31) and the old accessors are gone in FFmpeg 8. Debian 12 ships 5.1
   and Homebrew a current release, so both paths live here, out of the Swift code. */
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 31, 102)
static inline const int32_t *vidi_stream_display_matrix(const AVStream *stream) {
  const AVPacketSideData *side = av_packet_side_data_get(
      stream->codecpar->coded_side_data, stream->codecpar->nb_coded_side_data,
      AV_PKT_DATA_DISPLAYMATRIX);
  return side && side->size >= 9 * sizeof(int32_t) ? (const int32_t *)side->data : NULL;
}

static inline int vidi_stream_set_display_rotation(AVStream *stream, double degrees) {
  AVPacketSideData *side = av_packet_side_data_new(
      &stream->codecpar->coded_side_data, &stream->codecpar->nb_coded_side_data,
      AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t), 0);
  if (!side) return AVERROR(ENOMEM);
  av_display_rotation_set((int32_t *)side->data, degrees);
  return 0;
}
#else
static inline const int32_t *vidi_stream_display_matrix(const AVStream *stream) {
  size_t size = 0;
  const uint8_t *data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
  return data && size >= 9 * sizeof(int32_t) ? (const int32_t *)data : NULL;
}

static inline int vidi_stream_set_display_rotation(AVStream *stream, double degrees) {
  uint8_t *data =
      av_stream_new_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t));
  if (!data) return AVERROR(ENOMEM);
  av_display_rotation_set((int32_t *)data, degrees);
  return 0;
}
#endif

#endif
