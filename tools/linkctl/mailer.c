/* mailer: one message to the mailer command, via the courier.  See
 * mailer.h. */
#include "mailer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the courier keeps of the mailer's output, for the reason. */
#define OUTPUT_MAX 4096

static int executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

int mailer_check(const char *cmd, char *err, size_t errlen)
{
	char word[4096];
	size_t n = 0;
	while (*cmd == ' ' || *cmd == '\t')
		cmd++;
	/* The first word as the shell would take it when it is plain; a
	 * command that starts with quotes, variables or redirections is
	 * left to the shell. */
	while (cmd[n] && cmd[n] != ' ' && cmd[n] != '\t' && n < sizeof word - 1)
		n++;
	memcpy(word, cmd, n);
	word[n] = '\0';
	if (!n) {
		snprintf(err, errlen, "the mailer command is empty");
		return -1;
	}
	/* Shell syntax and the shell's own words (exec, cd, umask, if,
	 * ...) are the shell's to judge. */
	static const char *const shell_words[] = {
		"exec", "cd", "umask", "command", "if", "for", "while", "until",
		"case", "{", "!", "set", "export", ".", "eval", "trap", "ulimit",
		"unset", NULL };
	if (strpbrk(word, "\"'$`\\<>|&;()*?[=~"))
		return 0;
	for (const char *const *w = shell_words; *w; w++)
		if (!strcmp(word, *w))
			return 0;
	if (strchr(word, '/')) {
		if (executable(word))
			return 0;
		snprintf(err, errlen, "mailer %s: %s", word,
		         access(word, F_OK) ? strerror(errno)
		                            : "not an executable file");
		return -1;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	for (const char *p = path; *p;) {
		const char *e = strchr(p, ':');
		size_t dl = e ? (size_t)(e - p) : strlen(p);
		char full[8192];
		snprintf(full, sizeof full, "%.*s/%s", (int)dl, dl ? p : ".", word);
		if (executable(full))
			return 0;
		p += dl + (e != NULL);
	}
	snprintf(err, errlen, "mailer %s: not found in PATH", word);
	return -1;
}

/* The whole message in an anonymous file, at offset 0.  fd or -1. */
static int message_file(const char *msg, size_t len)
{
	int fd = memfd_create("linkctl-message", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, msg + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			errno = w < 0 ? e : EIO;
			return -1;
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The last non-empty line of out[0..n), control characters as '?'. */
static void last_line(const char *out, size_t n, char *line, size_t max)
{
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r' ||
	             out[n - 1] == ' '))
		n--;
	size_t s = n;
	while (s && out[s - 1] != '\n')
		s--;
	size_t o = 0;
	for (size_t i = s; i < n && o + 1 < max; i++)
		line[o++] = (unsigned char)out[i] < 0x20 ? '?' : out[i];
	line[o] = '\0';
}

/* In the mailer's process: a process group of its own (a timeout kills
 * what it started too), stdin the message, stdout and stderr the
 * courier's pipe, nothing else open; then the shell.  Never returns. */
static void run_mailer(const char *cmd, int msgfd, int outfd)
{
	setpgid(0, 0);
	if (dup2(msgfd, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	/* The courier's ignored signals would be the mailer's too. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	dprintf(2, "cannot run /bin/sh: %s\n", strerror(errno));
	_exit(127);
}

/* The mailer's output, the last OUTPUT_MAX bytes of it (its verdict
 * comes last). */
struct output {
	char buf[OUTPUT_MAX];
	size_t n;
};

/* Read what fd (non-blocking) has now into o.  1 when something was
 * read, 0 at the end of input or on an error, -1 when nothing is there
 * yet. */
static int output_read(int fd, struct output *o)
{
	char tmp[512];
	ssize_t k = read(fd, tmp, sizeof tmp);
	if (k < 0)
		return errno == EINTR || errno == EAGAIN ? -1 : 0;
	if (k == 0)
		return 0;
	if (o->n + (size_t)k > sizeof o->buf) {
		size_t drop = o->n + (size_t)k - sizeof o->buf;
		memmove(o->buf, o->buf + drop, o->n - drop);
		o->n -= drop;
	}
	memcpy(o->buf + o->n, tmp, (size_t)k);
	o->n += (size_t)k;
	return 1;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait for the mailer pid, keeping its output, until it exits or
 * timeout_ms passes (then its process group is sent SIGTERM, and SIGKILL
 * 5 s later).  Its exit, not the end of its output, ends the wait: a
 * background process it left holding the pipe does not hold the run.
 * Returns 0 with *status, or -1 (timed out, or it cannot be waited for;
 * reason set).
 */
static int mailer_wait(pid_t pid, int outfd, unsigned timeout_ms,
                       struct output *o, int *status, char *reason,
                       size_t reasonlen)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	long long deadline = now_ms() + timeout_ms, kill_at = -1;
	int out_open = 1, killed = 0;
	fcntl(outfd, F_SETFL, fcntl(outfd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		int r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			snprintf(reason, reasonlen, "waitpid: %s", strerror(errno));
			if (pfd >= 0)
				close(pfd);
			return -1;
		}
		long long now = now_ms();
		if (!killed && now >= deadline) {
			kill(-pid, SIGTERM);
			killed = 1;
			kill_at = now + 5000;
		} else if (killed == 1 && now >= kill_at) {
			kill(-pid, SIGKILL);
			killed = 2;
		}
		struct pollfd p[2] = { { .fd = pfd, .events = POLLIN },
		                       { .fd = out_open ? outfd : -1,
		                         .events = POLLIN } };
		long long until = killed == 1 ? kill_at : killed ? now + 1000
		                                                : deadline;
		long long wait = until - now;
		/* Without a pidfd (an old kernel), look again every 50 ms. */
		if (pfd < 0 && wait > 50)
			wait = 50;
		if (poll(p, 2, (int)(wait < 0 ? 0 : wait)) > 0 && out_open &&
		    (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			out_open = output_read(outfd, o) != 0;
	}
	/* What it wrote before it exited. */
	while (out_open && output_read(outfd, o) > 0)
		;
	if (pfd >= 0)
		close(pfd);
	/* Whatever it started in its group goes with it. */
	kill(-pid, SIGKILL);
	if (killed) {
		snprintf(reason, reasonlen, "the mailer did not finish within "
		         "%u ms and was killed", timeout_ms);
		return -1;
	}
	return 0;
}

/* In the courier: run the mailer and say how it went in r->reason:
 * MAILER_SENT, MAILER_FAILED, or MAILER_UNSETTLED when it may have taken
 * the message (timed out, or it could not be waited for). */
static enum mailer_outcome mail_one(const char *cmd, int msgfd,
                                    unsigned timeout_ms,
                                    struct mailer_result *r)
{
	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0) {
		snprintf(r->reason, sizeof r->reason, "pipe: %s", strerror(errno));
		return MAILER_FAILED;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(r->reason, sizeof r->reason, "fork: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		return MAILER_FAILED;
	}
	if (pid == 0)
		run_mailer(cmd, msgfd, out[1]);
	setpgid(pid, 0);    /* also here: no race with the kill of a timeout */
	close(out[1]);
	static struct output o;
	int status;
	int rc = mailer_wait(pid, out[0], timeout_ms, &o, &status, r->reason,
	                     sizeof r->reason);
	close(out[0]);
	if (rc)
		return MAILER_UNSETTLED;
	char said[160];
	last_line(o.buf, o.n, said, sizeof said);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return MAILER_SENT;
	if (WIFEXITED(status)) {
		/* The shell reports a command killed by signal N as status
		 * 128 + N: say which. */
		int st = WEXITSTATUS(status);
		char sig[64] = "";
		if (st > 128 && st < 128 + 32)
			snprintf(sig, sizeof sig, " (signal %d: %s)", st - 128,
			         strsignal(st - 128));
		snprintf(r->reason, sizeof r->reason, "the mailer exited with "
		         "status %d%s%s%s", st, sig, said[0] ? ": " : "", said);
	} else {
		snprintf(r->reason, sizeof r->reason, "the mailer was killed by "
		         "signal %d (%s)%s%s", WTERMSIG(status),
		         strsignal(WTERMSIG(status)), said[0] ? ": " : "", said);
	}
	return MAILER_FAILED;
}

/* The courier's whole life: claim, mail, settle, report.  Never
 * returns. */
static void courier(const char *cmd, const char *ledger_dir,
                    const struct ledger_key *k, int resend,
                    unsigned timeout_ms, int msgfd, int resfd)
{
	struct mailer_result r = { 0 };
	struct ledger l;
	struct ledger_owner self;
	enum ledger_claim claim;
	int rc;
	/* Out of linkctl's process group, deaf to the signals that ask
	 * linkctl to stop: linkctl stops between messages, never one
	 * halfway (only SIGKILL can leave a message unsettled). */
	setpgid(0, 0);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	/* linkctl may be gone when the outcome is told: the ledger has it
	 * by then. */
	signal(SIGPIPE, SIG_IGN);
	r.courier = (int)getpid();
	if ((rc = ledger_self(&self))) {
		snprintf(r.reason, sizeof r.reason, "/proc/self: %s",
		         strerror(rc));
		r.outcome = MAILER_LEDGER;
	} else if ((rc = ledger_open(&l, ledger_dir, 1))) {
		snprintf(r.reason, sizeof r.reason, "ledger %s: %s", ledger_dir,
		         ledger_strerror(rc));
		r.outcome = MAILER_LEDGER;
	} else {
		rc = ledger_claim(&l, k, &self, resend, &claim, &r.seen);
		if (rc) {
			snprintf(r.reason, sizeof r.reason, "ledger %s: %s",
			         ledger_dir, mdb_strerror(rc));
			r.outcome = MAILER_LEDGER;
		} else if (claim != LEDGER_CLAIMED) {
			r.outcome = claim == LEDGER_DONE ? MAILER_DONE
			            : claim == LEDGER_BUSY ? MAILER_BUSY
			                                   : MAILER_UNKNOWN;
		} else {
			r.outcome = mail_one(cmd, msgfd, timeout_ms, &r);
			/* Unsettled stays claimed: nobody sends it again
			 * unasked. */
			if (r.outcome != MAILER_UNSETTLED &&
			    (rc = ledger_settle(&l, k, &self,
			                        r.outcome == MAILER_SENT
			                        ? LEDGER_SENT : LEDGER_FAILED,
			                        r.reason))) {
				snprintf(r.reason, sizeof r.reason, "%s, but the "
				         "ledger %s could not record it: %s",
				         r.outcome == MAILER_SENT ? "sent"
				                                  : "not sent",
				         ledger_dir, mdb_strerror(rc));
				r.outcome = MAILER_UNSETTLED;
			}
		}
		ledger_close(&l);
	}
	ssize_t w;
	do
		w = write(resfd, &r, sizeof r);
	while (w < 0 && errno == EINTR);
	_exit(0);
}

int mailer_send(const char *cmd, const char *ledger_dir,
                const struct ledger_key *k, int resend, unsigned timeout_ms,
                const char *msg, size_t len, struct mailer_result *r)
{
	int res[2];
	int msgfd = message_file(msg, len);
	if (msgfd < 0)
		return errno;
	if (pipe2(res, O_CLOEXEC) < 0) {
		int e = errno;
		close(msgfd);
		return e;
	}
	fflush(NULL);   /* nothing buffered is written twice by the child */
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(msgfd);
		close(res[0]);
		close(res[1]);
		return e;
	}
	if (pid == 0) {
		close(res[0]);
		courier(cmd, ledger_dir, k, resend, timeout_ms, msgfd, res[1]);
	}
	close(msgfd);
	close(res[1]);
	size_t got = 0;
	while (got < sizeof *r) {
		ssize_t n = read(res[0], (char *)r + got, sizeof *r - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(res[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof *r) {
		memset(r, 0, sizeof *r);
		r->outcome = MAILER_LOST;
		r->courier = (int)pid;
		if (WIFSIGNALED(status))
			snprintf(r->reason, sizeof r->reason, "killed by signal %d",
			         WTERMSIG(status));
		else
			snprintf(r->reason, sizeof r->reason, "ended without a word");
	}
	return 0;
}
