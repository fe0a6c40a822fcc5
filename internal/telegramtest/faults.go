package telegramtest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a failure the server injects into the next matching calls,
// before the method runs (a faulted call changes no state).
type Fault struct {
	// Method is the method to fail, in any case; "" matches every method
	// except getUpdates (name getUpdates to fail long polls).
	Method string
	// ChatID restricts the fault to calls with this chat_id; 0 matches any.
	ChatID int64
	// Times is the number of calls to fail; 0 means 1.
	Times int
	// Code is the error_code and HTTP status of the answer: 429, 500, 502,
	// 403... 0 answers normally (a Delay alone makes a slow answer).
	Code int
	// Description of the error; default: Telegram's text for Code (for 429
	// "Too Many Requests: retry after N", for 403 "Forbidden: bot was
	// blocked by the user").
	Description string
	// RetryAfter is parameters.retry_after of a 429 (default 1).
	RetryAfter int
	// Delay holds the answer back for this long (or until the client gives
	// up or the server closes).
	Delay time.Duration
	// Hold, when set, holds the answer back until the channel is closed
	// (or Delay has passed, if set, or the client gives up or the server
	// closes): a Telegram that hangs until the test lets it go.
	Hold <-chan struct{}
	// Body, when set, is sent verbatim as a text/html body instead of the
	// JSON error, like the HTML page of a failing proxy in front of the
	// Bot API.
	Body string
	// Disconnect drops the connection without an answer.
	Disconnect bool
	// AlbumItems, when positive, makes the fault an album that fails
	// partway, as tdlib's sendMediaGroup does: it matches only
	// sendMediaGroup, the first AlbumItems items are delivered (the chat
	// has them, the bot gets no message ids), and the call then fails with
	// Code (default 400). A 400 is described as Telegram does, "failed to
	// send message #N with the error message \"...\"" with N the first item
	// not delivered and Description (default "IMAGE_PROCESS_FAILED") the
	// message; other codes as for any fault. An album of no more than
	// AlbumItems items is delivered whole and answered normally.
	AlbumItems int
}

// albumError is the error of an album that failed after delivered items.
func (f *Fault) albumError(delivered int) *apiError {
	if f.Code == 0 || f.Code == http.StatusBadRequest {
		msg := f.Description
		if msg == "" {
			msg = "IMAGE_PROCESS_FAILED"
		}
		return badRequestf("failed to send message #%d with the error message \"%s\"", delivered+1, msg)
	}
	return f.apiError()
}

// FailAlbumAfter makes the next sendMediaGroup deliver its first n items
// and then fail with 400, as an album whose item n+1 Telegram refuses.
func (s *Server) FailAlbumAfter(n int) {
	s.AddFault(Fault{Method: "sendMediaGroup", AlbumItems: n})
}

func (f *Fault) apiError() *apiError {
	e := &apiError{Code: f.Code, Description: f.Description}
	if f.Code == http.StatusTooManyRequests {
		e.RetryAfter = f.RetryAfter
		if e.RetryAfter <= 0 {
			e.RetryAfter = 1
		}
	}
	if e.Description == "" {
		e.Description = defaultDescription(f.Code, e.RetryAfter)
	}
	return e
}

// AddFault queues a fault; faults apply in the order added, one per call.
func (s *Server) AddFault(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// FloodNext makes the next n calls of method ("" for any but getUpdates)
// answer 429 Too Many Requests with parameters.retry_after.
func (s *Server) FloodNext(method string, n, retryAfter int) {
	s.AddFault(Fault{Method: method, Times: n, Code: http.StatusTooManyRequests, RetryAfter: retryAfter})
}

// FailNext makes the next n calls of method ("" for any but getUpdates)
// answer with the error code (500, 502, 403...) and Telegram's usual
// description for it.
func (s *Server) FailNext(method string, n, code int) {
	s.AddFault(Fault{Method: method, Times: n, Code: code})
}

// DelayNext makes the next n calls of method ("" for any but getUpdates)
// answer only after d.
func (s *Server) DelayNext(method string, n int, d time.Duration) {
	s.AddFault(Fault{Method: method, Times: n, Delay: d})
}

// ClearFaults drops the faults not used yet.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the first fault matching a call and uses it up.
func (s *Server) takeFault(method string, q *request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if !f.matches(method, q) {
			continue
		}
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		c := *f
		return &c
	}
	return nil
}

func (f *Fault) matches(method string, q *request) bool {
	switch {
	case f.AlbumItems > 0 && !strings.EqualFold(method, "sendMediaGroup"):
		return false
	case f.Method == "" && method == "getUpdates":
		return false
	case f.Method != "" && !strings.EqualFold(f.Method, method):
		return false
	case f.ChatID != 0:
		id, err := strconv.ParseInt(strings.TrimSpace(q.str("chat_id")), 10, 64)
		return err == nil && id == f.ChatID
	}
	return true
}

// Block marks the chat as having blocked the bot (for a private chat) or
// removed it (for a group): every call to the chat fails with 403
// "Forbidden: bot was blocked by the user" (or "bot was kicked from the
// group chat"...) until Unblock, or until the user writes to the bot in
// the private chat (which they can only do after unblocking it). It
// returns false for an unknown chat.
func (s *Server) Block(chatID int64) bool {
	return s.setBlocked(chatID, true)
}

// Unblock undoes Block.
func (s *Server) Unblock(chatID int64) bool {
	return s.setBlocked(chatID, false)
}

func (s *Server) setBlocked(chatID int64, blocked bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	if cs == nil {
		return false
	}
	cs.blocked = blocked
	return true
}
