/*
 * log.h - structured logs: one JSON object per line on stderr, written with a single write(2) so lines from
 * several threads never interleave. Never pass passwords, tokens or national IDs in clear to these functions.
 */
#ifndef REGISTRY_LOG_H
#define REGISTRY_LOG_H

#include "common/strbuf.h"

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL } log_level;

void log_init(const char *program, log_level min_level);
int log_level_parse(const char *s, log_level *out);   /* 0 on success */
int log_enabled(log_level level);

/* A message line: {"time","level","program","request_id"?,"msg"}. request_id may be NULL. */
void log_msg(log_level level, const char *request_id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* For callers that add their own fields: starts a line (time, level, program), the caller appends
 * ,"key":value pairs to sb, then log_line_end() closes and writes it. */
void log_line_begin(strbuf *sb, log_level level);
void log_line_end(strbuf *sb);

#endif
