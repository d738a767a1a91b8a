/*
 * input: a whole input file (or standard input) read into memory, where
 * the tools parse it (linkctl's imports, the configuration file): an import is then parsed again from the same bytes
 * when its transaction is redone after the map grew, and nothing is read
 * twice from a pipe.
 */
#ifndef REDIRECTD_TOOLS_INPUT_H
#define REDIRECTD_TOOLS_INPUT_H

#include <stddef.h>

/*
 * Read all of path ("-" or NULL: standard input) into *buf, a heap buffer
 * the caller frees, with one spare byte after the *len bytes of data,
 * set to NUL.  *label is the name for messages ("stdin" or path).
 * Returns 0, or 1 (linkctl's EXIT_REFUSED) after reporting why.
 */
int input_read(const char *path, char **buf, size_t *len, const char **label);

#endif
