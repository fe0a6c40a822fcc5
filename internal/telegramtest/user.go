package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
)

// SendOption places a message a user sends with one of the Send helpers:
// by default it goes to the user's private chat with the bot.
type SendOption func(*placement)

type placement struct {
	chat    *Chat
	thread  int
	replyTo *Message
}

// In sends the message into chat (a group or supergroup the user is in).
func In(chat Chat) SendOption {
	return func(p *placement) { p.chat = &chat }
}

// InTopic sends the message into a topic of a forum supergroup (use with
// In). A topic the test did not open with AddTopic is opened on the fly.
func InTopic(threadID int) SendOption {
	return func(p *placement) { p.thread = threadID }
}

// ReplyTo sends the message as a reply to m, in m's chat and topic; the
// update carries m's current state as reply_to_message, as Telegram does.
func ReplyTo(m Message) SendOption {
	return func(p *placement) { p.replyTo = &m }
}

// userMessageLocked starts a message from a user: chat, topic, reply and
// the next message id of the chat.
func (s *Server) userMessageLocked(from User, opts []SendOption) (*chatState, *Message) {
	var p placement
	for _, o := range opts {
		o(&p)
	}
	if from.ID == 0 {
		from.ID = s.freshUserIDLocked()
	}
	if known, ok := s.users[from.ID]; ok && from.FirstName == "" {
		from = known
	}
	from = s.registerUserLocked(from)

	var cs *chatState
	switch {
	case p.chat != nil:
		cs = s.addChatLocked(*p.chat)
	case p.replyTo != nil && s.chats[p.replyTo.Chat.ID] != nil:
		cs = s.chats[p.replyTo.Chat.ID]
	case p.replyTo != nil:
		cs = s.addChatLocked(p.replyTo.Chat)
	default:
		cs = s.chats[from.ID]
	}
	if cs.chat.ID == from.ID {
		// Writing to the bot starts the chat, and a user must unblock a bot
		// to write to it.
		cs.started, cs.blocked = true, false
	}

	var replied *Message
	if p.replyTo != nil {
		if cur := cs.msgs[p.replyTo.MessageID]; cur != nil {
			replied = cur
		} else {
			replied = p.replyTo.clone()
		}
	}
	thread := p.thread
	if thread == 0 && replied != nil {
		thread = replied.MessageThreadID
	}
	var topic *Message
	if cs.chat.IsForum && thread != 0 {
		topic = s.topicLocked(cs, thread, &from)
	}
	m := &Message{MessageID: cs.nextID(), From: &from, Date: s.unix(), Chat: cs.chat}
	if topic != nil {
		// In a topic, a message that replies to nothing replies to the
		// topic's creation message.
		m.MessageThreadID, m.IsTopicMessage = thread, true
		m.ReplyToMessage = topic.asReplied()
	}
	if replied != nil {
		m.ReplyToMessage = replied.asReplied()
	}
	return cs, m
}

// finishLocked stores a user's message and queues its update, unless
// privacy mode keeps it from the bot.
func (s *Server) finishLocked(cs *chatState, m *Message) Message {
	cs.msgs[m.MessageID] = m
	if s.seesLocked(cs, m) {
		m.UpdateID = s.enqueueLocked(Update{Message: m})
	}
	s.notifyLocked()
	return *m.clone()
}

// seesLocked reports whether the bot receives a message; with group privacy
// on, a bot sees in groups only commands (for itself), replies to its own
// messages and service messages.
func (s *Server) seesLocked(cs *chatState, m *Message) bool {
	if !s.opts.GroupPrivacy || (cs.chat.Type != ChatGroup && cs.chat.Type != ChatSupergroup) {
		return true
	}
	if m.MigrateFromChatID != 0 || m.MigrateToChatID != 0 {
		return true
	}
	if r := m.ReplyToMessage; r != nil && r.ForumTopicCreated == nil && s.isBot(r) {
		return true
	}
	content := m.Content()
	if !strings.HasPrefix(content, "/") {
		return false
	}
	cmd, _, _ := strings.Cut(content, " ")
	_, bot, addressed := strings.Cut(cmd, "@")
	return !addressed || strings.EqualFold(bot, s.Bot.Username)
}

// commandEntities marks a leading /command the way Telegram does.
func commandEntities(text string) []MessageEntity {
	if !strings.HasPrefix(text, "/") {
		return nil
	}
	cmd := text
	if i := strings.IndexAny(text, " \n\t"); i >= 0 {
		cmd = text[:i]
	}
	if len(cmd) < 2 {
		return nil
	}
	return []MessageEntity{{Type: "bot_command", Offset: 0, Length: utf16Len(cmd)}}
}

// SendText delivers a text message from a user to the bot (by default in
// their private chat) and returns it; Message.UpdateID is the update's id.
func (s *Server) SendText(from User, text string, opts ...SendOption) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, m := s.userMessageLocked(from, opts)
	m.Text, m.Entities = text, commandEntities(text)
	return s.finishLocked(cs, m)
}

// Reply delivers a text message from a user replying to the message to
// (typically a bot's prompt sent with force_reply).
func (s *Server) Reply(from User, to Message, text string, opts ...SendOption) Message {
	return s.SendText(from, text, append([]SendOption{ReplyTo(to)}, opts...)...)
}

// SendPhoto delivers a photo with an optional caption. The photo comes in
// three sizes (90×68, 320×240, 800×600), real JPEGs that getFile and the
// file route serve.
func (s *Server) SendPhoto(from User, caption string, opts ...SendOption) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, m := s.userMessageLocked(from, opts)
	m.Photo, m.Caption = s.newPhotoLocked(nil), caption
	return s.finishLocked(cs, m)
}

// SendAlbum delivers n photos (1 to 10) sent together: n messages sharing a
// media_group_id, each in its own update, the caption on the first.
func (s *Server) SendAlbum(from User, n int, caption string, opts ...SendOption) []Message {
	n = min(max(n, 1), maxAlbum)
	s.mu.Lock()
	defer s.mu.Unlock()
	group := strconv.Itoa(13700000000000000 + s.nextSeq())
	out := make([]Message, 0, n)
	for i := range n {
		cs, m := s.userMessageLocked(from, opts)
		m.Photo, m.MediaGroupID = s.newPhotoLocked(nil), group
		if i == 0 {
			m.Caption = caption
		}
		out = append(out, s.finishLocked(cs, m))
	}
	return out
}

// SendLocation delivers a location.
func (s *Server) SendLocation(from User, latitude, longitude float64, opts ...SendOption) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, m := s.userMessageLocked(from, opts)
	m.Location = &Location{Latitude: latitude, Longitude: longitude}
	return s.finishLocked(cs, m)
}

// SendContact delivers the user's own contact (what a request_contact
// button sends): the phone number as given, user_id the sender's.
func (s *Server) SendContact(from User, phone string, opts ...SendOption) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, m := s.userMessageLocked(from, opts)
	m.Contact = &Contact{PhoneNumber: phone, FirstName: m.From.FirstName, LastName: m.From.LastName, UserID: m.From.ID}
	return s.finishLocked(cs, m)
}

// SendSticker delivers a sticker with the given emoji.
func (s *Server) SendSticker(from User, emoji string, opts ...SendOption) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, m := s.userMessageLocked(from, opts)
	data := []byte("RIFF\x00\x00\x00\x00WEBPVP8 telegramtest sticker")
	f := s.newFileLocked("Sticker", "webp", data, "image/webp")
	m.Sticker = &Sticker{FileID: f.file.FileID, FileUniqueID: f.file.FileUniqueID, Type: "regular", Width: 512, Height: 512, Emoji: emoji, SetName: "TelegramTestStickers", FileSize: len(data)}
	return s.finishLocked(cs, m)
}

// SendVoice delivers a voice note of the given length in seconds.
func (s *Server) SendVoice(from User, seconds int, opts ...SendOption) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, m := s.userMessageLocked(from, opts)
	data := []byte("OggS\x00telegramtest voice")
	f := s.newFileLocked("Voice", "oga", data, "audio/ogg")
	m.Voice = &Voice{FileID: f.file.FileID, FileUniqueID: f.file.FileUniqueID, Duration: seconds, MimeType: "audio/ogg", FileSize: len(data)}
	return s.finishLocked(cs, m)
}

// SendDocument delivers a file; its MIME type follows the name's extension.
func (s *Server) SendDocument(from User, name string, data []byte, opts ...SendOption) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, m := s.userMessageLocked(from, opts)
	m.Document = s.newDocumentLocked(name, "", data)
	return s.finishLocked(cs, m)
}

// EditText has a user edit the text of a message they sent earlier; the
// bot gets an edited_message update.
func (s *Server) EditText(m Message, text string) (Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[m.Chat.ID]
	if cs == nil || cs.msgs[m.MessageID] == nil {
		return Message{}, fmt.Errorf("telegramtest: message %d in chat %d does not exist", m.MessageID, m.Chat.ID)
	}
	cur := cs.msgs[m.MessageID]
	if cur.From == nil || s.isBot(cur) || cur.Text == "" {
		return Message{}, fmt.Errorf("telegramtest: message %d in chat %d is not a user's text message", m.MessageID, m.Chat.ID)
	}
	n := cur.clone()
	n.Text, n.Entities, n.EditDate = text, commandEntities(text), max(s.unix(), n.Date)
	cs.msgs[n.MessageID] = n
	if s.seesLocked(cs, n) {
		n.UpdateID = s.enqueueLocked(Update{EditedMessage: n})
	}
	s.notifyLocked()
	return *n.clone(), nil
}

// Press has a user press the inline button with the given text on the
// current state of message msg. It fails if the message is gone or its
// current keyboard has no such callback button, as the user could not
// press it. The query's id is what WaitCallbackAnswer takes.
func (s *Server) Press(from User, msg Message, buttonText string) (CallbackQuery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[msg.Chat.ID]
	var cur *Message
	if cs != nil {
		cur = cs.msgs[msg.MessageID]
	}
	if cur == nil {
		return CallbackQuery{}, fmt.Errorf("telegramtest: cannot press %q: message %d in chat %d does not exist", buttonText, msg.MessageID, msg.Chat.ID)
	}
	btn, ok := cur.Button(buttonText)
	if !ok {
		return CallbackQuery{}, fmt.Errorf("telegramtest: cannot press %q: message %d in chat %d has buttons %q", buttonText, msg.MessageID, msg.Chat.ID, cur.ButtonTexts())
	}
	if btn.Action != "callback_data" {
		return CallbackQuery{}, fmt.Errorf("telegramtest: cannot press %q: it is a %s button, not a callback button", buttonText, btn.Action)
	}
	return s.callbackLocked(from, cs, cur, btn.CallbackData), nil
}

// PressData sends a callback query with arbitrary data for msg, without
// checking the message's keyboard: a button from an old keyboard, or a
// forged one. The query carries msg's current state if it still exists.
func (s *Server) PressData(from User, msg Message, data string) CallbackQuery {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[msg.Chat.ID]
	cur := &msg
	if cs != nil && cs.msgs[msg.MessageID] != nil {
		cur = cs.msgs[msg.MessageID]
	}
	return s.callbackLocked(from, cs, cur, data)
}

func (s *Server) callbackLocked(from User, cs *chatState, m *Message, data string) CallbackQuery {
	if known, ok := s.users[from.ID]; ok && from.FirstName == "" {
		from = known
	}
	from = s.registerUserLocked(from)
	chatID := m.Chat.ID
	if cs != nil {
		chatID = cs.chat.ID
	}
	q := CallbackQuery{
		ID:           fmt.Sprintf("%d%06d", from.ID, s.nextSeq()),
		From:         from,
		Message:      m.clone(),
		ChatInstance: strconv.FormatInt((chatID*2654435761)&0x7fffffffffffffff, 10),
		Data:         data,
	}
	q.Message.UpdateID = 0
	s.callbacks[q.ID] = &callbackState{pressed: s.limitsNow()}
	q.UpdateID = s.enqueueLocked(Update{CallbackQuery: &q})
	return q
}

// MigrateChat upgrades a basic group to a supergroup, as Telegram does when
// a group grows: the bot receives a service message with
// migrate_to_chat_id in the group and one with migrate_from_chat_id in the
// new supergroup, and from then on every call to the old group fails with
// "group chat was upgraded to a supergroup chat" and
// parameters.migrate_to_chat_id. It returns the new supergroup.
func (s *Server) MigrateChat(from User, group Chat) Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.addChatLocked(group)
	if old.migratedTo != 0 {
		return s.chats[old.migratedTo].chat
	}
	s.nextGroupN++
	sg := s.addChatLocked(Chat{ID: -1001000000000 - s.nextGroupN, Type: ChatSupergroup, Title: old.chat.Title})

	cs, m := s.userMessageLocked(from, []SendOption{In(old.chat)})
	m.MigrateToChatID = sg.chat.ID
	s.finishLocked(cs, m)
	old.migratedTo = sg.chat.ID

	cs, m = s.userMessageLocked(from, []SendOption{In(sg.chat)})
	m.MigrateFromChatID = old.chat.ID
	s.finishLocked(cs, m)
	return sg.chat
}
