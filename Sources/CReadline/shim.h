#ifndef BACKCHAT_READLINE_SHIM_H
#define BACKCHAT_READLINE_SHIM_H
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>
#endif
