package bot_test

import (
	"testing"

	"mcu/internal/dbtest"
)

// TestRepliesCommitWithTheUpdate: a handling whose transaction fails at
// commit sends nothing, and the update tried again from the inbox answers
// once — the reply is enqueued with the update's effects, not sent before
// them (a handler that used to send straight away answered twice).
func TestRepliesCommitWithTheUpdate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice := h.newPlayer("Алиса")
	alice.consent()
	// The next update's transaction fails at its commit, once (a sequence
	// is not rolled back with it).
	dbtest.Exec(t, h.db, `
		CREATE SEQUENCE refuse_once;
		CREATE FUNCTION refuse_once() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF nextval('refuse_once') = 1 THEN
				RAISE EXCEPTION 'commit refused once';
			END IF;
			RETURN NULL;
		END $$;
		CREATE CONSTRAINT TRIGGER refuse_once AFTER INSERT ON processed_updates
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_once();`)
	help := alice.send("/help")
	alice.expect("Этот бот принимает сообщения")
	h.waitFor("the update to be handled and the inbox empty", func() bool {
		return h.count(`SELECT count(*) FROM processed_updates WHERE update_id = $1`, help.UpdateID) == 1 &&
			h.count(`SELECT count(*) FROM inbox`) == 0
	})
	if n := h.count(`SELECT last_value FROM refuse_once`); n < 2 {
		t.Fatalf("the commit was not refused (sequence at %d)", n)
	}
	alice.sync()
	if got := alice.botMessagesAfter(help.MessageID, alice.seen); len(got) != 2 {
		t.Errorf("%d answers to /help and /help again, want 2 (one each)", len(got))
	}
}
