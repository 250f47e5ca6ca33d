// A turn's sends in one system call: an io_uring with one send request per socket.
//
// Why: a loop's sends at the end of a turn wake their readers one by one, and a woken reader on
// the same CPU takes it as soon as a `send` returns, before the loop's next send. Submitted
// together, every send is done before the loop leaves the kernel (docs/http-engine.md, "Writes").
#include "CLinuxSystem.h"

#include <errno.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

struct cls_send_ring {
    int fd;
    unsigned entries;
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
    void *rings;
    size_t rings_size;
    size_t sqes_size;
};

cls_send_ring *cls_send_ring_create(unsigned entries) {
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    int fd = (int)syscall(__NR_io_uring_setup, entries, &params);
    if (fd < 0) return NULL;
    // One mapping for both rings (IORING_FEAT_SINGLE_MMAP, Linux 5.4); older kernels go without.
    if (!(params.features & IORING_FEAT_SINGLE_MMAP)) {
        close(fd);
        errno = ENOSYS;
        return NULL;
    }
    cls_send_ring *ring = calloc(1, sizeof *ring);
    if (ring == NULL) {
        close(fd);
        return NULL;
    }
    ring->fd = fd;
    ring->entries = params.sq_entries;
    size_t sq_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    size_t cq_size = params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe);
    ring->rings_size = sq_size > cq_size ? sq_size : cq_size;
    ring->rings = mmap(NULL, ring->rings_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    ring->sqes_size = params.sq_entries * sizeof(struct io_uring_sqe);
    ring->sqes = mmap(NULL, ring->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    if (ring->rings == MAP_FAILED || ring->sqes == MAP_FAILED) {
        int error = errno;
        if (ring->rings != MAP_FAILED) munmap(ring->rings, ring->rings_size);
        if (ring->sqes != MAP_FAILED) munmap(ring->sqes, ring->sqes_size);
        close(fd);
        free(ring);
        errno = error;
        return NULL;
    }
    char *base = ring->rings;
    ring->sq_head = (unsigned *)(base + params.sq_off.head);
    ring->sq_tail = (unsigned *)(base + params.sq_off.tail);
    ring->sq_mask = (unsigned *)(base + params.sq_off.ring_mask);
    ring->sq_array = (unsigned *)(base + params.sq_off.array);
    ring->cq_head = (unsigned *)(base + params.cq_off.head);
    ring->cq_tail = (unsigned *)(base + params.cq_off.tail);
    ring->cq_mask = (unsigned *)(base + params.cq_off.ring_mask);
    ring->cqes = (struct io_uring_cqe *)(base + params.cq_off.cqes);
    return ring;
}

void cls_send_ring_destroy(cls_send_ring *ring) {
    if (ring == NULL) return;
    munmap(ring->sqes, ring->sqes_size);
    munmap(ring->rings, ring->rings_size);
    close(ring->fd);
    free(ring);
}

unsigned cls_send_ring_capacity(const cls_send_ring *ring) { return ring->entries; }

static int enter(cls_send_ring *ring, unsigned to_submit, unsigned min_complete) {
    return (int)syscall(__NR_io_uring_enter, ring->fd, to_submit, min_complete, IORING_ENTER_GETEVENTS, NULL, 0);
}

int cls_send_ring_send(cls_send_ring *ring, const int *descriptors, const void *const *buffers, const size_t *lengths, int count, int *results) {
    if (count <= 0) return 0;
    if ((unsigned)count > ring->entries) count = (int)ring->entries;
    // Every completion of the last call was reaped, so the queue is empty and tail == head.
    unsigned tail = *ring->sq_tail;
    unsigned first = tail;
    for (int i = 0; i < count; i++) {
        results[i] = -EAGAIN;
        unsigned index = tail & *ring->sq_mask;
        struct io_uring_sqe *sqe = &ring->sqes[index];
        memset(sqe, 0, sizeof *sqe);
        sqe->opcode = IORING_OP_SEND;
        sqe->fd = descriptors[i];
        sqe->addr = (unsigned long long)(unsigned long)buffers[i];
        sqe->len = (unsigned)lengths[i];
        // MSG_DONTWAIT: a full socket answers -EAGAIN at once instead of being polled by the
        // kernel, so every request completes within the call and no buffer outlives it.
        sqe->msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
        sqe->user_data = (unsigned long long)i;
        ring->sq_array[index] = index;
        tail++;
    }
    __atomic_store_n(ring->sq_tail, tail, __ATOMIC_RELEASE);
    int entered;
    do {
        entered = enter(ring, (unsigned)count, (unsigned)count);
    } while (entered < 0 && errno == EINTR && __atomic_load_n(ring->sq_head, __ATOMIC_ACQUIRE) == first);
    // What the kernel took is what its head moved by, whatever the call returned.
    unsigned submitted = __atomic_load_n(ring->sq_head, __ATOMIC_ACQUIRE) - first;
    unsigned head = *ring->cq_head;
    unsigned reaped = 0;
    while (reaped < submitted) {
        unsigned available = __atomic_load_n(ring->cq_tail, __ATOMIC_ACQUIRE);
        if (head == available) {
            if (enter(ring, 0, submitted - reaped) < 0 && errno != EINTR) break;
            continue;
        }
        struct io_uring_cqe *cqe = &ring->cqes[head & *ring->cq_mask];
        if (cqe->user_data < (unsigned long long)count) results[cqe->user_data] = cqe->res;
        head++;
        reaped++;
    }
    __atomic_store_n(ring->cq_head, head, __ATOMIC_RELEASE);
    // Requests left in the queue (not taken) or not reaped would run or land later, against
    // buffers the caller reuses: the ring must not be used again.
    if (submitted < (unsigned)count || reaped < submitted) return -1;
    return count;
}
