// Package digest composes the head's daily digest: it has
// the store count (Store), turns the counts into figures
// (workflow.ComputeDigest) and renders them (package render) as a text,
// buttons that open the cards of the overdue appeals it names, and a
// chart. It sends nothing: whoever sends (the scheduled job, /digest,
// mcu digest) hands its Message to the outbox.
package digest

import (
	"context"
	"fmt"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/workflow"
)

// Store is what the digest reads. storage.DB implements it.
type Store interface {
	// FindDigestRows counts what the digest of a window shows.
	FindDigestRows(ctx context.Context, w workflow.DigestWindow) (workflow.DigestRows, error)
	// FindDirections returns the active directions in their order.
	FindDirections(ctx context.Context) ([]workflow.Direction, error)
}

// Digest is the digest as figures.
type Digest = workflow.Digest

// Builder makes digests. Set every field.
type Builder struct {
	Store Store
	// Calendar gives the working days: of «due soon» and of answer times.
	Calendar workflow.WorkdayCounter
	// Location is MCU_TIMEZONE: where a day is a day.
	Location *time.Location
}

// Build returns the digest made at now, the previous one having been
// made at since (zero when there was none: the digest then counts from a
// day before now).
func (b *Builder) Build(ctx context.Context, since, now time.Time) (Digest, error) {
	w := workflow.NewDigestWindow(b.Calendar, b.Location, since, now)
	dirs, err := b.Store.FindDirections(ctx)
	if err != nil {
		return Digest{}, fmt.Errorf("digest: %w", err)
	}
	rows, err := b.Store.FindDigestRows(ctx, w)
	if err != nil {
		return Digest{}, fmt.Errorf("digest: %w", err)
	}
	return workflow.ComputeDigest(w, b.Calendar, dirs, rows), nil
}

// Message is a digest as Telegram takes it.
type Message struct {
	// Text is the digest in Russian, one phone screen. It fits a photo's
	// caption when render.FitsCaption says so (it does with the five
	// directions of the decree): then Chart, Text and Markup go as one
	// sendPhoto; otherwise the text follows the chart.
	Text string
	// Markup has a button per overdue appeal the text names; a press
	// sends the appeal's card to the chat (bot handles
	// render.UniqueDigestCard). It goes with the text.
	Markup *tele.ReplyMarkup
	// Chart is a PNG of render.ChartWidth × render.ChartHeight: the open
	// and the overdue appeals of each direction as bars.
	Chart []byte
}

// Compose builds the digest made at now (see Build) and renders it: the
// text, its buttons and the chart.
func (b *Builder) Compose(ctx context.Context, since, now time.Time) (Message, error) {
	d, err := b.Build(ctx, since, now)
	if err != nil {
		return Message{}, err
	}
	text, markup := render.Digest(d, b.Location)
	chart, err := render.DigestChart(d)
	if err != nil {
		return Message{}, fmt.Errorf("digest: %w", err)
	}
	return Message{Text: text, Markup: markup, Chart: chart}, nil
}
