/* libFuzzer harness for the daemon's request handler (OpenSSH's
 * agent_fuzz idea): the bytes are what a connected client sends, fed in
 * chunks through the real session code of hostprivd (hpd_session.h).
 *
 * The first byte sets the chunk size (1..64), so byte-at-a-time and
 * batched arrival are both explored; the rest is the client's stream.
 * Without libFuzzer, replay.c feeds it every file of corpus/helper. */
#include "hpd_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 1)
        hp_fuzz_session(data + 1, size - 1, (size_t)(data[0] % 64) + 1);
    return 0;
}
