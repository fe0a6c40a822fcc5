package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultToken is the token a server accepts when Options.Token is empty.
const DefaultToken = "7000000001:AAtelegramtest-0123456789abcdefghijkl"

// Options configures a Server. The zero value is ready to use.
type Options struct {
	// Token is the only token the server accepts; default DefaultToken. The
	// bot's id is the number before the colon unless BotID is set.
	Token string
	// BotID, BotUsername and BotFirstName are the bot's identity (getMe,
	// and "from" of every message the bot sends). Defaults: the token's
	// number, "mcu_test_bot", "MCU Test Bot".
	BotID        int64
	BotUsername  string
	BotFirstName string
	// Addr is the address to listen on; default "127.0.0.1:0".
	Addr string
	// Now is the clock for message dates, the flood limits and the
	// timeout of callback queries; default time.Now.
	Now func() time.Time
	// GroupPrivacy turns on the bot's privacy mode: in groups and
	// supergroups the bot then receives only commands, replies to its own
	// messages and service messages, as a Telegram bot with privacy mode on
	// that is not an administrator.
	GroupPrivacy bool
	// Limits are Telegram's flood limits and callback query timeout, off
	// unless Limits.On is set.
	Limits Limits
	// WaitTimeout bounds the Must* wait helpers; default 5s.
	WaitTimeout time.Duration
	// Logf, when set, gets one line per call (long polls that return
	// nothing are left out).
	Logf func(format string, args ...any)
}

// Server is a Telegram Bot API server for tests: point a bot at URL with
// Token, inject what users do, and inspect what the bot sent. All methods
// are safe for concurrent use.
type Server struct {
	// URL is the base URL of the API, for telebot.Settings.URL.
	URL string
	// Token is the token the server accepts.
	Token string
	// Bot is the bot's identity, as getMe returns it.
	Bot User

	opts    Options
	limits  Limits
	now     func() time.Time
	ctx     context.Context // canceled by Close
	cancel  context.CancelFunc
	ln      net.Listener
	hs      *http.Server
	done    chan struct{}
	closing sync.Once
	wg      sync.WaitGroup
	hook    *http.Client
	// connections counts the TCP connections clients opened.
	connections atomic.Int64

	mu      sync.Mutex
	closed  bool
	changed chan struct{} // closed and replaced on every change of state
	seq     int           // last id handed out by nextSeq

	users      map[int64]User
	chats      map[int64]*chatState
	nextUserID int64
	nextGroupN int64
	files      map[string]*storedFile // by file_id
	filePaths  map[string]*storedFile // by file_path
	nextUpdate int
	pending    []*queuedUpdate
	updateLog  []*queuedUpdate
	allowed    map[string]bool // nil: Telegram's default set
	pollGen    int
	pollsEnded bool // EndLongPolls: getUpdates does not wait
	callbacks  map[string]*callbackState
	calls      []Call
	sent       []*Message // every message the bot sent, as sent
	faults     []*Fault
	commands   map[string][]BotCommand
	webhook    WebhookInfo
	flood      flood
}

// New starts a server listening on opts.Addr (default 127.0.0.1:0). Close
// it when done.
func New(opts Options) (*Server, error) {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.BotID == 0 {
		prefix, _, _ := strings.Cut(opts.Token, ":")
		id, err := strconv.ParseInt(prefix, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("telegramtest: token %q does not start with a bot id; set Options.BotID", opts.Token)
		}
		opts.BotID = id
	}
	if opts.BotUsername == "" {
		opts.BotUsername = "mcu_test_bot"
	}
	if opts.BotFirstName == "" {
		opts.BotFirstName = "MCU Test Bot"
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = 5 * time.Second
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("telegramtest: listen: %w", err)
	}
	s := &Server{
		URL:        "http://" + ln.Addr().String(),
		Token:      opts.Token,
		Bot:        User{ID: opts.BotID, IsBot: true, FirstName: opts.BotFirstName, Username: opts.BotUsername},
		opts:       opts,
		limits:     opts.Limits.withDefaults(),
		now:        opts.Now,
		ln:         ln,
		done:       make(chan struct{}),
		hook:       &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second},
		changed:    make(chan struct{}),
		users:      map[int64]User{},
		chats:      map[int64]*chatState{},
		nextUserID: 100000000,
		files:      map[string]*storedFile{},
		filePaths:  map[string]*storedFile{},
		nextUpdate: 1,
		callbacks:  map[string]*callbackState{},
		commands:   map[string][]BotCommand{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.hs = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// Dropped connections (faults, clients that give up) are normal
		// here: no noise on stderr.
		ErrorLog: log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, state http.ConnState) {
			if state == http.StateNew {
				s.connections.Add(1)
			}
		},
	}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("telegramtest: serve: %v", err)
		}
	}()
	go s.webhookLoop()
	return s, nil
}

// Connections returns how many TCP connections clients have opened to
// the server. Telegram's is reached over TLS, so a bot that does not
// keep its connections alive between calls pays a handshake for each.
func (s *Server) Connections() int { return int(s.connections.Load()) }

// Close stops the server: pending long polls and waits return, the
// listener closes and Close waits for every request in flight. Stop the
// bot first, or its poller will spin on refused connections.
func (s *Server) Close() error {
	var err error
	s.closing.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.notifyLocked()
		s.mu.Unlock()
		close(s.done)
		s.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err = s.hs.Shutdown(ctx); err != nil {
			err = errors.Join(err, s.hs.Close())
		}
		s.wg.Wait()
		s.hook.CloseIdleConnections()
	})
	return err
}

// handler is the implementation of one Bot API method.
type handler func(s *Server, ctx context.Context, q *request) (result any, description string, err *apiError)

// method is a Bot API method the server implements.
type method struct {
	name string // canonical spelling
	fn   handler
}

// methods maps lower-case method names (the Bot API ignores case) to their
// implementation.
var methods = func() map[string]method {
	m := map[string]method{}
	for name, fn := range map[string]handler{
		"getMe":                  (*Server).getMe,
		"getUpdates":             (*Server).getUpdates,
		"setWebhook":             (*Server).setWebhook,
		"deleteWebhook":          (*Server).deleteWebhook,
		"getWebhookInfo":         (*Server).getWebhookInfo,
		"setMyCommands":          (*Server).setMyCommands,
		"getMyCommands":          (*Server).getMyCommands,
		"deleteMyCommands":       (*Server).deleteMyCommands,
		"getChat":                (*Server).getChat,
		"sendMessage":            (*Server).sendMessage,
		"sendPhoto":              (*Server).sendPhoto,
		"sendDocument":           (*Server).sendDocument,
		"sendLocation":           (*Server).sendLocation,
		"sendMediaGroup":         (*Server).sendMediaGroup,
		"sendChatAction":         (*Server).sendChatAction,
		"editMessageText":        (*Server).editMessageText,
		"editMessageCaption":     (*Server).editMessageCaption,
		"editMessageReplyMarkup": (*Server).editMessageReplyMarkup,
		"deleteMessage":          (*Server).deleteMessage,
		"deleteMessages":         (*Server).deleteMessages,
		"answerCallbackQuery":    (*Server).answerCallbackQuery,
		"getFile":                (*Server).getFile,
	} {
		m[strings.ToLower(name)] = method{name, fn}
	}
	return m
}()

// ServeHTTP serves the Bot API: /bot<token>/<method> and
// /file/bot<token>/<path>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/file/bot"); ok {
		s.serveFile(w, r, rest)
		return
	}
	rest, ok := strings.CutPrefix(path, "/bot")
	if !ok {
		writeJSON(w, http.StatusNotFound, errorBody(&apiError{Code: http.StatusNotFound, Description: descNotFound}), 0)
		return
	}
	token, method, ok := strings.Cut(rest, "/")
	if !ok || method == "" {
		writeJSON(w, http.StatusNotFound, errorBody(&apiError{Code: http.StatusNotFound, Description: descNotFound}), 0)
		return
	}
	s.serveMethod(w, r, token, method)
}

// serveMethod answers a call of a Bot API method and records it. A call
// with a wrong token or unreadable parameters fails; otherwise the first
// matching fault applies, and unless it fails the call the method runs.
func (s *Server) serveMethod(w http.ResponseWriter, r *http.Request, token, name string) {
	start := time.Now()
	m := lookupMethod(name)
	q, aerr := parseRequest(w, r)
	call := newCall(start, m.name, q)
	if token != s.Token {
		aerr = &apiError{Code: http.StatusUnauthorized, Description: descUnauthorized}
	}
	if aerr != nil {
		s.answer(w, r, call, nil, "", aerr)
		return
	}
	if fault := s.takeFault(call.Method, q); fault != nil {
		s.hold(r, fault)
		switch {
		case fault.AlbumItems > 0:
			q.albumFault = fault
		case fault.Disconnect || fault.Code != 0:
			s.serveFault(w, r, call, fault)
			return
		}
	}
	charge, aerr := s.chargeFlood(m.name, q)
	if aerr != nil {
		s.answer(w, r, call, nil, "", aerr)
		return
	}
	result, desc, aerr := s.invoke(r.Context(), m, q)
	if aerr != nil && q.albumFault == nil { // items delivered count
		s.refundFlood(charge)
	}
	s.answer(w, r, call, result, desc, aerr)
}

// lookupMethod returns the method called name, in any case; an unknown
// method keeps the name as called and has no implementation.
func lookupMethod(name string) method {
	if m, ok := methods[strings.ToLower(name)]; ok {
		return m
	}
	return method{name: name}
}

// invoke runs the implementation of m; an unknown method is not found.
func (s *Server) invoke(ctx context.Context, m method, q *request) (any, string, *apiError) {
	if m.fn == nil {
		return nil, "", &apiError{Code: http.StatusNotFound, Description: descMethodNotFound}
	}
	return m.fn(s, ctx, q)
}

// newCall starts the record of a call of the method called name, with the
// parameters and the names of the uploaded files of q (nil when the
// request could not be read).
func newCall(start time.Time, name string, q *request) Call {
	call := Call{Time: start, Method: name}
	if q != nil {
		call.Params = q.params
		call.Files = make(map[string]string, len(q.files))
		for field, f := range q.files {
			call.Files[field] = f.Filename
		}
	}
	return call
}

// hold waits for the fault's Delay and Hold (Delay alone: that long;
// Hold alone: until it is closed; both: whichever comes first), or less
// when the client gives up or the server closes.
func (s *Server) hold(r *http.Request, f *Fault) {
	if f.Delay <= 0 && f.Hold == nil {
		return
	}
	var elapsed <-chan time.Time // nil: no Delay, wait for Hold
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		elapsed = t.C
	}
	select {
	case <-elapsed:
	case <-f.Hold:
	case <-r.Context().Done():
	case <-s.done:
	}
}

// serveFault fails a call with f: it drops the connection, or sends the
// fault's verbatim body, or else its JSON error.
func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, call Call, f *Fault) {
	switch {
	case f.Disconnect:
		s.disconnect(w)
		s.record(call, call.Time, 0, "connection dropped by fault", nil)
	case f.Body != "":
		body := []byte(f.Body)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Code)
		_, _ = w.Write(body)
		s.record(call, call.Time, f.Code, f.Body, body)
	default:
		s.answer(w, r, call, nil, "", f.apiError())
	}
}

// answer writes the JSON answer of a call, the error aerr or else result
// with the description desc, and records the call. A call with neither
// error nor result whose client went away (a long poll given up) gets no
// answer; with its client still there its result is an empty list.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, call Call, result any, desc string, aerr *apiError) {
	if aerr == nil && result == nil {
		// A long poll ended because the client went away: nobody reads
		// an answer.
		if r.Context().Err() != nil {
			s.record(call, call.Time, 0, "client closed request", nil)
			return
		}
		result = []json.RawMessage{}
	}
	status, body, retryAfter, recorded := encodeAnswer(result, desc, aerr)
	writeJSON(w, status, body, retryAfter)
	s.record(call, call.Time, status, recorded, body)
}

// encodeAnswer returns the HTTP status, body and Retry-After seconds of an
// answer, and the description to record: the error aerr's, or for a
// result none (an error 500 when result cannot be encoded).
func encodeAnswer(result any, desc string, aerr *apiError) (status int, body []byte, retryAfter int, recorded string) {
	if aerr == nil {
		body, err := okBody(result, desc)
		if err == nil {
			return http.StatusOK, body, 0, ""
		}
		aerr = &apiError{Code: http.StatusInternalServerError, Description: "Internal Server Error"}
	}
	return aerr.Code, errorBody(aerr), aerr.RetryAfter, aerr.Description
}

// disconnect drops the connection without an answer, as a network failure
// would.
func (s *Server) disconnect(w http.ResponseWriter) {
	// http.ErrAbortHandler is net/http's own way to abort a response: the
	// server recovers it and closes the connection without logging.
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func okBody(result any, description string) ([]byte, error) {
	res, err := json.Marshal(result)
	if err != nil {
		return nil, err
	}
	body := struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		Description string          `json:"description,omitempty"`
	}{true, res, description}
	return json.Marshal(body)
}

func errorBody(e *apiError) []byte {
	type parameters struct {
		RetryAfter      int   `json:"retry_after,omitempty"`
		MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
	}
	body := struct {
		OK          bool        `json:"ok"`
		ErrorCode   int         `json:"error_code"`
		Description string      `json:"description"`
		Parameters  *parameters `json:"parameters,omitempty"`
	}{ErrorCode: e.Code, Description: e.Description}
	if e.RetryAfter != 0 || e.MigrateTo != 0 {
		body.Parameters = &parameters{RetryAfter: e.RetryAfter, MigrateToChatID: e.MigrateTo}
	}
	data, err := json.Marshal(body)
	if err != nil {
		// Only strings and numbers: cannot happen.
		return []byte(`{"ok":false,"error_code":500,"description":"Internal Server Error"}`)
	}
	return data
}

func writeJSON(w http.ResponseWriter, status int, body []byte, retryAfter int) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// record stores a finished call and wakes the waiters.
func (s *Server) record(c Call, start time.Time, status int, description string, body []byte) {
	c.Duration = time.Since(start)
	c.Status = status
	c.Description = description
	c.Response = bytes.Clone(body)
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	s.mu.Lock()
	c.Seq = len(s.calls) + 1
	s.calls = append(s.calls, c)
	s.notifyLocked()
	s.mu.Unlock()
	if s.opts.Logf != nil && !(c.Method == "getUpdates" && status == http.StatusOK && bytes.Equal(body, []byte(`{"ok":true,"result":[]}`))) {
		s.logf("telegramtest: %s", c)
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// notifyLocked wakes everyone waiting for a change. s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// nextSeq returns a number unique within the server, for ids.
func (s *Server) nextSeq() int {
	s.seq++
	return s.seq
}

func (s *Server) unix() int64 { return s.now().Unix() }
