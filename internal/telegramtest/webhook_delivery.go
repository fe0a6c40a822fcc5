package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// webhookLoop posts pending updates to the webhook while one is set, as
// Telegram does: the updates of one chat one at a time in update_id
// order, different chats in parallel, up to max_connections requests at
// once. A 2xx answer confirms an update; anything else is retried, after
// a pause that grows for that chat, and shown in getWebhookInfo's
// last_error_message.
func (s *Server) webhookLoop() {
	defer s.wg.Done()
	busy := map[string]bool{}            // chats with a delivery in flight
	pauses := map[string]time.Duration{} // chats whose last delivery failed
	inflight := 0
	for {
		s.mu.Lock()
		var next *queuedUpdate
		for {
			if s.closed {
				s.mu.Unlock()
				return
			}
			if s.webhook.URL != "" && inflight < max(s.webhook.MaxConnections, 1) {
				next = nextForWebhook(s.pending, busy)
			}
			if next != nil {
				break
			}
			changed := s.changed
			s.mu.Unlock()
			select {
			case <-changed:
			case <-s.done:
				return
			}
			s.mu.Lock()
		}
		key := next.chatKey()
		busy[key] = true
		inflight++
		url, secret, payload := s.webhook.URL, s.webhook.SecretToken, next.payload
		pause := pauses[key]
		s.mu.Unlock()

		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			err := s.postWebhook(url, secret, payload)
			if err != nil {
				// The chat waits before its next try; others go on.
				pause = min(max(2*pause, webhookMinPause), webhookMaxPause)
				t := time.NewTimer(pause)
				select {
				case <-t.C:
				case <-s.done:
					t.Stop()
				}
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if err == nil {
				next.deliveries++
				next.awaiting, next.pending = false, false
				s.pending = slices.DeleteFunc(s.pending, func(u *queuedUpdate) bool { return u == next })
				delete(pauses, key)
			} else {
				pauses[key] = pause
				if s.webhook.URL == url {
					s.webhook.LastErrorDate = s.unix()
					s.webhook.LastErrorMessage = err.Error()
				}
			}
			delete(busy, key)
			inflight--
			s.notifyLocked()
		}()
	}
}

// The pauses before a chat's delivery to a webhook is tried again.
const webhookMinPause, webhookMaxPause = 20 * time.Millisecond, 2 * time.Second

// nextForWebhook returns the pending update to post next: the oldest one
// of a chat with no delivery in flight and no older pending update.
func nextForWebhook(pending []*queuedUpdate, busy map[string]bool) *queuedUpdate {
	sorted := slices.Clone(pending)
	slices.SortStableFunc(sorted, func(a, b *queuedUpdate) int { return a.id - b.id })
	seen := map[string]bool{}
	for _, u := range sorted {
		key := u.chatKey()
		if !seen[key] && !busy[key] {
			return u
		}
		seen[key] = true
	}
	return nil
}

// chatKey names the chat an update belongs to, for the order of webhook
// deliveries: the chat of its message (a callback query's too), else its
// user, else the update alone.
func (u *queuedUpdate) chatKey() string {
	if u.key == "" {
		u.key = updateChatKey(u.id, u.payload)
	}
	return u.key
}

func updateChatKey(id int, payload json.RawMessage) string {
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(payload, &fields)
	for name, raw := range fields {
		if name == "update_id" {
			continue
		}
		var inner struct {
			Chat    *struct{ ID int64 } `json:"chat"`
			Message *struct {
				Chat struct{ ID int64 } `json:"chat"`
			} `json:"message"`
			From *struct{ ID int64 } `json:"from"`
		}
		if json.Unmarshal(raw, &inner) != nil {
			continue
		}
		switch {
		case inner.Chat != nil:
			return fmt.Sprint("chat ", inner.Chat.ID)
		case inner.Message != nil:
			return fmt.Sprint("chat ", inner.Message.Chat.ID)
		case inner.From != nil:
			return fmt.Sprint("user ", inner.From.ID)
		}
	}
	return fmt.Sprint("update ", id)
}

func (s *Server) postWebhook(url, secret string, payload []byte) error {
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("Bad webhook URL: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := s.hook.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return errors.New("Connection closed")
		}
		return fmt.Errorf("Connection refused: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("Wrong response from the webhook: %s", resp.Status)
	}
	return nil
}
