#include <sys/vfs.h>
#include "CSupport.h"

long long tracesh_filesystem_magic(const char *path) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
    return (long long)(unsigned int)info.f_type;
}
