package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"mcu/internal/telegramtest"
)

// player plays a resident in the private chat with the bot. It remembers
// the last message of the chat it has seen, so that each expectation
// matches only what came after.
type player struct {
	h    *harness
	t    *testing.T
	u    telegramtest.User
	seen int // the last message id of the chat already looked at
	// newsQuestion is the question about the district's news that
	// follows the consent.
	newsQuestion telegramtest.Message
}

// newPlayer registers a Telegram user who is about to open the bot.
func (h *harness) newPlayer(name string) *player {
	return &player{h: h, t: h.t, u: h.srv.NewUser(name)}
}

// send sends a text as the resident.
func (p *player) send(text string) telegramtest.Message {
	p.t.Helper()
	m := p.h.srv.SendText(p.u, text)
	p.seen = max(p.seen, m.MessageID)
	return m
}

// sent records a message the test sent by other means (a photo, an album).
func (p *player) sent(m telegramtest.Message) telegramtest.Message {
	p.seen = max(p.seen, m.MessageID)
	return m
}

// expect waits for the next bot message in the private chat that contains
// substr, and returns it.
func (p *player) expect(substr string) telegramtest.Message {
	p.t.Helper()
	seen := p.seen
	m := p.h.srv.MustWaitSent(p.t, func(m telegramtest.Message) bool {
		return m.Chat.ID == p.u.ID && m.MessageID > seen && strings.Contains(m.Content(), substr)
	})
	p.seen = max(p.seen, m.MessageID)
	return m
}

// expectIn waits until the bot's message m (edited in place) contains
// substr, and returns it as it is then.
func (p *player) expectIn(m telegramtest.Message, substr string) telegramtest.Message {
	p.t.Helper()
	return p.h.srv.MustWaitMessage(p.t, func(x telegramtest.Message) bool {
		return x.Chat.ID == m.Chat.ID && x.MessageID == m.MessageID && strings.Contains(x.Content(), substr)
	})
}

// expectExact is expect for the whole text.
func (p *player) expectExact(text string) telegramtest.Message {
	p.t.Helper()
	m := p.expect(text)
	if m.Content() != text {
		p.t.Fatalf("bot said %q, want %q", m.Content(), text)
	}
	return m
}

// press presses a button and returns the answer the resident saw.
func (p *player) press(m telegramtest.Message, button string) telegramtest.CallbackAnswer {
	p.t.Helper()
	q := p.h.srv.MustPress(p.t, p.u, m, button)
	return p.h.srv.MustCallbackAnswer(p.t, q.ID)
}

// pressData sends a callback with raw data for m, as an old or forged
// button would.
func (p *player) pressData(m telegramtest.Message, data string) telegramtest.CallbackAnswer {
	p.t.Helper()
	q := p.h.srv.PressData(p.u, m, data)
	return p.h.srv.MustCallbackAnswer(p.t, q.ID)
}

// consent opens the bot and agrees to personal-data processing.
func (p *player) consent() {
	p.t.Helper()
	p.send("/start")
	m := p.expect("152-ФЗ")
	p.press(m, "Согласен")
	p.expect("Спасибо! Теперь можно отправить сообщение")
	p.newsQuestion = p.expect("Получать новости района")
}

// sync sends /help and waits for its answer: everything the bot does for
// the updates before it is done by then (one chat's updates are handled
// in order).
func (p *player) sync() {
	p.t.Helper()
	p.send("/help")
	p.expect("Этот бот принимает сообщения")
}

// botMessagesAfter counts the bot's messages in the private chat after
// message id, up to and including until.
func (p *player) botMessagesAfter(after, until int) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range p.h.srv.Sent(p.u.ID) {
		if m.MessageID > after && m.MessageID <= until {
			out = append(out, m)
		}
	}
	return out
}

// startIntake consents, sends /new and picks a direction by its button;
// it returns the prompt, which now asks for the description.
func (p *player) startIntake(direction string) telegramtest.Message {
	p.t.Helper()
	p.consent()
	p.send("/new")
	m := p.expect("Выберите направление")
	p.press(m, direction)
	return p.expectIn(m, "Опишите проблему")
}

// dialog returns the resident's dialog: kind, state and data; "" when
// there is none. A failed query fails the test.
func (h *harness) dialog(userID int64) (kind, state string, data map[string]any) {
	h.t.Helper()
	var raw []byte
	err := h.db.Pool().QueryRow(context.Background(),
		`SELECT kind, state, data FROM dialogs WHERE user_id = $1 AND chat_id = $1`, userID).Scan(&kind, &state, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		h.t.Fatalf("dialog of %d: %v", userID, err)
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		h.t.Fatal(err)
	}
	return kind, state, data
}

// largest returns the file id Telegram gives the biggest size of a photo.
func largest(m telegramtest.Message) string { return m.Photo[len(m.Photo)-1].FileID }
