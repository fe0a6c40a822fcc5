package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/outbox"
	"mcu/storage"
	"mcu/workflow"
)

// TestDigestCommand: mcu digest fails, saying why, while no chat is bound
// to head; once the head's chat (and the leader's) are bound, it exits 0
// with the digest delivered to both: the chart with the digest as its
// caption.
func TestDigestCommand(t *testing.T) {
	t.Parallel()
	srv := telegramtest.MustNew(t, telegramtest.Options{Limits: telegramtest.Limits{On: true, Now: time.Now}})
	url := dbtest.URL(t)
	db, err := storage.Open(t.Context(), url, dbtest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	env := env(map[string]string{
		"MCU_TELEGRAM_TOKEN": srv.Token, "MCU_TELEGRAM_API_URL": srv.URL, "MCU_DATABASE_URL": url,
	})
	var out lockedBuffer
	if code := run(t.Context(), []string{"digest"}, env, &out); code != 1 || !strings.Contains(out.String(), "no chat is bound to head") {
		t.Fatalf("without a head chat: exit %d, output %q; want 1 saying no chat is bound to head", code, out.String())
	}

	head, leader := srv.NewUser("Глава"), srv.NewGroup("МЦУ")
	srv.OpenPrivateChat(head)
	dbtest.Exec(t, db, `INSERT INTO chat_bindings (chat_id, thread_id, purpose, bound_by) VALUES ($1, 0, 'head', 0), ($2, 0, 'leader', 0)`,
		head.ID, leader.ID)
	out = lockedBuffer{}
	if code := run(t.Context(), []string{"digest"}, env, &out); code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, out.String())
	}
	for _, chat := range []int64{head.ID, leader.ID} {
		sent := srv.Sent(chat)
		if len(sent) != 1 || len(sent[0].Photo) == 0 || !strings.HasPrefix(sent[0].Caption, "📊 Сводка на") {
			t.Errorf("chat %d got %v, want one photo with the digest as its caption", chat, sent)
		}
	}
}

// TestDigestJobSaysWhenLate: the scheduled digest of a slot missed while
// every instance was down says which slot it is for.
func TestDigestJobSaysWhenLate(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	slot := time.Date(2026, 3, 17, 9, 0, 0, 0, msk)
	d := JobDeps{
		Config: &Config{Location: msk, DigestCron: "0 9 * * *"}, DB: db, Calendar: workflow.NewCalendar(nil, nil),
		Logger: dbtest.Logger(t), Now: func() time.Time { return slot.Add(3*time.Hour + 12*time.Minute) },
	}
	if err := d.digest(context.Background(), slot, true); err != nil {
		t.Fatalf("without a head chat the job logs and succeeds: %v", err)
	}
	dbtest.Exec(t, db, `INSERT INTO chat_bindings (chat_id, thread_id, purpose, bound_by) VALUES (42, 0, 'head', 0)`)
	for _, late := range []bool{false, true} {
		if err := d.digest(context.Background(), slot, late); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.Pool().Query(context.Background(), `SELECT payload FROM outbox WHERE chat_id = 42 ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var captions []string
	for rows.Next() {
		var raw []byte
		var p outbox.Prepared
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &p); err != nil || p.File == nil {
			t.Fatalf("payload %s: %v", raw, err)
		}
		captions = append(captions, p.File.Caption)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(captions) != 2 {
		t.Fatalf("%d digests queued, want 2", len(captions))
	}
	if strings.Contains(captions[0], "опозданием") {
		t.Errorf("the digest on time says it is late:\n%s", captions[0])
	}
	if want := "⏰ Сводка за 09:00 17.03, отправлена с опозданием.\n📊 Сводка на 17.03.2026, 12:12"; !strings.HasPrefix(captions[1], want) {
		t.Errorf("the late digest begins\n%s\nwant\n%s", captions[1][:min(len(captions[1]), 120)], want)
	}
}
