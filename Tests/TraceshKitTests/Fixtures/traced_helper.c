/* A program the live tests trace: it does exactly what it is told, so counts are exact.
 *   traced_helper open PATH N    open(2)+close PATH N times
 *   traced_helper weird DIR      create and open DIR/<a name with every awkward byte>
 *   traced_helper read N         N read(2) calls of one byte from /dev/zero; with
 *                                TRACED_HELPER_TIMING set, prints read_loop_seconds=S to stderr
 *   traced_helper call N         call traced_work(0) .. traced_work(N-1), a uprobe target
 *   traced_helper sleep          block until stdin closes
 *   traced_helper getpid N       N getpid(2) calls (through syscall(2): libc may not ask the kernel)
 *   traced_helper gated PATH N   wait for a byte on stdin, then start a child; each opens PATH N
 *                                times; exits once the child has (a process to attach to: -p)
 *   traced_helper naps N MS      N clock_nanosleep(2) calls of MS milliseconds (return-probe latency)
 *   traced_helper synced MARKER MODE ARGS...  every 10 ms until a byte arrives on stdin, a marker the
 *                                probe under test sees (MARKER: open = open(2) of a missing path,
 *                                exec = run /bin/true, malloc = malloc(1)); a tracer that saw one
 *                                writes the byte; then MODE ARGS...
 *   traced_helper mallocs N SIZE N malloc(SIZE) calls, each freed (a uprobe on libc's malloc)
 *   traced_helper spawns N       N children, one after another, each exec'ing this program (getpid 0)
 */
#include <fcntl.h>
#include <poll.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Not inlined, so a uprobe on it sees every call; the sum keeps the calls from being dropped. */
__attribute__((noinline)) long traced_work(long i) {
    __asm__ volatile("" ::: "memory");
    return i * 3 + 1;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

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
        double start = now_seconds();
        for (long i = 0; i < count; i++) {
            if (read(fd, &byte, 1) != 1) return 1;
        }
        double elapsed = now_seconds() - start;
        close(fd);
        if (getenv("TRACED_HELPER_TIMING")) fprintf(stderr, "read_loop_seconds=%.6f\n", elapsed);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "call") == 0) {
        long count = atol(argv[2]), sum = 0;
        for (long i = 0; i < count; i++) sum += traced_work(i);
        return sum == count * (3 * count - 1) / 2 ? 0 : 1;
    }
    if (argc >= 3 && strcmp(argv[1], "eai") == 0) {
        /* getaddrinfo of a name that is not a number, numbers only: EAI_NONAME (-2) at once,
           returned as a C int (the upper half of the return register is zero). */
        long count = atol(argv[2]);
        struct addrinfo hints = {.ai_flags = AI_NUMERICHOST}, *result = NULL;
        for (long i = 0; i < count; i++) {
            if (getaddrinfo("not-a-number", NULL, &hints, &result) != EAI_NONAME) return 1;
        }
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "getpid") == 0) {
        long count = atol(argv[2]);
        for (long i = 0; i < count; i++) syscall(SYS_getpid);
        return 0;
    }
    if (argc >= 4 && strcmp(argv[1], "gated") == 0) {
        char byte;
        if (read(0, &byte, 1) != 1) return 1;
        long count = atol(argv[3]);
        pid_t child = fork();
        if (child < 0) return 1;
        for (long i = 0; i < count; i++) {
            int fd = open(argv[2], O_RDONLY);
            if (fd >= 0) close(fd);
        }
        if (child == 0) _exit(0);
        int status;
        return waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
    }
    if (argc >= 2 && strcmp(argv[1], "sleep") == 0) {
        char buffer[64];
        while (read(0, buffer, sizeof buffer) > 0) {}
        return 0;
    }
    /* ---- Return-probe modes (issue 13: latency and entry arguments at return) ---- */
    /* traced_helper naps N MS: N clock_nanosleep(2) calls of MS milliseconds each */
    if (argc >= 4 && strcmp(argv[1], "naps") == 0) {
        long count = atol(argv[2]), ms = atol(argv[3]);
        struct timespec nap = { ms / 1000, (ms % 1000) * 1000000L };
        for (long i = 0; i < count; i++) {
            if (clock_nanosleep(CLOCK_MONOTONIC, 0, &nap, NULL) != 0) return 1;
        }
        return 0;
    }
    /* ---- end of return-probe modes ---- */
    /* ---- Runbook-example modes (issue 15: the examples/ runbooks run against this helper) ---- */
    if (argc >= 4 && strcmp(argv[1], "synced") == 0) {
        const char *marker = argv[2];
        struct pollfd input = { 0, POLLIN, 0 };
        while (poll(&input, 1, 10) == 0) {
            if (strcmp(marker, "open") == 0) {
                int fd = open("/nonexistent-tracesh-sync/marker", O_RDONLY);
                if (fd >= 0) close(fd);
            } else if (strcmp(marker, "exec") == 0) {
                pid_t child = fork();
                if (child == 0) { execl("/bin/true", "true", (char *)NULL); _exit(127); }
                if (child > 0) waitpid(child, NULL, 0);
            } else if (strcmp(marker, "malloc") == 0) {
                char *volatile block = malloc(1);
                free(block);
            } else {
                return 2;
            }
        }
        char byte;
        if (read(0, &byte, 1) != 1) return 1;
        argv[2] = argv[0];
        return main(argc - 2, argv + 2);
    }
    if (argc >= 4 && strcmp(argv[1], "mallocs") == 0) {
        long count = atol(argv[2]);
        size_t size = (size_t)atol(argv[3]);
        for (long i = 0; i < count; i++) {
            char *volatile block = malloc(size);
            if (block == NULL) return 1;
            block[0] = 1;
            free(block);
        }
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "spawns") == 0) {
        long count = atol(argv[2]);
        for (long i = 0; i < count; i++) {
            pid_t child = fork();
            if (child < 0) return 1;
            if (child == 0) {
                execl(argv[0], argv[0], "getpid", "0", (char *)NULL);
                _exit(127);
            }
            int status;
            if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
        }
        return 0;
    }
    /* ---- end of runbook-example modes ---- */
    fprintf(stderr, "usage: traced_helper open PATH N | weird DIR | read N | call N | sleep | getpid N | gated PATH N | naps N MS\n");
    return 2;
}
