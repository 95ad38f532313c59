#include <string.h>
#include "textline.h"

size_t hp_next_line(const char *t, size_t len, size_t pos, hp_line *l)
{
    const char *nl = memchr(t + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - t) : len;
    l->off = pos;
    l->term = nl ? 1 : 0;
    if (nl && end > pos && t[end - 1] == '\r') {
        end--;
        l->term = 2;
    }
    l->len = end - pos;
    return end + l->term;
}
