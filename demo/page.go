package demo

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"mcu/internal/telegramtest"
	"mcu/workflow"
)

//go:embed static
var static embed.FS

// PageOptions is what the page shows and does.
type PageOptions struct {
	Server     *telegramtest.Server
	World      *World
	Directions []workflow.Direction
	// Digest makes the head's digest now and queues it (the page's
	// «Сводка сейчас»).
	Digest func(ctx context.Context) error
	Logger *slog.Logger
	// Debounce is how long the live view waits after a change for more
	// before it sends; default 50ms.
	Debounce time.Duration
}

// Page is the demo's web page: a Telegram-like chat client over the test
// server, in which one plays each persona.
type Page struct {
	o          PageOptions
	directions atomic.Pointer[[]workflow.Direction]
	done       chan struct{}
	closing    sync.Once
}

// NewPage returns the page; Handler serves it.
func NewPage(o PageOptions) *Page {
	if o.Debounce <= 0 {
		o.Debounce = 50 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Page{o: o, done: make(chan struct{})}
	p.SetDirections(o.Directions)
	return p
}

// SetDirections sets the directions, whose groups the curators and
// executors see (known once the database is open).
func (p *Page) SetDirections(ds []workflow.Direction) { p.directions.Store(&ds) }

func (p *Page) dirs() []workflow.Direction { return *p.directions.Load() }

// Close ends the live views, so that the HTTP server can shut down (the
// browsers reconnect to the next demo).
func (p *Page) Close() { p.closing.Do(func() { close(p.done) }) }

// Handler serves the page (GET /), its script and style, the JSON view of
// a persona's chats (GET /api/chats?person=), the live view of them
// (GET /api/events?person=, server-sent events), the files (GET
// /api/file/{id}) and what a persona does (POST /api/send, /api/press,
// /api/photo, /api/location, /api/contact) and POST /api/digest.
func (p *Page) Handler() http.Handler {
	mux := http.NewServeMux()
	sub, _ := fs.Sub(static, "static") // the directory is embedded: cannot fail
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(sub)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFileFS(w, r, sub, "index.html")
	})
	mux.HandleFunc("GET /api/people", p.people)
	mux.HandleFunc("GET /api/chats", p.chats)
	mux.HandleFunc("GET /api/events", p.events)
	mux.HandleFunc("GET /api/file/{id}", p.file)
	mux.HandleFunc("POST /api/send", ownPage(p.send))
	mux.HandleFunc("POST /api/press", ownPage(p.press))
	mux.HandleFunc("POST /api/photo", ownPage(p.photo))
	mux.HandleFunc("POST /api/location", ownPage(p.location))
	mux.HandleFunc("POST /api/contact", ownPage(p.contact))
	mux.HandleFunc("POST /api/digest", ownPage(p.digest))
	return mux
}

// ActionHeader must be set (to "1") on the page's POSTs. A browser sends
// a custom header cross-origin only after a CORS preflight, which the
// page refuses: another site open in the same browser cannot act as
// the demo's people.
const ActionHeader = "X-MCU-Demo"

func ownPage(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(ActionHeader) != "1" {
			http.Error(w, ActionHeader+" header missing", http.StatusForbidden)
			return
		}
		h(w, r)
	}
}

// personView is a persona as the page's picker lists it.
type personView struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Name  string `json:"name"`
	ID    int64  `json:"id"`
}

func (p *Page) people(w http.ResponseWriter, _ *http.Request) {
	out := struct {
		People   []personView `json:"people"`
		Bot      string       `json:"bot"`
		Location any          `json:"location"`
	}{Bot: p.o.Server.Bot.FirstName, Location: p.o.World.Location}
	for _, pp := range p.o.World.People {
		out.People = append(out.People, personView{pp.Key, pp.Label, pp.Name(), pp.ID})
	}
	writeJSON(w, out)
}

// persona returns the persona named by the request's "person".
func (p *Page) persona(r *http.Request) (Person, error) {
	key := r.FormValue("person")
	pp, ok := p.o.World.Persona(key)
	if !ok {
		return Person{}, fmt.Errorf("no person %q", key)
	}
	return pp, nil
}

// chatOf returns the chat named by the request's "chat", one the persona
// sees.
func (p *Page) chatOf(r *http.Request, pp Person) (telegramtest.Chat, error) {
	id, err := strconv.ParseInt(r.FormValue("chat"), 10, 64)
	if err != nil {
		return telegramtest.Chat{}, fmt.Errorf("bad chat %q", r.FormValue("chat"))
	}
	for _, c := range p.o.World.Chats(pp, p.dirs()) {
		if c.ID == id {
			return c, nil
		}
	}
	return telegramtest.Chat{}, fmt.Errorf("%s does not see chat %d", pp.Key, id)
}

func (p *Page) chats(w http.ResponseWriter, r *http.Request) {
	pp, err := p.persona(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	writeJSON(w, p.view(pp))
}

// events sends the persona's chats at once and again after every change
// of them, until the client goes away: the page's live view.
func (p *Page) events(w http.ResponseWriter, r *http.Request) {
	pp, err := p.persona(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	// A browser reconnects after a second when the demo restarts.
	fmt.Fprint(w, "retry: 1000\n\n")
	var last []byte
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	for {
		changed := p.o.Server.Changed()
		data, err := json.Marshal(p.view(pp))
		if err != nil {
			return
		}
		if !bytes.Equal(data, last) {
			if _, err := fmt.Fprintf(w, "event: chats\ndata: %s\n\n", data); err != nil {
				return
			}
			flusher.Flush()
			last = data
		}
		select {
		case <-r.Context().Done():
			return
		case <-p.done:
			return
		case <-heartbeat.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
			flusher.Flush()
			continue
		case <-changed:
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(p.o.Debounce):
		}
	}
}

// file serves a photo or document by its file_id.
func (p *Page) file(w http.ResponseWriter, r *http.Request) {
	data, ok := p.o.Server.FileData(r.PathValue("id"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", http.DetectContentType(data))
	w.Header().Set("Cache-Control", "max-age=86400, immutable")
	_, _ = w.Write(data)
}

// action reads the persona and the chat of a POST and places a message
// there (replying to reply_to, when given).
func (p *Page) action(w http.ResponseWriter, r *http.Request) (Person, telegramtest.Chat, []telegramtest.SendOption, bool) {
	pp, err := p.persona(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return Person{}, telegramtest.Chat{}, nil, false
	}
	chat, err := p.chatOf(r, pp)
	if err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return Person{}, telegramtest.Chat{}, nil, false
	}
	opts := []telegramtest.SendOption{telegramtest.In(chat)}
	if chat.Type == telegramtest.ChatPrivate {
		opts = nil // the persona's own chat with the bot
	}
	if id, _ := strconv.Atoi(r.FormValue("reply_to")); id != 0 {
		m, ok := p.o.Server.Message(chat.ID, id)
		if !ok {
			http.Error(w, "the message replied to is gone", http.StatusConflict)
			return Person{}, telegramtest.Chat{}, nil, false
		}
		opts = append(opts, telegramtest.ReplyTo(m))
	}
	return pp, chat, opts, true
}

func (p *Page) send(w http.ResponseWriter, r *http.Request) {
	pp, _, opts, ok := p.action(w, r)
	if !ok {
		return
	}
	text := r.FormValue("text")
	if text == "" {
		http.Error(w, "empty message", http.StatusBadRequest)
		return
	}
	m := p.o.Server.SendText(pp.User(), text, opts...)
	writeJSON(w, map[string]int{"message_id": m.MessageID})
}

// press presses an inline button and answers with what the bot answered
// the callback query (a toast or an alert), waiting a few seconds for it.
func (p *Page) press(w http.ResponseWriter, r *http.Request) {
	pp, chat, _, ok := p.action(w, r)
	if !ok {
		return
	}
	id, _ := strconv.Atoi(r.FormValue("message"))
	m, found := p.o.Server.Message(chat.ID, id)
	if !found {
		http.Error(w, "the message is gone", http.StatusConflict)
		return
	}
	q, err := p.o.Server.Press(pp.User(), m, r.FormValue("button"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	answer, err := p.o.Server.WaitCallbackAnswer(ctx, q.ID)
	if err != nil {
		writeJSON(w, map[string]any{"answered": false})
		return
	}
	writeJSON(w, map[string]any{"answered": true, "text": answer.Text, "alert": answer.ShowAlert})
}

func (p *Page) photo(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(12 << 20); err != nil {
		http.Error(w, "bad upload: "+err.Error(), http.StatusBadRequest)
		return
	}
	pp, _, opts, ok := p.action(w, r)
	if !ok {
		return
	}
	f, _, err := r.FormFile("photo")
	if err != nil {
		http.Error(w, "no photo", http.StatusBadRequest)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 11<<20))
	if err != nil {
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	m, err := p.o.Server.SendPhotoData(pp.User(), data, r.FormValue("caption"), opts...)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, map[string]int{"message_id": m.MessageID})
}

func (p *Page) location(w http.ResponseWriter, r *http.Request) {
	pp, _, opts, ok := p.action(w, r)
	if !ok {
		return
	}
	lat, err1 := strconv.ParseFloat(r.FormValue("latitude"), 64)
	lon, err2 := strconv.ParseFloat(r.FormValue("longitude"), 64)
	if err := errors.Join(err1, err2); err != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		http.Error(w, "bad coordinates", http.StatusBadRequest)
		return
	}
	m := p.o.Server.SendLocation(pp.User(), lat, lon, opts...)
	writeJSON(w, map[string]int{"message_id": m.MessageID})
}

// contact shares the persona's own phone number, as a request_contact
// button does.
func (p *Page) contact(w http.ResponseWriter, r *http.Request) {
	pp, _, opts, ok := p.action(w, r)
	if !ok {
		return
	}
	phone := pp.Phone
	if phone == "" {
		phone = "+7900" + strconv.FormatInt(pp.ID%10000000, 10)
	}
	m := p.o.Server.SendContact(pp.User(), phone, opts...)
	writeJSON(w, map[string]int{"message_id": m.MessageID})
}

func (p *Page) digest(w http.ResponseWriter, r *http.Request) {
	if p.o.Digest == nil {
		http.Error(w, "no digest", http.StatusNotImplemented)
		return
	}
	if err := p.o.Digest(r.Context()); err != nil {
		p.o.Logger.Warn("demo: digest", "error", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]bool{"queued": true})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
