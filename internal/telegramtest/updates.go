package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// queuedUpdate is an update the server produced and what became of it.
type queuedUpdate struct {
	id         int
	kind       string
	payload    json.RawMessage
	pending    bool // not confirmed yet
	awaiting   bool // queued (or re-queued) and not delivered since
	forced     bool // re-queued by Redeliver: delivered whatever the offset
	dropped    bool // not in allowed_updates: never delivered
	deliveries int
	key        string // chatKey, once computed
}

// UpdateRecord describes an update the server produced and what became of
// it.
type UpdateRecord struct {
	ID   int
	Type string // "message", "callback_query", ...
	Raw  json.RawMessage
	// Deliveries counts the times the update was handed to the bot (by
	// getUpdates or the webhook).
	Deliveries int
	// Pending reports whether the bot has not confirmed the update yet.
	Pending bool
	// Dropped reports whether the update was filtered out by the bot's
	// allowed_updates and never delivered.
	Dropped bool
}

// Updates returns every update the server produced, oldest first.
func (s *Server) Updates() []UpdateRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]UpdateRecord, len(s.updateLog))
	for i, u := range s.updateLog {
		out[i] = UpdateRecord{ID: u.id, Type: u.kind, Raw: bytes.Clone(u.payload), Deliveries: u.deliveries, Pending: u.pending, Dropped: u.dropped}
	}
	return out
}

// InjectUpdate queues u as it is, with the next update_id, and returns it
// with that id. It does not change the chats' state: prefer the Send*
// helpers, which do.
func (s *Server) InjectUpdate(u Update) Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	u.UpdateID = s.enqueueLocked(u)
	return u
}

// InjectRawUpdate queues an update given as a JSON object (any kind of
// update, e.g. {"my_chat_member": {...}}); its update_id is set by the
// server and returned.
func (s *Server) InjectRawUpdate(raw json.RawMessage) (int, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return 0, fmt.Errorf("telegramtest: update must be a JSON object: %v", err)
	}
	delete(fields, "update_id")
	if len(fields) != 1 {
		return 0, fmt.Errorf("telegramtest: update must have exactly one field besides update_id, has %d", len(fields))
	}
	var kind string
	for k := range fields {
		kind = k
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextUpdate
	s.nextUpdate++
	fields["update_id"] = json.RawMessage(fmt.Sprint(id))
	payload, err := json.Marshal(fields)
	if err != nil {
		return 0, fmt.Errorf("telegramtest: encode update: %w", err)
	}
	s.queueLocked(&queuedUpdate{id: id, kind: kind, payload: payload})
	return id, nil
}

// enqueueLocked queues an update built by the server and returns its id.
func (s *Server) enqueueLocked(u Update) int {
	u.UpdateID = s.nextUpdate
	s.nextUpdate++
	kind := "message"
	switch {
	case u.EditedMessage != nil:
		kind = "edited_message"
	case u.CallbackQuery != nil:
		kind = "callback_query"
	}
	payload, err := json.Marshal(u)
	if err != nil {
		// Only the package's own types: cannot happen.
		payload = fmt.Appendf(nil, `{"update_id":%d}`, u.UpdateID)
	}
	s.queueLocked(&queuedUpdate{id: u.UpdateID, kind: kind, payload: payload})
	return u.UpdateID
}

func (s *Server) queueLocked(u *queuedUpdate) {
	s.updateLog = append(s.updateLog, u)
	if s.allowedLocked(u.kind) {
		u.pending, u.awaiting = true, true
		s.pending = append(s.pending, u)
	} else {
		u.dropped = true
	}
	s.notifyLocked()
}

// allowedLocked reports whether the bot receives updates of a kind. By
// default Telegram sends every kind but chat_member, message_reaction and
// message_reaction_count.
func (s *Server) allowedLocked(kind string) bool {
	if s.allowed != nil {
		return s.allowed[kind]
	}
	switch kind {
	case "chat_member", "message_reaction", "message_reaction_count":
		return false
	}
	return true
}

// Redeliver queues an update already delivered again, with the same
// update_id, and has it delivered on the next getUpdates whatever its
// offset (or posted to the webhook again). Telegram redelivers only what
// the bot did not confirm; Redeliver stands for a bot that crashed after
// processing an update but before confirming it, or a webhook delivery
// repeated.
func (s *Server) Redeliver(updateID int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.findUpdateLocked(updateID)
	switch {
	case u == nil:
		return fmt.Errorf("telegramtest: no update %d", updateID)
	case u.dropped:
		return fmt.Errorf("telegramtest: update %d was never delivered: not in allowed_updates", updateID)
	}
	u.forced, u.awaiting = true, true
	if !u.pending {
		u.pending = true
		s.pending = append(s.pending, u)
	}
	s.notifyLocked()
	return nil
}

func (s *Server) findUpdateLocked(id int) *queuedUpdate {
	for _, u := range s.updateLog {
		if u.id == id {
			return u
		}
	}
	return nil
}

func (s *Server) dropPendingLocked() {
	for _, u := range s.pending {
		u.pending, u.awaiting = false, false
	}
	s.pending = nil
}

// confirmLocked forgets the updates an offset confirms.
func (s *Server) confirmLocked(offset int64) {
	switch {
	case offset == 0:
		return
	case offset < 0:
		if n := int(-offset); len(s.pending) > n {
			for _, u := range s.pending[:len(s.pending)-n] {
				u.pending, u.awaiting = false, false
			}
			s.pending = slices.Clone(s.pending[len(s.pending)-n:])
		}
		return
	}
	kept := s.pending[:0]
	for _, u := range s.pending {
		if int64(u.id) >= offset || (u.forced && u.awaiting) {
			kept = append(kept, u)
			continue
		}
		u.pending, u.awaiting = false, false
	}
	clear(s.pending[len(kept):])
	s.pending = kept
}

// takeLocked returns up to limit pending updates from offset on, in
// update_id order, and counts them as delivered; they stay pending until
// confirmed.
func (s *Server) takeLocked(offset, limit int64) []json.RawMessage {
	var batch []*queuedUpdate
	for _, u := range s.pending {
		if offset <= 0 || int64(u.id) >= offset || (u.forced && u.awaiting) {
			batch = append(batch, u)
		}
	}
	slices.SortStableFunc(batch, func(a, b *queuedUpdate) int { return a.id - b.id })
	if int64(len(batch)) > limit {
		batch = batch[:limit]
	}
	out := make([]json.RawMessage, len(batch))
	for i, u := range batch {
		u.deliveries++
		u.awaiting = false
		out[i] = u.payload
	}
	if len(batch) > 0 {
		s.notifyLocked()
	}
	return out
}

// getUpdates is long polling: it answers as soon as there is an update,
// when the timeout expires, when the server closes, or with 409 Conflict
// when a newer getUpdates or a webhook takes over.
func (s *Server) getUpdates(ctx context.Context, q *request) (any, string, *apiError) {
	offset, err := q.integer("offset")
	if err != nil {
		return nil, "", err
	}
	limit, err := q.integer("limit")
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, err := q.integer("timeout")
	if err != nil {
		return nil, "", err
	}
	var allowed []string
	hasAllowed := q.has("allowed_updates") && strings.TrimSpace(q.str("allowed_updates")) != "null"
	if hasAllowed {
		if _, err := q.jsonValue("allowed_updates", &allowed); err != nil {
			return nil, "", err
		}
	}

	s.mu.Lock()
	if s.webhook.URL != "" {
		s.mu.Unlock()
		return nil, "", &apiError{Code: http.StatusConflict, Description: descWebhookConflict}
	}
	if hasAllowed {
		s.setAllowedLocked(allowed)
	}
	s.pollGen++
	gen := s.pollGen
	s.notifyLocked() // an older poll still waiting ends with a conflict
	s.confirmLocked(offset)
	var timer *time.Timer
	if timeout > 0 {
		timeout = min(timeout, 24*60*60) // no Duration overflow
		timer = time.NewTimer(time.Duration(timeout) * time.Second)
		defer timer.Stop()
	}
	for {
		if gen != s.pollGen {
			desc := descPollConflict
			if s.webhook.URL != "" {
				desc = descWebhookConflict
			}
			s.mu.Unlock()
			return nil, "", &apiError{Code: http.StatusConflict, Description: desc}
		}
		batch := s.takeLocked(offset, limit)
		if len(batch) > 0 || timer == nil || s.closed || s.pollsEnded {
			s.mu.Unlock()
			return batch, "", nil
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			return []json.RawMessage{}, "", nil
		case <-ctx.Done():
			return nil, "", nil
		}
		s.mu.Lock()
	}
}

// EndLongPolls answers the long polls in progress at once and has later
// getUpdates calls answer without waiting, until ResumeLongPolls. Call it
// right before stopping a telebot bot: telebot's Stop cancels the poll in
// progress but then makes one more that it cannot cancel, and waits for it
// to time out.
func (s *Server) EndLongPolls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pollsEnded = true
	s.notifyLocked()
}

// ResumeLongPolls undoes EndLongPolls, for a test that starts a bot again.
func (s *Server) ResumeLongPolls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pollsEnded = false
}

// WaitDelivered waits until the update has been handed to the bot since it
// was last queued.
func (s *Server) WaitDelivered(ctx context.Context, updateID int) error {
	var dropped bool
	err := s.waitFor(ctx, fmt.Sprintf("delivery of update %d", updateID), func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		u := s.findUpdateLocked(updateID)
		if u != nil && u.dropped {
			dropped = true
			return true
		}
		return u != nil && !u.awaiting
	})
	if err == nil && dropped {
		return fmt.Errorf("telegramtest: update %d is not in the bot's allowed_updates and is never delivered", updateID)
	}
	return err
}
