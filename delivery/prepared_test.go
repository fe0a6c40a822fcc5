package delivery_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"testing"
	"time"

	"mcu/delivery"
	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/outbox"
	"mcu/workflow"
)

// pngOf returns a small PNG, as the digest's chart is one.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, h/2, color.Black)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPreparedMessagesReachTheirChats: a digest-like message (a chart,
// then a text with buttons) goes to the chat bound to head; a document to
// a chat by id; a purpose with no chat bound is a not-found error and
// enqueues nothing.
func TestPreparedMessagesReachTheirChats(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	head := f.srv.NewUser("Глава")
	f.srv.OpenPrivateChat(head)
	ctx := context.Background()

	if _, err := f.db.EnqueuePrepared(ctx, outbox.Recipient{Purpose: workflow.BindHead}, outbox.Prepared{Text: "x"}); workflow.ErrorCode(err) != workflow.ENotFound {
		t.Fatalf("enqueue to an unbound head chat: %v, want not found", err)
	}
	if n := f.pending(t); n != 0 {
		t.Fatalf("%d messages queued for nobody", n)
	}

	dbtest.Exec(t, f.db, `INSERT INTO chat_bindings (chat_id, thread_id, purpose, bound_by) VALUES ($1, 0, 'head', 0)`, head.ID)
	chart := pngOf(t, 800, 500)
	long := strings.Repeat("Строка сводки.\n", 400) // over 4096 characters: two parts
	digestID, err := f.db.EnqueuePrepared(ctx, outbox.Recipient{Purpose: workflow.BindHead}, outbox.Prepared{
		File:    &outbox.File{Kind: outbox.FilePhoto, Caption: "Открытые и просроченные по направлениям", Data: chart},
		Text:    long,
		Buttons: [][]outbox.Button{{{Text: "2026-000001", Unique: "dg_open", Data: "1"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	report := []byte("PK\x03\x04 not really a zip")
	if _, err := f.db.EnqueuePrepared(ctx, outbox.Recipient{ChatID: f.housing.ID}, outbox.Prepared{
		File: &outbox.File{Kind: outbox.FileDocument, Name: "report-2026-02.xlsx", Caption: "Отчёт за февраль", Data: report},
	}); err != nil {
		t.Fatal(err)
	}
	f.start(delivery.DispatcherOptions{})

	f.srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(head.ID), telegramtest.Contains("Строка сводки"),
		func(m telegramtest.Message) bool { return len(m.Buttons()) > 0 }))
	sent := f.srv.Sent(head.ID)
	if len(sent) != 3 {
		t.Fatalf("the head got %d messages, want the chart and two parts of the text:\n%v", len(sent), sent)
	}
	if len(sent[0].Photo) == 0 || sent[0].Caption != "Открытые и просроченные по направлениям" {
		t.Errorf("first message is not the chart with its caption: %v", sent[0])
	}
	if data, ok := f.srv.FileData(sent[0].Photo[len(sent[0].Photo)-1].FileID); !ok || !bytes.Equal(data, chart) {
		t.Errorf("the chart sent is not the PNG enqueued (%d bytes, ok %v)", len(data), ok)
	}
	if got := sent[1].Text + "\n" + sent[2].Text; strings.Count(got, "Строка сводки.") != 400 {
		t.Errorf("the text arrived with %d of 400 lines", strings.Count(got, "Строка сводки."))
	}
	if len(sent[1].Buttons()) != 0 || !slices.Equal(sent[2].ButtonTexts()[0], []string{"2026-000001"}) {
		t.Errorf("buttons: first part %v, last part %v; want them under the last part only", sent[1].ButtonTexts(), sent[2].ButtonTexts())
	}
	doc := f.srv.MustWaitSent(t, telegramtest.SentTo(f.housing.ID))
	if doc.Document == nil || doc.Document.FileName != "report-2026-02.xlsx" || doc.Caption != "Отчёт за февраль" {
		t.Fatalf("housing got %v, want the report as a document", doc)
	}
	if data, ok := f.srv.FileData(doc.Document.FileID); !ok || !bytes.Equal(data, report) {
		t.Errorf("the document sent is not the file enqueued")
	}
	// The dispatcher records the outcome after Telegram answered.
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := f.db.FindOutboxDelivery(ctx, digestID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Sent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("digest delivery %+v; want sent", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
