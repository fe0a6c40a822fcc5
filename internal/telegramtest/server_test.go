package telegramtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestGetMe(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{Token: "42:secret", BotUsername: "mcu_test_bot", BotFirstName: "МЦУ"})
	var me map[string]any
	callJSON(t, srv, "getMe", nil).decode(t, &me)
	want := map[string]any{
		"id": float64(42), "is_bot": true, "first_name": "МЦУ", "username": "mcu_test_bot",
		"can_join_groups": true, "can_read_all_group_messages": true, "supports_inline_queries": false,
		"can_connect_to_business": false, "has_main_web_app": false,
	}
	if diff := cmp.Diff(want, me); diff != "" {
		t.Errorf("getMe (-want +got):\n%s", diff)
	}
	if srv.Bot.ID != 42 || srv.Token != "42:secret" {
		t.Errorf("identity: %+v %q", srv.Bot, srv.Token)
	}
}

func TestNewRejectsTokenWithoutID(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{Token: "nonsense"}); err == nil {
		t.Fatal("New accepted a token without a bot id")
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	get := func(path string) apiAnswer {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return do(t, req)
	}
	post := func(method, contentType, body string) apiAnswer {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/bot"+srv.Token+"/"+method, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", contentType)
		return do(t, req)
	}
	tests := []struct {
		name       string
		answer     func() apiAnswer
		wantStatus int
		wantDesc   string
	}{
		{"wrong token", func() apiAnswer { return get("/bot1:wrong/getMe") }, 401, "Unauthorized"},
		{"unknown method", func() apiAnswer { return get("/bot" + srv.Token + "/sendDice") }, 404, "Not Found: method not found"},
		{"no method", func() apiAnswer { return get("/bot" + srv.Token + "/") }, 404, "Not Found"},
		{"not the API", func() apiAnswer { return get("/index.html") }, 404, "Not Found"},
		{"method name in another case", func() apiAnswer { return get("/bot" + srv.Token + "/GETME") }, 200, ""},
		{"malformed JSON", func() apiAnswer { return post("sendMessage", "application/json", `{"chat_id": 1,`) }, 400, ""},
		{"JSON array", func() apiAnswer { return post("sendMessage", "application/json", `[1,2]`) }, 400, "Bad Request: JSON object expected"},
		{"JSON null is no parameters", func() apiAnswer { return post("getMe", "application/json", "null\n") }, 200, ""},
		{"empty body", func() apiAnswer { return post("getMe", "application/json", "") }, 200, ""},
		{"query parameters", func() apiAnswer { return get("/bot" + srv.Token + "/sendMessage?chat_id=1&text=hi") }, 400, "Bad Request: chat not found"},
		{"form parameters", func() apiAnswer {
			return post("sendMessage", "application/x-www-form-urlencoded", "chat_id=1&text=hi")
		}, 400, "Bad Request: chat not found"},
		{"missing chat_id", func() apiAnswer { return post("sendMessage", "application/json", `{"text":"hi"}`) }, 400, "Bad Request: chat_id is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.answer()
			if a.Status != tt.wantStatus {
				t.Fatalf("status %d (%s), want %d", a.Status, a.Description, tt.wantStatus)
			}
			if tt.wantDesc != "" && a.Description != tt.wantDesc {
				t.Errorf("description %q, want %q", a.Description, tt.wantDesc)
			}
			if a.Status != 200 && !strings.HasPrefix(a.Header.Get("Content-Type"), "application/json") {
				t.Errorf("Content-Type %q", a.Header.Get("Content-Type"))
			}
		})
	}
	if got := srv.CallsOf("getMe"); len(got) != 4 || got[0].Status != 401 {
		t.Errorf("getMe recorded %d times (%v), want 4, the first refused", len(got), got)
	}
}

func TestSendMessageShape(t *testing.T) {
	t.Parallel()
	now := func() int64 { return 1767261600 } // 2026-01-01 10:00 UTC
	srv := newServer(t, Options{Now: func() time.Time { return time.Unix(now(), 0) }})
	alice := srv.NewUser("Алиса")
	in := srv.SendText(alice, "/start")

	var raw map[string]any
	callJSON(t, srv, "sendMessage", map[string]any{
		"chat_id": alice.ID, "text": "<b>Привет</b> &amp; добро пожаловать", "parse_mode": "HTML",
		"reply_markup":        keyboard([]map[string]any{button("Новое обращение", "new"), {"text": "Сайт", "url": "https://example.org"}}),
		"reply_to_message_id": in.MessageID,
	}).decode(t, &raw)
	delete(raw["reply_to_message"].(map[string]any), "entities")
	want := map[string]any{
		"message_id": float64(2),
		"date":       float64(now()),
		"from":       map[string]any{"id": float64(srv.Bot.ID), "is_bot": true, "first_name": "MCU Test Bot", "username": "mcu_test_bot"},
		"chat":       map[string]any{"id": float64(alice.ID), "type": "private", "first_name": "Алиса"},
		"text":       "Привет & добро пожаловать",
		"reply_markup": map[string]any{"inline_keyboard": []any{[]any{
			map[string]any{"text": "Новое обращение", "callback_data": "new"},
			map[string]any{"text": "Сайт", "url": "https://example.org"},
		}}},
		"reply_to_message": map[string]any{
			"message_id": float64(1),
			"date":       float64(now()),
			"from":       map[string]any{"id": float64(alice.ID), "is_bot": false, "first_name": "Алиса", "language_code": "ru"},
			"chat":       map[string]any{"id": float64(alice.ID), "type": "private", "first_name": "Алиса"},
			"text":       "/start",
		},
	}
	if diff := cmp.Diff(want, raw); diff != "" {
		t.Errorf("sendMessage result (-want +got):\n%s", diff)
	}

	second := sendText(t, srv, alice.ID, "ещё", nil)
	if second.MessageID != 3 {
		t.Errorf("next message_id = %d, want 3", second.MessageID)
	}
	got := srv.Sent(alice.ID)
	if len(got) != 2 || got[0].Text != "Привет & добро пожаловать" || got[0].ParseMode != "HTML" {
		t.Fatalf("Sent = %v", got)
	}
	if diff := cmp.Diff([][]string{{"Новое обращение", "Сайт"}}, got[0].ButtonTexts()); diff != "" {
		t.Errorf("buttons (-want +got):\n%s", diff)
	}
	if h := srv.History(alice.ID); len(h) != 3 || h[0].Text != "/start" {
		t.Errorf("History = %v", h)
	}
}

func TestForceReplyAndKeyboardsAreRemembered(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "hi")
	prompt := sendText(t, srv, alice.ID, "Опишите проблему", map[string]any{
		"reply_markup": map[string]any{"force_reply": true, "input_field_placeholder": "Текст обращения"},
	})
	m := srv.MustMessage(t, alice.ID, prompt.MessageID)
	if !m.ForceReply || m.Placeholder != "Текст обращения" || m.ReplyMarkup != nil {
		t.Errorf("force reply not kept: %+v", m)
	}
	kb := sendText(t, srv, alice.ID, "Телефон?", map[string]any{
		"reply_markup": `{"keyboard":[[{"text":"Отправить номер","request_contact":true}],["Отмена"]],"resize_keyboard":true}`,
	})
	m = srv.MustMessage(t, alice.ID, kb.MessageID)
	want := [][]KeyboardButton{{{Text: "Отправить номер", RequestContact: true}}, {{Text: "Отмена"}}}
	if diff := cmp.Diff(want, m.Keyboard); diff != "" {
		t.Errorf("keyboard (-want +got):\n%s", diff)
	}
}

func TestRejections(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	stranger := srv.NewUser("Никогда не писал")
	srv.SendText(alice, "/start")
	card := sendText(t, srv, alice.ID, "Карточка", map[string]any{"reply_markup": keyboard([]map[string]any{button("Взять", "take")})})
	deleted := sendText(t, srv, alice.ID, "удалю", nil)
	callJSON(t, srv, "deleteMessage", map[string]any{"chat_id": alice.ID, "message_id": deleted.MessageID})
	forum := srv.NewSupergroup("Штаб", true)
	topic := srv.AddTopic(forum, "ЖКХ")

	long := strings.Repeat("я", 4097)
	emoji := strings.Repeat("😀", 4097) // 4097 characters, 8194 UTF-16 code units

	tests := []struct {
		name   string
		method string
		params map[string]any
		status int
		desc   string
	}{
		{"callback data over 64 bytes", "sendMessage", map[string]any{"chat_id": alice.ID, "text": "x",
			"reply_markup": keyboard([]map[string]any{button("b", strings.Repeat("ж", 33))})}, 400, "Bad Request: BUTTON_DATA_INVALID"},
		{"empty callback data", "sendMessage", map[string]any{"chat_id": alice.ID, "text": "x",
			"reply_markup": keyboard([]map[string]any{button("b", "")})}, 400, "Bad Request: BUTTON_DATA_INVALID"},
		{"button without action", "sendMessage", map[string]any{"chat_id": alice.ID, "text": "x",
			"reply_markup": keyboard([]map[string]any{{"text": "b"}})}, 400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"},
		{"relative button URL", "sendMessage", map[string]any{"chat_id": alice.ID, "text": "x",
			"reply_markup": keyboard([]map[string]any{{"text": "b", "url": "/appeals/1"}})}, 400, "Bad Request: BUTTON_URL_INVALID"},
		{"text over 4096", "sendMessage", map[string]any{"chat_id": alice.ID, "text": long}, 400, "Bad Request: message is too long"},
		{"text over 4096 characters (emoji)", "sendMessage", map[string]any{"chat_id": alice.ID, "text": emoji}, 400, "Bad Request: message is too long"},
		{"empty text", "sendMessage", map[string]any{"chat_id": alice.ID, "text": ""}, 400, "Bad Request: message text is empty"},
		{"blank text", "sendMessage", map[string]any{"chat_id": alice.ID, "text": " \n "}, 400, "Bad Request: message text is empty"},
		{"only markup", "sendMessage", map[string]any{"chat_id": alice.ID, "text": "<b></b>", "parse_mode": "HTML"}, 400, "Bad Request: message text is empty"},
		{"unsupported HTML tag", "sendMessage", map[string]any{"chat_id": alice.ID, "text": "a<br>b", "parse_mode": "HTML"}, 400,
			`Bad Request: can't parse entities: Unsupported start tag "br" at byte offset 1`},
		{"unescaped MarkdownV2", "sendMessage", map[string]any{"chat_id": alice.ID, "text": "Обращение 2026-000017.", "parse_mode": "MarkdownV2"}, 400,
			`Bad Request: can't parse entities: Character '-' is reserved and must be escaped with the preceding '\'`},
		{"caption over 1024", "sendPhoto", map[string]any{"chat_id": alice.ID, "photo": "https://example.org/a.jpg", "caption": strings.Repeat("a", 1025)}, 400,
			"Bad Request: message caption is too long"},
		{"unknown chat", "sendMessage", map[string]any{"chat_id": 777, "text": "x"}, 400, "Bad Request: chat not found"},
		{"unknown username", "sendMessage", map[string]any{"chat_id": "@nobody", "text": "x"}, 400, "Bad Request: chat not found"},
		{"user who never wrote", "sendMessage", map[string]any{"chat_id": stranger.ID, "text": "x"}, 403, "Forbidden: bot can't initiate conversation with a user"},
		{"reply to a missing message", "sendMessage", map[string]any{"chat_id": alice.ID, "text": "x", "reply_to_message_id": 999}, 400,
			"Bad Request: message to be replied not found"},
		{"unknown topic", "sendMessage", map[string]any{"chat_id": forum.ID, "text": "x", "message_thread_id": topic + 100}, 400,
			"Bad Request: message thread not found"},
		{"edit with the same text and markup", "editMessageText", map[string]any{"chat_id": alice.ID, "message_id": card.MessageID, "text": "Карточка",
			"reply_markup": keyboard([]map[string]any{button("Взять", "take")})}, 400,
			"Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"},
		{"edit a missing message", "editMessageText", map[string]any{"chat_id": alice.ID, "message_id": 999, "text": "x"}, 400, "Bad Request: message to edit not found"},
		{"edit a deleted message", "editMessageReplyMarkup", map[string]any{"chat_id": alice.ID, "message_id": deleted.MessageID}, 400, "Bad Request: message to edit not found"},
		{"edit a user's message", "editMessageText", map[string]any{"chat_id": alice.ID, "message_id": 1, "text": "x"}, 400, "Bad Request: message can't be edited"},
		{"edit to over 4096", "editMessageText", map[string]any{"chat_id": alice.ID, "message_id": card.MessageID, "text": long}, 400, "Bad Request: MESSAGE_TOO_LONG"},
		{"edit without message_id", "editMessageText", map[string]any{"chat_id": alice.ID, "text": "x"}, 400, "Bad Request: message identifier is not specified"},
		{"delete a missing message", "deleteMessage", map[string]any{"chat_id": alice.ID, "message_id": deleted.MessageID}, 400, "Bad Request: message to delete not found"},
		{"answer an unknown query", "answerCallbackQuery", map[string]any{"callback_query_id": "123"}, 400,
			"Bad Request: query is too old and response timeout expired or query ID is invalid"},
		{"unknown file", "getFile", map[string]any{"file_id": "nope"}, 400, "Bad Request: invalid file_id"},
		{"unknown file_id to send", "sendPhoto", map[string]any{"chat_id": alice.ID, "photo": "AgACnope"}, 400, "Bad Request: wrong file identifier/HTTP URL specified"},
		{"bad chat action", "sendChatAction", map[string]any{"chat_id": alice.ID, "action": "dancing"}, 400, "Bad Request: wrong parameter action in request"},
		{"upper-case command", "setMyCommands", map[string]any{"commands": []map[string]string{{"command": "Start", "description": "Начать"}}}, 400, "Bad Request: BOT_COMMAND_INVALID"},
		{"album over 10", "sendMediaGroup", map[string]any{"chat_id": alice.ID, "media": strings.Repeat(`{"type":"photo","media":"https://example.org/a.jpg"},`, 11)}, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "album over 10" {
				tt.params["media"] = "[" + strings.TrimSuffix(tt.params["media"].(string), ",") + "]"
				tt.desc = "Bad Request: Too much messages to send as an album"
			}
			before := len(srv.History(alice.ID))
			a := callJSON(t, srv, tt.method, tt.params)
			if a.Status != tt.status || a.Description != tt.desc {
				t.Errorf("%s: got %d %q, want %d %q", tt.method, a.Status, a.Description, tt.status, tt.desc)
			}
			if after := len(srv.History(alice.ID)); after != before {
				t.Errorf("a refused call changed the chat: %d → %d messages", before, after)
			}
		})
	}

	t.Run("exactly 4096 characters pass", func(t *testing.T) {
		// Telegram counts characters (code points, tdlib's utf8_length),
		// not UTF-16 code units: 4096 emoji are 8192 units.
		sendText(t, srv, alice.ID, strings.Repeat("😀", 4096), nil)
		callJSON(t, srv, "sendPhoto", map[string]any{"chat_id": alice.ID, "photo": "https://example.org/a.jpg", "caption": strings.Repeat("😀", 1024)}).decode(t, new(Message))
		if a := callJSON(t, srv, "sendPhoto", map[string]any{"chat_id": alice.ID, "photo": "https://example.org/a.jpg", "caption": strings.Repeat("😀", 1025)}); a.Description != "Bad Request: message caption is too long" {
			t.Errorf("1025 emoji caption: %d %q", a.Status, a.Description)
		}
		sendText(t, srv, alice.ID, "<b>"+strings.Repeat("я", 4096)+"</b>", map[string]any{"parse_mode": "HTML"})
	})
	t.Run("second answer to a callback query", func(t *testing.T) {
		q := srv.MustPress(t, alice, card, "Взять")
		callJSON(t, srv, "answerCallbackQuery", map[string]any{"callback_query_id": q.ID, "text": "Взято"}).decode(t, new(bool))
		a := callJSON(t, srv, "answerCallbackQuery", map[string]any{"callback_query_id": q.ID})
		if a.Status != 400 || !strings.Contains(a.Description, "query is too old") {
			t.Errorf("second answer: %d %q", a.Status, a.Description)
		}
		if got := srv.MustCallbackAnswer(t, q.ID); got.Text != "Взято" {
			t.Errorf("answer %+v", got)
		}
	})
}

func TestEditAndDeleteChangeState(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "/start")
	card := sendText(t, srv, alice.ID, "Обращение 2026-000001: получено", map[string]any{
		"reply_markup": keyboard([]map[string]any{button("Взять", "take"), button("Отклонить", "reject")}),
	})

	var edited Message
	callJSON(t, srv, "editMessageText", map[string]any{
		"chat_id": alice.ID, "message_id": card.MessageID, "text": "Обращение 2026-000001: в работе",
		"reply_markup": keyboard([]map[string]any{button("Ответить", "answer")}),
	}).decode(t, &edited)
	if edited.EditDate == 0 || edited.Text != "Обращение 2026-000001: в работе" {
		t.Errorf("edit result %+v", edited)
	}
	cur := srv.MustMessage(t, alice.ID, card.MessageID)
	if cur.Text != "Обращение 2026-000001: в работе" || cmp.Diff([][]string{{"Ответить"}}, cur.ButtonTexts()) != "" {
		t.Errorf("state after edit: %v", cur)
	}
	if _, err := srv.Press(alice, card, "Взять"); err == nil {
		t.Error("pressed a button the edit removed")
	}

	// An edit without reply_markup removes the keyboard, as in Telegram.
	callJSON(t, srv, "editMessageText", map[string]any{"chat_id": alice.ID, "message_id": card.MessageID, "text": "Обращение 2026-000001: закрыто"}).decode(t, &edited)
	if cur := srv.MustMessage(t, alice.ID, card.MessageID); cur.ReplyMarkup != nil {
		t.Errorf("keyboard kept: %v", cur)
	}
	callJSON(t, srv, "editMessageReplyMarkup", map[string]any{"chat_id": alice.ID, "message_id": card.MessageID,
		"reply_markup": keyboard([]map[string]any{button("Оценить", "rate")})}).decode(t, &edited)
	if cur := srv.MustMessage(t, alice.ID, card.MessageID); cmp.Diff([][]string{{"Оценить"}}, cur.ButtonTexts()) != "" {
		t.Errorf("markup edit: %v", cur)
	}
	if a := callJSON(t, srv, "editMessageReplyMarkup", map[string]any{"chat_id": alice.ID, "message_id": card.MessageID,
		"reply_markup": keyboard([]map[string]any{button("Оценить", "rate")})}); !strings.Contains(a.Description, "message is not modified") {
		t.Errorf("same markup: %d %q", a.Status, a.Description)
	}

	// AllSent keeps messages as sent.
	if all := srv.AllSent(); len(all) != 1 || all[0].Text != "Обращение 2026-000001: получено" {
		t.Errorf("AllSent = %v", all)
	}

	callJSON(t, srv, "deleteMessage", map[string]any{"chat_id": alice.ID, "message_id": card.MessageID}).decode(t, new(bool))
	if _, ok := srv.Message(alice.ID, card.MessageID); ok {
		t.Error("deleted message still there")
	}
	if len(srv.Sent(alice.ID)) != 0 {
		t.Errorf("Sent after delete = %v", srv.Sent(alice.ID))
	}
}

func TestEditCaption(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "hi")
	var photo Message
	callJSON(t, srv, "sendPhoto", map[string]any{"chat_id": alice.ID, "photo": "https://example.org/p.jpg", "caption": "было"}).decode(t, &photo)
	var edited Message
	callJSON(t, srv, "editMessageCaption", map[string]any{"chat_id": alice.ID, "message_id": photo.MessageID, "caption": "стало"}).decode(t, &edited)
	if got := srv.MustMessage(t, alice.ID, photo.MessageID); got.Caption != "стало" || len(got.Photo) == 0 {
		t.Errorf("caption edit: %v", got)
	}
	text := sendText(t, srv, alice.ID, "текст", nil)
	if a := callJSON(t, srv, "editMessageCaption", map[string]any{"chat_id": alice.ID, "message_id": text.MessageID, "caption": "x"}); a.Status != 400 {
		t.Errorf("caption of a text message: %d %q", a.Status, a.Description)
	}
	if a := callJSON(t, srv, "editMessageText", map[string]any{"chat_id": alice.ID, "message_id": photo.MessageID, "text": "x"}); a.Description != "Bad Request: there is no text in the message to edit" {
		t.Errorf("text of a photo: %d %q", a.Status, a.Description)
	}
}

func TestFiles(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	in := srv.SendPhoto(alice, "яма во дворе")
	if len(in.Photo) != 3 || in.Caption != "яма во дворе" {
		t.Fatalf("user photo %+v", in)
	}
	largest := in.Photo[len(in.Photo)-1]

	var f File
	callJSON(t, srv, "getFile", map[string]any{"file_id": largest.FileID}).decode(t, &f)
	if f.FileID != largest.FileID || f.FilePath == "" || f.FileSize != largest.FileSize {
		t.Fatalf("getFile = %+v", f)
	}
	resp, err := http.Get(srv.URL + "/file/bot" + srv.Token + "/" + f.FilePath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, _ := srv.FileData(largest.FileID)
	if resp.StatusCode != 200 || string(body) != string(want) || len(body) != f.FileSize || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("download: %d, %d bytes, want %d", resp.StatusCode, len(body), f.FileSize)
	}
	for _, path := range []string{"/file/bot" + srv.Token + "/photos/nope.jpg", "/file/bot1:bad/" + f.FilePath} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("%s served", path)
		}
	}

	// The bot uploads a new photo (multipart), then resends it by file_id.
	var up Message
	callMultipart(t, srv, "sendPhoto", map[string]string{"chat_id": fmtID(alice.ID), "caption": "ответ"}, "photo", "answer.jpg", drawJPEG(640, 480, 1)).decode(t, &up)
	if len(up.Photo) != 2 || up.Photo[1].Width != 640 || up.Photo[1].Height != 480 || up.Caption != "ответ" {
		t.Fatalf("uploaded photo %+v", up)
	}
	var again Message
	callJSON(t, srv, "sendPhoto", map[string]any{"chat_id": alice.ID, "photo": up.Photo[1].FileID}).decode(t, &again)
	if cmp.Diff(up.Photo, again.Photo) != "" {
		t.Errorf("resent photo has other sizes: %v vs %v", up.Photo, again.Photo)
	}
	if call := srv.CallsOf("sendPhoto")[0]; call.Files["photo"] != "answer.jpg" || call.Param("caption") != "ответ" {
		t.Errorf("recorded upload %+v", call)
	}

	var doc Message
	callMultipart(t, srv, "sendDocument", map[string]string{"chat_id": fmtID(alice.ID)}, "document", "report.xlsx", []byte("PK\x03\x04")).decode(t, &doc)
	if doc.Document == nil || doc.Document.FileName != "report.xlsx" || doc.Document.MimeType != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("document %+v", doc.Document)
	}
	if a := callJSON(t, srv, "sendPhoto", map[string]any{"chat_id": alice.ID, "photo": doc.Document.FileID}); a.Status != 400 {
		t.Errorf("document as photo: %d", a.Status)
	}
	userDoc := srv.SendDocument(alice, "акт.pdf", []byte("%PDF-1.4"))
	if data, ok := srv.FileData(userDoc.Document.FileID); !ok || string(data) != "%PDF-1.4" || userDoc.Document.MimeType != "application/pdf" {
		t.Errorf("user document %+v", userDoc.Document)
	}
}

func TestSendMediaGroup(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "hi")
	userPhoto := srv.SendPhoto(alice, "")
	media, _ := json.Marshal([]map[string]string{
		{"type": "photo", "media": "attach://0", "caption": "Фото до"},
		{"type": "photo", "media": userPhoto.Photo[2].FileID},
	})
	var msgs []Message
	callMultipart(t, srv, "sendMediaGroup", map[string]string{"chat_id": fmtID(alice.ID), "media": string(media)}, "0", "before.jpg", drawJPEG(100, 100, 2)).decode(t, &msgs)
	if len(msgs) != 2 || msgs[0].MediaGroupID == "" || msgs[0].MediaGroupID != msgs[1].MediaGroupID || msgs[0].Caption != "Фото до" || msgs[1].Photo[0].FileID != userPhoto.Photo[0].FileID {
		t.Fatalf("album %v", msgs)
	}
	if msgs[1].MessageID != msgs[0].MessageID+1 {
		t.Errorf("album ids %d, %d", msgs[0].MessageID, msgs[1].MessageID)
	}
	mixed, _ := json.Marshal([]map[string]string{{"type": "photo", "media": userPhoto.Photo[0].FileID}, {"type": "document", "media": "https://example.org/a.pdf"}})
	if a := callJSON(t, srv, "sendMediaGroup", map[string]any{"chat_id": alice.ID, "media": string(mixed)}); a.Description != "Bad Request: can't use the media of the specified type in the album" {
		t.Errorf("mixed album: %d %q", a.Status, a.Description)
	}
}

func TestOtherMethods(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "hi")

	var loc Message
	callForm(t, srv, "sendLocation", url.Values{"chat_id": {fmtID(alice.ID)}, "latitude": {"59.1178"}, "longitude": {"28.0881"}}).decode(t, &loc)
	if loc.Location == nil || loc.Location.Latitude != 59.1178 {
		t.Errorf("location %+v", loc.Location)
	}
	var ok bool
	callJSON(t, srv, "sendChatAction", map[string]any{"chat_id": alice.ID, "action": "typing"}).decode(t, &ok)
	if !ok {
		t.Error("sendChatAction returned false")
	}

	cmds := []BotCommand{{Command: "start", Description: "Начать"}, {Command: "new", Description: "Новое обращение"}}
	callJSON(t, srv, "setMyCommands", map[string]any{"commands": cmds}).decode(t, &ok)
	staff := BotCommandScope{Type: "chat", ChatID: -100}
	callJSON(t, srv, "setMyCommands", map[string]any{"commands": cmds[:1], "scope": staff, "language_code": "ru"}).decode(t, &ok)
	var got []BotCommand
	callJSON(t, srv, "getMyCommands", nil).decode(t, &got)
	if cmp.Diff(cmds, got) != "" || cmp.Diff(cmds, srv.Commands(BotCommandScope{}, "")) != "" {
		t.Errorf("getMyCommands = %v", got)
	}
	if cmp.Diff(cmds[:1], srv.Commands(staff, "ru")) != "" {
		t.Errorf("scoped commands = %v", srv.Commands(staff, "ru"))
	}
	callJSON(t, srv, "deleteMyCommands", nil).decode(t, &ok)
	callJSON(t, srv, "getMyCommands", nil).decode(t, &got)
	if len(got) != 0 {
		t.Errorf("after delete: %v", got)
	}

	var chat Chat
	callJSON(t, srv, "getChat", map[string]any{"chat_id": alice.ID}).decode(t, &chat)
	if chat.ID != alice.ID || chat.Type != "private" {
		t.Errorf("getChat = %+v", chat)
	}
}

func TestFaultsThroughAPI(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "hi")

	srv.FloodNext("sendMessage", 2, 7)
	for range 2 {
		a := callJSON(t, srv, "sendMessage", map[string]any{"chat_id": alice.ID, "text": "x"})
		if a.Status != 429 || a.Parameters.RetryAfter != 7 || a.Description != "Too Many Requests: retry after 7" || a.Header.Get("Retry-After") != "7" {
			t.Fatalf("flood: %+v", a)
		}
	}
	sendText(t, srv, alice.ID, "прошло", nil)
	if len(srv.Sent(alice.ID)) != 1 {
		t.Errorf("a faulted call stored a message: %v", srv.Sent(alice.ID))
	}

	srv.FailNext("", 1, 502)
	if a := callJSON(t, srv, "getMe", nil); a.Status != 502 || a.Description != "Bad Gateway" {
		t.Errorf("502: %+v", a)
	}
	srv.AddFault(Fault{Method: "sendMessage", ChatID: 12345, Code: 500})
	sendText(t, srv, alice.ID, "другой чат не затронут", nil)

	srv.AddFault(Fault{Method: "getMe", Code: 502, Body: "<html>502 Bad Gateway</html>"})
	resp, err := http.Get(srv.URL + "/bot" + srv.Token + "/getMe")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || !strings.Contains(string(body), "<html>") {
		t.Errorf("HTML fault: %d %q", resp.StatusCode, body)
	}

	srv.AddFault(Fault{Method: "getMe", Disconnect: true})
	// A POST, as telebot makes: the client does not retry it.
	if resp, err := http.Post(srv.URL+"/bot"+srv.Token+"/getMe", "application/json", strings.NewReader("null")); err == nil {
		resp.Body.Close()
		t.Error("disconnect fault answered")
	}
	// The server records the call after the client sees the connection
	// drop: wait for it.
	srv.MustWaitCall(t, "getMe", func(c Call) bool { return c.Status == 0 && c.Description == "connection dropped by fault" })

	srv.ClearFaults()
	srv.Block(alice.ID)
	if a := callJSON(t, srv, "sendMessage", map[string]any{"chat_id": alice.ID, "text": "x"}); a.Status != 403 || a.Description != "Forbidden: bot was blocked by the user" {
		t.Errorf("blocked: %+v", a)
	}
	srv.Unblock(alice.ID)
	sendText(t, srv, alice.ID, "снова", nil)

	calls := srv.CallsOf("sendMessage")
	if calls[0].Status != 429 || calls[0].Description == "" || calls[len(calls)-1].Status != 200 {
		t.Errorf("recorded statuses: %v", calls)
	}
}

func TestHoldFaultAnswersWhenReleased(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice, bob := srv.NewUser("Алиса"), srv.NewUser("Борис")
	srv.SendText(alice, "hi")
	srv.SendText(bob, "hi")

	release := make(chan struct{})
	srv.AddFault(Fault{Method: "sendMessage", ChatID: alice.ID, Hold: release})
	answered := make(chan string, 1) // the body of the answer, or the error
	go func() {
		body := fmt.Sprintf(`{"chat_id": %d, "text": "держу"}`, alice.ID)
		resp, err := http.Post(srv.URL+"/bot"+srv.Token+"/sendMessage", "application/json", strings.NewReader(body))
		if err != nil {
			answered <- err.Error()
			return
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			answered <- err.Error()
			return
		}
		answered <- string(data)
	}()
	// Other chats are answered meanwhile; the held call is not, for as long
	// as the test keeps it.
	sendText(t, srv, bob.ID, "не держу", nil)
	select {
	case a := <-answered:
		t.Fatalf("held call answered before release: %s", a)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case a := <-answered:
		if !strings.Contains(a, `"ok":true`) || !strings.Contains(a, "держу") {
			t.Errorf("released call answered %s", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("held call not answered within 5 s of release")
	}
}

func TestGroupsTopicsAndMigration(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	curator := srv.NewUser("Куратор")
	group := srv.NewGroup("ЖКХ")
	in := srv.SendText(curator, "/bind housing", In(group))
	if in.Chat.ID != group.ID || in.Chat.Type != "group" || in.Entities[0].Type != "bot_command" || in.Entities[0].Length != 5 {
		t.Errorf("group message %+v", in)
	}

	forum := srv.NewSupergroup("МЦУ", true)
	topic := srv.AddTopic(forum, "Обращения")
	tm := srv.SendText(curator, "в топике", In(forum), InTopic(topic))
	if tm.MessageThreadID != topic || !tm.IsTopicMessage || tm.ReplyToMessage == nil || tm.ReplyToMessage.ForumTopicCreated == nil {
		t.Errorf("topic message %+v", tm)
	}
	out := sendText(t, srv, forum.ID, "ответ в топик", map[string]any{"message_thread_id": topic})
	if out.MessageThreadID != topic || !out.IsTopicMessage {
		t.Errorf("bot topic message %+v", out)
	}
	reply := srv.Reply(curator, out, "ответ на ответ")
	if reply.MessageThreadID != topic || reply.ReplyToMessage.MessageID != out.MessageID || reply.ReplyToMessage.Text != "ответ в топик" {
		t.Errorf("reply in topic %+v", reply)
	}

	sg := srv.MigrateChat(curator, group)
	if sg.Type != "supergroup" || sg.ID == group.ID {
		t.Fatalf("migrated to %+v", sg)
	}
	a := callJSON(t, srv, "sendMessage", map[string]any{"chat_id": group.ID, "text": "x"})
	if a.Status != 400 || a.Description != "Bad Request: group chat was upgraded to a supergroup chat" || a.Parameters.MigrateToChatID != sg.ID {
		t.Errorf("old group: %+v", a)
	}
	sendText(t, srv, sg.ID, "в новую", nil)
	ups := srv.Updates()
	last2 := ups[len(ups)-2:]
	var u1, u2 Update
	if json.Unmarshal(last2[0].Raw, &u1) != nil || json.Unmarshal(last2[1].Raw, &u2) != nil ||
		u1.Message.MigrateToChatID != sg.ID || u2.Message.MigrateFromChatID != group.ID {
		t.Errorf("migration updates: %s %s", last2[0].Raw, last2[1].Raw)
	}
}

func TestGroupPrivacy(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{GroupPrivacy: true})
	user := srv.NewUser("Исполнитель")
	group := srv.NewGroup("ЖКХ")
	prompt := sendText(t, srv, group.ID, "Напишите ответ", map[string]any{"reply_markup": map[string]any{"force_reply": true}})
	tests := []struct {
		msg  Message
		sees bool
	}{
		{srv.SendText(user, "просто болтовня", In(group)), false},
		{srv.SendText(user, "/take 17", In(group)), true},
		{srv.SendText(user, "/take@mcu_test_bot 17", In(group)), true},
		{srv.SendText(user, "/take@other_bot 17", In(group)), false},
		{srv.Reply(user, prompt, "Ответ по существу"), true},
		{srv.SendText(user, "в личке всё видно"), true},
	}
	for _, tt := range tests {
		if got := tt.msg.UpdateID != 0; got != tt.sees {
			t.Errorf("%q: bot sees it = %v, want %v", tt.msg.Text, got, tt.sees)
		}
	}
	if len(srv.History(group.ID)) != 6 {
		t.Errorf("messages the bot does not see are still in the chat: %v", srv.History(group.ID))
	}
}

func fmtID(id int64) string { return strings.TrimSpace(jsonString(id)) }

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestMalformedInput throws odd parameters at every method: each call gets a
// Bot API answer (no panic, no dropped connection) and the server keeps
// working.
func TestMalformedInput(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "hi")
	weird := []map[string]any{
		{"chat_id": "abc"}, {"chat_id": "@"}, {"chat_id": "1e3"}, {"chat_id": "99999999999999999999"}, {"chat_id": []int{1}},
		{"chat_id": alice.ID, "message_id": "x"}, {"chat_id": alice.ID, "message_id": -1},
		{"chat_id": alice.ID, "text": "x", "reply_markup": "{"},
		{"chat_id": alice.ID, "text": "x", "reply_markup": `{"inline_keyboard":"x"}`},
		{"chat_id": alice.ID, "text": "x", "reply_markup": `{"inline_keyboard":[["x"]]}`},
		{"chat_id": alice.ID, "text": "x", "reply_markup": `{"inline_keyboard":[[null]]}`},
		{"chat_id": alice.ID, "text": "x", "reply_markup": `{"inline_keyboard":[[{"text":1,"callback_data":"a"}]]}`},
		{"chat_id": alice.ID, "text": "x", "reply_markup": `{"inline_keyboard":[[{"text":"a","callback_data":5}]]}`},
		{"chat_id": alice.ID, "text": "x", "reply_markup": `{"keyboard":[[5]]}`},
		{"chat_id": alice.ID, "text": "x", "reply_markup": map[string]any{"inline_keyboard": [][]any{{map[string]any{"text": "a", "url": ":"}}}}},
		{"chat_id": alice.ID, "text": "x", "reply_parameters": "x", "message_thread_id": "y"},
		{"chat_id": alice.ID, "text": "x", "parse_mode": "HTML", "reply_to_message_id": "z"},
		{"chat_id": alice.ID, "media": "["}, {"chat_id": alice.ID, "media": "[null]"}, {"chat_id": alice.ID, "media": `[{"type":"photo"}]`},
		{"chat_id": alice.ID, "media": `[{"type":"photo","media":"attach://nope"}]`},
		{"chat_id": alice.ID, "photo": "attach://"}, {"chat_id": alice.ID, "document": ""},
		{"chat_id": alice.ID, "latitude": "NaN", "longitude": "1"}, {"chat_id": alice.ID, "latitude": "1", "longitude": "+Inf"},
		{"chat_id": alice.ID, "latitude": "91", "longitude": "x"},
		{"offset": "x"}, {"limit": "x"}, {"timeout": "x"}, {"allowed_updates": "x"},
		{"commands": "x"}, {"commands": `[{"command":1}]`}, {"commands": "[]", "scope": `"x"`},
		{"url": "http://[::1"}, {"callback_query_id": 5, "cache_time": "x"}, {"file_id": []string{}},
		{"message_ids": "x", "chat_id": alice.ID},
	}
	for name := range methods {
		for _, params := range weird {
			a := callJSON(t, srv, name, params)
			if a.Status != 200 && (a.Status < 400 || a.Status >= 500) {
				t.Errorf("%s %v: %d %q", name, params, a.Status, a.Description)
			}
		}
	}
	if len(srv.Sent(alice.ID)) != 0 {
		t.Errorf("odd input stored messages: %v", srv.Sent(alice.ID))
	}
	callJSON(t, srv, "getMe", nil).decode(t, new(User))
}
