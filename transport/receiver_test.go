package transport

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	tele "gopkg.in/telebot.v3"

	"mcu/internal/dbtest"
	"mcu/storage"
	"mcu/tgstate"
)

type handlerFunc func(tele.Update)

func (f handlerFunc) ProcessUpdate(u tele.Update) { f(u) }

// failingRejects is a store that cannot keep rejected updates.
type failingRejects struct{ *storage.DB }

func (failingRejects) SaveRejected(context.Context, tgstate.RejectedUpdate) error {
	return errors.New("database down")
}

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func post(t *testing.T, url, secret, body string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A post that is not an update is answered 200 (Telegram would redeliver
// it forever otherwise), kept in rejected_updates and logged without its
// content; an update still reaches the handler.
func TestWebhookKeepsUndecodableUpdates(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	var logs lockedBuffer
	var mu sync.Mutex
	var handled []int
	rx := NewReceiver(nil, handlerFunc(func(u tele.Update) {
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, u.ID)
	}), db, ReceiverOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	srv := httptest.NewServer(rx.Webhook("s3cret"))
	defer srv.Close()

	const private = "Иванова Мария, ул. Ленина 5"
	huge := `{"update_id": 44, "message": {"text": "` + strings.Repeat("я", maxUpdateBytes) + `"}}`
	cases := []struct {
		name, body string
		updateID   int64 // 0: unreadable
	}{
		{"not JSON", "<html>" + private, 0},
		{"wrong types", `{"update_id": 42, "message": {"message_id": "x", "text": "` + private + `"}}`, 42},
		{"no update_id", `{"message": {"message_id": 1, "text": "` + private + `"}}`, 0},
		{"too large", huge, 0},
		{"telebot panics on it", `{"update_id": 45, "message": {"message_id": 1, "chat": {"id": 5, "type": "private"}, "photo": []}}`, 45},
	}
	for _, c := range cases {
		if code := post(t, srv.URL, "s3cret", c.body); code != http.StatusOK {
			t.Errorf("%s: %d, want 200", c.name, code)
		}
	}
	if code := post(t, srv.URL, "s3cret", `{"update_id": 43, "message": {"message_id": 1, "text": "hi", "chat": {"id": 5, "type": "private"}}}`); code != http.StatusOK {
		t.Errorf("an update: %d, want 200", code)
	}
	if code := post(t, srv.URL, "wrong", "<html>"); code != http.StatusUnauthorized {
		t.Errorf("without the secret: %d, want 401", code)
	}

	rows, err := db.Pool().Query(t.Context(), `SELECT coalesce(update_id, 0), size, length(body), reason FROM rejected_updates ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var id int64
		var size, length int
		var reason string
		if err := rows.Scan(&id, &size, &length, &reason); err != nil {
			t.Fatal(err)
		}
		if i >= len(cases) {
			t.Fatalf("an extra rejected update %d: %s", id, reason)
		}
		c := cases[i]
		want := min(len(c.body), maxUpdateBytes)
		if id != c.updateID || size != want || length != want || reason == "" {
			t.Errorf("%s: kept update_id=%d size=%d body=%d reason=%q, want %d %d %d and a reason", c.name, id, size, length, reason, c.updateID, want, want)
		}
		i++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(cases) {
		t.Errorf("%d rejected updates kept, want %d", i, len(cases))
	}
	mu.Lock()
	if len(handled) != 1 || handled[0] != 43 {
		t.Errorf("handled %v, want [43]", handled)
	}
	mu.Unlock()
	out := logs.String()
	if strings.Contains(out, "Иванова") || strings.Contains(out, "Ленина") {
		t.Errorf("the log holds an update's content:\n%s", out)
	}
	if !strings.Contains(out, "update_id=42") {
		t.Errorf("the log does not name update_id 42:\n%s", out)
	}

	// Not kept: Telegram must try again.
	rx = NewReceiver(nil, handlerFunc(func(tele.Update) {}), failingRejects{db}, ReceiverOptions{})
	srv2 := httptest.NewServer(rx.Webhook("s3cret"))
	defer srv2.Close()
	if code := post(t, srv2.URL, "s3cret", "<html>"); code != http.StatusServiceUnavailable {
		t.Errorf("not kept: %d, want 503", code)
	}
}
