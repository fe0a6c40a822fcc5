package telegramtest

import (
	"context"
	"os"
	"time"
)

// TB is the part of testing.TB the Must helpers use; *testing.T and
// *testing.B satisfy it. The package does not import testing, so that
// non-test programs (mcu demo) can run the server.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
}

// MustNew starts a server for a test, logging its calls to tb unless
// opts.Logf is set, and closes it when the test ends. With the environment
// variable TELEGRAMTEST_STRICT=1 it turns Options.Limits on, with
// TELEGRAMTEST_STRICT=wallclock on and timed by time.Now. Create the bot after
// the server, so that the bot's own cleanup (Stop) runs first.
func MustNew(tb TB, opts Options) *Server {
	tb.Helper()
	if opts.Logf == nil {
		opts.Logf = tb.Logf
	}
	switch os.Getenv("TELEGRAMTEST_STRICT") {
	case "1":
		opts.Limits.On = true
	case "wallclock":
		opts.Limits.On, opts.Limits.Now = true, time.Now
	}
	s, err := New(opts)
	if err != nil {
		tb.Fatalf("%v", err)
		return nil
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Logf("telegramtest: close: %v", err)
		}
	})
	return s
}

func (s *Server) waitContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.opts.WaitTimeout)
}

// MustWaitSent is WaitSent bounded by Options.WaitTimeout; it fails the
// test, listing what the bot sent, when no message matches.
func (s *Server) MustWaitSent(tb TB, match func(Message) bool) Message {
	tb.Helper()
	ctx, cancel := s.waitContext()
	defer cancel()
	m, err := s.WaitSent(ctx, match)
	if err != nil {
		tb.Fatalf("%v\n%s\n%s", err, s.sentSummary(), s.callSummary())
	}
	return m
}

// MustWaitMessage is WaitMessage bounded by Options.WaitTimeout.
func (s *Server) MustWaitMessage(tb TB, match func(Message) bool) Message {
	tb.Helper()
	ctx, cancel := s.waitContext()
	defer cancel()
	m, err := s.WaitMessage(ctx, match)
	if err != nil {
		tb.Fatalf("%v\n%s\n%s", err, s.sentSummary(), s.callSummary())
	}
	return m
}

// MustWaitCall is WaitCall bounded by Options.WaitTimeout.
func (s *Server) MustWaitCall(tb TB, method string, match func(Call) bool) Call {
	tb.Helper()
	ctx, cancel := s.waitContext()
	defer cancel()
	c, err := s.WaitCall(ctx, method, match)
	if err != nil {
		tb.Fatalf("%v\n%s", err, s.callSummary())
	}
	return c
}

// MustCallbackAnswer waits (bounded by Options.WaitTimeout) for the bot's
// answer to a callback query and returns what the user saw.
func (s *Server) MustCallbackAnswer(tb TB, queryID string) CallbackAnswer {
	tb.Helper()
	ctx, cancel := s.waitContext()
	defer cancel()
	a, err := s.WaitCallbackAnswer(ctx, queryID)
	if err != nil {
		tb.Fatalf("%v\n%s", err, s.callSummary())
	}
	return a
}

// MustWaitDelivered is WaitDelivered bounded by Options.WaitTimeout.
func (s *Server) MustWaitDelivered(tb TB, updateID int) {
	tb.Helper()
	ctx, cancel := s.waitContext()
	defer cancel()
	if err := s.WaitDelivered(ctx, updateID); err != nil {
		tb.Fatalf("%v\n%s", err, s.callSummary())
	}
}

// MustPress is Press failing the test when the button cannot be pressed.
func (s *Server) MustPress(tb TB, from User, msg Message, buttonText string) CallbackQuery {
	tb.Helper()
	q, err := s.Press(from, msg, buttonText)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return q
}

// MustMessage returns the current state of a message, failing the test if
// it does not exist (or was deleted).
func (s *Server) MustMessage(tb TB, chatID int64, messageID int) Message {
	tb.Helper()
	m, ok := s.Message(chatID, messageID)
	if !ok {
		tb.Fatalf("telegramtest: message %d in chat %d does not exist\n%s", messageID, chatID, s.sentSummary())
	}
	return m
}
