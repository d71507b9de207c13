#define _GNU_SOURCE
#include "CSupport.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>

int tracesh_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) == 0 ? 0 : errno;
}

static void close_pair(int fds[2]) {
    if (fds[0] >= 0) close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
}

int tracesh_spawn(const char *path, char *const argv[], char *const envp[],
                  int capture_output, int stdout_target, int hold, int death_signal, int new_group,
                  tracesh_child *child) {
    int out[2] = {-1, -1}, err[2] = {-1, -1}, gate[2] = {-1, -1}, report[2] = {-1, -1};
    int result = 0;
    if (capture_output && (tracesh_pipe(out) != 0 || tracesh_pipe(err) != 0)) { result = errno; goto fail; }
    if (hold && tracesh_pipe(gate) != 0) { result = errno; goto fail; }
    /* The child writes its exec errno here; a successful exec closes it (close-on-exec). */
    if (tracesh_pipe(report) != 0) { result = errno; goto fail; }

    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) { result = errno; goto fail; }
    if (pid == 0) {
        int code;
        if (death_signal) {
            prctl(PR_SET_PDEATHSIG, death_signal);
            /* The parent may have died before prctl took effect. */
            if (getppid() != parent) _exit(127);
        }
        if (new_group) setpgid(0, 0);
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        if (capture_output) {
            dup2(out[1], STDOUT_FILENO);
            dup2(err[1], STDERR_FILENO);
        } else if (stdout_target >= 0 && stdout_target != STDOUT_FILENO) {
            /* The copy on 1 is not close-on-exec, whatever the target's own flag says. */
            if (dup2(stdout_target, STDOUT_FILENO) < 0) _exit(127);
        }
        /* Descriptors other threads opened without O_CLOEXEC (Foundation's Pipe, for one) must
           not leak into the child: a leaked pipe end keeps its reader from ever seeing EOF. */
        close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
        if (hold) {
            /* While it waits (seconds, until every probe is attached) the child keeps nothing of
               the parent's open but the gate and the report pipe: close-on-exec alone would leave
               them open until exec, so a file another thread was writing would stay open for
               writing (exec of it fails with "Text file busy"), and the child's copy of the
               gate's write end would keep its own read from ever seeing end of file (a cancelled
               hold would leave it waiting forever instead of exiting). */
            int keep_low = gate[0] < report[1] ? gate[0] : report[1];
            int keep_high = gate[0] < report[1] ? report[1] : gate[0];
            if (keep_low > 3) close_range(3, (unsigned)keep_low - 1, 0);
            if (keep_high > keep_low + 1) close_range((unsigned)keep_low + 1, (unsigned)keep_high - 1, 0);
            close_range((unsigned)keep_high + 1, ~0U, 0);
            /* Named now as the kernel will name it at exec (the last component of the path, cut
               to 15 bytes): its events before the exec (the gate's read returning, execve's
               entry) are the command's, under the command's name, whichever way tracesh counts
               them (a count without keys assumes the name; a probe reads comm). */
            const char *slash = strrchr(path, '/');
            prctl(PR_SET_NAME, slash ? slash + 1 : path);
            char byte;
            ssize_t n;
            do { n = read(gate[0], &byte, 1); } while (n < 0 && errno == EINTR);
            if (n != 1) _exit(127);
        }
        execve(path, argv, envp);
        code = errno;
        ssize_t ignored = write(report[1], &code, sizeof code);
        (void)ignored;
        _exit(127);
    }
    close(report[1]);
    report[1] = -1;
    if (capture_output) { close(out[1]); close(err[1]); }
    if (hold) close(gate[0]);
    child->pid = pid;
    child->stdout_fd = capture_output ? out[0] : -1;
    child->stderr_fd = capture_output ? err[0] : -1;
    child->release_fd = hold ? gate[1] : -1;
    if (!hold) {
        /* Without a hold the exec happens now: report its failure as this call's. */
        int code = 0;
        ssize_t n;
        do { n = read(report[0], &code, sizeof code); } while (n < 0 && errno == EINTR);
        close(report[0]);
        if (n == (ssize_t)sizeof code) {
            tracesh_wait(pid);
            if (capture_output) { close(out[0]); close(err[0]); }
            return code;
        }
    } else {
        close(report[0]);
    }
    return 0;

fail:
    close_pair(out);
    close_pair(err);
    close_pair(gate);
    close_pair(report);
    return result ? result : EIO;
}

int tracesh_wait(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return status;
}

int tracesh_exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}
