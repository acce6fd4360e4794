#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *log_program = "registry";
static log_level log_min = LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error", "fatal"};

void log_init(const char *program, log_level min_level)
{
    log_program = program;
    log_min = min_level;
}

int log_level_parse(const char *s, log_level *out)
{
    for (int i = 0; i <= LOG_FATAL; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (log_level)i;
            return 0;
        }
    }
    return -1;
}

int log_enabled(log_level level)
{
    return level >= log_min;
}

void log_line_begin(strbuf *sb, log_level level)
{
    struct timeval tv;
    struct tm tm;
    char ts[40];
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof(ts) - n, ".%03dZ", (int)(tv.tv_usec / 1000));
    strbuf_clear(sb);
    strbuf_printf(sb, "{\"time\":\"%s\",\"level\":\"%s\",\"program\":\"%s\"", ts, level_names[level], log_program);
}

void log_line_end(strbuf *sb)
{
    strbuf_puts(sb, "}\n");
    const char *p = sb->data;
    size_t left = sb->len;
    while (left > 0) {
        ssize_t w = write(STDERR_FILENO, p, left);
        if (w <= 0)
            break;    /* nowhere else to report a failing stderr */
        p += w;
        left -= (size_t)w;
    }
}

void log_msg(log_level level, const char *request_id, const char *fmt, ...)
{
    if (level < log_min)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    strbuf sb = STRBUF_INIT;
    log_line_begin(&sb, level);
    if (request_id) {
        strbuf_puts(&sb, ",\"request_id\":");
        strbuf_json_string(&sb, request_id);
    }
    strbuf_puts(&sb, ",\"msg\":");
    strbuf_json_string(&sb, msg);
    log_line_end(&sb);
    strbuf_free(&sb);
}
