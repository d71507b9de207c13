/* A stand-in for bpftrace that the runner's tests start through the real runner.
 *
 *   fake_bpftrace LOG SYNC_FIFO BEHAVIOURS PROGRAM
 *
 * It reads the framing boundary from PROGRAM (as bpftrace would print it), prints tracesh's
 * records, answers each sequence number written to SYNC_FIFO with a sync record (as the sync
 * uprobe would), and logs what happened to it in LOG ("sigint", "sync N", "end"). BEHAVIOURS is
 * a comma-separated list:
 *   stderr-exit       print an error on stderr and exit 1 before attaching
 *   never-attach      print "Attaching 1 probe..." and never answer a sync call
 *   foreign           print a line bpftrace never prints, then hang, deaf to SIGINT (a stand-in)
 *   events=N          print N events of probe 0 once attached
 *   garbage           print text, a damaged record, an unknown record and a malformed event
 *   ignore-sigint=N   ignore the first N SIGINTs ("all": every one)
 *   hang-after-end    after END, never exit (as a detach blocked in the kernel)
 * Waiting is always on the FIFO or for a signal (ppoll with SIGINT unblocked only there).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t interrupts = 0;
static char boundary[17];
static FILE *logfile;

static void on_sigint(int number) { (void)number; interrupts++; }

static void note(const char *text, long long value) {
    if (value >= 0) fprintf(logfile, "%s %lld\n", text, value); else fprintf(logfile, "%s\n", text);
    fflush(logfile);
}

/* One record: RS b US kind (US b US field)* US b RS \n */
static void record(const char *kind, int count, const char **fields) {
    printf("\x1e%s\x1f%s", boundary, kind);
    for (int i = 0; i < count; i++) printf("\x1f%s\x1f%s", boundary, fields[i]);
    printf("\x1f%s\x1e\n", boundary);
    fflush(stdout);
}

static int has(const char *behaviours, const char *name) {
    const char *found = strstr(behaviours, name);
    return found && (found == behaviours || found[-1] == ',');
}

static long option(const char *behaviours, const char *name, long fallback) {
    const char *found = strstr(behaviours, name);
    if (!found) return fallback;
    found += strlen(name);
    if (strncmp(found, "all", 3) == 0) return -1;
    return strtol(found, NULL, 10);
}

int main(int argc, char **argv) {
    if (argc != 5) return 2;
    logfile = fopen(argv[1], "a");
    const char *behaviours = argv[3];
    FILE *program = fopen(argv[4], "r");
    if (!logfile || !program) return 2;
    static char text[1 << 16];
    size_t length = fread(text, 1, sizeof text - 1, program);
    text[length] = 0;
    char *marker = strstr(text, "\\x1e");
    if (!marker) return 2;
    memcpy(boundary, marker + 4, 16);

    sigset_t blocked, unblocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGINT);
    sigprocmask(SIG_BLOCK, &blocked, &unblocked);
    sigdelset(&unblocked, SIGINT);
    struct sigaction action = {0};
    action.sa_handler = on_sigint;
    sigaction(SIGINT, &action, NULL);

    if (has(behaviours, "stderr-exit")) {
        fprintf(stderr, "ERROR: fake failure: probe not found\n");
        return 1;
    }
    if (has(behaviours, "foreign")) {
        note("foreign", -1);
        printf("usage: not-bpftrace [options]\n");
        fflush(stdout);
        sigset_t none;
        sigfillset(&none);
        sigdelset(&none, SIGKILL);
        sigsuspend(&none);  /* only SIGKILL ends it (it cannot be blocked) */
    }
    int fifo = open(argv[2], O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fifo < 0) return 2;
    printf("Attaching 1 probe...\n");
    fflush(stdout);
    const char *zero[] = {"0"};
    record("S", 1, zero);
    int attached = !has(behaviours, "never-attach");
    long ignore = option(behaviours, "ignore-sigint=", 0);
    long events = option(behaviours, "events=", 0);
    int printedEvents = 0, ended = 0;
    long seen = 0;
    char pending[256];
    size_t used = 0;
    while (1) {
        struct pollfd wait = {.fd = fifo, .events = POLLIN};
        int ready = ppoll(&wait, 1, NULL, &unblocked);
        while (seen < interrupts) {
            seen++;
            note("sigint", -1);
            if (ignore == -1 || seen <= ignore || ended) continue;
            ended = 1;
            /* Logged first: tracesh kills bpftrace as soon as it reads END's record. */
            note("end", -1);
            record("X", 0, NULL);
            if (!has(behaviours, "hang-after-end")) return 0;
        }
        if (ready <= 0 || !(wait.revents & POLLIN)) continue;
        ssize_t count = read(fifo, pending + used, sizeof pending - 1 - used);
        if (count <= 0) continue;
        used += (size_t)count;
        char *line;
        while ((line = memchr(pending, '\n', used))) {
            *line = 0;
            long long sequence = strtoll(pending, NULL, 10);
            size_t rest = used - (size_t)(line + 1 - pending);
            memmove(pending, line + 1, rest);
            used = rest;
            if (!attached || ended) continue;
            char number[32];
            snprintf(number, sizeof number, "%lld", sequence);
            const char *fields[] = {number};
            if (!printedEvents) {
                /* Events before the first answer: a stop's flush must see them. */
                printedEvents = 1;
                for (long i = 0; i < events; i++) {
                    const char *event[] = {"0", "1000", "42", "42", "0", "0", "0", "fake"};  /* probe, nsecs, pid, tid, uid, gid, cpu, comm */
                    record("E", 8, event);
                }
                if (has(behaviours, "garbage")) {
                    printf("a line of bpftrace's own\n");
                    printf("\x1e%s\x1f" "E cut short\n", boundary);
                    const char *none[] = {"?"};
                    record("Q", 1, none);
                    const char *malformed[] = {"7", "x"};
                    record("E", 2, malformed);
                    fflush(stdout);
                }
            }
            record("F", 1, fields);
            note("sync", sequence);
        }
    }
}
