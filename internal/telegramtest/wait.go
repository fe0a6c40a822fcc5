package telegramtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrClosed is what the waits return once the server is closed.
var ErrClosed = errors.New("telegramtest: server closed")

// waitFor blocks until check reports true, the context ends or the server
// closes. check runs without s.mu held (so that it may call the server);
// waitFor wakes on every change of state, never polls.
func (s *Server) waitFor(ctx context.Context, what string, check func() bool) error {
	for {
		s.mu.Lock()
		changed, closed := s.changed, s.closed
		s.mu.Unlock()
		if check() {
			return nil
		}
		if closed {
			return fmt.Errorf("telegramtest: waiting for %s: %w", what, ErrClosed)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("telegramtest: waiting for %s: %w", what, ctx.Err())
		}
	}
}

// WaitSent waits until the bot has sent a message matching match (nil
// matches any) and returns the first such message, as it was when sent.
// Messages sent before the call count too: narrow match (After, SentTo)
// to what the test expects next.
func (s *Server) WaitSent(ctx context.Context, match func(Message) bool) (Message, error) {
	var found Message
	next := 0
	err := s.waitFor(ctx, "a message from the bot", func() bool {
		s.mu.Lock()
		batch := make([]Message, 0, len(s.sent)-next)
		for _, m := range s.sent[next:] {
			batch = append(batch, *m.clone())
		}
		next = len(s.sent)
		s.mu.Unlock()
		for _, m := range batch {
			if match == nil || match(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found, err
}

// WaitMessage waits until a message the bot sent, in its current state
// (after edits; deleted ones excluded), matches match (nil matches any),
// and returns it. Use it to wait for an edit.
func (s *Server) WaitMessage(ctx context.Context, match func(Message) bool) (Message, error) {
	var found Message
	err := s.waitFor(ctx, "a bot message in the expected state", func() bool {
		s.mu.Lock()
		var current []Message
		for _, sent := range s.sent {
			if cs := s.chats[sent.Chat.ID]; cs != nil {
				if cur := cs.msgs[sent.MessageID]; cur != nil && s.isBot(cur) {
					current = append(current, *cur.clone())
				}
			}
		}
		s.mu.Unlock()
		for _, m := range current {
			if match == nil || match(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found, err
}

// WaitCall waits for a call of method (any case; "" for any method)
// matching match (nil matches any), past or future, and returns the first.
func (s *Server) WaitCall(ctx context.Context, method string, match func(Call) bool) (Call, error) {
	var found Call
	next := 0
	what := "a call"
	if method != "" {
		what = "a call of " + method
	}
	err := s.waitFor(ctx, what, func() bool {
		s.mu.Lock()
		batch := make([]Call, 0, len(s.calls)-next)
		for _, c := range s.calls[next:] {
			batch = append(batch, c.clone())
		}
		next = len(s.calls)
		s.mu.Unlock()
		for _, c := range batch {
			if (method == "" || strings.EqualFold(c.Method, method)) && (match == nil || match(c)) {
				found = c
				return true
			}
		}
		return false
	})
	return found, err
}

// WaitCallbackAnswer waits until the bot answers the callback query (see
// Press) and returns what the user saw.
func (s *Server) WaitCallbackAnswer(ctx context.Context, queryID string) (CallbackAnswer, error) {
	var answer CallbackAnswer
	err := s.waitFor(ctx, "the answer to callback query "+queryID, func() bool {
		var ok bool
		answer, ok = s.CallbackAnswer(queryID)
		return ok
	})
	return answer, err
}

// CallbackAnswer returns the bot's answer to a callback query, if it has
// answered.
func (s *Server) CallbackAnswer(queryID string) (CallbackAnswer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cb := s.callbacks[queryID]; cb != nil && cb.answered {
		return cb.answer, true
	}
	return CallbackAnswer{}, false
}

// SentTo matches messages in the chat.
func SentTo(chatID int64) func(Message) bool {
	return func(m Message) bool { return m.Chat.ID == chatID }
}

// After matches messages in m's chat that came after m: what the bot sent
// in answer to a message a user sent.
func After(m Message) func(Message) bool {
	return func(x Message) bool { return x.Chat.ID == m.Chat.ID && x.MessageID > m.MessageID }
}

// Contains matches messages whose text or caption contains substr.
func Contains(substr string) func(Message) bool {
	return func(m Message) bool { return strings.Contains(m.Content(), substr) }
}

// WithButton matches messages with an inline button of this text.
func WithButton(text string) func(Message) bool {
	return func(m Message) bool {
		_, ok := m.Button(text)
		return ok
	}
}

// All matches messages every one of matches matches.
func All(matches ...func(Message) bool) func(Message) bool {
	return func(m Message) bool {
		for _, match := range matches {
			if !match(m) {
				return false
			}
		}
		return true
	}
}

// sentSummary lists the last messages the bot sent, for failure output.
func (s *Server) sentSummary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sent) == 0 {
		return "the bot sent nothing"
	}
	var b strings.Builder
	b.WriteString("the bot sent:")
	for _, m := range s.sent[max(0, len(s.sent)-20):] {
		b.WriteString("\n\t")
		b.WriteString(m.String())
	}
	return b.String()
}

// callSummary lists the last calls, for failure output.
func (s *Server) callSummary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var lines []string
	for i := len(s.calls) - 1; i >= 0 && len(lines) < 20; i-- {
		c := s.calls[i]
		if c.Method == "getUpdates" && c.OK() && string(c.Response) == `{"ok":true,"result":[]}` {
			continue // an empty long poll
		}
		lines = append(lines, c.String())
	}
	if len(lines) == 0 {
		return "the bot made no calls"
	}
	slices.Reverse(lines)
	return "the bot's last calls:\n\t" + strings.Join(lines, "\n\t")
}
