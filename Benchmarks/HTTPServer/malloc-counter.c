// LD_PRELOAD shim that counts heap allocations; SIGUSR2 prints the running totals to stderr
// as "malloc-counter: allocations=N frees=M". Used by compare-with-nginx.sh to report
// allocations per request in steady state (snapshot, load, snapshot, divide).
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);

static atomic_ulong allocations;
static atomic_ulong frees;

void *malloc(size_t size) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_realloc(pointer, size);
}

void free(void *pointer) {
    if (pointer) atomic_fetch_add_explicit(&frees, 1, memory_order_relaxed);
    __libc_free(pointer);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    void *pointer = __libc_memalign(alignment, size);
    if (!pointer) return 12; /* ENOMEM */
    *result = pointer;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_memalign(alignment, size);
}

/* Formats without stdio: only async-signal-safe calls inside the handler. */
static size_t append_number(char *buffer, size_t offset, unsigned long value) {
    char digits[24];
    size_t count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    while (count > 0) buffer[offset++] = digits[--count];
    return offset;
}

static void report(int signal_number) {
    (void)signal_number;
    char line[128];
    size_t length = 0;
    const char *prefix = "malloc-counter: allocations=";
    memcpy(line, prefix, strlen(prefix));
    length = strlen(prefix);
    length = append_number(line, length, atomic_load(&allocations));
    memcpy(line + length, " frees=", 7);
    length += 7;
    length = append_number(line, length, atomic_load(&frees));
    line[length++] = '\n';
    ssize_t ignored = write(2, line, length);
    (void)ignored;
}

__attribute__((constructor)) static void install(void) {
    signal(SIGUSR2, report);
}
