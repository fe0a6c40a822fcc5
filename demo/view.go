package demo

import (
	"mcu/internal/telegramtest"
)

// chatsView is what the page shows of a persona: their chats, each with
// its messages in their current state.
type chatsView struct {
	Person string     `json:"person"`
	Chats  []chatView `json:"chats"`
}

type chatView struct {
	ID      int64  `json:"id"`
	Title   string `json:"title"`
	Private bool   `json:"private"`
	// Started: the persona has written to the bot (a private chat not
	// started shows Telegram's «Start» button).
	Started  bool          `json:"started"`
	Messages []messageView `json:"messages"`
	// Keyboard is the reply keyboard shown under the input: the one the
	// bot sent last, unless a later message removed it.
	Keyboard [][]keyButton `json:"keyboard,omitempty"`
	// Placeholder is the input's placeholder the bot asked for.
	Placeholder string `json:"placeholder,omitempty"`
	// ForceReply is the message the input replies to: the bot's latest
	// force-reply prompt the persona has not answered since.
	ForceReply int `json:"force_reply,omitempty"`
}

type keyButton struct {
	Text            string `json:"text"`
	RequestLocation bool   `json:"request_location,omitempty"`
	RequestContact  bool   `json:"request_contact,omitempty"`
}

type inlineButton struct {
	Text string `json:"text"`
	URL  string `json:"url,omitempty"`
	// Press: a callback button (the others open a link or nothing).
	Press bool `json:"press,omitempty"`
}

type messageView struct {
	ID       int              `json:"id"`
	From     string           `json:"from"`
	FromBot  bool             `json:"from_bot"`
	Mine     bool             `json:"mine"`
	Date     int64            `json:"date"`
	Edited   bool             `json:"edited,omitempty"`
	Text     string           `json:"text,omitempty"`
	Photo    string           `json:"photo,omitempty"` // file id of the largest size
	Document *docView         `json:"document,omitempty"`
	Location *locView         `json:"location,omitempty"`
	Contact  string           `json:"contact,omitempty"`
	Sticker  string           `json:"sticker,omitempty"`
	Voice    int              `json:"voice,omitempty"` // seconds
	Album    string           `json:"album,omitempty"`
	ReplyTo  *replyView       `json:"reply_to,omitempty"`
	Buttons  [][]inlineButton `json:"buttons,omitempty"`
	Force    bool             `json:"force_reply,omitempty"`
}

type docView struct {
	FileID string `json:"file_id"`
	Name   string `json:"name"`
}

type locView struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

type replyView struct {
	ID   int    `json:"id"`
	From string `json:"from"`
	Text string `json:"text"`
}

// view is the persona's chats as the test server holds them now.
func (p *Page) view(pp Person) chatsView {
	out := chatsView{Person: pp.Key}
	for _, c := range p.o.World.Chats(pp, p.dirs()) {
		out.Chats = append(out.Chats, p.chatView(pp, c))
	}
	return out
}

func (p *Page) chatView(pp Person, c telegramtest.Chat) chatView {
	v := chatView{ID: c.ID, Title: c.Title, Private: c.Type == telegramtest.ChatPrivate, Messages: []messageView{}}
	if v.Private {
		v.Title = p.o.Server.Bot.FirstName
	}
	if known, ok := p.o.Server.Chat(c.ID); ok && known.Title != "" {
		v.Title = known.Title
	}
	answered := false // the persona wrote after the latest force-reply prompt
	for _, m := range p.o.Server.History(c.ID) {
		mv := messageOf(m, pp.ID)
		v.Messages = append(v.Messages, mv)
		if mv.Mine {
			v.Started = true
			answered = true
		}
		if !mv.FromBot {
			continue
		}
		switch {
		case m.RemoveKeyboard:
			v.Keyboard, v.Placeholder = nil, ""
		case m.Keyboard != nil:
			v.Keyboard, v.Placeholder = keyboardOf(m.Keyboard), m.Placeholder
		}
		if m.ForceReply {
			v.ForceReply, answered = m.MessageID, false
			if m.Placeholder != "" {
				v.Placeholder = m.Placeholder
			}
		}
	}
	if answered {
		v.ForceReply = 0
	}
	if !v.Private || len(v.Messages) > 0 {
		v.Started = true // Telegram shows «Start» only in an empty chat with a bot
	}
	return v
}

func keyboardOf(rows [][]telegramtest.KeyboardButton) [][]keyButton {
	out := make([][]keyButton, 0, len(rows))
	for _, row := range rows {
		r := make([]keyButton, 0, len(row))
		for _, b := range row {
			r = append(r, keyButton{b.Text, b.RequestLocation, b.RequestContact})
		}
		out = append(out, r)
	}
	return out
}

func nameOf(u *telegramtest.User) string {
	if u == nil {
		return ""
	}
	if u.LastName != "" {
		return u.FirstName + " " + u.LastName
	}
	return u.FirstName
}

func messageOf(m telegramtest.Message, me int64) messageView {
	v := messageView{
		ID: m.MessageID, From: nameOf(m.From), Date: m.Date, Edited: m.EditDate != 0,
		Text: m.Content(), Album: m.MediaGroupID, Force: m.ForceReply,
	}
	if m.From != nil {
		v.FromBot, v.Mine = m.From.IsBot, m.From.ID == me
	}
	if n := len(m.Photo); n > 0 {
		v.Photo = m.Photo[n-1].FileID
	}
	if d := m.Document; d != nil {
		v.Document = &docView{d.FileID, d.FileName}
	}
	if l := m.Location; l != nil {
		v.Location = &locView{l.Latitude, l.Longitude}
	}
	if c := m.Contact; c != nil {
		v.Contact = c.PhoneNumber
	}
	if s := m.Sticker; s != nil {
		v.Sticker = s.Emoji
	}
	if vo := m.Voice; vo != nil {
		v.Voice = vo.Duration
	}
	if r := m.ReplyToMessage; r != nil && r.ForumTopicCreated == nil {
		v.ReplyTo = &replyView{ID: r.MessageID, From: nameOf(r.From), Text: r.Content()}
	}
	if m.ReplyMarkup != nil {
		for _, row := range m.ReplyMarkup.InlineKeyboard {
			r := make([]inlineButton, 0, len(row))
			for _, b := range row {
				r = append(r, inlineButton{Text: b.Text, URL: b.URL, Press: b.Action == "callback_data"})
			}
			v.Buttons = append(v.Buttons, r)
		}
	}
	return v
}
