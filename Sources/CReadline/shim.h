#ifndef BACKCHAT_READLINE_SHIM_H
#define BACKCHAT_READLINE_SHIM_H

/* readline.h uses FILE without including stdio.h, so stdio.h must come first. */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <readline/readline.h>
#include <readline/history.h>

/*
 * Readline keeps its settings in C globals. Swift 6 treats imported mutable globals as
 * shared state, so every one the REPL touches is set or read through a function here.
 * All of them are called from the main thread only.
 */

/* The settings for the whole run: our own signal handling, no environment changes,
 * completion of whole lines (labels contain spaces) in the order the choices are shown. */
static inline void backchat_rl_configure(FILE *in, FILE *out, rl_completion_func_t *complete) {
    rl_readline_name = "backchat";
    rl_instream = in;
    rl_outstream = out;
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_change_environment = 0;
    rl_completer_word_break_characters = "";
    rl_completer_quote_characters = NULL;
    rl_sort_completion_matches = 0;
    rl_attempted_completion_function = complete;
}

/* Inside the completion callback: no filename completion as a fallback, nothing appended. */
static inline void backchat_rl_completion_only_ours(void) {
    rl_attempted_completion_over = 1;
    rl_completion_append_character = '\0';
    rl_completion_suppress_append = 1;
}

/* The standard streams (Swift 6 sees stdin/stdout/stderr as shared mutable globals). */
static inline FILE *backchat_stdin(void) { return stdin; }
static inline FILE *backchat_stdout(void) { return stdout; }
static inline FILE *backchat_stderr(void) { return stderr; }

static inline int backchat_rl_line_length(void) { return rl_end; }

/* Puts the cursor after the last character typed, so a "^C" lands at the end of the line. */
static inline void backchat_rl_cursor_to_end(void) {
    rl_point = rl_end;
    rl_redisplay();
}

/* The most recent history entry, or NULL. */
static inline const char *backchat_last_history_line(void) {
    if (history_length <= 0) return NULL;
    HIST_ENTRY *e = history_get(history_base + history_length - 1);
    return e ? e->line : NULL;
}

/* Columns of the terminal on fd, or 0 when it is not a terminal. */
static inline int backchat_terminal_columns(int fd) {
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return (int)ws.ws_col;
    return 0;
}

/*
 * Signals arrive through a self-pipe: the handler only writes the signal number, and the
 * REPL's poll loop handles it in ordinary code, where calling readline is safe.
 * The fd is a static in this header, so each Swift file that calls these functions gets
 * its own copy: call backchat_set_signal_pipe and backchat_route_signal from one file only
 * (ReadlineSession.swift).
 */
static int backchat_signal_pipe_fd = -1;

static inline void backchat_signal_handler(int sig) {
    int saved = errno;
    unsigned char byte = (unsigned char)sig;
    if (backchat_signal_pipe_fd >= 0) {
        ssize_t written = write(backchat_signal_pipe_fd, &byte, 1);
        (void)written;
    }
    errno = saved;
}

/* Routes `sig` to the pipe (or restores the default when `route` is 0). */
static inline int backchat_route_signal(int sig, int route) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = route ? backchat_signal_handler : SIG_DFL;
    return sigaction(sig, &sa, NULL);
}

static inline void backchat_set_signal_pipe(int fd) { backchat_signal_pipe_fd = fd; }

#endif
