/*
 * export: `reach export`, the decoded click records with names resolved,
 * one line each, for spreadsheets, DuckDB or ClickHouse.
 */
#ifndef REDIRECTD_EXPORT_H
#define REDIRECTD_EXPORT_H

/* Run `reach export` with argv[0] == "export".  Returns the exit status:
 * 0, 1 for an error (after reporting), 2 for a usage error. */
int export_main(int argc, char **argv);

#endif
