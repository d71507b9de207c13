#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "CSupport.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

// syscall(2) is variadic, which Swift cannot call; glibc's pidfd_open wrapper is newer than 2.36.
int tracesh_pidfd_open(pid_t pid) {
    long fd = syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -errno : (int)fd;
}
