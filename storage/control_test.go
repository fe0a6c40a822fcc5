package storage_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/outbox"
	"mcu/storage"
	"mcu/workflow"
)

// controlAppeal inserts a registered appeal of direction ("" for triage)
// in state s, due at due, and returns its id.
func controlAppeal(t *testing.T, db *storage.DB, seq int, direction string, s workflow.State, due time.Time) int64 {
	t.Helper()
	var dir *string
	if direction != "" {
		dir = &direction
	}
	var id int64
	err := db.Pool().QueryRow(context.Background(), `
		INSERT INTO appeals (year, seq, kind, source, state, direction, text, due_at, created_at, registered_at, updated_at)
		VALUES (2026, $1, 'message', 'bot', $2, $3, 'Яма у дома 5', $4, now(), now(), now()) RETURNING id`,
		seq, s, dir, due).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestSendAlertOnce: an alert is recorded with its messages in one
// transaction; the same alert again sends nothing, another due date is a
// new alert, a failed send leaves neither the record nor a message, and
// of concurrent runs exactly one sends.
func TestSendAlertOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	dbtest.Exec(t, db, `INSERT INTO chat_bindings (chat_id, purpose, direction, bound_by) VALUES (-1, 'direction', 'housing', 1)`)
	due := time.Date(2026, 3, 16, 23, 59, 59, 0, time.UTC)
	id := controlAppeal(t, db, 1, "housing", workflow.StateInProgress, due)
	at := due.Add(-72 * time.Hour)
	send := func(text string) func(context.Context, storage.PreparedEnqueuer) error {
		return func(ctx context.Context, enqueue storage.PreparedEnqueuer) error {
			_, err := enqueue(ctx, outbox.Recipient{Purpose: workflow.BindDirection, Direction: "housing"}, outbox.Prepared{Text: text})
			return err
		}
	}
	for i, want := range []bool{true, false} {
		sent, err := db.SendAlert(ctx, id, "remind_3", due, at, send("Напоминание"))
		if err != nil || sent != want {
			t.Fatalf("run %d: sent %v, %v; want %v", i+1, sent, err, want)
		}
	}
	if n := pending(t, db); n != 1 {
		t.Fatalf("%d messages queued after two runs, want 1", n)
	}

	boom := errors.New("boom")
	failing := func(ctx context.Context, enqueue storage.PreparedEnqueuer) error {
		if err := send("Напоминание")(ctx, enqueue); err != nil {
			return err
		}
		return boom
	}
	if _, err := db.SendAlert(ctx, id, "remind_1", due, at, failing); !errors.Is(err, boom) {
		t.Fatalf("failing send: %v", err)
	}
	if n := pending(t, db); n != 1 {
		t.Errorf("a failed send left %d messages queued, want the first one only", n)
	}
	if sent, err := db.SendAlert(ctx, id, "remind_1", due, at, send("Напоминание")); err != nil || !sent {
		t.Errorf("remind_1 after a failed attempt: sent %v, %v; want sent", sent, err)
	}
	// An extension: the same threshold for the new due date is new.
	if sent, err := db.SendAlert(ctx, id, "remind_3", due.AddDate(0, 0, 10), at, send("Напоминание")); err != nil || !sent {
		t.Errorf("remind_3 for a new due date: sent %v, %v; want sent", sent, err)
	}
	if _, err := db.SendAlert(ctx, id, "whenever", due, at, send("x")); workflow.ErrorCode(err) != workflow.EInvalid {
		t.Errorf("an unknown threshold: %v, want invalid", err)
	}

	var wg sync.WaitGroup
	results := make([]bool, 4)
	for i := range results {
		wg.Go(func() {
			sent, err := db.SendAlert(ctx, id, "escalate", due, at, send("Эскалация"))
			if err != nil {
				t.Error(err)
			}
			results[i] = sent
		})
	}
	wg.Wait()
	if n := len(slices.DeleteFunc(results, func(b bool) bool { return !b })); n != 1 {
		t.Errorf("%d of 4 concurrent runs sent the escalation, want 1", n)
	}
	escalations, err := db.FindEscalations(ctx, at.Add(-time.Second), at.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(escalations) != 1 || escalations[0].Number != "2026-000001" || escalations[0].Direction != "housing" ||
		!escalations[0].DueAt.Equal(due) {
		t.Errorf("escalations: %+v, want the one of 2026-000001", escalations)
	}
	if n := pending(t, db); n != 4 {
		t.Errorf("%d messages queued, want 4 (remind_3, remind_1, remind_3 after the extension, escalate)", n)
	}
}

// TestSendSummaryOnce: one summary per direction and slot, recorded also
// when nothing was sent.
func TestSendSummaryOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	slot := time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC)
	calls := 0
	send := func(context.Context, storage.PreparedEnqueuer) error { calls++; return nil }
	for i, want := range []bool{true, false} {
		sent, err := db.SendSummary(ctx, slot, "housing", 0, slot, send)
		if err != nil || sent != want {
			t.Fatalf("run %d: sent %v, %v; want %v", i+1, sent, err, want)
		}
	}
	if sent, err := db.SendSummary(ctx, slot.AddDate(0, 0, 1), "housing", 0, slot, send); err != nil || !sent {
		t.Errorf("the next day's slot: %v, %v; want sent", sent, err)
	}
	if calls != 2 {
		t.Errorf("send called %d times, want 2", calls)
	}
}

// TestRepostCardKeepsMedia: the card's message is forgotten in that chat
// only, its photos kept, and the card is queued for the chat again.
func TestRepostCardKeepsMedia(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	dbtest.Exec(t, db, `INSERT INTO chat_bindings (chat_id, purpose, direction, bound_by) VALUES (-1, 'direction', 'housing', 1)`)
	id := controlAppeal(t, db, 1, "housing", workflow.StateAssigned, time.Now().Add(time.Hour))
	dbtest.Exec(t, db, `INSERT INTO cards (appeal_id, chat_id, message_id, media_ids) VALUES ($1, -1, 40, '{38,39}'), ($1, -3, 7, '{}')`, id)
	if err := db.RepostCard(ctx, id, -1, "housing"); err != nil {
		t.Fatal(err)
	}
	var sent []outbox.Message
	drainOutbox(t, db, func(m outbox.Message) outbox.Outcome {
		sent = append(sent, m)
		return outbox.Outcome{CardMessageID: 41, CardMediaIDs: m.CardMediaIDs}
	})
	if len(sent) != 1 || sent[0].ChatID != -1 || sent[0].Notification.Audience != workflow.AudienceCard ||
		sent[0].CardMessageID != 0 || !slices.Equal(sent[0].CardMediaIDs, []int{38, 39}) {
		t.Fatalf("sent %+v; want one card for chat -1 with no message to edit and photos 38, 39", sent)
	}
	var other int
	if err := db.Pool().QueryRow(ctx, `SELECT message_id FROM cards WHERE appeal_id = $1 AND chat_id = -3`, id).Scan(&other); err != nil || other != 7 {
		t.Errorf("the card in another chat: message %d, %v; want 7, untouched", other, err)
	}
}

// TestFindOpenAppealsAndUnratedAnswers: the appeals deadline control
// watches.
func TestFindOpenAppealsAndUnratedAnswers(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	later := controlAppeal(t, db, 1, "housing", workflow.StateInProgress, now.Add(48*time.Hour))
	sooner := controlAppeal(t, db, 2, "", workflow.StateRegistered, now.Add(24*time.Hour))
	controlAppeal(t, db, 3, "housing", workflow.StateClosed, now)
	answered := controlAppeal(t, db, 4, "housing", workflow.StateAnswered, now)
	rated := controlAppeal(t, db, 5, "housing", workflow.StateAnswered, now)
	fresh := controlAppeal(t, db, 6, "housing", workflow.StateAnswered, now)
	dbtest.Exec(t, db, `UPDATE appeals SET answered_at = $2 WHERE id = ANY($1)`, []int64{answered, rated}, now.Add(-72*time.Hour))
	dbtest.Exec(t, db, `UPDATE appeals SET answered_at = $2 WHERE id = $1`, fresh, now)
	dbtest.Exec(t, db, `UPDATE appeals SET rating = 4 WHERE id = $1`, rated)

	open, err := db.FindOpenAppeals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(open); !slices.Equal(got, []int64{sooner, later}) {
		t.Errorf("open appeals %v, want %v (soonest deadline first)", got, []int64{sooner, later})
	}
	unrated, err := db.FindUnratedAnswers(ctx, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(unrated); !slices.Equal(got, []int64{answered}) {
		t.Errorf("unrated answers %v, want %v", got, []int64{answered})
	}

	dbtest.Exec(t, db, `INSERT INTO residents (id, telegram_user_id, chat_id) VALUES (1, 11, 11), (2, 12, 12), (3, 13, NULL)`)
	dbtest.Exec(t, db, `UPDATE residents SET blocked_at = now() WHERE id = 2`)
	dbtest.Exec(t, db, `INSERT INTO staff (user_id) VALUES (21), (22), (23)`)
	dbtest.Exec(t, db, `INSERT INTO staff_roles (user_id, role, direction) VALUES
		(22, 'curator', 'housing'), (21, 'curator', 'housing'), (23, 'executor', 'housing'), (23, 'curator', 'social')`)
	for resident, want := range map[int64]int64{1: 11, 2: 0, 3: 0, 4: 0} {
		if got, err := db.FindResidentChat(ctx, resident); err != nil || got != want {
			t.Errorf("chat of resident %d: %d, %v; want %d", resident, got, err, want)
		}
	}
	if got, err := db.FindCurators(ctx, "housing"); err != nil || !slices.Equal(got, []int64{21, 22}) {
		t.Errorf("curators of housing: %v, %v; want [21 22]", got, err)
	}
}

func ids(list []*workflow.Appeal) []int64 {
	out := make([]int64, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}
