#define _GNU_SOURCE
#include "CLinuxSystem.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The socket calls of the hot path go to the kernel directly: glibc's read, send and sendmsg are
 * thread-cancellation points, and each call switched asynchronous cancellation on and off around
 * the system call (two atomic operations per call, four calls per proxied request), for a
 * cancellation the engine never uses. ThreadSanitizer builds keep the libc calls, whose
 * interceptors tell it about the ordering a socket gives. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CLS_LIBC_SOCKET_CALLS 1
#endif
#endif

int cls_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static int cls_epoll_control(int epoll_fd, int operation, int fd, uint32_t events, uint64_t token) {
    struct epoll_event event;
    event.events = events;
    event.data.u64 = token;
    return epoll_ctl(epoll_fd, operation, fd, &event);
}

int cls_epoll_add(int epoll_fd, int fd, uint32_t events, uint64_t token) {
    return cls_epoll_control(epoll_fd, EPOLL_CTL_ADD, fd, events, token);
}

int cls_epoll_modify(int epoll_fd, int fd, uint32_t events, uint64_t token) {
    return cls_epoll_control(epoll_fd, EPOLL_CTL_MOD, fd, events, token);
}

int cls_epoll_remove(int epoll_fd, int fd) {
    return epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

int cls_epoll_wait(int epoll_fd, uint64_t *tokens, uint32_t *events, int capacity, int timeout_ms) {
    struct epoll_event buffer[256];
    if (capacity > 256) capacity = 256;
    int count = epoll_wait(epoll_fd, buffer, capacity, timeout_ms);
    for (int index = 0; index < count; index++) {
        tokens[index] = buffer[index].data.u64;
        events[index] = buffer[index].events;
    }
    return count;
}

int cls_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int cls_eventfd_signal(int fd) {
    uint64_t one = 1;
    return (int)write(fd, &one, sizeof one);
}

int cls_eventfd_drain(int fd) {
    uint64_t value;
    return (int)read(fd, &value, sizeof value);
}

int cls_tcp_socket(int family) {
    return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

int cls_accept(int listen_fd, struct sockaddr_storage *address, socklen_t *length) {
    *length = sizeof(struct sockaddr_storage);
    return accept4(listen_fd, (struct sockaddr *)address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int cls_set_int_option(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof value);
}

ssize_t cls_send(int fd, const void *bytes, size_t count) {
#ifdef CLS_LIBC_SOCKET_CALLS
    return send(fd, bytes, count, MSG_NOSIGNAL);
#else
    return syscall(SYS_sendto, fd, bytes, count, MSG_NOSIGNAL, NULL, 0);
#endif
}

/* recv, not read: read reaches the socket through the file layer (position lock, vfs_read,
 * an iterator), recvfrom goes to the socket directly; a profile showed the difference as
 * ~70 ns of kernel time per read, two reads per proxied request. */
ssize_t cls_receive(int fd, void *bytes, size_t count) {
#ifdef CLS_LIBC_SOCKET_CALLS
    return recv(fd, bytes, count, 0);
#else
    return syscall(SYS_recvfrom, fd, bytes, count, 0, NULL, NULL);
#endif
}

ssize_t cls_send_vector(int fd, const struct iovec *vectors, int count) {
    struct msghdr message = {0};
    message.msg_iov = (struct iovec *)vectors;
    message.msg_iovlen = (size_t)count;
#ifdef CLS_LIBC_SOCKET_CALLS
    return sendmsg(fd, &message, MSG_NOSIGNAL);
#else
    return syscall(SYS_sendmsg, fd, &message, MSG_NOSIGNAL);
#endif
}

int cls_errno(void) { return errno; }

uint64_t cls_monotonic_nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

uint64_t cls_thread_id(void) { return (uint64_t)pthread_self(); }

int cls_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }

static uint32_t cls_next_thread_ordinal;
/* Zero until the thread first asks, then its ordinal plus one. */
static _Thread_local uint32_t cls_thread_ordinal_plus_one;

uint32_t cls_thread_ordinal(void) {
    if (cls_thread_ordinal_plus_one == 0) {
        cls_thread_ordinal_plus_one = __atomic_fetch_add(&cls_next_thread_ordinal, 1, __ATOMIC_RELAXED) + 1;
    }
    return cls_thread_ordinal_plus_one - 1;
}

void cls_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

int cls_affinity_cpu_count(void) {
    /* A fixed set covers 1,024 CPUs; on a larger machine the call fails and the caller counts the
     * online CPUs instead. */
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    return CPU_COUNT(&set);
}

int cls_current_cpu(void) { return sched_getcpu(); }

int cls_leave_current_cpu(void) {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return -1;
    int cpu = sched_getcpu();
    if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) return -1;
    cpu_set_t elsewhere = allowed;
    CPU_CLR(cpu, &elsewhere);
    if (CPU_COUNT(&elsewhere) == 0) return -1;
    /* Narrowing the mask moves the thread before the call returns; putting the mask back
     * leaves it where it went, since the CPU it is on is allowed again. */
    if (sched_setaffinity(0, sizeof elsewhere, &elsewhere) != 0) return -1;
    if (sched_setaffinity(0, sizeof allowed, &allowed) != 0) return -1;
    return cpu;
}

int cls_allow_cpus(const int *cpus, int count) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < count; i++) {
        if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) return -1;
        CPU_SET(cpus[i], &set);
    }
    return sched_setaffinity(0, sizeof set, &set);
}

int cls_allowed_cpus(int *cpus, int capacity) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    int count = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && count < capacity; cpu++) {
        if (CPU_ISSET(cpu, &set)) cpus[count++] = cpu;
    }
    return count;
}
