package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"mcu/internal/telegramtest"
)

// botCall calls a Bot API method of srv as the bot would and decodes the
// result into out (when not nil).
func botCall(t *testing.T, srv *telegramtest.Server, method string, params map[string]any, out any) {
	t.Helper()
	body, _ := json.Marshal(params)
	resp, err := http.Post(srv.URL+"/bot"+srv.Token+"/"+method, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		Description string          `json:"description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || !answer.OK {
		t.Fatalf("%s: %v %s", method, err, answer.Description)
	}
	if out != nil {
		if err := json.Unmarshal(answer.Result, out); err != nil {
			t.Fatal(err)
		}
	}
}

func newPage(t *testing.T) (*telegramtest.Server, *World, *httptest.Server) {
	t.Helper()
	srv := telegramtest.MustNew(t, telegramtest.Options{Logf: func(string, ...any) {}})
	w, err := LoadWorld()
	if err != nil {
		t.Fatal(err)
	}
	w.Register(srv, nil)
	page := NewPage(PageOptions{Server: srv, World: w, Debounce: time.Millisecond})
	web := httptest.NewServer(page.Handler())
	t.Cleanup(func() { page.Close(); web.Close() })
	return srv, w, web
}

func chatsOf(t *testing.T, web *httptest.Server, person string) chatsView {
	t.Helper()
	resp, err := http.Get(web.URL + "/api/chats?person=" + person)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v chatsView
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func postForm(t *testing.T, web *httptest.Server, path string, form url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, web.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(ActionHeader, "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestPageShowsTheChat: what the resident writes and what the bot sends
// (a reply keyboard with a location button, a force-reply prompt, inline
// buttons) is what the page's view of the chat holds; the resident cannot
// write into a group they are not in.
func TestPageShowsTheChat(t *testing.T) {
	srv, w, web := newPage(t)
	resident, _ := w.Persona("resident")
	chat := strconv.FormatInt(resident.ID, 10)
	if resp := postForm(t, web, "/api/send", url.Values{"person": {"resident"}, "chat": {chat}, "text": {"/start"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("send: %s", resp.Status)
	}
	botCall(t, srv, "sendMessage", map[string]any{"chat_id": resident.ID, "text": "Где это?",
		"reply_markup": map[string]any{"keyboard": [][]map[string]any{{{"text": "Геопозиция", "request_location": true}}}}}, nil)
	var prompt telegramtest.Message
	botCall(t, srv, "sendMessage", map[string]any{"chat_id": resident.ID, "text": "Опишите проблему",
		"reply_markup": map[string]any{"force_reply": true, "input_field_placeholder": "Описание"}}, &prompt)

	v := chatsOf(t, web, "resident")
	if len(v.Chats) != 1 || !v.Chats[0].Private {
		t.Fatalf("the resident sees %+v, want their chat with the bot alone", v.Chats)
	}
	c := v.Chats[0]
	if len(c.Messages) != 3 || !c.Messages[0].Mine || c.Messages[0].Text != "/start" || !c.Messages[1].FromBot {
		t.Fatalf("messages = %+v", c.Messages)
	}
	if len(c.Keyboard) != 1 || !c.Keyboard[0][0].RequestLocation || c.ForceReply != prompt.MessageID || c.Placeholder != "Описание" {
		t.Fatalf("keyboard %+v, force reply %d, placeholder %q; want the location button and the prompt %d", c.Keyboard, c.ForceReply, c.Placeholder, prompt.MessageID)
	}
	// Answering the prompt ends it.
	postForm(t, web, "/api/send", url.Values{"person": {"resident"}, "chat": {chat}, "text": {"Яма"}, "reply_to": {strconv.Itoa(prompt.MessageID)}})
	c = chatsOf(t, web, "resident").Chats[0]
	if last := c.Messages[len(c.Messages)-1]; last.ReplyTo == nil || last.ReplyTo.ID != prompt.MessageID || c.ForceReply != 0 {
		t.Fatalf("after the answer: last %+v, force reply %d", last, c.ForceReply)
	}
	if resp := postForm(t, web, "/api/send", url.Values{"person": {"resident"}, "chat": {strconv.FormatInt(w.TriageChat().ID, 10)}, "text": {"x"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("the resident wrote into the triage group: %s", resp.Status)
	}
	// A form another site posts (no header: a CORS preflight would be
	// needed for one) does nothing.
	forged, err := http.PostForm(web.URL+"/api/send", url.Values{"person": {"resident"}, "chat": {chat}, "text": {"forged"}})
	if err != nil {
		t.Fatal(err)
	}
	forged.Body.Close()
	if forged.StatusCode != http.StatusForbidden || len(srv.History(resident.ID)) != 4 {
		t.Fatalf("a post without %s: %s, history %v", ActionHeader, forged.Status, srv.History(resident.ID))
	}
}

// TestPageIsLive: the live view sends the chats at once and again after
// the bot edits a message, with the edit in place; a pressed button gets
// the bot's answer back.
func TestPageIsLive(t *testing.T) {
	srv, w, web := newPage(t)
	resident, _ := w.Persona("resident")
	srv.SendText(resident.User(), "/start")
	var card telegramtest.Message
	botCall(t, srv, "sendMessage", map[string]any{"chat_id": resident.ID, "text": "Оцените ответ",
		"reply_markup": map[string]any{"inline_keyboard": [][]map[string]any{{{"text": "5", "callback_data": "rate:5"}}}}}, &card)

	resp, err := http.Get(web.URL + "/api/events?person=resident")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := bufio.NewScanner(resp.Body)
	events.Buffer(nil, 1<<20)
	next := func() chatsView {
		t.Helper()
		for events.Scan() {
			if data, ok := strings.CutPrefix(events.Text(), "data: "); ok {
				var v chatsView
				if err := json.Unmarshal([]byte(data), &v); err != nil {
					t.Fatal(err)
				}
				return v
			}
		}
		t.Fatalf("the live view ended: %v", events.Err())
		return chatsView{}
	}
	if first := next(); len(first.Chats[0].Messages) != 2 {
		t.Fatalf("first event: %+v", first)
	}

	go func() {
		for {
			for _, u := range srv.Updates() {
				var raw struct {
					CallbackQuery *struct {
						ID string `json:"id"`
					} `json:"callback_query"`
				}
				if json.Unmarshal(u.Raw, &raw) == nil && raw.CallbackQuery != nil {
					body, _ := json.Marshal(map[string]any{"callback_query_id": raw.CallbackQuery.ID, "text": "Спасибо за оценку!"})
					r, err := http.Post(srv.URL+"/bot"+srv.Token+"/answerCallbackQuery", "application/json", bytes.NewReader(body))
					if err == nil {
						r.Body.Close()
					}
					return
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	press := postForm(t, web, "/api/press", url.Values{"person": {"resident"}, "chat": {strconv.FormatInt(resident.ID, 10)},
		"message": {strconv.Itoa(card.MessageID)}, "button": {"5"}})
	var answer struct {
		Answered bool   `json:"answered"`
		Text     string `json:"text"`
	}
	if err := json.NewDecoder(press.Body).Decode(&answer); err != nil || !answer.Answered || answer.Text != "Спасибо за оценку!" {
		t.Fatalf("press: %+v %v", answer, err)
	}

	botCall(t, srv, "editMessageText", map[string]any{"chat_id": resident.ID, "message_id": card.MessageID, "text": "Ваша оценка: 5"}, nil)
	for {
		v := next()
		m := v.Chats[0].Messages[1]
		if m.Text == "Ваша оценка: 5" {
			if !m.Edited || m.ID != card.MessageID || m.Buttons != nil {
				t.Fatalf("edited message = %+v, want it in place, marked edited, without buttons", m)
			}
			break
		}
	}
}
