/*
 * recfield: the offsets of the fields reach's counting loops read from a
 * record that verified (count.c for the leaderboard, cards.c for the
 * report's cards and the posts' figures), at clickrec.h's layout.
 * Decoding whole records (clickrec_decode copies the address and referrer
 * too) took a third of the loop.  The integration tests write every field
 * through clickrec's encoder, so an offset that drifted from the format
 * would fail them.
 */
#ifndef REDIRECTD_RECFIELD_H
#define REDIRECTD_RECFIELD_H

enum {
	REC_TIME = 0, REC_VISITOR = 8, REC_LINK = 16, REC_STAFF = 20,
	REC_CAMPAIGN = 24, REC_CLASS = 34, REC_FLAGS = 35, REC_PLATFORM = 36,
	REC_SEQ_HI = 39, REC_COUNTRY = 56, REC_SEQ_LO = 122,
};

#endif
