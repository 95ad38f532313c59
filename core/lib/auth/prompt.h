/* Authorization prompts.  One service for all plugins: says the task, what
 * will change, why and which paths; emits prompt then granted / declined /
 * timed-out; no answer is no. */
#ifndef HP_PROMPT_H
#define HP_PROMPT_H
#include "engine/ctx.h"

/* Ask through the embedder callback or prompt.backend; counts
 * c->prompts_asked; returns enum hp_prompt_result.  HP_PROMPT_UNAVAILABLE
 * (no terminal, no dialog): a `failed` event with detail
 * "prompt-unavailable: WHY", a notice saying how to answer, c->err set to
 * HP_EUNAVAIL and c->prompt_unavailable set (no decision is recorded for
 * the rest of the run). */
int hp_prompt_ask(hp_ctx *c, int task, const char *message);

/* Backends, each usable alone.  Results are enum hp_prompt_result; why
 * (no terminal, command failed to start, answers exhausted) goes in e->msg.
 * No terminal, an empty prompt.command or one that cannot be started:
 * HP_PROMPT_UNAVAILABLE (e->code HP_EUNAVAIL).  timeout in seconds, 0 =
 * none. */
int hp_prompt_tty(const char *task, const char *message, int timeout,
                  hp_err *e);
/* /bin/sh -c CMD hostpriv-prompt TASK MESSAGE, HOSTPRIV_TASK and
 * HOSTPRIV_MESSAGE in its environment, its own process group, killed
 * (SIGTERM then SIGKILL) at the timeout: timed-out.  Exit 0 granted. */
int hp_prompt_command(const char *cmd, const char *task, const char *message,
                      int timeout, hp_err *e);
/* prompt.answers: "TASK=yes|no|timeout" items answer that task whenever it
 * is asked; bare items are consumed in order (*used counts them); none
 * left: declined with a message saying so.  A malformed list: HP_ECONFIG
 * (validated at config load too). */
int hp_prompt_answers(const char *answers, size_t *used, const char *task,
                      hp_err *e);
int hp_prompt_answers_valid(const char *answers, hp_err *e);
#endif
