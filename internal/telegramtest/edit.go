package telegramtest

import "context"

// editTargetLocked finds the message an edit or delete call addresses.
// Messages sent via inline mode (inline_message_id) do not exist here.
func (s *Server) editTargetLocked(q *request, notFound string) (*chatState, *Message, *apiError) {
	if q.has("inline_message_id") && !q.has("chat_id") {
		return nil, nil, badRequest(descInlineUnsupported)
	}
	cs, err := s.chatForBotLocked(q)
	if err != nil {
		return nil, nil, err
	}
	id, err := q.integer("message_id")
	if err != nil {
		return nil, nil, err
	}
	if id == 0 {
		return nil, nil, badRequest(descMessageIDMissing)
	}
	m := cs.msgs[int(id)]
	if m == nil || m.ForumTopicCreated != nil {
		return nil, nil, badRequest(notFound)
	}
	return cs, m, nil
}

// storeEditLocked replaces a message by its edited copy.
func (s *Server) storeEditLocked(cs *chatState, m *Message) {
	m.EditDate = max(s.unix(), m.Date)
	cs.msgs[m.MessageID] = m
	s.notifyLocked()
}

// editMessageText replaces the text and the inline keyboard: as in
// Telegram, an edit without reply_markup removes the keyboard.
func (s *Server) editMessageText(_ context.Context, q *request) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, m, err := s.editTargetLocked(q, descEditNotFound)
	if err != nil {
		return nil, "", err
	}
	if !s.isBot(m) {
		return nil, "", badRequest(descCantEdit)
	}
	if m.Text == "" {
		return nil, "", badRequest(descNoTextToEdit)
	}
	text, parseMode, err := textParam(q, descEditTooLong)
	if err != nil {
		return nil, "", err
	}
	mk, err := parseMarkup(q)
	if err != nil {
		return nil, "", err
	}
	format := formatKey(q.str("text"), parseMode, q.str("entities"))
	if text == m.Text && format == m.format && inlineEqual(mk.inline, m.ReplyMarkup) {
		return nil, "", badRequest(descNotModified)
	}
	n := m.clone()
	n.Text, n.ParseMode, n.ReplyMarkup, n.format = text, parseMode, mk.inline.clone(), format
	s.storeEditLocked(cs, n)
	return n.clone(), "", nil
}

// editMessageCaption replaces the caption of a media message and its
// inline keyboard.
func (s *Server) editMessageCaption(_ context.Context, q *request) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, m, err := s.editTargetLocked(q, descEditNotFound)
	if err != nil {
		return nil, "", err
	}
	if !s.isBot(m) {
		return nil, "", badRequest(descCantEdit)
	}
	if m.Photo == nil && m.Document == nil {
		return nil, "", badRequest(descNoCaptionToEdit)
	}
	caption, err := captionParam(q.str("caption"), q.str("parse_mode"), descEditTooLong)
	if err != nil {
		return nil, "", err
	}
	mk, err := parseMarkup(q)
	if err != nil {
		return nil, "", err
	}
	format := captionFormat(q)
	if caption == m.Caption && format == m.format && inlineEqual(mk.inline, m.ReplyMarkup) {
		return nil, "", badRequest(descNotModified)
	}
	n := m.clone()
	n.Caption, n.ParseMode, n.ReplyMarkup, n.format = caption, q.str("parse_mode"), mk.inline.clone(), format
	s.storeEditLocked(cs, n)
	return n.clone(), "", nil
}

// editMessageReplyMarkup replaces the inline keyboard; without
// reply_markup it removes it.
func (s *Server) editMessageReplyMarkup(_ context.Context, q *request) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, m, err := s.editTargetLocked(q, descEditNotFound)
	if err != nil {
		return nil, "", err
	}
	if !s.isBot(m) {
		return nil, "", badRequest(descCantEdit)
	}
	mk, err := parseMarkup(q)
	if err != nil {
		return nil, "", err
	}
	if inlineEqual(mk.inline, m.ReplyMarkup) {
		return nil, "", badRequest(descNotModified)
	}
	n := m.clone()
	n.ReplyMarkup = mk.inline.clone()
	s.storeEditLocked(cs, n)
	return n.clone(), "", nil
}

// deleteMessage deletes any message of the chat (the bot is taken to be an
// administrator where it matters).
func (s *Server) deleteMessage(_ context.Context, q *request) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, m, err := s.editTargetLocked(q, descDeleteNotFound)
	if err != nil {
		return nil, "", err
	}
	delete(cs.msgs, m.MessageID)
	s.notifyLocked()
	return true, "", nil
}

// deleteMessages deletes several messages, skipping those that do not
// exist.
func (s *Server) deleteMessages(_ context.Context, q *request) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, err := s.chatForBotLocked(q)
	if err != nil {
		return nil, "", err
	}
	var ids []int
	present, err := q.jsonValue("message_ids", &ids)
	if err != nil {
		return nil, "", err
	}
	if !present || len(ids) == 0 {
		return nil, "", missingParam("message_ids")
	}
	for _, id := range ids {
		if m := cs.msgs[id]; m != nil && m.ForumTopicCreated == nil {
			delete(cs.msgs, id)
		}
	}
	s.notifyLocked()
	return true, "", nil
}
