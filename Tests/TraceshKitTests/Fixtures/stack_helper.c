/* A static helper for stack tests: main -> outer -> inner -> openat (glibc's wrapper) opens
 * the path in argv[1] (default /etc/hostname) five times, then exits.
 * Built with -static -fno-omit-frame-pointer -O0 -fno-inline (see StackHelper.swift).
 *
 * glibc's own functions have no frame pointers: bpftrace's frame-pointer unwinding starts at
 * the wrapper's syscall instruction and goes on from the caller's frame record, so the wrapper's
 * direct caller (inner) is skipped; tracesh puts it back (see StackCodegen). glibc's open() is
 * worse: it keeps the path in %rbp, so the unwinding stops at the wrapper. openat() leaves %rbp
 * alone, so main and outer are found too. */
#include <fcntl.h>
#include <unistd.h>

__attribute__((noinline)) int inner(const char *path) {
    int fd = openat(AT_FDCWD, path, O_RDONLY);
    if (fd >= 0) close(fd);
    return fd;
}

__attribute__((noinline)) int outer(const char *path) {
    int opened = 0;
    for (int i = 0; i < 5; i++) {
        if (inner(path) >= 0) opened++;
    }
    return opened;
}

int main(int argc, char **argv) {
    return outer(argc > 1 ? argv[1] : "/etc/hostname") == 5 ? 0 : 1;
}
