/*
 * alloc_count: an LD_PRELOAD shim that counts heap allocations and memory
 * mappings per thread, for bench/memory.sh ("no heap allocation per request
 * in steady state: show how you measured it").
 *
 *   ALLOC_COUNT_FILE=/tmp/x.cnt LD_PRELOAD=build/bench/alloc_count.so redirectd ...
 *   python3 bench/memory.sh's reader, or any reader of the layout below
 *
 * The counters live in ALLOC_COUNT_FILE, a file the shim maps MAP_SHARED:
 * a benchmark reads them at any moment without a signal (the daemon owns
 * every signal it handles) and without stopping the process.  The layout
 * (native-endian uint64_t words) is:
 *
 *   [0] magic ALLOC_COUNT_MAGIC  [1] slots used  [2] arm  [3] reserved
 *   then ALLOC_COUNT_SLOTS slots of ALLOC_COUNT_WORDS words:
 *   tid, then one counter per enum kind below (bytes: sum of sizes asked).
 *
 * Writing a non-zero value N into word [2] ("arm") makes the shim print a
 * backtrace of each of the next N allocations (malloc-family calls, not
 * free) to ALLOC_COUNT_BT (default: stderr), as "KIND SIZE tid TID" and
 * backtrace_symbols_fd lines; resolve "binary(+0xOFF)" frames with
 * `addr2line -f -e binary 0xOFF`.
 *
 * glibc's own allocator maps memory through its internal __mmap, which
 * this shim does not see: mmap counts the program's and its libraries'
 * calls (libevent, LMDB, libmaxminddb), malloc counts every heap request.
 * free(NULL) is not counted.  Allocations made by the dynamic loader
 * before the constructor ran go to slot 0 with tid 0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* The build's _FILE_OFFSET_BITS=64 renames mmap to mmap64 in <sys/mman.h>;
 * this file defines both symbols itself (they are one on 64-bit). */
#undef _FILE_OFFSET_BITS
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ALLOC_COUNT_MAGIC 0x746e6e4361636c41ull   /* "AlcCnnt" */
#define ALLOC_COUNT_SLOTS 64
#define ALLOC_COUNT_HDR 4

enum kind { K_MALLOC, K_CALLOC, K_REALLOC, K_FREE, K_MEMALIGN, K_MMAP,
	    K_MUNMAP, K_MREMAP, K_BYTES, K_N };
#define ALLOC_COUNT_WORDS (1 + K_N)
static const char *const kind_name[K_N] = {
	"malloc", "calloc", "realloc", "free", "memalign", "mmap", "munmap",
	"mremap", "bytes"
};

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

static _Atomic uint64_t *shm;             /* NULL until the constructor ran */
static uint64_t fallback[ALLOC_COUNT_HDR + ALLOC_COUNT_SLOTS * ALLOC_COUNT_WORDS];
static int bt_fd = 2;
static __thread _Atomic uint64_t *my_slot
	__attribute__((tls_model("initial-exec")));
static __thread int in_shim __attribute__((tls_model("initial-exec")));

/* syscall(2) returns -1 with errno set on failure. */
static long raw_mmap(void *a, size_t len, int prot, int flags, int fd, off_t off)
{
	return syscall(SYS_mmap, a, len, prot, flags, fd, off);
}

static _Atomic uint64_t *slot(void)
{
	if (my_slot)
		return my_slot;
	_Atomic uint64_t *base = shm ? shm : (_Atomic uint64_t *)fallback;
	if (!shm)   /* before the constructor: slot 0, shared */
		return base + ALLOC_COUNT_HDR;
	uint64_t tid = (uint64_t)syscall(SYS_gettid);
	uint64_t i = atomic_fetch_add(&base[1], 1);
	if (i >= ALLOC_COUNT_SLOTS)
		i = ALLOC_COUNT_SLOTS - 1;   /* the last slot takes the overflow */
	_Atomic uint64_t *s = base + ALLOC_COUNT_HDR + i * ALLOC_COUNT_WORDS;
	atomic_store(&s[0], tid);
	my_slot = s;
	return s;
}

/* Print a backtrace if armed.  backtrace() was called once in the
 * constructor, so libgcc_s is loaded and it does not allocate here. */
static void maybe_trace(enum kind k, size_t size)
{
	if (!shm || in_shim)
		return;
	uint64_t left = atomic_load_explicit(&shm[2], memory_order_relaxed);
	if (!left)
		return;
	if (!atomic_compare_exchange_strong(&shm[2], &left, left - 1))
		return;   /* raced with another thread: skip this one */
	in_shim = 1;
	char line[96];
	int n = snprintf(line, sizeof line, "%s %zu tid %ld\n", kind_name[k],
	                 size, (long)syscall(SYS_gettid));
	if (write(bt_fd, line, (size_t)n) < 0) {
		/* nothing to do */
	}
	void *frames[24];
	int nf = backtrace(frames, 24);
	backtrace_symbols_fd(frames + 1, nf - 1, bt_fd);
	if (write(bt_fd, "\n", 1) < 0) {
		/* nothing to do */
	}
	in_shim = 0;
}

static inline void count(enum kind k, size_t size)
{
	_Atomic uint64_t *s = slot();
	atomic_fetch_add_explicit(&s[1 + k], 1, memory_order_relaxed);
	if (size)
		atomic_fetch_add_explicit(&s[1 + K_BYTES], size,
		                          memory_order_relaxed);
	if (k != K_FREE && k != K_MUNMAP)
		maybe_trace(k, size);
}

__attribute__((constructor)) static void alloc_count_init(void)
{
	const char *path = getenv("ALLOC_COUNT_FILE");
	const char *bt = getenv("ALLOC_COUNT_BT");
	void *frames[2];
	in_shim = 1;
	backtrace(frames, 2);   /* loads libgcc_s now, not in a hook */
	in_shim = 0;
	if (bt && *bt) {
		int fd = open(bt, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd >= 0)
			bt_fd = fd;
	}
	if (!path || !*path)
		return;
	size_t size = sizeof fallback;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		return;
	long p = raw_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == -1)
		return;
	_Atomic uint64_t *m = (_Atomic uint64_t *)p;
	/* What was counted before now (the loader, other constructors)
	 * stays in slot 0 with tid 0. */
	memcpy((void *)m, fallback, size);
	atomic_store(&m[1], 1);
	atomic_store(&m[0], ALLOC_COUNT_MAGIC);
	shm = m;
}

/* --- the heap ------------------------------------------------------------ */

void *malloc(size_t n)
{
	count(K_MALLOC, n);
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	count(K_CALLOC, n * m);
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	count(K_REALLOC, n);
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (!p)
		return;
	count(K_FREE, 0);
	__libc_free(p);
}

void *reallocarray(void *p, size_t n, size_t m)
{
	size_t total;
	if (__builtin_mul_overflow(n, m, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	count(K_REALLOC, total);
	return __libc_realloc(p, total);
}

void *memalign(size_t a, size_t n)
{
	count(K_MEMALIGN, n);
	return __libc_memalign(a, n);
}

void *aligned_alloc(size_t a, size_t n)
{
	count(K_MEMALIGN, n);
	return __libc_memalign(a, n);
}

int posix_memalign(void **out, size_t a, size_t n)
{
	if (a < sizeof(void *) || (a & (a - 1)))
		return EINVAL;
	count(K_MEMALIGN, n);
	void *p = __libc_memalign(a, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *valloc(size_t n)
{
	count(K_MEMALIGN, n);
	return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), n);
}

/* --- mappings ------------------------------------------------------------ */

void *mmap(void *a, size_t len, int prot, int flags, int fd, off_t off)
{
	count(K_MMAP, len);
	long r = raw_mmap(a, len, prot, flags, fd, off);
	return r == -1 ? MAP_FAILED : (void *)r;
}

void *mmap64(void *a, size_t len, int prot, int flags, int fd, off_t off)
	__attribute__((alias("mmap")));

int munmap(void *a, size_t len)
{
	count(K_MUNMAP, 0);
	long r = syscall(SYS_munmap, a, len);
	return r < 0 ? -1 : 0;
}

void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = NULL;
	if (flags & MREMAP_FIXED) {
		va_list ap;
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	count(K_MREMAP, new_len);
	long r = syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
	return r == -1 ? MAP_FAILED : (void *)r;
}
