/* Line splitting shared by the text editors (hosts file, shell profile):
 * each line with the exact bytes of its terminator, so an edit can keep a
 * file's CRLF, lone LF or missing final newline byte for byte. */
#ifndef HP_TEXTLINE_H
#define HP_TEXTLINE_H
#include <stddef.h>

typedef struct hp_line {
    size_t off;     /* start of the content */
    size_t len;     /* content bytes, terminator excluded */
    size_t term;    /* terminator bytes: 0 (none), 1 ("\n"), 2 ("\r\n") */
} hp_line;

/* The line starting at pos of t[0..len); returns the offset of the next. */
size_t hp_next_line(const char *t, size_t len, size_t pos, hp_line *l);
#endif
