package telegramtest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// chatState is what the server knows of one chat.
type chatState struct {
	chat Chat
	// started reports, for a private chat, whether the user wrote to the bot
	// (or the test opened the chat); Telegram refuses to let a bot start a
	// conversation.
	started    bool
	blocked    bool
	migratedTo int64
	lastID     int
	msgs       map[int]*Message // current state, users' and the bot's
	topics     map[int]*Message // forum topic id → topic creation message
}

func (c *chatState) nextID() int {
	c.lastID++
	return c.lastID
}

// NewUser registers a new user with a fresh id. The user has not written to
// the bot yet: until they do (or OpenPrivateChat), the bot cannot message
// them, as in Telegram.
func (s *Server) NewUser(firstName string) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.registerUserLocked(User{ID: s.freshUserIDLocked(), FirstName: firstName, LanguageCode: "ru"})
}

// freshUserIDLocked returns a user id no user or chat has.
func (s *Server) freshUserIDLocked() int64 {
	for {
		s.nextUserID++
		if _, taken := s.users[s.nextUserID]; !taken && s.chats[s.nextUserID] == nil {
			return s.nextUserID
		}
	}
}

// AddUser registers u (a user with an id the test chose) and returns it
// with defaults filled in.
func (s *Server) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.registerUserLocked(u)
}

func (s *Server) registerUserLocked(u User) User {
	if u.FirstName == "" {
		u.FirstName = fmt.Sprintf("User %d", u.ID)
	}
	u.IsBot = false
	s.users[u.ID] = u
	if s.chats[u.ID] == nil {
		s.chats[u.ID] = newChatState(PrivateChat(u))
	}
	return u
}

func newChatState(c Chat) *chatState {
	return &chatState{chat: c, msgs: map[int]*Message{}, topics: map[int]*Message{}}
}

// OpenPrivateChat makes the private chat with u known, as if u had pressed
// Start: the bot may message u from now on.
func (s *Server) OpenPrivateChat(u User) Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	u = s.registerUserLocked(u)
	cs := s.chats[u.ID]
	cs.started = true
	return cs.chat
}

// NewGroup registers a basic group with a fresh id, the bot being a member.
func (s *Server) NewGroup(title string) Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextGroupN++
	return s.addChatLocked(Chat{ID: -4000000000 - s.nextGroupN, Type: ChatGroup, Title: title}).chat
}

// NewSupergroup registers a supergroup with a fresh id, the bot being a
// member; forum makes it a forum with topics (see AddTopic).
func (s *Server) NewSupergroup(title string, forum bool) Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextGroupN++
	return s.addChatLocked(Chat{ID: -1001000000000 - s.nextGroupN, Type: ChatSupergroup, Title: title, IsForum: forum}).chat
}

// AddChat registers a chat the test describes (a private chat is opened as
// with OpenPrivateChat). Without a Type, the id decides: positive is
// private, -100… a supergroup, other negative ids a group. A chat already
// known is returned as the server knows it.
func (s *Server) AddChat(c Chat) Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Type == "" {
		switch {
		case c.ID <= -1000000000000:
			c.Type = ChatSupergroup
		case c.ID < 0:
			c.Type = ChatGroup
		default:
			c.Type = ChatPrivate
		}
	}
	return s.addChatLocked(c).chat
}

func (s *Server) addChatLocked(c Chat) *chatState {
	if cs := s.chats[c.ID]; cs != nil {
		if c.Type == ChatPrivate {
			cs.started = true
		}
		return cs
	}
	if c.Type == ChatPrivate {
		s.registerUserLocked(User{ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Username: c.Username})
		cs := s.chats[c.ID]
		cs.started = true
		return cs
	}
	cs := newChatState(c)
	cs.started = true
	s.chats[c.ID] = cs
	return cs
}

// AddTopic opens a topic in a forum supergroup and returns its
// message_thread_id (the id of the topic's creation message, as in
// Telegram).
func (s *Server) AddTopic(chat Chat, name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.addChatLocked(chat)
	cs.chat.IsForum = true
	id := cs.nextID()
	s.addTopicLocked(cs, id, name, nil)
	return id
}

func (s *Server) addTopicLocked(cs *chatState, id int, name string, from *User) *Message {
	if from == nil {
		bot := s.Bot
		from = &bot
	}
	if id > cs.lastID {
		cs.lastID = id
	}
	m := &Message{
		MessageID:         id,
		MessageThreadID:   id,
		From:              from,
		Date:              s.unix(),
		Chat:              cs.chat,
		IsTopicMessage:    true,
		ForumTopicCreated: &ForumTopicCreated{Name: name, IconColor: 0x6FB9F0},
	}
	cs.topics[id] = m
	cs.msgs[id] = m
	return m
}

// topicLocked returns the creation message of a topic, opening the topic
// when a user writes into one the test never declared.
func (s *Server) topicLocked(cs *chatState, id int, from *User) *Message {
	if t := cs.topics[id]; t != nil {
		return t
	}
	return s.addTopicLocked(cs, id, fmt.Sprintf("Topic %d", id), from)
}

// chatForBotLocked finds the chat a bot call addresses (chat_id) and
// applies Telegram's refusals: unknown chat, migrated group, user who never
// started the bot, blocked bot.
func (s *Server) chatForBotLocked(q *request) (*chatState, *apiError) {
	id, username, err := q.chatParam()
	if err != nil {
		return nil, err
	}
	var cs *chatState
	if username != "" {
		for _, c := range s.chats {
			if c.chat.Type != ChatPrivate && strings.EqualFold(c.chat.Username, username) {
				cs = c
				break
			}
		}
	} else {
		cs = s.chats[id]
	}
	switch {
	case cs == nil:
		return nil, badRequest(descChatNotFound)
	case cs.migratedTo != 0:
		e := badRequest(descGroupMigrated)
		e.MigrateTo = cs.migratedTo
		return nil, e
	case cs.blocked:
		switch cs.chat.Type {
		case ChatPrivate:
			return nil, forbidden(descBlockedByUser)
		case ChatGroup:
			return nil, forbidden(descKickedGroup)
		case ChatSupergroup:
			return nil, forbidden(descKickedSupergroup)
		default:
			return nil, forbidden(descNotChannelMember)
		}
	case cs.chat.Type == ChatPrivate && !cs.started:
		return nil, forbidden(descNotStarted)
	}
	return cs, nil
}

func (s *Server) isBot(m *Message) bool {
	return m != nil && m.From != nil && m.From.ID == s.Bot.ID
}

// Sent returns the messages the bot sent to the chat that still exist, in
// their current state (after edits), oldest first.
func (s *Server) Sent(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(chatID, true)
}

// History returns every message of the chat that still exists, the users'
// and the bot's, in their current state, oldest first.
func (s *Server) History(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(chatID, false)
}

func (s *Server) messagesLocked(chatID int64, botOnly bool) []Message {
	cs := s.chats[chatID]
	if cs == nil {
		return nil
	}
	var out []Message
	for _, id := range slices.Sorted(maps.Keys(cs.msgs)) {
		m := cs.msgs[id]
		if m.ForumTopicCreated != nil || (botOnly && !s.isBot(m)) {
			continue
		}
		out = append(out, *m.clone())
	}
	return out
}

// LastSent returns the newest existing message the bot sent to the chat.
func (s *Server) LastSent(chatID int64) (Message, bool) {
	sent := s.Sent(chatID)
	if len(sent) == 0 {
		return Message{}, false
	}
	return sent[len(sent)-1], true
}

// Message returns the current state of a message; false if it never
// existed or was deleted.
func (s *Server) Message(chatID int64, messageID int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	if cs == nil || cs.msgs[messageID] == nil {
		return Message{}, false
	}
	return *cs.msgs[messageID].clone(), true
}

// AllSent returns every message the bot sent, in sending order, each as it
// was when sent (later edits and deletions are not reflected).
func (s *Server) AllSent() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.sent))
	for i, m := range s.sent {
		out[i] = *m.clone()
	}
	return out
}

// Chat returns the chat as the server knows it.
func (s *Server) Chat(chatID int64) (Chat, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	if cs == nil {
		return Chat{}, false
	}
	return cs.chat, true
}
