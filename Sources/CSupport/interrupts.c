#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include "CSupport.h"

static volatile int notify_descriptor = -1;
static atomic_long interrupt_count;

static void on_signal(int number) {
    int saved = errno;
    if (number == SIGINT) atomic_fetch_add(&interrupt_count, 1);
    if (notify_descriptor >= 0) {
        char byte = (char)number;
        ssize_t ignored = write(notify_descriptor, &byte, 1);
        (void)ignored;
    }
    errno = saved;
}

static void stop_signal_set(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

int tracesh_install_signal_handlers(int notify_fd) {
    notify_descriptor = notify_fd;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    /* While one of them is handled the others wait, so the notify bytes keep their order. */
    stop_signal_set(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART: a read blocked in libedit returns EINTR on Ctrl-C */
    if (sigaction(SIGINT, &action, NULL) != 0) return errno;
    if (sigaction(SIGTERM, &action, NULL) != 0) return errno;
    if (sigaction(SIGHUP, &action, NULL) != 0) return errno;
    return 0;
}

int tracesh_block_stop_signals(void) {
    sigset_t set;
    stop_signal_set(&set);
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int tracesh_unblock_stop_signals(void) {
    sigset_t set;
    stop_signal_set(&set);
    return pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int tracesh_set_interrupt_blocked(int blocked) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    return pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

long tracesh_interrupt_count(void) {
    return atomic_load(&interrupt_count);
}

int tracesh_die_of_signal(int number) {
    signal(number, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, number);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    kill(getpid(), number);
    /* Delivered to whichever thread does not block it; this one no longer does. */
    for (;;) pause();
}
