package telegramtest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// poll calls getUpdates and returns the updates.
func poll(t *testing.T, srv *Server, params map[string]any) []Update {
	t.Helper()
	var ups []Update
	callJSON(t, srv, "getUpdates", params).decode(t, &ups)
	return ups
}

// waitPolling waits until n getUpdates calls have started.
func waitPolling(t *testing.T, srv *Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.waitFor(ctx, "a long poll", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return srv.pollGen >= n
	})
	if err != nil {
		t.Fatal(err)
	}
}

func ids(ups []Update) []int {
	out := make([]int, len(ups))
	for i, u := range ups {
		out[i] = u.UpdateID
	}
	return out
}

func TestGetUpdatesOffsetConfirms(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	m1 := srv.SendText(alice, "один")
	m2 := srv.SendText(alice, "два")
	m3 := srv.SendText(alice, "три")
	if m1.UpdateID != 1 || m2.UpdateID != 2 || m3.UpdateID != 3 {
		t.Fatalf("update ids %d %d %d", m1.UpdateID, m2.UpdateID, m3.UpdateID)
	}

	if got := ids(poll(t, srv, nil)); len(got) != 3 {
		t.Fatalf("first poll %v", got)
	}
	// Not confirmed: the same updates again.
	ups := poll(t, srv, map[string]any{"offset": 0, "limit": 2})
	if got := ids(ups); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("second poll %v", got)
	}
	if ups[0].Message.Text != "один" || ups[0].Message.From.ID != alice.ID {
		t.Errorf("update content %+v", ups[0].Message)
	}
	// offset 3 confirms 1 and 2.
	if got := ids(poll(t, srv, map[string]any{"offset": 3})); len(got) != 1 || got[0] != 3 {
		t.Fatalf("poll from 3: %v", got)
	}
	if got := ids(poll(t, srv, nil)); len(got) != 1 || got[0] != 3 {
		t.Fatalf("1 and 2 not forgotten: %v", got)
	}
	if got := ids(poll(t, srv, map[string]any{"offset": 4})); len(got) != 0 {
		t.Fatalf("poll from 4: %v", got)
	}
	recs := srv.Updates()
	if len(recs) != 3 || recs[0].Pending || recs[2].Pending || recs[2].Deliveries != 3 {
		t.Errorf("records %+v", recs)
	}

	// A negative offset keeps the last -offset updates.
	for _, text := range []string{"4", "5", "6"} {
		srv.SendText(alice, text)
	}
	if got := ids(poll(t, srv, map[string]any{"offset": -1})); len(got) != 1 || got[0] != 6 {
		t.Fatalf("offset -1: %v", got)
	}
	if got := ids(poll(t, srv, nil)); len(got) != 1 || got[0] != 6 {
		t.Fatalf("after offset -1: %v", got)
	}
}

func TestLongPollWakesOnInjection(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	done := make(chan []Update, 1)
	go func() {
		var ups []Update
		a := callJSONNoFatal(srv, "getUpdates", map[string]any{"timeout": 30})
		_ = json.Unmarshal(a, &struct {
			Result *[]Update `json:"result"`
		}{&ups})
		done <- ups
	}()
	waitPolling(t, srv, 1)
	start := time.Now()
	srv.SendText(alice, "проснись")
	select {
	case ups := <-done:
		if len(ups) != 1 || ups[0].Message.Text != "проснись" {
			t.Errorf("woke with %+v", ups)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("woke after %v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not wake up")
	}
}

// callJSONNoFatal is callJSON for goroutines: it returns the body or nil.
func callJSONNoFatal(srv *Server, method string, params any) []byte {
	body, _ := json.Marshal(params)
	resp, err := http.Post(srv.URL+"/bot"+srv.Token+"/"+method, "application/json", strings.NewReader(string(body)))
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return data
}

func TestLongPollTimesOut(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	start := time.Now()
	ups := poll(t, srv, map[string]any{"timeout": 1})
	if d := time.Since(start); len(ups) != 0 || d < 900*time.Millisecond || d > 3*time.Second {
		t.Errorf("got %v after %v", ups, d)
	}
}

func TestSecondPollerConflicts(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	first := make(chan []byte, 1)
	go func() { first <- callJSONNoFatal(srv, "getUpdates", map[string]any{"timeout": 30}) }()
	waitPolling(t, srv, 1)
	if ups := poll(t, srv, map[string]any{"timeout": 0}); len(ups) != 0 {
		t.Fatalf("second poll got %v", ups)
	}
	select {
	case body := <-first:
		if !strings.Contains(string(body), `"error_code":409`) || !strings.Contains(string(body), "terminated by other getUpdates request") {
			t.Errorf("first poll answered %s", body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("first poll not terminated")
	}
}

func TestRedeliver(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	m := srv.SendText(alice, "/new")
	srv.SendText(alice, "потом")
	poll(t, srv, map[string]any{"offset": 0})
	if got := ids(poll(t, srv, map[string]any{"offset": 3})); len(got) != 0 {
		t.Fatalf("not confirmed: %v", got)
	}
	if err := srv.Redeliver(m.UpdateID); err != nil {
		t.Fatal(err)
	}
	ups := poll(t, srv, map[string]any{"offset": 3})
	if got := ids(ups); len(got) != 1 || got[0] != m.UpdateID || ups[0].Message.Text != "/new" {
		t.Fatalf("redelivered: %v", got)
	}
	srv.MustWaitDelivered(t, m.UpdateID)
	// Delivered once more, then confirmed by the next offset.
	if got := ids(poll(t, srv, map[string]any{"offset": m.UpdateID + 1})); len(got) != 0 {
		t.Fatalf("redelivered twice: %v", got)
	}
	if rec := srv.Updates()[0]; rec.Deliveries != 2 || rec.Pending {
		t.Errorf("record %+v", rec)
	}
	if err := srv.Redeliver(999); err == nil {
		t.Error("redelivered an unknown update")
	}
}

func TestAllowedUpdates(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "hi")
	poll(t, srv, map[string]any{"allowed_updates": []string{"message"}, "offset": 2})
	card := sendText(t, srv, alice.ID, "карточка", map[string]any{"reply_markup": keyboard([]map[string]any{button("OK", "ok")})})
	q := srv.MustPress(t, alice, card, "OK")
	if err := srv.WaitDelivered(context.Background(), q.UpdateID); err == nil || !strings.Contains(err.Error(), "allowed_updates") {
		t.Errorf("WaitDelivered of a dropped update: %v", err)
	}
	if rec := srv.Updates(); !rec[len(rec)-1].Dropped {
		t.Errorf("callback not dropped: %+v", rec)
	}
	// "null" (what telebot sends by default) keeps the setting; [] restores
	// the default.
	poll(t, srv, map[string]any{"allowed_updates": "null"})
	if q := srv.MustPress(t, alice, card, "OK"); srv.Updates()[len(srv.Updates())-1].Dropped != true {
		t.Errorf("null reset allowed_updates (%v)", q.UpdateID)
	}
	poll(t, srv, map[string]any{"allowed_updates": []string{}})
	q = srv.MustPress(t, alice, card, "OK")
	if got := poll(t, srv, nil); len(got) != 1 || got[0].CallbackQuery == nil || got[0].CallbackQuery.ID != q.ID {
		t.Errorf("callback after reset: %+v", got)
	}
	id, err := srv.InjectRawUpdate(json.RawMessage(`{"chat_member":{"chat":{"id":1,"type":"group"}}}`))
	if err != nil || !srv.Updates()[len(srv.Updates())-1].Dropped {
		t.Errorf("chat_member is not delivered by default (%d, %v)", id, err)
	}
}

func TestInjectRawUpdate(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	id, err := srv.InjectRawUpdate(json.RawMessage(`{"update_id":77,"my_chat_member":{"chat":{"id":5,"type":"private"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]json.RawMessage
	callJSON(t, srv, "getUpdates", nil).decode(t, &raw)
	if len(raw) != 1 || string(raw[0]["update_id"]) != jsonString(id) || raw[0]["my_chat_member"] == nil {
		t.Errorf("raw update %s", jsonString(raw))
	}
	for _, bad := range []string{`[]`, `{"a":1,"b":2}`, `nope`} {
		if _, err := srv.InjectRawUpdate(json.RawMessage(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	u := srv.InjectUpdate(Update{EditedMessage: &Message{MessageID: 1, Chat: Chat{ID: 5, Type: "private"}, Text: "x"}})
	if u.UpdateID != id+1 {
		t.Errorf("InjectUpdate id %d", u.UpdateID)
	}
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")

	var (
		mu      sync.Mutex
		got     []Update
		secrets []string
		fail    = true
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			fail = false
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		var u Update
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got = append(got, u)
		secrets = append(secrets, r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
	}))
	defer hook.Close()

	a := callJSON(t, srv, "setWebhook", map[string]any{"url": hook.URL + "/hook", "secret_token": "s3cret"})
	if !a.OK || a.Description != "Webhook was set" {
		t.Fatalf("setWebhook: %+v", a)
	}
	if a := callJSON(t, srv, "getUpdates", nil); a.Status != 409 || !strings.HasPrefix(a.Description, "Conflict: can't use getUpdates method while webhook is active") {
		t.Errorf("getUpdates with a webhook: %d %q", a.Status, a.Description)
	}
	m := srv.SendText(alice, "через вебхук")
	srv.MustWaitDelivered(t, m.UpdateID)
	mu.Lock()
	if len(got) != 1 || got[0].Message.Text != "через вебхук" || secrets[0] != "s3cret" {
		t.Errorf("webhook got %+v (secrets %q)", got, secrets)
	}
	mu.Unlock()
	var info WebhookInfo
	callJSON(t, srv, "getWebhookInfo", nil).decode(t, &info)
	if info.URL != hook.URL+"/hook" || info.PendingUpdateCount != 0 || !strings.Contains(info.LastErrorMessage, "500") {
		t.Errorf("webhook info %+v", info)
	}
	if srv.Webhook().SecretToken != "s3cret" {
		t.Errorf("secret not recorded")
	}
	if a := callJSON(t, srv, "deleteWebhook", map[string]any{"drop_pending_updates": true}); a.Description != "Webhook was deleted" {
		t.Errorf("deleteWebhook: %+v", a)
	}
	srv.SendText(alice, "опять поллинг")
	if ups := poll(t, srv, nil); len(ups) != 1 {
		t.Errorf("after deleteWebhook: %v", ups)
	}
	if a := callJSON(t, srv, "setWebhook", map[string]any{"url": "ftp://x"}); a.Status != 400 {
		t.Errorf("ftp webhook: %+v", a)
	}
	// The secret: 1-256 characters of A-Z, a-z, 0-9, _ and -.
	for secret, want := range map[string]string{
		"a+b/c=":                              "Bad Request: secret token contains unallowed characters",
		"two words":                           "Bad Request: secret token contains unallowed characters",
		"секрет":                              "Bad Request: secret token contains unallowed characters",
		"tab\t":                               "Bad Request: secret token contains unallowed characters",
		strings.Repeat("a", 257):              "Bad Request: secret token is too long",
		strings.Repeat("Az09_-", 42) + "abcd": "",
	} {
		a := callJSON(t, srv, "setWebhook", map[string]any{"url": hook.URL + "/hook", "secret_token": secret})
		if want == "" {
			if !a.OK {
				t.Errorf("secret of %d characters: %d %q", len(secret), a.Status, a.Description)
			}
			continue
		}
		if a.Status != 400 || a.Description != want {
			t.Errorf("secret %.20q: %d %q, want 400 %q", secret, a.Status, a.Description, want)
		}
		if info := srv.Webhook(); info.SecretToken == secret {
			t.Errorf("refused secret %.20q was set", secret)
		}
	}
}

func TestCloseEndsLongPollsAndWaits(t *testing.T) {
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	polled := make(chan []byte, 1)
	go func() { polled <- callJSONNoFatal(srv, "getUpdates", map[string]any{"timeout": 60}) }()
	waited := make(chan error, 1)
	go func() {
		_, err := srv.WaitSent(context.Background(), nil)
		waited <- err
	}()
	waitPolling(t, srv, 1)
	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	select {
	case body := <-polled:
		if !strings.Contains(string(body), `"ok":true`) {
			t.Errorf("poll answered %q", body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll not ended by Close")
	}
	select {
	case err := <-waited:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("wait ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("wait not ended by Close")
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	http.DefaultClient.CloseIdleConnections()

	// No goroutine of the server survives Close.
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "telegramtest.(*Server)") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server goroutines left after Close:\n%s", stacks)
		}
		time.Sleep(10 * time.Millisecond) // goroutines finishing their return
	}
}

func TestWaitTimesOut(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := srv.WaitSent(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitSent: %v", err)
	}
	if _, err := srv.WaitCall(ctx, "sendMessage", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitCall: %v", err)
	}
}

// TestWebhookChatsInParallel checks Telegram's order of webhook
// deliveries: one chat's updates one at a time, in order; other chats in
// parallel, up to max_connections.
func TestWebhookChatsInParallel(t *testing.T) {
	t.Parallel()
	for _, maxConn := range []int{0, 1} { // 0: Telegram's default, 40
		srv := newServer(t, Options{})
		alice, bob := srv.NewUser("Алиса"), srv.NewUser("Боб")
		release := make(chan struct{})
		arrived := make(chan string, 10)
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var u Update
			if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			arrived <- u.Message.Text
			if u.Message.Text == "a1" {
				<-release // Alice's first update hangs
			}
		}))
		params := map[string]any{"url": hook.URL}
		if maxConn != 0 {
			params["max_connections"] = maxConn
		}
		wantOK(t, callJSON(t, srv, "setWebhook", params))
		srv.SendText(alice, "a1")
		if got := <-arrived; got != "a1" {
			t.Fatalf("first delivery %q", got)
		}
		srv.SendText(alice, "a2")
		b1 := srv.SendText(bob, "b1")
		if maxConn == 0 {
			if got := <-arrived; got != "b1" { // while a1 hangs
				t.Fatalf("max_connections %d: delivery %q while a1 hangs, want b1", maxConn, got)
			}
			srv.MustWaitDelivered(t, b1.UpdateID)
		}
		select {
		case got := <-arrived:
			t.Fatalf("max_connections %d: %q delivered while a1 hangs", maxConn, got)
		case <-time.After(100 * time.Millisecond):
		}
		close(release)
		want := map[int][]string{0: {"a2"}, 1: {"a2", "b1"}}[maxConn]
		var rest []string
		for range want {
			rest = append(rest, <-arrived)
		}
		if strings.Join(rest, " ") != strings.Join(want, " ") {
			t.Errorf("max_connections %d: then %q, want %q", maxConn, rest, want)
		}
		callJSON(t, srv, "deleteWebhook", nil)
		hook.Close()
	}
}
