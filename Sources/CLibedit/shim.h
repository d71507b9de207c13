#ifndef TRACESH_CLIBEDIT_SHIM_H
#define TRACESH_CLIBEDIT_SHIM_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <histedit.h>
#include <unistd.h>
#include <sys/syscall.h>

/* Swift 6 cannot call C variadic functions (el_set, history) or use C globals (stdin), so
   these small wrappers give it fixed signatures. */

static char tracesh_prompt_text[128] = "tracesh> ";

static inline char *tracesh_prompt(EditLine *el) {
    (void)el;
    return tracesh_prompt_text;
}

static inline void tracesh_set_prompt(const char *text) {
    strncpy(tracesh_prompt_text, text, sizeof tracesh_prompt_text - 1);
    tracesh_prompt_text[sizeof tracesh_prompt_text - 1] = '\0';
}

static inline EditLine *tracesh_el_init(const char *program) {
    return el_init(program, stdin, stdout, stderr);
}

/// Emacs keys, our prompt, history, Tab bound to `complete`, then the user's ~/.editrc.
static inline void tracesh_el_setup(EditLine *el, History *history_handle, unsigned char (*complete)(EditLine *, int)) {
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_PROMPT, tracesh_prompt);
    el_set(el, EL_HIST, history, history_handle);
    el_set(el, EL_ADDFN, "tracesh-complete", "Complete a command, name or file", complete);
    el_set(el, EL_BIND, "^I", "tracesh-complete", NULL);
    el_source(el, NULL);
}

static inline History *tracesh_history_init(int size) {
    HistEvent event;
    History *handle = history_init();
    history(handle, &event, H_SETSIZE, size);
    history(handle, &event, H_SETUNIQUE, 1);
    return handle;
}

static inline int tracesh_history_enter(History *handle, const char *line) {
    HistEvent event;
    return history(handle, &event, H_ENTER, line);
}

static inline int tracesh_history_load(History *handle, const char *path) {
    HistEvent event;
    return history(handle, &event, H_LOAD, path);
}

static inline int tracesh_history_save(History *handle, const char *path) {
    HistEvent event;
    return history(handle, &event, H_SAVE, path);
}

/* The history as its file's text (malloc'd; *length set), for the caller to write and check
   itself: libedit's H_SAVE truncates the file first and does not report a failed write. Saved
   to an anonymous memory file (H_SAVE_FP needs a real descriptor: it fchmods it), read back.
   NULL on failure. */
static inline char *tracesh_history_text(History *handle, size_t *length) {
    int descriptor = (int)syscall(SYS_memfd_create, "tracesh-history", 1u /* MFD_CLOEXEC */);
    if (descriptor < 0) return NULL;
    FILE *stream = fdopen(descriptor, "w+");
    if (!stream) { close(descriptor); return NULL; }
    HistEvent event;
    char *buffer = NULL;
    if (history(handle, &event, H_SAVE_FP, stream) < 0 || fflush(stream) != 0) goto fail;
    long size = ftell(stream);
    if (size < 0 || fseek(stream, 0, SEEK_SET) != 0) goto fail;
    buffer = malloc((size_t)size + 1);
    if (!buffer || fread(buffer, 1, (size_t)size, stream) != (size_t)size) goto fail;
    fclose(stream);
    *length = (size_t)size;
    return buffer;
fail:
    free(buffer);
    fclose(stream);
    return NULL;
}

/// Empties the line being edited (after Ctrl-C).
static inline void tracesh_el_clear_line(EditLine *el) {
    const LineInfo *info = el_line(el);
    int length = (int)(info->lastchar - info->buffer);
    int after = (int)(info->lastchar - info->cursor);
    el_cursor(el, after);
    el_deletestr(el, length);
}

/// The text from the start of the line to the cursor (a new string the caller frees).
static inline char *tracesh_el_text_before_cursor(EditLine *el) {
    const LineInfo *info = el_line(el);
    size_t length = (size_t)(info->cursor - info->buffer);
    char *text = malloc(length + 1);
    if (text) { memcpy(text, info->buffer, length); text[length] = '\0'; }
    return text;
}
#endif
