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

/* AVERROR and AVERROR_EOF are function-like macros that Swift cannot import. */
static inline int vidi_averror(int errnum) { return AVERROR(errnum); }
static inline int vidi_averror_eof(void) { return AVERROR_EOF; }

#endif
