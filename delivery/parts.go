package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	tele "gopkg.in/telebot.v3"

	"mcu/internal/redact"
	"mcu/outbox"
)

// An outbox message may take several Telegram messages: the appeal's
// album and map pin before its card, the photos of a reply or of an
// answer's evidence before the text, the parts of a long text, a prepared
// message's file before its text. Each is a part with a key computed from
// the message alone (media/album/0, media/pin, card, text/1, file...), so
// part k is the same on every attempt. What Telegram accepted is recorded
// with the row (outbox.parts) in the transaction that records the
// attempt's outcome, so a retry resumes at the part that failed and never
// sends again one Telegram accepted.

// part is one Telegram message (or album) of an outbox message.
type part struct {
	key  string
	n    int // the messages it takes: an album's photos, else 1
	send func() ([]int, error)
	// split, for an album, are its photos one by one (keys key/0,
	// key/1...), sent instead when Telegram refuses the album: a 400 on
	// an album is about one of its photos, and the others still go.
	split []part
}

// partRun is the parts of one attempt at a message: those to send, those
// done on earlier attempts, and those done on this one.
type partRun struct {
	parts []part
	prev  map[string]outbox.Part // done on earlier attempts
	done  map[string]outbox.Part // done on this attempt
}

func newPartRun(m outbox.Message) *partRun {
	return &partRun{prev: m.Parts, done: map[string]outbox.Part{}}
}

// add appends a part; keys are unique within a message.
func (r *partRun) add(key string, send func() ([]int, error)) {
	r.parts = append(r.parts, part{key: key, n: 1, send: send})
}

// addAlbum appends an album part, with its photos one by one to send
// instead when Telegram refuses the album.
func (r *partRun) addAlbum(key string, send func() ([]int, error), photos []func() ([]int, error)) {
	p := part{key: key, n: len(photos), send: send}
	for i, f := range photos {
		p.split = append(p.split, part{key: fmt.Sprintf("%s/%d", key, i), n: 1, send: f})
	}
	r.parts = append(r.parts, p)
}

// flat returns the parts in order with, after a refused album, its
// photos one by one.
func (r *partRun) flat() []part {
	var out []part
	for _, p := range r.parts {
		out = append(out, p)
		if res, ok := r.result(p.key); ok && res.Skipped != "" {
			out = append(out, p.split...)
		}
	}
	return out
}

// result returns what became of the part key, on this attempt or an
// earlier one.
func (r *partRun) result(key string) (outbox.Part, bool) {
	if p, ok := r.done[key]; ok {
		return p, true
	}
	p, ok := r.prev[key]
	return p, ok
}

// idsOf returns the messages sent by the parts whose keys begin with
// prefix, in the order of the parts.
func (r *partRun) idsOf(prefix string) []int {
	var ids []int
	for _, p := range r.flat() {
		if !strings.HasPrefix(p.key, prefix) {
			continue
		}
		if res, ok := r.result(p.key); ok {
			ids = append(ids, res.IDs...)
		}
	}
	return ids
}

// skipped returns the reasons of the parts skipped, on this attempt or
// an earlier one.
func (r *partRun) skipped() []string {
	var out []string
	for _, p := range r.flat() {
		if res, ok := r.result(p.key); ok && res.Skipped != "" {
			out = append(out, fmt.Sprintf("part %s skipped: %s", p.key, res.Skipped))
		}
	}
	return out
}

// errAllSkipped is the error of a message none of whose parts Telegram
// accepted.
var errAllSkipped = errors.New("telegram refused every part of the message")

// sendParts sends the parts not done yet, in order. A part Telegram
// refuses for good (400) is skipped, with its reason logged and recorded,
// and the rest still go; any other error stops the attempt at that part.
// A message none of whose parts could be delivered fails with the last
// refusal.
func (d *Dispatcher) sendParts(ctx context.Context, m outbox.Message, run *partRun) error {
	var refusal error
	var send func(parts []part) error
	send = func(parts []part) error {
		for _, p := range parts {
			if res, ok := run.prev[p.key]; ok {
				if res.Skipped != "" {
					// An album refused on an earlier attempt: its photos.
					if err := send(p.split); err != nil {
						return err
					}
				}
				continue
			}
			// The chat's and the bot's limiters first; a long wait puts
			// the message off (errPaced), to resume at this part.
			answered, err := d.pace.wait(ctx, m.ChatID, p.n)
			if err != nil {
				return err
			}
			ids, err := p.send()
			answered()
			if err == nil {
				run.done[p.key] = outbox.Part{IDs: ids}
				continue
			}
			if !refused(err) {
				return err
			}
			_, desc := TelegramError(err)
			d.opts.Logger.WarnContext(ctx, "outbox: telegram refused a part of the message; skipping it",
				"outbox_id", m.ID, "chat", chatForLog(m.ChatID), "part", p.key, "error", redact.URL(err))
			run.done[p.key] = outbox.Part{Skipped: "400 " + desc}
			refusal = err
			if err := send(p.split); err != nil {
				return err
			}
		}
		return nil
	}
	if err := send(run.parts); err != nil {
		return err
	}
	if refusal != nil && !slices.ContainsFunc(run.flat(), func(p part) bool {
		res, _ := run.result(p.key)
		return res.Skipped == ""
	}) {
		return fmt.Errorf("%w: %w", errAllSkipped, refusal)
	}
	return nil
}

// refused reports whether Telegram refused a request for good (400), as
// opposed to a chat that moved to a supergroup (also a 400).
func refused(err error) bool {
	if errors.As(err, new(badCall)) {
		return true
	}
	var migrated tele.GroupError
	if errors.As(err, &migrated) {
		return false
	}
	code, _ := TelegramError(err)
	return code == 400
}
