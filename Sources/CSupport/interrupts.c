#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include "CSupport.h"

static volatile int notify_descriptor = -1;
static atomic_long interrupt_count;

static void on_interrupt(int number) {
    (void)number;
    int saved = errno;
    atomic_fetch_add(&interrupt_count, 1);
    if (notify_descriptor >= 0) {
        char byte = 1;
        ssize_t ignored = write(notify_descriptor, &byte, 1);
        (void)ignored;
    }
    errno = saved;
}

int tracesh_install_interrupt_handler(int notify_fd) {
    notify_descriptor = notify_fd;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    return sigaction(SIGINT, &action, NULL) == 0 ? 0 : errno;
}

long tracesh_interrupt_count(void) {
    return atomic_load(&interrupt_count);
}
