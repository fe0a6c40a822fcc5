package telegramtest

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// TestStateSurvivesARestart: a server loaded with another's saved state
// shows the same chats, keeps refusing what Telegram refuses (an edit
// that changes nothing, a button that is not there) and hands out update
// ids the bot has not seen.
func TestStateSurvivesARestart(t *testing.T) {
	a := newServer(t, Options{})
	alice := a.NewUser("Алиса")
	hello := a.SendText(alice, "/start")
	menu := sendText(t, a, alice.ID, "<b>Меню</b>", map[string]any{"parse_mode": "HTML",
		"reply_markup": keyboard([]map[string]any{button("Новое", "new")})})
	ask := sendText(t, a, alice.ID, "Где это?", map[string]any{"reply_markup": map[string]any{
		"keyboard": [][]map[string]any{{{"text": "Геопозиция", "request_location": true}}}}})
	var buf bytes.Buffer
	if err := a.SaveState(&buf); err != nil {
		t.Fatal(err)
	}

	b := newServer(t, Options{})
	if err := b.LoadState(&buf); err != nil {
		t.Fatal(err)
	}
	got := b.History(alice.ID)
	if len(got) != 3 || got[0].Text != "/start" || got[1].Text != "Меню" || got[2].Keyboard[0][0].RequestLocation != true {
		t.Fatalf("history after load = %v", got)
	}
	// Strict as before: the same text and markup is "not modified".
	same := callJSON(t, b, "editMessageText", map[string]any{"chat_id": alice.ID, "message_id": menu.MessageID,
		"text": "<b>Меню</b>", "parse_mode": "HTML", "reply_markup": keyboard([]map[string]any{button("Новое", "new")})})
	if same.OK || same.Description != "Bad Request: "+descNotModified {
		t.Fatalf("edit without change after load = %+v, want not modified", same)
	}
	if _, err := b.Press(alice, menu, "Старое"); err == nil {
		t.Fatal("pressed a button that is not there")
	}
	q, err := b.Press(alice, menu, "Новое")
	if err != nil {
		t.Fatal(err)
	}
	next := b.SendText(alice, "ещё")
	if q.UpdateID <= hello.UpdateID || next.MessageID <= ask.MessageID {
		t.Fatalf("ids after load: update %d (before %d), message %d (before %d)", q.UpdateID, hello.UpdateID, next.MessageID, ask.MessageID)
	}
	// The update the bot never confirmed is still waiting.
	if u := b.Updates(); len(u) == 0 || u[0].ID != hello.UpdateID {
		t.Fatalf("pending updates after load = %+v, want the unconfirmed /start first", u)
	}
}

// TestSendPhotoData: a photo a user uploads is served back byte for byte;
// what is not an image is refused, as Telegram would not send it as a photo.
func TestSendPhotoData(t *testing.T) {
	srv := newServer(t, Options{})
	alice := srv.NewUser("Алиса")
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 640, 480))); err != nil {
		t.Fatal(err)
	}
	changed := srv.Changed()
	m, err := srv.SendPhotoData(alice, img.Bytes(), "яма")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Fatal("Changed was not closed by a new message")
	}
	big := m.Photo[len(m.Photo)-1]
	if data, ok := srv.FileData(big.FileID); !ok || !bytes.Equal(data, img.Bytes()) || big.Width != 640 || m.Caption != "яма" {
		t.Fatalf("photo = %+v", m.Photo)
	}
	if _, err := srv.SendPhotoData(alice, []byte("not an image"), ""); err == nil {
		t.Fatal("a text file was taken as a photo")
	}
}
