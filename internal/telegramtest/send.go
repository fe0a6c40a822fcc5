package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// outgoing is what every send method shares: where the message goes, what
// it replies to and its reply markup.
type outgoing struct {
	cs       *chatState
	threadID int
	replyTo  *Message
	markup   markup
}

// prepareSendLocked resolves and checks chat_id, reply_markup,
// message_thread_id and the message replied to.
func (s *Server) prepareSendLocked(q *request) (*outgoing, *apiError) {
	cs, err := s.chatForBotLocked(q)
	if err != nil {
		return nil, err
	}
	mk, err := parseMarkup(q)
	if err != nil {
		return nil, err
	}
	o := &outgoing{cs: cs, markup: mk}
	thread, err := q.integer("message_thread_id")
	if err != nil {
		return nil, err
	}
	replyID, err := q.integer("reply_to_message_id")
	if err != nil {
		return nil, err
	}
	allowWithout := q.boolean("allow_sending_without_reply")
	var params struct {
		MessageID                int  `json:"message_id"`
		AllowSendingWithoutReply bool `json:"allow_sending_without_reply"`
	}
	if present, err := q.jsonValue("reply_parameters", &params); err != nil {
		return nil, err
	} else if present {
		replyID = int64(params.MessageID)
		allowWithout = allowWithout || params.AllowSendingWithoutReply
	}
	if replyID != 0 {
		target := cs.msgs[int(replyID)]
		if target == nil && !allowWithout {
			return nil, badRequest(descReplyNotFound)
		}
		o.replyTo = target
	}
	if cs.chat.IsForum {
		if thread == 0 && o.replyTo != nil {
			thread = int64(o.replyTo.MessageThreadID)
		}
		if thread != 0 && cs.topics[int(thread)] == nil {
			return nil, badRequest(descThreadNotFound)
		}
		o.threadID = int(thread)
	}
	return o, nil
}

// newBotMessageLocked makes the next message of the bot in the chat.
func (s *Server) newBotMessageLocked(o *outgoing) *Message {
	bot := s.Bot
	m := &Message{MessageID: o.cs.nextID(), From: &bot, Date: s.unix(), Chat: o.cs.chat}
	if o.threadID != 0 {
		m.MessageThreadID = o.threadID
		m.IsTopicMessage = true
		m.ReplyToMessage = o.cs.topics[o.threadID].asReplied()
	}
	if o.replyTo != nil {
		m.ReplyToMessage = o.replyTo.asReplied()
	}
	o.markup.apply(m)
	return m
}

// storeSentLocked keeps a message the bot sent. A stored message is never
// changed in place: an edit stores a new copy.
func (s *Server) storeSentLocked(cs *chatState, m *Message) {
	cs.msgs[m.MessageID] = m
	s.sent = append(s.sent, m.clone())
	s.notifyLocked()
}

// textParam reads the text of sendMessage or editMessageText: what the user
// will see, checked for emptiness and length.
func textParam(q *request, tooLong string) (text, parseMode string, err *apiError) {
	raw, parseMode := q.str("text"), q.str("parse_mode")
	if strings.TrimSpace(raw) == "" {
		return "", "", badRequest(descTextEmpty)
	}
	text, err = visibleText(raw, parseMode)
	if err != nil {
		return "", "", err
	}
	if strings.TrimSpace(text) == "" {
		return "", "", badRequest(descTextEmpty)
	}
	if utf8.RuneCountInString(text) > maxTextLength {
		return "", "", badRequest(tooLong)
	}
	return text, parseMode, nil
}

// captionFormat is the formatKey of the caption of a call.
func captionFormat(q *request) string {
	if q.str("caption") == "" {
		return ""
	}
	return formatKey(q.str("caption"), q.str("parse_mode"), q.str("caption_entities"))
}

// captionParam reads an optional caption.
func captionParam(raw, parseMode, tooLong string) (string, *apiError) {
	if raw == "" {
		return "", nil
	}
	caption, err := visibleText(raw, parseMode)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(caption) > maxCaptionLength {
		return "", badRequest(tooLong)
	}
	return caption, nil
}

func (s *Server) sendMessage(_ context.Context, q *request) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.prepareSendLocked(q)
	if err != nil {
		return nil, "", err
	}
	text, parseMode, err := textParam(q, descTooLong)
	if err != nil {
		return nil, "", err
	}
	m := s.newBotMessageLocked(o)
	m.Text, m.ParseMode = text, parseMode
	m.format = formatKey(q.str("text"), parseMode, q.str("entities"))
	s.storeSentLocked(o.cs, m)
	return m.clone(), "", nil
}

func (s *Server) sendPhoto(_ context.Context, q *request) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.prepareSendLocked(q)
	if err != nil {
		return nil, "", err
	}
	caption, err := captionParam(q.str("caption"), q.str("parse_mode"), descCaptionTooLong)
	if err != nil {
		return nil, "", err
	}
	in, err := resolveInputFile(s, q, q.str("photo"), "photo")
	if err != nil {
		return nil, "", err
	}
	sizes, err := s.photoLocked(in)
	if err != nil {
		return nil, "", err
	}
	m := s.newBotMessageLocked(o)
	m.Photo, m.Caption, m.ParseMode = sizes, caption, q.str("parse_mode")
	m.format = captionFormat(q)
	s.storeSentLocked(o.cs, m)
	return m.clone(), "", nil
}

func (s *Server) sendDocument(_ context.Context, q *request) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.prepareSendLocked(q)
	if err != nil {
		return nil, "", err
	}
	caption, err := captionParam(q.str("caption"), q.str("parse_mode"), descCaptionTooLong)
	if err != nil {
		return nil, "", err
	}
	in, err := resolveInputFile(s, q, q.str("document"), "document")
	if err != nil {
		return nil, "", err
	}
	doc, err := s.documentLocked(in, q.str("file_name"))
	if err != nil {
		return nil, "", err
	}
	m := s.newBotMessageLocked(o)
	m.Document, m.Caption, m.ParseMode = doc, caption, q.str("parse_mode")
	m.format = captionFormat(q)
	s.storeSentLocked(o.cs, m)
	return m.clone(), "", nil
}

func (s *Server) sendLocation(_ context.Context, q *request) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.prepareSendLocked(q)
	if err != nil {
		return nil, "", err
	}
	lat, err := q.coordinate("latitude", 90)
	if err != nil {
		return nil, "", err
	}
	lng, err := q.coordinate("longitude", 180)
	if err != nil {
		return nil, "", err
	}
	m := s.newBotMessageLocked(o)
	m.Location = &Location{Latitude: lat, Longitude: lng}
	s.storeSentLocked(o.cs, m)
	return m.clone(), "", nil
}

// albumItem is one item of sendMediaGroup's media parameter.
type albumItem struct {
	Type      string          `json:"type"`
	Media     string          `json:"media"`
	Caption   string          `json:"caption"`
	ParseMode string          `json:"parse_mode"`
	Entities  json.RawMessage `json:"caption_entities"`
}

// albumPart is an album item checked and ready to store.
type albumPart struct {
	in      inputFile
	caption string
}

func (s *Server) sendMediaGroup(_ context.Context, q *request) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.prepareSendLocked(q)
	if err != nil {
		return nil, "", err
	}
	o.markup = markup{} // albums take no reply markup
	media, err := albumMedia(q)
	if err != nil {
		return nil, "", err
	}
	// Check everything before anything is stored: an album is all or
	// nothing (unless a fault fails it partway, as tdlib does).
	parts, err := s.albumPartsLocked(q, media)
	if err != nil {
		return nil, "", err
	}
	groupID := fmt.Sprint(13900000000000000 + s.nextSeq())
	var failed *apiError
	if f := q.albumFault; f != nil && f.AlbumItems < len(parts) {
		failed = f.albumError(f.AlbumItems)
		parts = parts[:f.AlbumItems]
	}
	out := make([]*Message, len(parts))
	for i, p := range parts {
		m := s.newBotMessageLocked(o)
		m.MediaGroupID, m.Caption, m.ParseMode = groupID, p.caption, media[i].ParseMode
		if p.caption != "" {
			m.format = formatKey(media[i].Caption, media[i].ParseMode, string(media[i].Entities))
		}
		if media[i].Type == "photo" {
			m.Photo, _ = s.photoLocked(p.in) // checked above
		} else {
			m.Document, _ = s.documentLocked(p.in, "")
		}
		s.storeSentLocked(o.cs, m)
		out[i] = m.clone()
	}
	if failed != nil {
		return nil, "", failed
	}
	return out, "", nil
}

// albumMedia reads the media of sendMediaGroup: 1 to 10 items, photos
// alone or documents alone.
func albumMedia(q *request) ([]albumItem, *apiError) {
	var media []albumItem
	present, err := q.jsonValue("media", &media)
	switch {
	case err != nil:
		return nil, err
	case !present || len(media) == 0:
		return nil, missingParam("media")
	case len(media) > maxAlbum:
		return nil, badRequest(descAlbumTooBig)
	}
	docs := 0
	for _, item := range media {
		switch item.Type {
		case "photo":
		case "document":
			docs++
		default:
			return nil, badRequestf("unsupported media type %q in the album", item.Type)
		}
	}
	if docs != 0 && docs != len(media) {
		return nil, badRequest(descAlbumMixed)
	}
	return media, nil
}

// albumPartsLocked checks every item's caption and file.
func (s *Server) albumPartsLocked(q *request, media []albumItem) ([]albumPart, *apiError) {
	parts := make([]albumPart, len(media))
	for i, item := range media {
		caption, err := captionParam(item.Caption, item.ParseMode, descCaptionTooLong)
		if err != nil {
			return nil, err
		}
		in, err := resolveInputFile(s, q, item.Media, "")
		if err != nil {
			return nil, err
		}
		if f := in.existing; f != nil {
			if item.Type == "photo" && f.photo == nil {
				return nil, badRequestf("can't use file of type %s as Photo", f.kind)
			}
			if item.Type == "document" && f.doc == nil {
				return nil, badRequestf("can't use file of type %s as Document", f.kind)
			}
		}
		parts[i] = albumPart{in, caption}
	}
	return parts, nil
}

var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true,
	"choose_sticker": true, "find_location": true, "record_video_note": true,
	"upload_video_note": true,
}

func (s *Server) sendChatAction(_ context.Context, q *request) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.chatForBotLocked(q); err != nil {
		return nil, "", err
	}
	if !chatActions[q.str("action")] {
		return nil, "", badRequest(descWrongAction)
	}
	return true, "", nil
}
