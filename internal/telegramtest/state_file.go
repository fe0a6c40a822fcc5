package telegramtest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
)

// savedState is what SaveState writes: the users, the chats with their
// messages (the fields a client sees and those that record how the bot
// sent them), the files, the counters that hand out ids, and the updates
// the bot has not confirmed. Calls, callback queries, faults and the webhook
// are not kept: a restarted server is a new connection to the same Telegram.
type savedState struct {
	Version    int                     `json:"version"`
	Users      []User                  `json:"users"`
	Chats      []savedChat             `json:"chats"`
	Files      []savedFile             `json:"files"`
	NextUserID int64                   `json:"next_user_id"`
	NextGroupN int64                   `json:"next_group_n"`
	Seq        int                     `json:"seq"`
	NextUpdate int                     `json:"next_update"`
	Pending    []savedUpdate           `json:"pending,omitempty"`
	Commands   map[string][]BotCommand `json:"commands,omitempty"`
}

type savedChat struct {
	Chat       Chat           `json:"chat"`
	Started    bool           `json:"started,omitempty"`
	Blocked    bool           `json:"blocked,omitempty"`
	MigratedTo int64          `json:"migrated_to,omitempty"`
	LastID     int            `json:"last_id"`
	Messages   []savedMessage `json:"messages"`
	Topics     []int          `json:"topics,omitempty"`
}

type savedMessage struct {
	Message        Message            `json:"message"`
	ForceReply     bool               `json:"force_reply,omitempty"`
	Placeholder    string             `json:"placeholder,omitempty"`
	Keyboard       [][]KeyboardButton `json:"keyboard,omitempty"`
	RemoveKeyboard bool               `json:"remove_keyboard,omitempty"`
	ParseMode      string             `json:"parse_mode,omitempty"`
	Format         string             `json:"format,omitempty"`
}

type savedFile struct {
	File  File        `json:"file"`
	Data  []byte      `json:"data"`
	Mime  string      `json:"mime"`
	Kind  string      `json:"kind"`
	Photo []PhotoSize `json:"photo,omitempty"`
	Doc   *Document   `json:"doc,omitempty"`
}

type savedUpdate struct {
	ID      int             `json:"id"`
	Kind    string          `json:"kind"`
	Payload json.RawMessage `json:"payload"`
}

const stateVersion = 1

// SaveState writes what the server holds as JSON: users, chats and their
// messages in their current state, files, the next ids and the updates
// not confirmed yet. LoadState on a new server continues from there, so
// that a bot restarted against it (mcu demo) sees the same chats, edits
// the same messages and never gets an update_id it has seen.
func (s *Server) SaveState(w io.Writer) error {
	s.mu.Lock()
	st := savedState{
		Version: stateVersion, NextUserID: s.nextUserID, NextGroupN: s.nextGroupN,
		Seq: s.seq, NextUpdate: s.nextUpdate,
		Commands: maps.Clone(s.commands),
	}
	for _, id := range slices.Sorted(maps.Keys(s.users)) {
		st.Users = append(st.Users, s.users[id])
	}
	for _, id := range slices.Sorted(maps.Keys(s.chats)) {
		cs := s.chats[id]
		sc := savedChat{Chat: cs.chat, Started: cs.started, Blocked: cs.blocked, MigratedTo: cs.migratedTo, LastID: cs.lastID,
			Topics: slices.Sorted(maps.Keys(cs.topics))}
		for _, mid := range slices.Sorted(maps.Keys(cs.msgs)) {
			m := cs.msgs[mid]
			sc.Messages = append(sc.Messages, savedMessage{Message: *m.clone(), ForceReply: m.ForceReply, Placeholder: m.Placeholder,
				Keyboard: m.Keyboard, RemoveKeyboard: m.RemoveKeyboard, ParseMode: m.ParseMode, Format: m.format})
		}
		st.Chats = append(st.Chats, sc)
	}
	for _, id := range slices.Sorted(maps.Keys(s.files)) {
		f := s.files[id]
		st.Files = append(st.Files, savedFile{File: f.file, Data: f.data, Mime: f.mime, Kind: f.kind, Photo: f.photo, Doc: f.doc})
	}
	for _, u := range s.pending {
		st.Pending = append(st.Pending, savedUpdate{ID: u.id, Kind: u.kind, Payload: u.payload})
	}
	data, err := json.Marshal(st)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("telegramtest: encode state: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("telegramtest: write state: %w", err)
	}
	return nil
}

// LoadState replaces what the server holds with a state SaveState wrote.
// Load it into a new server, before the bot connects.
func (s *Server) LoadState(r io.Reader) error {
	var st savedState
	if err := json.NewDecoder(r).Decode(&st); err != nil {
		return fmt.Errorf("telegramtest: read state: %w", err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("telegramtest: state version %d, want %d", st.Version, stateVersion)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = map[int64]User{}
	for _, u := range st.Users {
		s.users[u.ID] = u
	}
	s.chats = map[int64]*chatState{}
	for _, sc := range st.Chats {
		cs := newChatState(sc.Chat)
		cs.started, cs.blocked, cs.migratedTo, cs.lastID = sc.Started, sc.Blocked, sc.MigratedTo, sc.LastID
		for _, sm := range sc.Messages {
			m := sm.Message.clone()
			m.ForceReply, m.Placeholder, m.Keyboard, m.RemoveKeyboard = sm.ForceReply, sm.Placeholder, sm.Keyboard, sm.RemoveKeyboard
			m.ParseMode, m.format = sm.ParseMode, sm.Format
			cs.msgs[m.MessageID] = m
		}
		for _, id := range sc.Topics {
			if m := cs.msgs[id]; m != nil {
				cs.topics[id] = m
			}
		}
		s.chats[sc.Chat.ID] = cs
	}
	s.files, s.filePaths = map[string]*storedFile{}, map[string]*storedFile{}
	for _, sf := range st.Files {
		f := &storedFile{file: sf.File, data: sf.Data, mime: sf.Mime, kind: sf.Kind, photo: sf.Photo, doc: sf.Doc}
		s.files[f.file.FileID] = f
		s.filePaths[f.file.FilePath] = f
	}
	s.nextUserID, s.nextGroupN, s.seq, s.nextUpdate = st.NextUserID, st.NextGroupN, st.Seq, st.NextUpdate
	if st.Commands != nil {
		s.commands = st.Commands
	}
	s.pending, s.updateLog = nil, nil
	for _, p := range st.Pending {
		u := &queuedUpdate{id: p.ID, kind: p.Kind, payload: p.Payload, pending: true, awaiting: true}
		s.updateLog = append(s.updateLog, u)
		s.pending = append(s.pending, u)
	}
	s.notifyLocked()
	return nil
}
