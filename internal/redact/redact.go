// Package redact keeps secrets — the bot token above all — out of logs and
// out of errors stored in the database. A Telegram bot token is part of
// every Bot API URL, so any error of net/http about a request carries it.
package redact

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// Mask is what a secret is replaced with.
const Mask = "<redacted>"

// Handler returns a slog.Handler that replaces every secret in a record's
// message and attributes (strings, errors and anything printed with %v,
// in groups too) before passing it to next. Empty secrets are ignored.
func Handler(next slog.Handler, secrets ...string) slog.Handler {
	var keep []string
	for _, s := range secrets {
		if s != "" {
			keep = append(keep, s)
		}
	}
	if len(keep) == 0 {
		return next
	}
	return &handler{next: next, secrets: keep}
}

type handler struct {
	next    slog.Handler
	secrets []string
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.text(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &handler{next: h.next.WithAttrs(clean), secrets: h.secrets}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), secrets: h.secrets}
}

// attr returns a with every secret in its value replaced.
func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		group := v.Group()
		clean := make([]slog.Attr, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	case slog.KindString:
		return slog.String(a.Key, h.text(v.String()))
	case slog.KindAny:
		s := fmt.Sprint(v.Any())
		if t := h.text(s); t != s {
			return slog.String(a.Key, t)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func (h *handler) text(s string) string {
	for _, secret := range h.secrets {
		s = strings.ReplaceAll(s, secret, Mask)
	}
	return s
}

// URL returns err without the URL of a failed HTTP request (which holds
// the bot token): a *url.Error anywhere in the chain is reduced to its
// operation and cause. Other errors are returned as they are.
func URL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return fmt.Errorf("%s: %w", urlErr.Op, urlErr.Err)
	}
	return err
}
