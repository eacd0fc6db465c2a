/*
 * A small C layer over libvpx's VP9 encoder, so the Rust side never has to mirror
 * libvpx's structs (whose layout and ABI version change between releases): this file is
 * compiled against the installed headers by build.rs.
 *
 * All functions return 0 on success; on failure they write a message into `err`.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

typedef struct agent_tty_vpx {
  vpx_codec_ctx_t codec;
  vpx_image_t image;
  vpx_codec_iter_t iter;
  unsigned width;
  unsigned height;
} agent_tty_vpx;

static void set_error(char *err, size_t len, const char *what, vpx_codec_ctx_t *codec) {
  if (err == NULL || len == 0) {
    return;
  }
  if (codec == NULL) {
    snprintf(err, len, "%s", what);
    return;
  }
  const char *detail = vpx_codec_error_detail(codec);
  if (detail != NULL) {
    snprintf(err, len, "%s: %s (%s)", what, vpx_codec_error(codec), detail);
  } else {
    snprintf(err, len, "%s: %s", what, vpx_codec_error(codec));
  }
}

const char *agent_tty_vpx_version(void) { return vpx_codec_version_str(); }

int agent_tty_vpx_open(agent_tty_vpx **out, unsigned width, unsigned height, unsigned threads,
                       unsigned cq_level, char *err, size_t err_len) {
  *out = NULL;
  vpx_codec_iface_t *iface = vpx_codec_vp9_cx();
  vpx_codec_enc_cfg_t cfg;
  if (vpx_codec_enc_config_default(iface, &cfg, 0) != VPX_CODEC_OK) {
    set_error(err, err_len, "libvpx has no default VP9 configuration", NULL);
    return -1;
  }
  cfg.g_w = width;
  cfg.g_h = height;
  cfg.g_timebase.num = 1;
  cfg.g_timebase.den = 1000;
  cfg.g_threads = threads;
  cfg.g_lag_in_frames = 0;
  cfg.g_error_resilient = 0;
  cfg.rc_end_usage = VPX_Q;
  cfg.rc_min_quantizer = 0;
  cfg.rc_max_quantizer = 40;
  cfg.rc_dropframe_thresh = 0;
  cfg.kf_mode = VPX_KF_AUTO;
  cfg.kf_min_dist = 0;
  cfg.kf_max_dist = 300;

  agent_tty_vpx *enc = calloc(1, sizeof(agent_tty_vpx));
  if (enc == NULL) {
    set_error(err, err_len, "out of memory", NULL);
    return -1;
  }
  if (vpx_codec_enc_init(&enc->codec, iface, &cfg, 0) != VPX_CODEC_OK) {
    set_error(err, err_len, "cannot start the VP9 encoder", &enc->codec);
    free(enc);
    return -1;
  }
  vpx_codec_control(&enc->codec, VP8E_SET_CPUUSED, 8);
  vpx_codec_control(&enc->codec, VP8E_SET_CQ_LEVEL, cq_level);
  vpx_codec_control(&enc->codec, VP9E_SET_ROW_MT, 1);
  vpx_codec_control(&enc->codec, VP9E_SET_TILE_COLUMNS, 1);
  vpx_codec_control(&enc->codec, VP9E_SET_TUNE_CONTENT, VP9E_CONTENT_SCREEN);
  vpx_codec_control(&enc->codec, VP9E_SET_AQ_MODE, 0);
  vpx_codec_control(&enc->codec, VP9E_SET_NOISE_SENSITIVITY, 0);
  enc->width = width;
  enc->height = height;
  *out = enc;
  return 0;
}

/*
 * Encodes one I420 frame held contiguously in `planes` (Y, then U, then V; strides
 * width and (width+1)/2), or flushes the encoder when `planes` is NULL. Compressed
 * packets are then read with agent_tty_vpx_next_packet.
 */
int agent_tty_vpx_encode(agent_tty_vpx *enc, uint8_t *planes, int64_t pts, unsigned long duration,
                         int force_key, char *err, size_t err_len) {
  vpx_image_t *image = NULL;
  if (planes != NULL) {
    if (vpx_img_wrap(&enc->image, VPX_IMG_FMT_I420, enc->width, enc->height, 1, planes) == NULL) {
      set_error(err, err_len, "cannot wrap the frame", NULL);
      return -1;
    }
    enc->image.cs = VPX_CS_BT_601;
    enc->image.range = VPX_CR_STUDIO_RANGE;
    image = &enc->image;
  }
  vpx_enc_frame_flags_t flags = force_key ? VPX_EFLAG_FORCE_KF : 0;
  if (vpx_codec_encode(&enc->codec, image, pts, duration, flags, VPX_DL_REALTIME) != VPX_CODEC_OK) {
    set_error(err, err_len, "VP9 encoding failed", &enc->codec);
    return -1;
  }
  enc->iter = NULL;
  return 0;
}

/* The next compressed frame of the last encode call: 1 when one was returned, 0 when done. */
int agent_tty_vpx_next_packet(agent_tty_vpx *enc, const uint8_t **data, size_t *len, int64_t *pts,
                              int *keyframe) {
  const vpx_codec_cx_pkt_t *packet;
  while ((packet = vpx_codec_get_cx_data(&enc->codec, &enc->iter)) != NULL) {
    if (packet->kind == VPX_CODEC_CX_FRAME_PKT) {
      *data = packet->data.frame.buf;
      *len = packet->data.frame.sz;
      *pts = packet->data.frame.pts;
      *keyframe = (packet->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
      return 1;
    }
  }
  return 0;
}

void agent_tty_vpx_close(agent_tty_vpx *enc) {
  if (enc != NULL) {
    vpx_codec_destroy(&enc->codec);
    free(enc);
  }
}
