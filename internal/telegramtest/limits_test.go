package telegramtest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"mcu/internal/fakeclock"
)

// newFakeClock is a clock a test moves by hand.
func newFakeClock() *fakeclock.Clock {
	return fakeclock.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

// wantFlood checks that a call was refused with 429 and retry_after.
func wantFlood(t *testing.T, a apiAnswer, retryAfter int) {
	t.Helper()
	if a.Status != http.StatusTooManyRequests || a.Parameters.RetryAfter != retryAfter {
		t.Fatalf("got %d %q retry_after=%d, want 429 retry_after=%d", a.Status, a.Description, a.Parameters.RetryAfter, retryAfter)
	}
	if a.Header.Get("Retry-After") == "" || a.Description != "Too Many Requests: retry after "+a.Header.Get("Retry-After") {
		t.Errorf("description %q, Retry-After %q", a.Description, a.Header.Get("Retry-After"))
	}
}

func wantOK(t *testing.T, a apiAnswer) {
	t.Helper()
	if !a.OK {
		t.Fatalf("got %d %q, want ok", a.Status, a.Description)
	}
}

func TestFloodLimitsOffByDefault(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "hi")
	for range 10 {
		wantOK(t, callJSON(t, srv, "sendMessage", map[string]any{"chat_id": alice.ID, "text": "x"}))
	}
}

func TestFloodPrivateChat(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := newServer(t, Options{Now: clock.Now, Limits: Limits{On: true}})
	alice, bob := srv.NewUser("Алиса"), srv.NewUser("Боб")
	srv.SendText(alice, "hi")
	srv.SendText(bob, "hi")
	send := func(u User) apiAnswer {
		return callJSON(t, srv, "sendMessage", map[string]any{"chat_id": u.ID, "text": "x"})
	}
	for range 3 { // the burst
		wantOK(t, send(alice))
	}
	wantFlood(t, send(alice), 1)
	wantFlood(t, send(alice), 1) // a refused call takes nothing
	wantOK(t, send(bob))         // another chat has its own limit
	clock.Add(999 * time.Millisecond)
	wantFlood(t, send(alice), 1)
	clock.Add(time.Millisecond)
	wantOK(t, send(alice)) // one message per second after the burst
	wantFlood(t, send(alice), 1)
	// Edits count; answerCallbackQuery and sendChatAction do not.
	clock.Add(time.Second)
	m := sendText(t, srv, alice.ID, "menu", map[string]any{"reply_markup": keyboard([]map[string]any{button("A", "a")})})
	wantFlood(t, callJSON(t, srv, "editMessageText", map[string]any{"chat_id": alice.ID, "message_id": m.MessageID, "text": "new"}), 1)
	q, err := srv.Press(alice, m, "A")
	if err != nil {
		t.Fatal(err)
	}
	wantOK(t, callJSON(t, srv, "answerCallbackQuery", map[string]any{"callback_query_id": q.ID}))
	wantOK(t, callJSON(t, srv, "sendChatAction", map[string]any{"chat_id": alice.ID, "action": "typing"}))
	// A call that fails otherwise gives back what it took.
	clock.Add(time.Second)
	if a := callJSON(t, srv, "sendMessage", map[string]any{"chat_id": alice.ID, "text": " "}); a.Status != http.StatusBadRequest {
		t.Fatalf("empty text: %d %q", a.Status, a.Description)
	}
	wantOK(t, callJSON(t, srv, "editMessageText", map[string]any{"chat_id": alice.ID, "message_id": m.MessageID, "text": "new"}))
	// The burst comes back with time.
	clock.Add(3 * time.Second)
	for range 3 {
		wantOK(t, send(alice))
	}
	wantFlood(t, send(alice), 1)
}

func TestFloodAlbumItemsCount(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := newServer(t, Options{Now: clock.Now, Limits: Limits{On: true}})
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "hi")
	album := func(n int) apiAnswer {
		items := make([]map[string]string, n)
		for i := range items {
			items[i] = map[string]string{"type": "photo", "media": "https://example.org/p.jpg"}
		}
		media, _ := json.Marshal(items)
		return callJSON(t, srv, "sendMediaGroup", map[string]any{"chat_id": alice.ID, "media": string(media)})
	}
	wantOK(t, callJSON(t, srv, "sendMessage", map[string]any{"chat_id": alice.ID, "text": "x"}))
	wantFlood(t, album(3), 1) // 2 messages left of the burst of 3
	wantOK(t, album(2))
	wantFlood(t, callJSON(t, srv, "sendMessage", map[string]any{"chat_id": alice.ID, "text": "x"}), 1)
	// An album larger than the burst passes when the chat is idle, and
	// then the chat waits for every item.
	clock.Add(time.Minute)
	wantOK(t, album(10))
	wantFlood(t, callJSON(t, srv, "sendMessage", map[string]any{"chat_id": alice.ID, "text": "x"}), 8)
}

func TestFloodGroup(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := newServer(t, Options{Now: clock.Now, Limits: Limits{On: true}})
	group := srv.NewGroup("Двор")
	other := srv.NewSupergroup("Дом", false)
	send := func(c Chat) apiAnswer {
		return callJSON(t, srv, "sendMessage", map[string]any{"chat_id": c.ID, "text": "x"})
	}
	for i := range 20 {
		if i%10 == 0 {
			clock.Add(time.Second) // within the 30/s of the bot
		}
		wantOK(t, send(group))
		clock.Add(time.Second)
	}
	// The first of the 20 was sent 21s ago: 39s to go.
	wantFlood(t, send(group), 39)
	wantOK(t, send(other))
	clock.Add(38 * time.Second)
	wantFlood(t, send(group), 1)
	clock.Add(time.Second)
	wantOK(t, send(group))
	wantFlood(t, send(group), 1) // the second one was sent a second later
}

func TestFloodGlobal(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := newServer(t, Options{Now: clock.Now, Limits: Limits{On: true}})
	users := make([]User, 31)
	for i := range users {
		users[i] = srv.NewUser("U")
		srv.SendText(users[i], "hi")
	}
	for _, u := range users[:30] {
		wantOK(t, callJSON(t, srv, "sendMessage", map[string]any{"chat_id": u.ID, "text": "x"}))
	}
	wantFlood(t, callJSON(t, srv, "sendMessage", map[string]any{"chat_id": users[30].ID, "text": "x"}), 1)
	clock.Add(time.Second)
	wantOK(t, callJSON(t, srv, "sendMessage", map[string]any{"chat_id": users[30].ID, "text": "x"}))
}

func TestCallbackQueryExpires(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{false, true} {
		clock := newFakeClock()
		srv := newServer(t, Options{Now: clock.Now, Limits: Limits{On: on}})
		alice := srv.NewUser("Алиса")
		srv.SendText(alice, "hi")
		m := sendText(t, srv, alice.ID, "menu", map[string]any{"reply_markup": keyboard([]map[string]any{button("A", "a")})})
		answer := func() apiAnswer {
			q, err := srv.Press(alice, m, "A")
			if err != nil {
				t.Fatal(err)
			}
			clock.Add(15 * time.Second)
			if a := callJSON(t, srv, "answerCallbackQuery", map[string]any{"callback_query_id": q.ID}); !a.OK {
				t.Fatalf("on=%v: answer 15s after the press: %d %q", on, a.Status, a.Description)
			}
			q, _ = srv.Press(alice, m, "A")
			clock.Add(15*time.Second + time.Millisecond)
			return callJSON(t, srv, "answerCallbackQuery", map[string]any{"callback_query_id": q.ID, "text": "late"})
		}
		a := answer()
		if !on {
			wantOK(t, a)
			continue
		}
		if a.Status != http.StatusBadRequest || a.Description != "Bad Request: query is too old and response timeout expired or query ID is invalid" {
			t.Fatalf("late answer: %d %q", a.Status, a.Description)
		}
	}
}

func TestNotModifiedComparesFormattingAndKeyboard(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "hi")
	m := sendText(t, srv, alice.ID, "Срок: <b>завтра</b>", map[string]any{"parse_mode": "HTML"})
	const notModified = "Bad Request: " + descNotModified
	steps := []struct {
		name     string
		params   map[string]any
		modified bool
	}{
		{"same text and formatting", map[string]any{"text": "Срок: <b>завтра</b>", "parse_mode": "HTML"}, false},
		{"bold removed", map[string]any{"text": "Срок: завтра"}, true},
		{"plain again", map[string]any{"text": "Срок: завтра", "parse_mode": "HTML"}, false},
		{"italic", map[string]any{"text": "Срок: завтра", "entities": []map[string]any{{"type": "italic", "offset": 6, "length": 6}}}, true},
		{"same entities", map[string]any{"text": "Срок: завтра", "entities": []map[string]any{{"length": 6, "offset": 6, "type": "italic"}}}, false},
		{"MarkdownV2 bold", map[string]any{"text": "Срок: *завтра*", "parse_mode": "MarkdownV2"}, true},
		{"keyboard added", map[string]any{"text": "Срок: *завтра*", "parse_mode": "MarkdownV2", "reply_markup": keyboard([]map[string]any{button("Взять", "take")})}, true},
		{"keyboard changed", map[string]any{"text": "Срок: *завтра*", "parse_mode": "MarkdownV2", "reply_markup": keyboard([]map[string]any{button("Взять", "take2")})}, true},
		{"all the same", map[string]any{"text": "Срок: *завтра*", "parse_mode": "MarkdownV2", "reply_markup": keyboard([]map[string]any{button("Взять", "take2")})}, false},
	}
	for _, st := range steps {
		st.params["chat_id"], st.params["message_id"] = alice.ID, m.MessageID
		a := callJSON(t, srv, "editMessageText", st.params)
		if st.modified && !a.OK {
			t.Errorf("%s: %d %q, want an edit", st.name, a.Status, a.Description)
		}
		if !st.modified && a.Description != notModified {
			t.Errorf("%s: %d %q, want not modified", st.name, a.Status, a.Description)
		}
	}
	var photo Message
	callJSON(t, srv, "sendPhoto", map[string]any{"chat_id": alice.ID, "photo": "https://example.org/a.jpg", "caption": "<b>Двор</b>", "parse_mode": "HTML"}).decode(t, &photo)
	edit := func(params map[string]any) apiAnswer {
		params["chat_id"], params["message_id"] = alice.ID, photo.MessageID
		return callJSON(t, srv, "editMessageCaption", params)
	}
	if a := edit(map[string]any{"caption": "<b>Двор</b>", "parse_mode": "HTML"}); a.Description != notModified {
		t.Errorf("same caption: %d %q", a.Status, a.Description)
	}
	wantOK(t, edit(map[string]any{"caption": "Двор"}))
	if a := edit(map[string]any{"caption": "Двор"}); a.Description != notModified {
		t.Errorf("same plain caption: %d %q", a.Status, a.Description)
	}
}

func TestAlbumFailsPartway(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "hi")
	album := func(n int) apiAnswer {
		items := make([]map[string]string, n)
		for i := range items {
			items[i] = map[string]string{"type": "photo", "media": "https://example.org/p.jpg"}
		}
		media, _ := json.Marshal(items)
		return callJSON(t, srv, "sendMediaGroup", map[string]any{"chat_id": alice.ID, "media": string(media)})
	}
	srv.SendText(alice, "не альбом") // an AlbumItems fault waits for an album
	srv.FailAlbumAfter(2)
	wantOK(t, callJSON(t, srv, "sendMessage", map[string]any{"chat_id": alice.ID, "text": "x"}))
	a := album(4)
	if a.Status != http.StatusBadRequest || a.Description != `Bad Request: failed to send message #3 with the error message "IMAGE_PROCESS_FAILED"` {
		t.Fatalf("album: %d %q", a.Status, a.Description)
	}
	sent := srv.Sent(alice.ID)
	if len(sent) != 3 || sent[1].Photo == nil || sent[1].MediaGroupID == "" || sent[2].MediaGroupID != sent[1].MediaGroupID {
		t.Fatalf("the chat has %+v, want the message and the first 2 items", sent)
	}
	wantOK(t, album(4)) // the fault is used up

	// A 429 partway, and an album no longer than AlbumItems is whole.
	srv.AddFault(Fault{AlbumItems: 1, Code: http.StatusTooManyRequests, RetryAfter: 7})
	wantOK(t, callJSON(t, srv, "sendMediaGroup", map[string]any{"chat_id": alice.ID, "media": `[{"type":"photo","media":"https://example.org/p.jpg"}]`}))
	srv.AddFault(Fault{AlbumItems: 1, Code: http.StatusTooManyRequests, RetryAfter: 7})
	before := len(srv.Sent(alice.ID))
	wantFlood(t, album(2), 7)
	if n := len(srv.Sent(alice.ID)) - before; n != 1 {
		t.Errorf("%d items delivered, want 1", n)
	}
}

func TestLimitsOwnClock(t *testing.T) {
	t.Parallel()
	dates, limits := newFakeClock(), newFakeClock()
	srv := newServer(t, Options{Now: dates.Now, Limits: Limits{On: true, Now: limits.Now}})
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "hi")
	send := func() apiAnswer {
		return callJSON(t, srv, "sendMessage", map[string]any{"chat_id": alice.ID, "text": "x"})
	}
	for range 3 {
		wantOK(t, send())
	}
	dates.Add(time.Hour) // the clock of message dates does not count
	wantFlood(t, send(), 1)
	limits.Add(time.Second)
	wantOK(t, send())
}
