/*
 * commands: the entry point of every linkctl command, for linkctl.c's
 * dispatch table.  argv[0] is the command's own word ("add" for "staff
 * add", "disable" for "disable" and for "campaign disable").  Each
 * returns the exit status: 0, EXIT_REFUSED or EXIT_USAGE (msg.h), having
 * said why.
 */
#ifndef REDIRECTD_LINKCTL_COMMANDS_H
#define REDIRECTD_LINKCTL_COMMANDS_H

/* staff.c */
int staff_add_main(int argc, char **argv);
int staff_import_main(int argc, char **argv);
int staff_list_main(int argc, char **argv);
/* staff_set.c */
int staff_set_main(int argc, char **argv);
/* mint.c, import.c, list.c */
int mint_main(int argc, char **argv);
int import_main(int argc, char **argv);
int list_main(int argc, char **argv);
/* toggle.c: disable, enable, click-id */
int toggle_main(int argc, char **argv);
/* campaign_create.c, campaign_posts.c, campaign_list.c */
int campaign_create_main(int argc, char **argv);
int campaign_posts_main(int argc, char **argv);
int campaign_list_main(int argc, char **argv);
/* campaign_change.c: campaign disable, enable, retarget, click-id */
int campaign_change_main(int argc, char **argv);
/* qr.c */
int qr_main(int argc, char **argv);
/* backup.c: backup, verify */
int backup_main(int argc, char **argv);
int verify_main(int argc, char **argv);

#endif
