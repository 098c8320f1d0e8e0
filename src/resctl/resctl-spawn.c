/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The two helper processes, as systemctl runs them: a pager for long
 * output on a terminal, and pkttyagent so that polkit can ask for a
 * password on this terminal. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "resctl.h"

#define POLKIT_AGENT_BINARY_PATH "/usr/bin/pkttyagent"

/* Everything but stdio and keep (or -1) is closed before exec. */
static void close_other_fds(int keep) {
        if (keep < 3) {
                (void) close_range(3, ~0U, 0);
                return;
        }
        if (keep > 3)
                (void) close_range(3, (unsigned) keep - 1, 0);
        (void) close_range((unsigned) keep + 1, ~0U, 0);
}

static void close_pair(int fd[2]) {
        close(fd[0]);
        close(fd[1]);
}

/* A pipe in fd, then fork(): the child's pid, 0 in the child, or -1 with
 * the pipe closed again. Buffered output is flushed first, so that the
 * child does not write it a second time. */
static pid_t fork_with_pipe(int fd[2]) {
        if (pipe2(fd, O_CLOEXEC) < 0)
                return -1;
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0)
                close_pair(fd);
        return pid;
}

/* ---- pager ---- */

static pid_t pager_pid;

/* When no pager can be run: copy through, so that nothing is lost. */
static _Noreturn void pager_fallback(void) {
        char buf[4096];
        for (;;) {
                ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        _exit(n < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
                for (ssize_t off = 0; off < n;) {
                        ssize_t k = write(STDOUT_FILENO, buf + off, (size_t) (n - off));
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k <= 0)
                                _exit(EXIT_FAILURE);
                        off += k;
                }
        }
}

void pager_open(void) {
        int fd[2];
        if (pager_pid > 0 || !isatty(STDOUT_FILENO))
                return;
        const char *pager = getenv("RESCTL_PAGER");
        if (!pager)
                pager = getenv("SYSTEMD_PAGER");
        if (!pager)
                pager = getenv("PAGER");
        if (pager && (!*pager || streq(pager, "cat")))
                return;

        pid_t pid = fork_with_pipe(fd);
        if (pid < 0)
                return;
        if (pid == 0) {
                if (dup2(fd[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                close_other_fds(-1);
                /* less: quit if one screen, raw colours, no init, long prompt, ^C quits. */
                setenv("LESS", "FRXMK", 0);
                if (utf8_enabled())
                        setenv("LESSCHARSET", "utf-8", 0);
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (pager)
                        execl("/bin/sh", "sh", "-c", pager, (char *) NULL);
                execlp("less", "less", (char *) NULL);
                execlp("more", "more", (char *) NULL);
                pager_fallback();
        }
        int r = dup2(fd[1], STDOUT_FILENO);
        close_pair(fd);
        if (r < 0) {
                kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
                return;
        }
        pager_pid = pid;
}

void pager_close(void) {
        if (pager_pid <= 0)
                return;
        fflush(stdout);
        /* EOF for the pager; it exits when the user is done. */
        (void) close(STDOUT_FILENO);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}

/* ---- polkit agent ---- */

static pid_t agent_pid;

void polkit_agent_open(void) {
        /* root needs no password, and a password needs a terminal. */
        if (agent_pid > 0 || geteuid() == 0 || !isatty(STDIN_FILENO) || arg.machine)
                return;
        if (access(POLKIT_AGENT_BINARY_PATH, X_OK) < 0)
                return;
        int fd[2];
        pid_t pid = fork_with_pipe(fd);
        if (pid < 0)
                return;
        if (pid == 0) {
                /* The agent talks to the terminal even when our output is piped. */
                if (!isatty(STDOUT_FILENO) || !isatty(STDERR_FILENO)) {
                        int tty = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC);
                        if (tty >= 0) {
                                if (!isatty(STDOUT_FILENO))
                                        (void) dup2(tty, STDOUT_FILENO);
                                if (!isatty(STDERR_FILENO))
                                        (void) dup2(tty, STDERR_FILENO);
                        }
                }
                int notify = dup(fd[1]);        /* without O_CLOEXEC: the agent keeps it */
                if (notify < 0)
                        _exit(EXIT_FAILURE);
                close_other_fds(notify);
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                char buf[16];
                snprintf(buf, sizeof(buf), "%d", notify);
                execl(POLKIT_AGENT_BINARY_PATH, POLKIT_AGENT_BINARY_PATH, "--notify-fd", buf, "--fallback",
                      (char *) NULL);
                _exit(EXIT_FAILURE);
        }
        close(fd[1]);
        agent_pid = pid;
        /* The agent closes its end once it is registered (or dies). */
        struct pollfd p = { .fd = fd[0], .events = POLLIN };
        while (poll(&p, 1, -1) < 0 && errno == EINTR)
                ;
        close(fd[0]);
}

void polkit_agent_close(void) {
        if (agent_pid <= 0)
                return;
        kill(agent_pid, SIGTERM);
        kill(agent_pid, SIGCONT);
        while (waitpid(agent_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        agent_pid = 0;
}
