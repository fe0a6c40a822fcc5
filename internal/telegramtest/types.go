package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Chat types as the Bot API spells them in Chat.Type.
const (
	ChatPrivate    = "private"
	ChatGroup      = "group"
	ChatSupergroup = "supergroup"
	ChatChannel    = "channel"
)

// User is a Telegram user or bot (Bot API type User).
type User struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// Chat is a private chat, group, supergroup or channel (Bot API type Chat).
type Chat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	IsForum   bool   `json:"is_forum,omitempty"`
}

// PrivateChat returns the private chat between the bot and u; its id is the
// user's id, as in Telegram.
func PrivateChat(u User) Chat {
	return Chat{ID: u.ID, Type: ChatPrivate, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
}

// MessageEntity is a special entity in a text (Bot API type MessageEntity).
// The server fills it only for bot commands in messages users send.
type MessageEntity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

// PhotoSize is one size of a photo (Bot API type PhotoSize).
type PhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int    `json:"file_size,omitempty"`
}

// Document is a general file (Bot API type Document).
type Document struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	MimeType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

// Sticker is a sticker (Bot API type Sticker).
type Sticker struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Type         string `json:"type"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	IsAnimated   bool   `json:"is_animated"`
	IsVideo      bool   `json:"is_video"`
	Emoji        string `json:"emoji,omitempty"`
	SetName      string `json:"set_name,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

// Voice is a voice note (Bot API type Voice).
type Voice struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Duration     int    `json:"duration"`
	MimeType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

// Location is a point on the map (Bot API type Location).
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// Contact is a phone contact (Bot API type Contact).
type Contact struct {
	PhoneNumber string `json:"phone_number"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name,omitempty"`
	UserID      int64  `json:"user_id,omitempty"`
}

// ForumTopicCreated is the service message that opens a forum topic.
type ForumTopicCreated struct {
	Name      string `json:"name"`
	IconColor int    `json:"icon_color"`
}

// InlineKeyboardMarkup is an inline keyboard attached to a message.
type InlineKeyboardMarkup struct {
	InlineKeyboard [][]InlineKeyboardButton `json:"inline_keyboard"`
}

// InlineKeyboardButton is one button of an inline keyboard. Exactly one
// action field is kept, chosen the way Telegram chooses it when a client
// sends several (telebot, for one, always sends an empty
// switch_inline_query_current_chat next to callback_data).
type InlineKeyboardButton struct {
	Text         string
	URL          string
	CallbackData string
	// Action names the JSON field that carries the button's action:
	// "url", "callback_data", "web_app", "switch_inline_query", ...
	Action string
	// value is the action's JSON value for actions other than url and
	// callback_data.
	value json.RawMessage
}

// MarshalJSON encodes the button as the Bot API does.
func (b InlineKeyboardButton) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	text, err := json.Marshal(b.Text)
	if err != nil {
		return nil, err
	}
	buf.WriteString(`{"text":`)
	buf.Write(text)
	var value []byte
	switch b.Action {
	case "":
	case "url":
		value, err = json.Marshal(b.URL)
	case "callback_data":
		value, err = json.Marshal(b.CallbackData)
	default:
		value = b.value
		if len(value) == 0 {
			value = []byte(`""`)
		}
	}
	if err != nil {
		return nil, err
	}
	if b.Action != "" {
		key, err := json.Marshal(b.Action)
		if err != nil {
			return nil, err
		}
		buf.WriteByte(',')
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(value)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON decodes a button, keeping its first action field.
func (b *InlineKeyboardButton) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	btn, err := parseInlineButton(fields)
	if err != nil {
		return fmt.Errorf("telegramtest: %s", err.Description)
	}
	*b = btn
	return nil
}

// KeyboardButton is one button of a custom reply keyboard.
type KeyboardButton struct {
	Text            string `json:"text"`
	RequestContact  bool   `json:"request_contact,omitempty"`
	RequestLocation bool   `json:"request_location,omitempty"`
}

// UnmarshalJSON accepts both forms the Bot API allows: an object or a
// plain string.
func (b *KeyboardButton) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		*b = KeyboardButton{}
		return json.Unmarshal(data, &b.Text)
	}
	type plain KeyboardButton
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*b = KeyboardButton(p)
	return nil
}

// Message is a message as the Bot API returns it, plus a few fields (not
// part of the JSON) that record how the bot sent it.
type Message struct {
	MessageID         int                   `json:"message_id"`
	MessageThreadID   int                   `json:"message_thread_id,omitempty"`
	From              *User                 `json:"from,omitempty"`
	Date              int64                 `json:"date"`
	Chat              Chat                  `json:"chat"`
	ReplyToMessage    *Message              `json:"reply_to_message,omitempty"`
	EditDate          int64                 `json:"edit_date,omitempty"`
	IsTopicMessage    bool                  `json:"is_topic_message,omitempty"`
	MediaGroupID      string                `json:"media_group_id,omitempty"`
	Text              string                `json:"text,omitempty"`
	Entities          []MessageEntity       `json:"entities,omitempty"`
	Caption           string                `json:"caption,omitempty"`
	Photo             []PhotoSize           `json:"photo,omitempty"`
	Document          *Document             `json:"document,omitempty"`
	Sticker           *Sticker              `json:"sticker,omitempty"`
	Voice             *Voice                `json:"voice,omitempty"`
	Contact           *Contact              `json:"contact,omitempty"`
	Location          *Location             `json:"location,omitempty"`
	MigrateToChatID   int64                 `json:"migrate_to_chat_id,omitempty"`
	MigrateFromChatID int64                 `json:"migrate_from_chat_id,omitempty"`
	ForumTopicCreated *ForumTopicCreated    `json:"forum_topic_created,omitempty"`
	ReplyMarkup       *InlineKeyboardMarkup `json:"reply_markup,omitempty"`

	// ForceReply reports whether the bot asked the client to show a reply
	// interface (reply_markup force_reply).
	ForceReply bool `json:"-"`
	// Placeholder is the input field placeholder of a force reply or custom
	// keyboard.
	Placeholder string `json:"-"`
	// Keyboard is the custom reply keyboard the bot attached, if any.
	Keyboard [][]KeyboardButton `json:"-"`
	// RemoveKeyboard reports whether the bot asked to remove the custom
	// keyboard.
	RemoveKeyboard bool `json:"-"`
	// ParseMode is the parse_mode the bot sent the text or caption with;
	// Text and Caption hold what the user sees, with the markup removed.
	ParseMode string `json:"-"`
	// UpdateID is the id of the update that carried this message to the
	// bot, for messages injected by the test; 0 if no update was queued.
	UpdateID int `json:"-"`

	// format is the formatting of Text or Caption (see formatKey), for
	// "message is not modified".
	format string
}

// Content returns the text of a text message or the caption of a media
// message.
func (m Message) Content() string {
	if m.Text != "" {
		return m.Text
	}
	return m.Caption
}

// Buttons returns the inline keyboard buttons, row by row, flattened.
func (m Message) Buttons() []InlineKeyboardButton {
	if m.ReplyMarkup == nil {
		return nil
	}
	var out []InlineKeyboardButton
	for _, row := range m.ReplyMarkup.InlineKeyboard {
		out = append(out, row...)
	}
	return out
}

// Button returns the first inline button whose text is text.
func (m Message) Button(text string) (InlineKeyboardButton, bool) {
	for _, b := range m.Buttons() {
		if b.Text == text {
			return b, true
		}
	}
	return InlineKeyboardButton{}, false
}

// ButtonTexts returns the texts of the inline keyboard, row by row: what a
// user sees under the message.
func (m Message) ButtonTexts() [][]string {
	if m.ReplyMarkup == nil {
		return nil
	}
	out := make([][]string, 0, len(m.ReplyMarkup.InlineKeyboard))
	for _, row := range m.ReplyMarkup.InlineKeyboard {
		texts := make([]string, 0, len(row))
		for _, b := range row {
			texts = append(texts, b.Text)
		}
		out = append(out, texts)
	}
	return out
}

// String describes the message in one line, for test failure output.
func (m Message) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "chat %d #%d", m.Chat.ID, m.MessageID)
	if m.MessageThreadID != 0 {
		fmt.Fprintf(&b, " topic %d", m.MessageThreadID)
	}
	switch {
	case m.From == nil:
	case m.From.IsBot:
		b.WriteString(" from bot")
	default:
		fmt.Fprintf(&b, " from %d", m.From.ID)
	}
	switch {
	case m.Photo != nil:
		b.WriteString(" [photo]")
	case m.Document != nil:
		b.WriteString(" [document]")
	case m.Location != nil:
		b.WriteString(" [location]")
	case m.Contact != nil:
		b.WriteString(" [contact]")
	case m.Sticker != nil:
		b.WriteString(" [sticker]")
	case m.Voice != nil:
		b.WriteString(" [voice]")
	}
	if c := m.Content(); c != "" {
		fmt.Fprintf(&b, " %q", c)
	}
	if rows := m.ButtonTexts(); len(rows) > 0 {
		fmt.Fprintf(&b, " buttons %q", rows)
	}
	if m.ForceReply {
		b.WriteString(" force_reply")
	}
	return b.String()
}

// clone returns a deep copy, so that callers never share memory with the
// server's state.
func (m *Message) clone() *Message {
	if m == nil {
		return nil
	}
	c := *m
	if m.From != nil {
		u := *m.From
		c.From = &u
	}
	c.ReplyToMessage = m.ReplyToMessage.clone()
	c.Entities = slices.Clone(m.Entities)
	c.Photo = slices.Clone(m.Photo)
	c.Document = clonePtr(m.Document)
	c.Sticker = clonePtr(m.Sticker)
	c.Voice = clonePtr(m.Voice)
	c.Contact = clonePtr(m.Contact)
	c.Location = clonePtr(m.Location)
	c.ForumTopicCreated = clonePtr(m.ForumTopicCreated)
	c.ReplyMarkup = m.ReplyMarkup.clone()
	if m.Keyboard != nil {
		c.Keyboard = make([][]KeyboardButton, len(m.Keyboard))
		for i, row := range m.Keyboard {
			c.Keyboard[i] = slices.Clone(row)
		}
	}
	return &c
}

// asReplied returns the copy Telegram puts into reply_to_message: the
// message without its own reply_to_message.
func (m *Message) asReplied() *Message {
	c := m.clone()
	c.ReplyToMessage = nil
	c.UpdateID = 0
	return c
}

func (k *InlineKeyboardMarkup) clone() *InlineKeyboardMarkup {
	if k == nil {
		return nil
	}
	c := &InlineKeyboardMarkup{InlineKeyboard: make([][]InlineKeyboardButton, len(k.InlineKeyboard))}
	for i, row := range k.InlineKeyboard {
		c.InlineKeyboard[i] = slices.Clone(row)
	}
	return c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// CallbackQuery is a press of an inline button (Bot API type CallbackQuery).
type CallbackQuery struct {
	ID           string   `json:"id"`
	From         User     `json:"from"`
	Message      *Message `json:"message,omitempty"`
	ChatInstance string   `json:"chat_instance"`
	Data         string   `json:"data,omitempty"`

	// UpdateID is the id of the update that carried the query.
	UpdateID int `json:"-"`
}

// Update is an incoming update (Bot API type Update). Only the kinds the
// server produces itself are modelled; InjectRawUpdate takes any other.
type Update struct {
	UpdateID      int            `json:"update_id"`
	Message       *Message       `json:"message,omitempty"`
	EditedMessage *Message       `json:"edited_message,omitempty"`
	CallbackQuery *CallbackQuery `json:"callback_query,omitempty"`
}

// File is a file ready to be downloaded (Bot API type File).
type File struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileSize     int    `json:"file_size,omitempty"`
	FilePath     string `json:"file_path,omitempty"`
}

// BotCommand is one command of the bot's menu (Bot API type BotCommand).
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// BotCommandScope selects the users a command list is for (Bot API type
// BotCommandScope). The zero value is the default scope.
type BotCommandScope struct {
	Type   string `json:"type"`
	ChatID int64  `json:"chat_id,omitempty"`
	UserID int64  `json:"user_id,omitempty"`
}

// WebhookInfo is the state of the webhook (Bot API type WebhookInfo).
type WebhookInfo struct {
	URL                  string   `json:"url"`
	HasCustomCertificate bool     `json:"has_custom_certificate"`
	PendingUpdateCount   int      `json:"pending_update_count"`
	LastErrorDate        int64    `json:"last_error_date,omitempty"`
	LastErrorMessage     string   `json:"last_error_message,omitempty"`
	MaxConnections       int      `json:"max_connections,omitempty"`
	AllowedUpdates       []string `json:"allowed_updates,omitempty"`

	// SecretToken is the secret_token the bot set; Telegram never returns
	// it, so it is not part of the JSON.
	SecretToken string `json:"-"`
}

// CallbackAnswer is how the bot answered a callback query
// (answerCallbackQuery): what the user saw as a notification or alert.
type CallbackAnswer struct {
	QueryID   string
	Text      string
	ShowAlert bool
	URL       string
	CacheTime int
}
