package storage_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/outbox"
	"mcu/storage"
	"mcu/tgstate"
	"mcu/workflow"
)

// forgetWorld is a database with residents who wrote to the bot, each
// with words of their own that must be gone once they are forgotten.
type forgetWorld struct {
	t   *testing.T
	db  *storage.DB
	svc *workflow.Service
	now time.Time
}

func newForgetWorld(t *testing.T) *forgetWorld {
	w := &forgetWorld{t: t, db: dbtest.New(t), now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	w.svc = &workflow.Service{Store: w.db, Calendar: workflow.NewCalendar(nil, nil), Location: time.UTC,
		Now: func() time.Time { return w.now }, Logger: dbtest.Logger(t)}
	dbtest.Exec(t, w.db, `INSERT INTO chat_bindings (chat_id, thread_id, purpose, direction, bound_by)
		VALUES (-1001234, 0, 'direction', 'housing', 0)`)
	return w
}

// resident gives consent as a Telegram user and submits an appeal with
// a photo, a place, an address and a phone; a reply and a dialog of theirs
// quote it too. Every word of it holds secret.
func (w *forgetWorld) resident(userID int64, secret string) (*workflow.ResidentProfile, *workflow.Appeal) {
	w.t.Helper()
	ctx := context.Background()
	r, _, err := w.db.GiveConsent(ctx, workflow.Consent{UserID: userID, ChatID: userID, Name: "Имя " + secret, Version: "v1", At: w.now})
	if err != nil {
		w.t.Fatal(err)
	}
	a, err := w.svc.Submit(ctx, workflow.Resident(userID), workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: "housing", ResidentID: r.ID,
		Text: "Течёт крыша " + secret, Address: "ул. " + secret + ", 5",
		Location:    &workflow.Location{Latitude: 59.1, Longitude: 28.1},
		Attachments: []workflow.Attachment{{Kind: "photo", FileID: "file-" + secret, FileUniqueID: "u-" + secret}},
		ContactName: "Имя " + secret, Contact: "+7911" + secret,
	})
	if err != nil {
		w.t.Fatal(err)
	}
	err = w.db.InTx(ctx, func(ctx context.Context, tx workflow.Tx) error {
		in := workflow.Input{Text: "Дополнение " + secret}
		if err := tx.AppendEvent(ctx, workflow.AuditEvent{AppealID: a.ID, At: w.now, Actor: workflow.Resident(userID),
			Event: workflow.EventResidentCommented, From: a.State, To: a.State, Payload: in}); err != nil {
			return err
		}
		// Its notice to the housing chat, still to be sent.
		return tx.Enqueue(ctx, workflow.Notification{AppealID: a.ID, Audience: workflow.AudienceCard,
			Direction: "housing", Event: workflow.EventResidentCommented, Input: in})
	})
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.db.EnqueueReply(ctx, userID, 0, outbox.Reply{Calls: []outbox.Call{{Text: "Ваш телефон +7911" + secret}}}); err != nil {
		w.t.Fatal(err)
	}
	data, _ := json.Marshal(map[string]string{"text": "Черновик " + secret})
	if err := w.db.SaveDialog(ctx, &tgstate.Dialog{UserID: userID, ChatID: userID, Kind: "intake", State: "details", Data: data}); err != nil {
		w.t.Fatal(err)
	}
	return r, a
}

// rowsHolding returns the tables with a row whose text holds s.
func (w *forgetWorld) rowsHolding(s string) []string {
	w.t.Helper()
	return dbtest.TablesHolding(w.t, w.db, s)
}

// Forgotten, a resident leaves nothing of theirs in the database — not
// their name, phone, words, address, photos or Telegram id — while their
// appeal keeps its number, state and direction, and the trail its events;
// another resident's appeal is untouched.
func TestForgetResidentLeavesNothingOfThem(t *testing.T) {
	t.Parallel()
	w := newForgetWorld(t)
	ctx := context.Background()
	alice, a := w.resident(771001, "Альфа")
	_, b := w.resident(772002, "Бета")
	eventsBefore, err := w.db.FindAppealEvents(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Альфа", "771001"} {
		if len(w.rowsHolding(s)) == 0 {
			t.Fatalf("%q is nowhere before forgetting: the check finds nothing", s)
		}
	}

	n, err := w.db.ForgetResident(ctx, alice.ID, w.now, nil)
	if err != nil || n != 1 {
		t.Fatalf("ForgetResident: %d appeals, %v; want 1", n, err)
	}
	for _, s := range []string{"Альфа", "771001"} {
		if tables := w.rowsHolding(s); len(tables) > 0 {
			t.Errorf("%q is still in %v", s, tables)
		}
	}
	if _, err := w.db.FindResident(ctx, 771001); workflow.ErrorCode(err) != workflow.ENotFound {
		t.Errorf("the forgotten resident is still found by their Telegram id: %v", err)
	}
	got, err := w.db.FindAppeal(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Number() != a.Number() || got.State != a.State || got.Direction != "housing" ||
		!got.Forgotten || got.Text != "" || got.Address != "" || got.Location != nil || len(got.Attachments) != 0 {
		t.Errorf("the forgotten appeal: № %s, %s, %s, forgotten %v, text %q, address %q, place %v, %d photos",
			got.Number(), got.State, got.Direction, got.Forgotten, got.Text, got.Address, got.Location, len(got.Attachments))
	}
	eventsAfter, err := w.db.FindAppealEvents(ctx, a.ID)
	if err != nil || len(eventsAfter) != len(eventsBefore) {
		t.Fatalf("events: %d after, %d before, %v", len(eventsAfter), len(eventsBefore), err)
	}
	if eventsAfter[0].Payload.Number != a.Number() {
		t.Errorf("the register event lost its number: %+v", eventsAfter[0].Payload)
	}
	if tables := w.rowsHolding("Бета"); len(tables) < 4 {
		t.Errorf("the other resident's words are in %v only: forgetting one took the other's", tables)
	}
	if other, err := w.db.FindAppeal(ctx, b.ID); err != nil || !strings.Contains(other.Text, "Бета") {
		t.Errorf("the other resident's appeal: %+v, %v", other, err)
	}

	if _, err := w.db.ForgetResident(ctx, alice.ID, w.now, nil); workflow.ErrorCode(err) != workflow.ENotFound {
		t.Errorf("forgetting twice: %v, want not found", err)
	}
	// The trail is append-only again once the forgetting is done, in the
	// same transaction too: not even a payload may change then.
	r2, _ := w.resident(773003, "Гамма")
	rollback := errors.New("rollback")
	err = w.db.InTxStore(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if _, err := tx.ForgetResidentInTx(ctx, r2.ID, w.now); err != nil {
			return err
		}
		err := tx.ExecInTx(ctx, `UPDATE appeal_events SET payload = '{}' WHERE appeal_id = $1`, b.ID)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("a payload changed after a forgetting, in its transaction: %v", err)
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
}

// After the retention period, the residents whose appeals are all
// finished are forgotten, and so is the contact of an appeal registered
// by staff; those with an appeal still open, or changed within the
// period, or subscribed to news, are kept.
func TestForgetExpiredKeepsWhatIsStillInUse(t *testing.T) {
	t.Parallel()
	w := newForgetWorld(t)
	ctx := context.Background()
	_, _ = w.resident(781001, "Старый")
	openOld, _ := w.resident(781002, "Открытый")
	_, _ = w.resident(781003, "Свежий")
	news, _ := w.resident(781004, "Новости")
	past := w.now.AddDate(-6, 0, 0)
	dbtest.Exec(t, w.db, `UPDATE residents SET created_at = $1`, past)
	dbtest.Exec(t, w.db, `UPDATE appeals a SET state = 'closed', updated_at = $1 FROM residents r
		WHERE r.id = a.resident_id AND r.telegram_user_id IN (781001, 781004)`, past)
	dbtest.Exec(t, w.db, `UPDATE appeals a SET state = 'closed' FROM residents r
		WHERE r.id = a.resident_id AND r.telegram_user_id = 781003`) // changed now
	dbtest.Exec(t, w.db, `UPDATE appeals SET updated_at = $1 WHERE resident_id = $2`, past, openOld.ID) // old but open
	dbtest.Exec(t, w.db, `UPDATE residents SET news = true WHERE id = $1`, news.ID)
	// An appeal an operator registered from a phone call, closed long ago.
	err := w.db.InTxStore(ctx, func(ctx context.Context, tx *storage.Tx) error {
		a := &workflow.Appeal{Kind: workflow.KindAppeal59, Source: workflow.SourcePhone, State: workflow.StateClosed,
			Text: "Звонок Телефонный", Version: 1, CreatedAt: past, UpdatedAt: past}
		return tx.CreateAppeal(ctx, a, "Иван Телефонный", "+7 911 000-00-00")
	})
	if err != nil {
		t.Fatal(err)
	}

	cutoff := w.now.AddDate(-5, 0, 0)
	residents, appeals, err := w.db.ForgetExpired(ctx, cutoff, w.now, 2)
	if err != nil || residents != 1 || appeals != 3 {
		t.Fatalf("ForgetExpired: %d residents, %d appeals, %v; want 1 and 3", residents, appeals, err)
	}
	for _, s := range []string{"Старый", "Телефонный", "Течёт крыша Новости"} {
		if tables := w.rowsHolding(s); len(tables) > 0 {
			t.Errorf("%q is still in %v", s, tables)
		}
	}
	for _, s := range []string{"Открытый", "Свежий"} {
		if tables := w.rowsHolding(s); len(tables) == 0 {
			t.Errorf("%q was forgotten while still in use", s)
		}
	}
	// The subscriber stays, without the content of their old appeal.
	if _, err := w.db.FindResident(ctx, 781004); err != nil {
		t.Errorf("the resident who takes the news was forgotten: %v", err)
	}
	if _, err := w.db.FindResident(ctx, 781001); workflow.ErrorCode(err) != workflow.ENotFound {
		t.Errorf("the old resident: %v", err)
	}
	if residents, appeals, err := w.db.ForgetExpired(ctx, cutoff, w.now, 2); err != nil || residents+appeals != 0 {
		t.Errorf("a second run forgot %d residents and %d appeals, %v; want none", residents, appeals, err)
	}
}

// A week after it went, a message keeps only its outcome: not its text,
// nor the resident's chat; a newer one, and one still to be sent, keep
// everything, and a group keeps its chat id.
func TestExpireMessagesKeepsOnlyOutcomes(t *testing.T) {
	t.Parallel()
	w := newForgetWorld(t)
	ctx := context.Background()
	_, _ = w.resident(791001, "Давнее")
	_, _ = w.resident(791002, "Недавнее")
	_, _ = w.resident(791003, "Неотправленное")
	dbtest.Exec(t, w.db, `UPDATE outbox SET sent_at = now() - interval '8 days' WHERE chat_id = 791001 OR chat_id < 0`)
	dbtest.Exec(t, w.db, `UPDATE outbox SET sent_at = now() - interval '6 days' WHERE chat_id = 791002`)
	groups := 0
	if err := w.db.Pool().QueryRow(ctx, `SELECT count(*) FROM outbox WHERE chat_id < 0`).Scan(&groups); err != nil || groups == 0 {
		t.Fatalf("%d messages to the group, %v", groups, err)
	}
	n, err := w.db.ExpireMessages(ctx, time.Now(), 2)
	if err != nil {
		t.Fatal(err)
	}
	var sent int
	if err := w.db.Pool().QueryRow(ctx, `SELECT count(*) FROM outbox WHERE sent_at < now() - interval '7 days'`).Scan(&sent); err != nil {
		t.Fatal(err)
	}
	if n != sent {
		t.Errorf("expired %d messages, want the %d sent over a week ago", n, sent)
	}
	if slices.Contains(w.rowsHolding("Давнее"), "outbox") {
		t.Errorf("a message sent 8 days ago still says what it said")
	}
	if slices.Contains(w.rowsHolding("791001"), "outbox") {
		t.Errorf("a message sent 8 days ago still names the resident's chat")
	}
	for _, s := range []string{"Недавнее", "Неотправленное"} {
		if !slices.Contains(w.rowsHolding(s), "outbox") {
			t.Errorf("the outbox lost %q before its time", s)
		}
	}
	var kept int
	if err := w.db.Pool().QueryRow(ctx, `SELECT count(*) FROM outbox WHERE chat_id < 0`).Scan(&kept); err != nil || kept != groups {
		t.Errorf("group chat ids: %d of %d kept, %v", kept, groups, err)
	}
	if n, err := w.db.ExpireMessages(ctx, time.Now(), 2); err != nil || n != 0 {
		t.Errorf("a second run expired %d, %v; want none", n, err)
	}
}

// An update given up weeks ago, and a rejected webhook post, are deleted
// after 30 days; one given up this week stays for inspection.
func TestExpireMessagesDeletesOldUpdates(t *testing.T) {
	t.Parallel()
	w := newForgetWorld(t)
	ctx := context.Background()
	dbtest.Exec(t, w.db, `INSERT INTO inbox (update_id, payload, received_at, attempts, next_attempt_at, last_error) VALUES
		(1, '{"message":{"text":"Старое"}}', now() - interval '31 days', 8, now(), 'boom'),
		(2, '{"message":{"text":"Свежее"}}', now() - interval '6 days', 8, now(), 'boom')`)
	dbtest.Exec(t, w.db, `INSERT INTO rejected_updates (received_at, size, body, reason) VALUES
		(now() - interval '31 days', 6, 'Старый', 'not json'), (now(), 6, 'Новый', 'not json')`)
	if _, err := w.db.ExpireMessages(ctx, time.Now(), 100); err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]int{"Старое": 0, "Свежее": 1} {
		if got := len(w.rowsHolding(s)); got != want {
			t.Errorf("%q in %d tables after expiry, want %d", s, got, want)
		}
	}
	var rejected int
	if err := w.db.Pool().QueryRow(ctx, `SELECT count(*) FROM rejected_updates`).Scan(&rejected); err != nil || rejected != 1 {
		t.Errorf("%d rejected updates left, %v; want the new one", rejected, err)
	}
}
