/* A program the live tests trace: it does exactly what it is told, so counts are exact.
 *   traced_helper open PATH N    open(2)+close PATH N times
 *   traced_helper weird DIR      create and open DIR/<a name with every awkward byte>
 *   traced_helper read N         N read(2) calls of one byte from /dev/zero
 *   traced_helper sleep          block until stdin closes
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A quote, a newline, a tab, %s, |, a comma, a backslash and the byte 0xff. */
const char weird_name[] = "q\"n\nt\t%s|,\\\xff" "end";

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "open") == 0) {
        long count = atol(argv[3]);
        for (long i = 0; i < count; i++) {
            int fd = open(argv[2], O_RDONLY);
            if (fd >= 0) close(fd);
        }
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "weird") == 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[2], weird_name);
        int fd = open(path, O_RDONLY | O_CREAT, 0600);
        if (fd < 0) { perror("open"); return 1; }
        close(fd);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "read") == 0) {
        long count = atol(argv[2]);
        int fd = open("/dev/zero", O_RDONLY);
        char byte;
        for (long i = 0; i < count; i++) {
            if (read(fd, &byte, 1) != 1) return 1;
        }
        close(fd);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "sleep") == 0) {
        char buffer[64];
        while (read(0, buffer, sizeof buffer) > 0) {}
        return 0;
    }
    fprintf(stderr, "usage: traced_helper open PATH N | weird DIR | read N | sleep\n");
    return 2;
}
