package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/internal/telegramtest"
)

// waitFor polls cond until it holds or 10 s pass; for database state,
// which has no event to wait on.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestUpdateLeftByCrashIsHandledAtStart: an update that was received and
// confirmed to Telegram, but not handled before the process died, is in
// the inbox; the next start handles it.
func TestUpdateLeftByCrashIsHandledAtStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice := h.srv.NewUser("Алиса")
	h.srv.OpenPrivateChat(alice)
	h.stop()

	u := tele.Update{ID: 424242, Message: &tele.Message{
		ID: 1, Unixtime: h.clock().Unix(), Text: "/start",
		Sender:   &tele.User{ID: alice.ID, FirstName: alice.FirstName},
		Chat:     &tele.Chat{ID: alice.ID, Type: tele.ChatPrivate},
		Entities: tele.Entities{{Type: tele.EntityCommand, Offset: 0, Length: 6}},
	}}
	raw, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.Pool().Exec(context.Background(),
		`INSERT INTO inbox (update_id, payload, next_attempt_at) VALUES ($1, $2, now() + interval '1 hour')`, u.ID, raw); err != nil {
		t.Fatal(err)
	}

	h.start()
	got := h.srv.MustWaitSent(t, telegramtest.SentTo(alice.ID))
	if !strings.Contains(got.Text, "152-ФЗ") {
		t.Errorf("the crashed /start was answered with %q", got.Text)
	}
	h.waitFor("the inbox to empty", func() bool {
		return h.count(`SELECT count(*) FROM inbox`) == 0 &&
			h.count(`SELECT count(*) FROM processed_updates WHERE update_id = 424242`) == 1
	})
}

// TestUpdateSurvivesDatabaseFailure: while PostgreSQL cannot record a
// handled update, a resident's press is kept in the inbox and changes
// nothing; once it can, the press is handled again and takes effect.
func TestUpdateSurvivesDatabaseFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice := h.newPlayer("Алиса")
	alice.send("/start")
	consent := alice.expect("152-ФЗ")
	ctx := context.Background()
	// Recording a handled update breaks, as when PostgreSQL goes away in
	// the middle of handling.
	for _, q := range []string{
		`CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'database is restarting'; END; $$ LANGUAGE plpgsql`,
		`CREATE TRIGGER refuse BEFORE INSERT ON processed_updates FOR EACH ROW EXECUTE FUNCTION refuse()`,
	} {
		if _, err := h.db.Pool().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	q := h.srv.MustPress(t, alice.u, consent, "Согласен")
	h.waitFor("the failure to be recorded", func() bool {
		return h.count(`SELECT count(*) FROM inbox WHERE update_id = $1 AND last_error <> ''`, q.UpdateID) == 1
	})
	if n := h.count(`SELECT count(*) FROM residents WHERE consent_at IS NOT NULL`); n != 0 {
		t.Fatalf("consent stored while its update could not be recorded")
	}
	if _, err := h.db.Pool().Exec(ctx, `DROP TRIGGER refuse ON processed_updates`); err != nil {
		t.Fatal(err)
	}
	alice.expect("Спасибо!")
	h.waitFor("the consent and an empty inbox", func() bool {
		return h.count(`SELECT count(*) FROM residents WHERE consent_at IS NOT NULL`) == 1 &&
			h.count(`SELECT count(*) FROM inbox`) == 0
	})
}
