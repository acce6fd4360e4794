/* Unit tests for common/arena.c, the region every request allocates from: 16-byte alignment whatever came before,
 * allocations larger than a block, the string helpers, reset (cleanups run once, last registered first, and the
 * arena is usable again) and free. Run under ASan, a block freed too early or written past shows up here too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/arena.h"

static void test_allocations_are_16_byte_aligned(void **state)
{
    (void)state;
    arena *a = arena_new(256);
    /* odd sizes, across several blocks */
    for (size_t n = 0; n < 600; n++) {
        unsigned char *p = arena_alloc(a, n % 37 + 1);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, n % 37 + 1);    /* the whole size is ours (ASan checks) */
    }
    char *s = arena_strdup(a, "x");
    assert_int_equal((uintptr_t)arena_alloc(a, 8) % 16, 0);
    assert_int_equal((uintptr_t)arena_sprintf(a, "%d", 1) % 16, 0);
    assert_string_equal(s, "x");
    arena_free(a);
}

/* Allocations never overlap: fill each with its own byte, then check them all. */
static void test_allocations_do_not_overlap(void **state)
{
    (void)state;
    arena *a = arena_new(128);
    unsigned char *ptrs[300];
    size_t sizes[300];
    for (int i = 0; i < 300; i++) {
        sizes[i] = (size_t)(i * 13 % 200) + 1;
        ptrs[i] = arena_alloc(a, sizes[i]);
        memset(ptrs[i], i & 0xff, sizes[i]);
    }
    for (int i = 0; i < 300; i++)
        for (size_t j = 0; j < sizes[i]; j++)
            assert_int_equal(ptrs[i][j], i & 0xff);
    arena_free(a);
}

/* Larger than the block, larger than twice the block: one allocation, all of it writable, and what was allocated
 * before stays intact. */
static void test_large_allocations(void **state)
{
    (void)state;
    arena *a = arena_new(64);
    char *before = arena_strdup(a, "before");
    const size_t big = 1 << 20;
    unsigned char *p = arena_alloc(a, big);
    assert_int_equal((uintptr_t)p % 16, 0);
    memset(p, 0x5a, big);
    assert_int_equal(p[0], 0x5a);
    assert_int_equal(p[big - 1], 0x5a);
    char *after = arena_strdup(a, "after");
    assert_string_equal(before, "before");
    assert_string_equal(after, "after");
    assert_true(after < (char *)p || after >= (char *)p + big);
    assert_true(arena_bytes_used(a) >= big + 16 + 16);
    arena_free(a);
}

/* A size that would wrap when rounded up to 16 aborts, rather than handing out a tiny block the caller believes
 * is huge. In a child process, since the parent must live on. */
static void test_a_size_that_wraps_aborts(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        arena *a = arena_new(64);
        unsigned char *p = arena_alloc(a, SIZE_MAX - 3);
        p[0] = 1;
        _exit(0);    /* not reached when the arena refuses */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void test_calloc_zeroes(void **state)
{
    (void)state;
    arena *a = arena_new(64);
    unsigned char *dirty = arena_alloc(a, 48);
    memset(dirty, 0xff, 48);
    arena_reset(a);    /* the same memory comes back... */
    unsigned char *z = arena_calloc(a, 48);
    assert_ptr_equal(z, dirty);
    for (int i = 0; i < 48; i++)
        assert_int_equal(z[i], 0);    /* ...zeroed */
    arena_free(a);
}

static void test_string_helpers(void **state)
{
    (void)state;
    arena *a = arena_new(32);
    const char *src = "سلام، registry";
    char *d = arena_strdup(a, src);
    assert_string_equal(d, src);
    assert_ptr_not_equal(d, src);
    assert_string_equal(arena_strdup(a, ""), "");

    /* strndup copies exactly n bytes, embedded or not, and terminates */
    char *n = arena_strndup(a, "abcdef", 3);
    assert_string_equal(n, "abc");
    char *raw = arena_strndup(a, "ab\0cd", 5);
    assert_memory_equal(raw, "ab\0cd", 5);
    assert_int_equal(raw[5], '\0');

    assert_string_equal(arena_sprintf(a, "%s-%d-%05.1f", "x", -42, 3.14159), "x--42-003.1");
    assert_string_equal(arena_sprintf(a, "%s", ""), "");
    /* longer than any block so far: the helper measures first */
    char long_src[5000];
    memset(long_src, 'q', sizeof(long_src) - 1);
    long_src[sizeof(long_src) - 1] = '\0';
    char *l = arena_sprintf(a, "<%s>", long_src);
    assert_int_equal(strlen(l), sizeof(long_src) - 1 + 2);
    assert_int_equal(l[0], '<');
    assert_int_equal(l[strlen(l) - 1], '>');
    arena_free(a);
}

static char log_buf[64];
static int log_len;

static void record(void *ptr)
{
    log_buf[log_len++] = *(const char *)ptr;
    log_buf[log_len] = '\0';
}

/* Cleanups run at reset, each once, the last registered first (a later resource may depend on an earlier one). */
static void test_cleanups_run_once_in_reverse_order(void **state)
{
    (void)state;
    log_len = 0;
    log_buf[0] = '\0';
    static const char a_c = 'a', b_c = 'b', c_c = 'c';
    arena *a = arena_new(64);
    arena_on_reset(a, record, (void *)&a_c);
    arena_alloc(a, 500);    /* the cleanup records live in the arena: spread them over blocks */
    arena_on_reset(a, record, (void *)&b_c);
    arena_alloc(a, 5000);
    arena_on_reset(a, record, (void *)&c_c);
    assert_string_equal(log_buf, "");
    arena_reset(a);
    assert_string_equal(log_buf, "cba");
    arena_reset(a);
    assert_string_equal(log_buf, "cba");    /* not again */

    /* registered after a reset: run at the next one, and by arena_free */
    arena_on_reset(a, record, (void *)&a_c);
    arena_free(a);
    assert_string_equal(log_buf, "cbaa");
}

static arena *nested_arena;
static const char nested_c = 'n';

/* A cleanup that allocates and registers one more (e.g. releasing a resource that logs): that one runs too. */
static void register_another(void *ptr)
{
    record(ptr);
    arena_strdup(nested_arena, "allocating during reset is allowed");
    arena_on_reset(nested_arena, record, (void *)&nested_c);
}

static void test_a_cleanup_may_register_another(void **state)
{
    (void)state;
    log_len = 0;
    static const char r_c = 'r';
    nested_arena = arena_new(64);
    arena_on_reset(nested_arena, register_another, (void *)&r_c);
    arena_reset(nested_arena);
    assert_string_equal(log_buf, "rn");
    arena_free(nested_arena);
    assert_string_equal(log_buf, "rn");
}

/* After reset the arena starts over in its first block: bytes_used is 0, the first allocation is where the very
 * first one was, and big blocks from before are gone (ASan would report a leak otherwise). */
static void test_reset_reuses_the_first_block(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    void *first = arena_alloc(a, 10);
    assert_int_equal(arena_bytes_used(a), 16);
    for (int i = 0; i < 50; i++)
        arena_alloc(a, 1000);
    assert_int_equal(arena_bytes_used(a), 16 + 50 * 1008);
    arena_reset(a);
    assert_int_equal(arena_bytes_used(a), 0);
    assert_ptr_equal(arena_alloc(a, 10), first);
    /* and it is fully usable again */
    for (int i = 0; i < 50; i++)
        memset(arena_alloc(a, 1000), i, 1000);
    arena_free(a);
    arena_free(NULL);    /* like free(NULL) */
}

static void test_zero_first_block_gets_a_default(void **state)
{
    (void)state;
    arena *a = arena_new(0);
    char *p = arena_alloc(a, 100);
    memset(p, 1, 100);
    assert_int_equal(arena_bytes_used(a), 112);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allocations_are_16_byte_aligned),
        cmocka_unit_test(test_allocations_do_not_overlap),
        cmocka_unit_test(test_large_allocations),
        cmocka_unit_test(test_a_size_that_wraps_aborts),
        cmocka_unit_test(test_calloc_zeroes),
        cmocka_unit_test(test_string_helpers),
        cmocka_unit_test(test_cleanups_run_once_in_reverse_order),
        cmocka_unit_test(test_a_cleanup_may_register_another),
        cmocka_unit_test(test_reset_reuses_the_first_block),
        cmocka_unit_test(test_zero_first_block_gets_a_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
