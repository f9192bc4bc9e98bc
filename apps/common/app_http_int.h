/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_HTTP_INT_H
#define DPS_APP_HTTP_INT_H

/*
 * What the two paths of app_http share (app_http.c, the strict path;
 * app_http_fast.c, the fast one): the private state of struct app_http
 * and the step that settles a message once its head is read. Not for
 * the engines.
 */

#include "app_http.h"

enum app_http_phase {
	PH_START,		/* start line (leading empty lines skipped) */
	PH_HEADER,		/* header lines up to the empty line */
	PH_BODY,		/* Content-Length body */
	PH_CHUNK_SIZE,		/* chunk-size [chunk-ext] line */
	PH_CHUNK_DATA,		/* chunk data */
	PH_CHUNK_END,		/* the CRLF after chunk data */
	PH_TRAILER,		/* trailer section after the last chunk */
	PH_EOF_BODY,		/* body delimited by the connection's close */
	PH_DONE,
	PH_ERROR,
};

/* app_http.flags while the head is read */
#define F_CR		0x01u	/* the previous byte was a CR */
#define F_CL		0x02u	/* Content-Length seen */
#define F_TE		0x04u	/* Transfer-Encoding seen */
#define F_CHUNKED	0x08u	/* ... and its last coding is chunked */
#define F_CLOSE		0x10u	/* Connection: close */
#define F_KEEP		0x20u	/* Connection: keep-alive */
#define F_V10		0x40u	/* HTTP/1.0 */

/* The empty line ending the header block has arrived, with flags,
 * content_length, status and method as the head set them: settle
 * keep-alive and the body (RFC 9112 6.3, 9.3). Returns DONE (no body)
 * or MORE. */
int app_http_head_done(struct app_http *p);

#endif
