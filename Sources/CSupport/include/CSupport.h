#ifndef TRACESH_CSUPPORT_H
#define TRACESH_CSUPPORT_H
#include <stddef.h>
#include <sys/types.h>

/// A started child process and the parent's ends of its pipes (-1 where not requested).
typedef struct {
    pid_t pid;
    int stdout_fd;
    int stderr_fd;
    /// Write one byte to let a held child exec; close it without writing to make the child exit.
    int release_fd;
} tracesh_child;

/// Forks and execs `path` with `argv`/`envp`.
///
/// - `capture_output`: the child's stdout and stderr go to new pipes (else they are inherited).
/// - `stdout_target`: without `capture_output`, a descriptor of this process that becomes the
///   child's stdout (-1: inherit stdout). The caller keeps and closes it.
/// - `hold`: the child waits before exec until a byte arrives on `release_fd`.
/// - `death_signal`: sent to the child by the kernel when the forking thread exits (0: none).
/// - `new_group`: the child gets its own process group (so a terminal's Ctrl-C does not reach it).
///
/// Between fork and exec only async-signal-safe calls are made. Returns 0, or an errno value.
int tracesh_spawn(const char *path, char *const argv[], char *const envp[],
                  int capture_output, int stdout_target, int hold, int death_signal, int new_group,
                  tracesh_child *child);

/// waitpid() that retries on EINTR; returns the raw wait status, or -1.
int tracesh_wait(pid_t pid);

/// Decodes a wait status: the exit code, or 128 + signal number when a signal ended the process.
int tracesh_exit_code(int status);

/// A pipe whose ends are close-on-exec. Returns 0 or an errno value.
int tracesh_pipe(int fds[2]);


/// memmem(3): the first `needle` in `haystack`, or NULL.
const void *tracesh_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

/// Installs one handler for SIGINT, SIGTERM and SIGHUP (without SA_RESTART, so a read blocked
/// in libedit returns EINTR on Ctrl-C) that counts interrupts and writes the signal's number as
/// one byte to `notify_fd` for a watching thread. Async-signal-safe. Returns 0 or an errno value.
int tracesh_install_signal_handlers(int notify_fd);

/// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (threads it starts inherit the mask).
/// tracesh blocks them in every thread but its signal watcher, so no system call elsewhere is
/// ever interrupted (EINTR) by them.
int tracesh_block_stop_signals(void);

/// Unblocks SIGINT, SIGTERM and SIGHUP in the calling thread (the signal watcher).
int tracesh_unblock_stop_signals(void);

/// Blocks (1) or unblocks (0) SIGINT alone in the calling thread: the shell unblocks it while it
/// waits for a line, so that Ctrl-C interrupts the read.
int tracesh_set_interrupt_blocked(int blocked);

/// Ends the process by `number` with its default action (so a parent sees "killed by signal").
/// Does not return.
int tracesh_die_of_signal(int number);

/// How many SIGINTs have arrived since the handler was installed.
long tracesh_interrupt_count(void);
/// The file system type (statfs f_type, e.g. 0x9fa0 for proc) of the file system holding `path`, or -1.
long long tracesh_filesystem_magic(const char *path);

/// pidfd_open(2): a descriptor that polls readable (POLLIN) once process `pid` has exited, for any
/// process, not only a child. Close-on-exec. Returns the descriptor, or -errno (-ESRCH: no such process).
int tracesh_pidfd_open(pid_t pid);
#endif
