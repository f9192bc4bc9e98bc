/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_CAPTURE_H
#define DPS_APP_CAPTURE_H

/*
 * The apps' built-in capture (--pcap FILE): every frame the stack
 * receives and hands to the device on the app's port, written as pcapng
 * through rte_pcapng, and nothing at all when --pcap is not given.
 */

#include <stdint.h>

/* --pcap and its limits; path NULL: no capture. */
struct app_capture_conf {
	const char *path;		/* --pcap FILE */
	uint32_t snaplen;		/* --pcap-snaplen; 0 = whole frames */
	uint64_t count;			/* --pcap-count; 0 = no limit */
	uint64_t duration_ns;		/* --pcap-duration; 0 = no limit */
};

/* getopt_long entries (codes 0x1010 and up) and usage lines. */
#define APP_CAPTURE_LONGOPTS \
	{ "pcap", required_argument, NULL, 0x1010 }, \
	{ "pcap-snaplen", required_argument, NULL, 0x1011 }, \
	{ "pcap-count", required_argument, NULL, 0x1012 }, \
	{ "pcap-duration", required_argument, NULL, 0x1013 }

#define APP_CAPTURE_USAGE \
"  --pcap FILE         write the frames of the first port (--dev; default 0),\n" \
"                      both ways, to FILE (pcapng)\n" \
"  --pcap-snaplen N    bytes kept of each frame (default: all)\n" \
"  --pcap-count N      stop capturing after N frames\n" \
"  --pcap-duration D   stop capturing D after the start (s/ms/us)\n"

/* Option @p c: 1 when ours and valid, 0 when not ours, -EINVAL (after a
 * one-line error) when ours and bad. */
int app_capture_opt(const char *prog, struct app_capture_conf *cc, int c,
	const char *arg);

/* Start capturing port @p port (its @p n_queues queues) as @p cc says;
 * nothing when cc->path is NULL. Before the lcores poll. 0, or -errno
 * after a one-line error. */
int app_capture_start(const char *prog, const struct app_capture_conf *cc,
	uint16_t port, unsigned int n_queues);

/* Once no lcore polls any more: the rest written, the file closed, a line
 * on stderr saying what was written and dropped. Nothing when no capture
 * runs. */
void app_capture_stop(void);

#endif
