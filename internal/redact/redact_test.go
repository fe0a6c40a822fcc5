package redact_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"mcu/internal/redact"
)

const token = "123456:SECRET-token"

// TestHandlerRedactsEverywhere logs the token in every place a record can
// hold it and reads the output.
func TestHandlerRedactsEverywhere(t *testing.T) {
	var out strings.Builder
	logger := slog.New(redact.Handler(slog.NewTextHandler(&out, nil), token, ""))
	withToken := logger.With("url", "https://api.telegram.org/bot"+token+"/getMe")
	withToken.Error("call failed for bot"+token,
		"error", fmt.Errorf("post: %w", errors.New("bot"+token+" refused")),
		slog.Group("request", slog.String("path", "/bot"+token+"/sendMessage")),
		"any", []string{token},
		"count", 3,
	)
	logger.WithGroup("g").Info("ok", "path", "/bot"+token)
	got := out.String()
	if strings.Contains(got, "SECRET") {
		t.Errorf("the token is in the log:\n%s", got)
	}
	if n := strings.Count(got, redact.Mask); n != 6 {
		t.Errorf("%d masks, want 6 (message, url, error, group, any, group of a derived logger):\n%s", n, got)
	}
	if !strings.Contains(got, "count=3") {
		t.Errorf("a value without the token was changed:\n%s", got)
	}
}

func TestURLDropsTheRequestURL(t *testing.T) {
	err := fmt.Errorf("telebot: %w", &url.Error{Op: "Post", URL: "https://api.telegram.org/bot" + token + "/getMe", Err: errors.New("connection refused")})
	got := redact.URL(err).Error()
	if got != "Post: connection refused" {
		t.Errorf("redact.URL gave %q, want %q", got, "Post: connection refused")
	}
	plain := errors.New("telegram: Forbidden: bot was blocked by the user (403)")
	if redact.URL(plain) != plain {
		t.Error("an error with no URL was changed")
	}
}
