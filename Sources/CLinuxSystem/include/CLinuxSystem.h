#ifndef C_LINUX_SYSTEM_H
#define C_LINUX_SYSTEM_H

#include <sys/uio.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

/* Interest and result bits for cls_epoll_*; plain constants because glibc's
   EPOLL* values are enum-plus-macro pairs that import inconsistently. */
static const uint32_t CLS_EPOLLIN = 0x001;
static const uint32_t CLS_EPOLLOUT = 0x004;
static const uint32_t CLS_EPOLLERR = 0x008;
static const uint32_t CLS_EPOLLHUP = 0x010;
static const uint32_t CLS_EPOLLRDHUP = 0x2000;

/* Creates an epoll instance with close-on-exec; returns -1 and errno on failure. */
int cls_epoll_create(void);
/* Adds, modifies or removes fd; the 64-bit token comes back from cls_epoll_wait. */
int cls_epoll_add(int epoll_fd, int fd, uint32_t events, uint64_t token);
int cls_epoll_modify(int epoll_fd, int fd, uint32_t events, uint64_t token);
int cls_epoll_remove(int epoll_fd, int fd);
/* Waits for events and unpacks them into parallel arrays (epoll_event is packed on x86_64). */
int cls_epoll_wait(int epoll_fd, uint64_t *tokens, uint32_t *events, int capacity, int timeout_ms);

/* Non-blocking, close-on-exec eventfd used to wake a sleeping loop. */
int cls_eventfd(void);
int cls_eventfd_signal(int fd);
int cls_eventfd_drain(int fd);

/* Non-blocking TCP socket for the given family (AF_INET or AF_INET6). */
int cls_tcp_socket(int family);
/* accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC; fills the peer address. */
int cls_accept(int listen_fd, struct sockaddr_storage *address, socklen_t *length);
/* Sets an integer socket option; returns -1 and errno on failure. */
int cls_set_int_option(int fd, int level, int name, int value);
/* send() that never raises SIGPIPE. */
ssize_t cls_send(int fd, const void *bytes, size_t count);
/* recv() on a socket; -1 and errno on failure. */
ssize_t cls_receive(int fd, void *bytes, size_t count);

/* sendmsg() of several buffers at once (a gathered write) that never raises SIGPIPE. */
ssize_t cls_send_vector(int fd, const struct iovec *vectors, int count);
/* Current errno, because Swift cannot read the thread-local macro reliably. */
int cls_errno(void);
/* CLOCK_MONOTONIC in nanoseconds; cheaper than ContinuousClock.now on the hot path. */
uint64_t cls_monotonic_nanoseconds(void);
/* Current thread's kernel id, to tell whether a caller runs on a given loop. */
uint64_t cls_thread_id(void);
/* Names the calling thread for the system (top -H, perf, /proc): at most 15 bytes are kept,
 * and a longer name is refused (ERANGE). Returns 0 or an error number. */
int cls_set_thread_name(const char *name);
/* A small number fixed for the calling thread: 0, 1, 2, ... in the order threads first ask.
 * For spreading per-thread state over stripes, so two loops do not write one cache line. */
uint32_t cls_thread_ordinal(void);
/* How many CPUs the calling thread's affinity mask allows (taskset, a cpuset); -1 on failure. */
int cls_affinity_cpu_count(void);
/* The CPU the calling thread is running on (it may be moved at any time); -1 on failure. */
int cls_current_cpu(void);
/* Moves the calling thread off the CPU it is on to another one its affinity mask allows, and
 * leaves the mask as it was; returns the CPU left, or -1 when no other CPU is allowed (or the
 * mask could not be read or set: over 1,024 CPUs). For a loop whose CPU is held by a thread that
 * does not give way (BusyQuantum.swift). */
int cls_leave_current_cpu(void);
/* Restricts the calling thread to the given CPUs (tests: a thread that holds a given CPU); 0, or
 * -1 with errno. */
int cls_allow_cpus(const int *cpus, int count);
/* Writes up to capacity CPUs the calling thread may use, lowest first; returns how many, or -1. */
int cls_allowed_cpus(int *cpus, int capacity);
/* Ignores SIGPIPE process-wide so a reset peer cannot kill the server. */
void cls_ignore_sigpipe(void);

/// A ring of io_uring send requests (`send_ring.c`): a turn's sends in one system call.
typedef struct cls_send_ring cls_send_ring;
/// A ring of at least `entries` requests, or NULL with errno set where io_uring is unavailable
/// (Linux before 5.6, `kernel.io_uring_disabled`, a seccomp filter such as Docker's default).
cls_send_ring *cls_send_ring_create(unsigned entries);
void cls_send_ring_destroy(cls_send_ring *ring);
/// Most sends one call takes.
unsigned cls_send_ring_capacity(const cls_send_ring *ring);
/// Sends `lengths[i]` bytes of `buffers[i]` on `descriptors[i]` (non-blocking, no SIGPIPE) for
/// each of the first `count` (at most the capacity), all in one `io_uring_enter`; `results[i]`
/// is the bytes sent or a negated errno (-EAGAIN for one not sent). Returns how many were
/// tried, or -1 when the ring must not be used again (destroy it; no buffer is used after the
/// call returns either way).
int cls_send_ring_send(cls_send_ring *ring, const int *descriptors, const void *const *buffers, const size_t *lengths, int count, int *results);

#endif
