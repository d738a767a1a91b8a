/*
 * campaign: linkctl's campaign commands -- a link per colleague minted in
 * one go, suggested posts rendered for each of them, and the campaign's
 * links listed, disabled, enabled and retargeted together.  Every command
 * that writes is one write transaction, like the rest of linkctl (see
 * linkctl.c), so concurrent runs never mint a colleague two links.
 */
#ifndef REDIRECTD_CAMPAIGN_H
#define REDIRECTD_CAMPAIGN_H

/* linkctl campaign SUBCOMMAND ...: argv[0] is "campaign".  Returns the
 * exit status (0, EXIT_REFUSED, EXIT_USAGE). */
int campaign_main(int argc, char **argv);

#endif
